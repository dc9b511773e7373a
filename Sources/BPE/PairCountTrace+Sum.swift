/// Traces in canonical form, and sums of traces: pair counts under a fixed merge list are
/// additive over the words counted, so the trace of a text is the sum of the traces of any
/// split of it into whole sequences (counted anywhere, in any order).
///
///     let whole = PairCountTrace.trace(words: wordsOfAB, alphabet: alphabet, merges: merges).canonical()
///     let parts = [wordsOfA, wordsOfB].map { PairCountTrace.trace(words: $0, alphabet: alphabet, merges: merges) }
///     // try PairCountTrace.sum(parts) == whole
extension PairCountTrace {
    /// The same counts with pairs in ascending key order, each step's deltas in that order, and
    /// no pair that never has a count (a pair made and unmade within one step). Two traces of
    /// the same counts are equal in this form whatever order their words came in.
    /// - Complexity: O(P log P + D) for P pairs and D deltas.
    public func canonical() -> PairCountTrace {
        var used = initialCounts.map { $0 != 0 }
        for local in deltaPairs { used[Int(local)] = true }
        let kept = pairs.indices.filter { used[$0] }.sorted { pairs[$0] < pairs[$1] }
        var newIndex = [Int32](repeating: -1, count: pairs.count)
        for (rank, old) in kept.enumerated() { newIndex[old] = Int32(rank) }
        var deltas: [(pair: Int32, value: Int64)] = []
        var canonicalPairs: [Int32] = [], canonicalValues: [Int64] = []
        canonicalPairs.reserveCapacity(deltaPairs.count)
        canonicalValues.reserveCapacity(deltaValues.count)
        var starts = [0]
        starts.reserveCapacity(deltaStarts.count)
        for step in 0..<steps {
            deltas.removeAll(keepingCapacity: true)
            for k in deltaStarts[step]..<deltaStarts[step + 1] { deltas.append((newIndex[Int(deltaPairs[k])], deltaValues[k])) }
            deltas.sort { $0.pair < $1.pair }
            for delta in deltas {
                canonicalPairs.append(delta.pair)
                canonicalValues.append(delta.value)
            }
            starts.append(canonicalPairs.count)
        }
        return PairCountTrace(pairs: kept.map { pairs[$0] }, initialCounts: kept.map { initialCounts[$0] }, deltaStarts: starts,
                              deltaPairs: canonicalPairs, deltaValues: canonicalValues)
    }

    /// The canonical trace of the counts of all `traces` together (each step's deltas summed
    /// per pair, zero sums dropped).
    /// - Throws: ``TraceSumError`` when the traces replay different numbers of merges.
    /// - Complexity: O(P log P + D) over all pairs and deltas.
    public static func sum(_ traces: [PairCountTrace]) throws -> PairCountTrace {
        guard let steps = traces.first?.steps else { throw TraceSumError(problem: "no traces to sum") }
        if let other = traces.first(where: { $0.steps != steps }) {
            throw TraceSumError(problem: "traces of \(steps) and \(other.steps) merge steps cannot be summed")
        }
        let keys = Array(Set(traces.flatMap(\.pairs))).sorted()
        var index: [UInt64: Int32] = [:]
        index.reserveCapacity(keys.count)
        for (rank, key) in keys.enumerated() { index[key] = Int32(rank) }
        let maps = traces.map { trace in trace.pairs.map { index[$0]! } }
        var initial = [Int64](repeating: 0, count: keys.count)
        for (trace, map) in zip(traces, maps) {
            for (local, count) in trace.initialCounts.enumerated() { initial[Int(map[local])] += count }
        }
        var pending = [Int64](repeating: 0, count: keys.count)
        var touched: [Int32] = []
        var deltaPairs: [Int32] = [], deltaValues: [Int64] = []
        var starts = [0]
        for step in 0..<steps {
            touched.removeAll(keepingCapacity: true)
            for (trace, map) in zip(traces, maps) {
                for k in trace.deltaStarts[step]..<trace.deltaStarts[step + 1] {
                    let pair = map[Int(trace.deltaPairs[k])]
                    if pending[Int(pair)] == 0 { touched.append(pair) }
                    pending[Int(pair)] += trace.deltaValues[k]
                    if pending[Int(pair)] == 0 { touched.append(pair) }  // may come back; deduplicated below
                }
            }
            touched.sort()
            var previous: Int32 = -1
            for pair in touched where pair != previous {
                previous = pair
                if pending[Int(pair)] != 0 {
                    deltaPairs.append(pair)
                    deltaValues.append(pending[Int(pair)])
                    pending[Int(pair)] = 0
                }
            }
            starts.append(deltaPairs.count)
        }
        // Pairs that cancel everywhere (never counted in the sum) are dropped by the canonical form.
        return PairCountTrace(pairs: keys, initialCounts: initial, deltaStarts: starts, deltaPairs: deltaPairs,
                              deltaValues: deltaValues).canonical()
    }
}

/// Traces that cannot be summed.
public struct TraceSumError: Error, CustomStringConvertible {
    public let problem: String
    public var description: String { problem }
}
