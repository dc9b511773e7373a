/// Pair counts of a corpus while a merge list is applied to it, step by step: the counts at
/// step 0 and, for each merge, only the counts it changed.
///
/// This is what mixture inference reads: at step `t` (before merge `t` is applied) the count
/// of pair `p` is its initial count plus the deltas of steps `0..<t`. A merge touches only the
/// words that hold its pair, so the deltas are small even when the corpus is large.
public struct PairCountTrace: Sendable, Equatable {
    /// Pair keys (`left << 32 | right` token ids); a pair's index here is its local id.
    public var pairs: [UInt64]
    /// Count of each local pair at step 0.
    public var initialCounts: [Int64]
    /// `deltaStarts[t]..<deltaStarts[t + 1]` are the deltas of merge `t`.
    public var deltaStarts: [Int]
    /// Local pair id of each delta.
    public var deltaPairs: [Int32]
    /// Change of the pair's count.
    public var deltaValues: [Int64]

    public init(pairs: [UInt64], initialCounts: [Int64], deltaStarts: [Int], deltaPairs: [Int32], deltaValues: [Int64]) {
        self.pairs = pairs
        self.initialCounts = initialCounts
        self.deltaStarts = deltaStarts
        self.deltaPairs = deltaPairs
        self.deltaValues = deltaValues
    }

    /// Number of merge steps traced.
    public var steps: Int { deltaStarts.count - 1 }

    /// Sum of all pair counts at step 0 (the normaliser of the paper's reference code).
    public var totalInitialPairs: Int64 { initialCounts.reduce(0, +) }

    /// Applies `merges` in order to the words and records every count change.
    public static func trace(words: WordCounts, alphabet: SymbolAlphabet, merges: ArraySlice<MergeRule>) -> PairCountTrace {
        var state = MergeState(wordCounts: words, alphabet: alphabet, recording: true)
        let initial = state.pairCounts.map(Int64.init)
        var deltaStarts = [0]
        var deltaPairs: [Int32] = []
        var deltaValues: [Int64] = []
        deltaStarts.reserveCapacity(merges.count + 1)
        for merge in merges {
            state.merge(pair: merge.pairKey, into: merge.result)
            // Sorted by local id so that traces are byte-identical run to run.
            for index in state.touched.sorted() {
                let change = state.pairCounts[Int(index)] - state.countBefore[Int(index)]
                if change != 0 {
                    deltaPairs.append(index)
                    deltaValues.append(Int64(change))
                }
            }
            deltaStarts.append(deltaPairs.count)
        }
        var initialCounts = initial
        initialCounts.append(contentsOf: repeatElement(0, count: state.pairKeys.count - initial.count))
        return PairCountTrace(pairs: state.pairKeys, initialCounts: initialCounts, deltaStarts: deltaStarts,
                              deltaPairs: deltaPairs, deltaValues: deltaValues)
    }
}
