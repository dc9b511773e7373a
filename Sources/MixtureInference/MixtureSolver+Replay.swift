import Collections
import Foundation

/// The replay of the counts merge by merge that every solve path and the fit quality share.
extension MixtureSolver {
    /// A heap entry: the pair with the largest weighted count minus slack first.
    struct Entry: Comparable {
        var value: Double
        var pair: Int32
        static func < (a: Entry, b: Entry) -> Bool { a.value != b.value ? a.value < b.value : a.pair > b.pair }
    }

    /// The counts of every category replayed merge by merge, with the weighted mixture count
    /// of every pair and a max-heap on `weighted - pairSlack` kept up to date (entries whose
    /// pair changed since are stale and skipped).
    struct Replay {
        let solver: MixtureSolver
        let pairSlack: [Double]
        let weight: [Double]
        var counts: [[Int64]]
        var weighted: [Double]
        var heap: Heap<Entry>
        private var changed: [Int32] = []
        private var changedStamp: [Int32]

        init(_ solver: MixtureSolver, alpha: [Double], pairSlack: [Double]) {
            self.solver = solver
            self.pairSlack = pairSlack
            weight = alpha.indices.map { alpha[$0] * solver.normalisers[$0] }
            counts = solver.traces.map(\.initialCounts)
            var weighted = [Double](repeating: 0, count: solver.pairCount)
            for (category, trace) in solver.traces.enumerated() where weight[category] != 0 {
                let map = solver.localToGlobal[category]
                for (local, count) in trace.initialCounts.enumerated() where count != 0 {
                    weighted[Int(map[local])] += weight[category] * Double(count)
                }
            }
            self.weighted = weighted
            heap = Heap((0..<solver.pairCount).lazy.filter { weighted[$0] > 0 }
                .map { Entry(value: weighted[$0] - pairSlack[$0], pair: Int32($0)) })
            changedStamp = [Int32](repeating: -1, count: solver.pairCount)
        }

        func isStale(_ entry: Entry) -> Bool { entry.value != weighted[Int(entry.pair)] - pairSlack[Int(entry.pair)] }

        /// `d_i = c[i](g) - c[i](m)` in normalised counts, for every category i.
        /// - Complexity: O(categories holding g or m).
        func countDifference(_ g: Int, minus m: Int) -> [Double] {
            var difference = [Double](repeating: 0, count: solver.names.count)
            for k in solver.memberStart[g]..<solver.memberStart[g + 1] {
                let category = Int(solver.memberCategory[k])
                difference[category] += Double(counts[category][Int(solver.memberLocal[k])])
            }
            for k in solver.memberStart[m]..<solver.memberStart[m + 1] {
                let category = Int(solver.memberCategory[k])
                difference[category] -= Double(counts[category][Int(solver.memberLocal[k])])
            }
            for i in difference.indices where difference[i] != 0 { difference[i] *= solver.normalisers[i] }
            return difference
        }

        func isPresentAnywhere(_ g: Int) -> Bool {
            for k in solver.memberStart[g]..<solver.memberStart[g + 1]
            where counts[Int(solver.memberCategory[k])][Int(solver.memberLocal[k])] > 0 { return true }
            return false
        }

        /// The largest `weighted - pairSlack` of any pair but `m` (0 when there is none): the
        /// best competitor of merge `m` at the current step. The heap is left as it was.
        mutating func bestCompetitor(of m: Int) -> Double {
            var popped: [Entry] = []
            var best = 0.0
            while let top = heap.popMax() {
                if isStale(top) { continue }
                popped.append(top)
                if Int(top.pair) != m { best = top.value; break }
            }
            for entry in popped { heap.insert(entry) }
            return best
        }

        /// Applies merge `t` to the counts.
        mutating func apply(step t: Int) {
            changed.removeAll(keepingCapacity: true)
            for (category, trace) in solver.traces.enumerated() {
                let map = solver.localToGlobal[category]
                let w = weight[category]
                for k in trace.deltaStarts[t]..<trace.deltaStarts[t + 1] {
                    let local = Int(trace.deltaPairs[k])
                    let delta = trace.deltaValues[k]
                    counts[category][local] += delta
                    let g = map[local]
                    if w != 0 { weighted[Int(g)] += w * Double(delta) }
                    if changedStamp[Int(g)] != Int32(t) {
                        changedStamp[Int(g)] = Int32(t)
                        changed.append(g)
                    }
                }
            }
            for g in changed where weighted[Int(g)] > 0 {
                heap.insert(Entry(value: weighted[Int(g)] - pairSlack[Int(g)], pair: g))
            }
        }
    }
}
