import CMinCostFlow
import Foundation

/// The slack problem for fixed weights over the *whole* LP (every step against every pair),
/// solved exactly as a minimum-cost flow on the interval network (LEMON's network simplex).
///
/// For fixed `alpha` the optimal slacks are a weighted bipartite vertex cover between steps and
/// pairs; its dual is a maximum-weight b-matching on the edges with `w_tp = W_t(p) - M_t > 0`
/// (step `t` matched up to its weight `c_t` times, each pair once). A pair's count stands still
/// over runs of steps, so its edges come in runs, and a run reaches its steps through the at
/// most `2 log2 T` canonical nodes of a segment tree over the steps:
///
///     pair p (supply 1) --(cost -W_I(p))--> each canonical node of its run I
///     tree node --(cost 0)--> its two children ... leaf of step t --(cost M_t, capacity c_t)--> sink
///     pair p --(cost 0)--> sink                       (p stays unmatched)
///
/// A unit from `p` that reaches the leaf of `t` is the edge (t, p), of weight `W_I(p) - M_t`; a
/// minimum-cost flow is a maximum-weight matching. Only the leaves' capacities can bind (a pair
/// ships one unit at most), so the others are left unbounded, and then the flow's potentials
/// `pi` (relative to the sink) are an optimal cover: `v_p = pi_p >= 0` and the step slack
/// `-pi_leaf - M_t` where positive. The network holds only the runs that beat the merge count
/// of some step of theirs, and of their canonical nodes those whose range holds such a step:
/// at T = 30,000 and 57 categories, 3.2 million arcs where the (step, pair) form has hundreds
/// of millions of positive edges.
///
/// The flow needs integer costs: counts are rounded to a grid of 1e-9 of the largest, so the
/// matching and cover are optimal for the rounded weights (the cover's objective is then
/// `F(alpha)` to about 1e-6 relative: each pair slack is off by up to a grid step). A
/// `precise` flow rounds to 1e-15 of the largest instead (about a double's precision, summed
/// in 128 bits): its cover is worth `F(alpha)` to round-off, fine enough to close the gap with
/// the LP's bound, and slower. Either serves the exact solve (a feasible point, and the
/// constraints the optimum at `alpha` binds); the certificate is the final replay.
struct SlackFlow {
    /// The matched (step, pair) edges: the constraints an optimal cover at `alpha` binds.
    var edges: [(step: Int, pair: Int32)] = []
    /// The matching's weight at `alpha` (`F(alpha)`, the slack optimum, to within the rounding).
    var value = 0.0
    /// The pair slacks of an optimal cover (every pair; 0 for pairs with no edge).
    var pairSlack: [Double] = []
    /// Arcs of the network.
    var arcs = 0
    /// Seconds spent building the network (a replay) and in the flow solver.
    var networkSeconds = 0.0, solverSeconds = 0.0
}

extension MixtureSolver {
    /// Solves the slack problem at `alpha` as a minimum-cost flow (see ``SlackFlow``). Nil when
    /// the step weights are not whole numbers (b-matching capacities) or the flow solver fails
    /// (out of memory): the caller goes on without it. `layout`: the solve's constrained steps
    /// (they depend on the step weights alone, so a solve computes them once; nil: computed here).
    /// `preferred`: edges the caller holds (pair -> steps); of the optimal matchings, the flow
    /// returns one using as many of them as any does.
    /// - Complexity: one replay to build the network (O(runs x log T) arcs), then LEMON's network
    ///   simplex on it.
    func slackFlow(alpha: [Double], stepWeights: [Double]?, layout: ConstrainedSteps? = nil,
                   preferred: [Int32: [Int]] = [:], precise: Bool = false) -> SlackFlow? {
        if let stepWeights, !stepWeights.allSatisfy({ $0 == $0.rounded() }) { return nil }
        var result = SlackFlow(pairSlack: [Double](repeating: 0, count: pairCount))
        let started = Date()
        let layout = layout ?? constrainedSteps(stepWeights: stepWeights)
        let positions = layout.steps.count
        guard positions > 0 else { return result }
        let tree = StepTree(positions: positions)

        // The runs that beat a merge count of their range, as (pair, canonical node, weighted count).
        var merged: [Double] = []
        merged.reserveCapacity(positions)
        var runPair: [Int32] = [], runNode: [Int32] = [], runCount: [Double] = []
        var covering: [Int32] = []
        // Edges the caller already holds, by pair, as positions: offered to the flow as direct
        // arcs to their step's leaf, a hair cheaper than the same edge through the tree.
        var preferredPositions: [Int32: [Int]] = [:]
        for (pair, steps) in preferred {
            let positions = steps.compactMap { layout.position[$0] >= 0 ? Int(layout.position[$0]) : nil }
            if !positions.isEmpty { preferredPositions[pair] = positions }
        }
        var directPair: [Int32] = [], directPosition: [Int32] = [], directCount: [Double] = []
        replayRuns(alpha: alpha, pairSlack: [Double](repeating: 0, count: pairCount), layout: layout, stepWeights: stepWeights,
                   atStep: { _, m, replay, levels in
                       merged.append(replay.weighted[m])
                       levels.append(replay.weighted[m])
                   },
                   atRunEnd: { g, start, end, replay, levels in
                       let count = replay.weighted[g]
                       guard count > levels.minimum(start, end) else { return }
                       covering.removeAll(keepingCapacity: true)
                       tree.cover(start, end, into: &covering)
                       for node in covering where count > levels.minimum(Int(tree.lower[Int(node)]), Int(tree.upper[Int(node)])) {
                           runPair.append(Int32(g)); runNode.append(node); runCount.append(count)
                       }
                       for position in preferredPositions[Int32(g)] ?? [] where position >= start && position < end && count > merged[position] {
                           directPair.append(Int32(g)); directPosition.append(Int32(position)); directCount.append(count)
                       }
                   })

        // Nodes: the tree's (0..<N), then the pairs with a run, then the sink.
        let treeNodes = tree.nodeCount
        var pairNode = [Int32](repeating: -1, count: pairCount)
        var nodePair: [Int32] = []
        for g in runPair where pairNode[Int(g)] < 0 {
            pairNode[Int(g)] = Int32(treeNodes + nodePair.count)
            nodePair.append(g)
        }
        let sink = Int32(treeNodes + nodePair.count)
        let nodeCount = Int(sink) + 1
        let unit = max(merged.max() ?? 0, runCount.max() ?? 0, .leastNormalMagnitude) * (precise ? 1e-15 : 1e-9)
        // Costs on the grid, times `tieBreak`: a direct arc costs 1 less than its path through the
        // tree, so of the many optimal matchings (any pairing of the same matched steps and
        // pairs under a run is one) the flow takes one using the most edges the caller holds,
        // and a flow round brings only the constraints the LP lacks.
        let tieBreak: Int64 = 16
        func cost(_ value: Double) -> Int64 { tieBreak * Int64((value / unit).rounded()) }

        var tail: [Int32] = [], head: [Int32] = [], capacity: [Int64] = [], arcCost: [Int64] = []
        let internalNodes = treeNodes - positions
        let arcCount = 2 * internalNodes + positions + nodePair.count + runPair.count
        tail.reserveCapacity(arcCount); head.reserveCapacity(arcCount)
        capacity.reserveCapacity(arcCount); arcCost.reserveCapacity(arcCount)
        func arc(_ from: Int32, _ to: Int32, _ upper: Int64, _ price: Int64) {
            tail.append(from); head.append(to); capacity.append(upper); arcCost.append(price)
        }
        let unbounded = Int64(nodePair.count + 1)
        for node in 0..<treeNodes where tree.left[node] >= 0 {
            arc(Int32(node), tree.left[node], unbounded, 0)
            arc(Int32(node), tree.right[node], unbounded, 0)
        }
        for position in 0..<positions {
            arc(tree.leaf[position], sink, Int64(stepWeights?[layout.steps[position]] ?? 1), cost(merged[position]))
        }
        for g in nodePair { arc(pairNode[Int(g)], sink, unbounded, 0) }
        let firstRunArc = tail.count
        for k in runPair.indices { arc(pairNode[Int(runPair[k])], runNode[k], unbounded, -cost(runCount[k])) }
        let firstDirectArc = tail.count
        for k in directPair.indices {
            arc(pairNode[Int(directPair[k])], tree.leaf[Int(directPosition[k])], 1, -cost(directCount[k]) - 1)
        }
        var supply = [Int64](repeating: 0, count: nodeCount)
        for g in nodePair { supply[Int(pairNode[Int(g)])] = 1 }
        supply[Int(sink)] = -Int64(nodePair.count)
        result.arcs = tail.count

        var flow = [Int64](repeating: 0, count: tail.count)
        var potential = [Int64](repeating: 0, count: nodeCount)
        let solverStarted = Date()
        result.networkSeconds = solverStarted.timeIntervalSince(started)
        guard toksleuth_min_cost_flow(Int32(nodeCount), Int64(tail.count), tail, head, capacity, arcCost, supply,
                                      sink, precise ? 1 : 0, &flow, &potential) == 0 else { return nil }
        result.solverSeconds = Date().timeIntervalSince(solverStarted)
        for g in nodePair {
            result.pairSlack[Int(g)] = max(0, Double(potential[Int(pairNode[Int(g)])]) * unit / Double(tieBreak))
        }

        // The matched edges: hand the units down the tree as the arc flows say (any such
        // decomposition is a maximum matching: the tree's arcs cost nothing).
        for k in directPair.indices where flow[firstDirectArc + k] > 0 {
            let position = Int(directPosition[k])
            result.edges.append((layout.steps[position], directPair[k]))
            result.value += directCount[k] - merged[position]
        }
        var childFlow = [Int](repeating: 0, count: treeNodes)
        for k in 0..<(2 * internalNodes) { childFlow[Int(head[k])] = Int(flow[k]) }
        var arriving = [[(pair: Int32, count: Double)]](repeating: [], count: treeNodes)
        for k in runPair.indices where flow[firstRunArc + k] > 0 {
            arriving[Int(runNode[k])].append((runPair[k], runCount[k]))
        }
        // A parent's index is below its children's (the tree is built parent first).
        for node in 0..<treeNodes {
            var units = arriving[node]
            arriving[node] = []
            if tree.left[node] < 0 {
                let position = Int(tree.lower[node])
                for unit in units {
                    result.edges.append((layout.steps[position], unit.pair))
                    result.value += unit.count - merged[position]
                }
                continue
            }
            for child in [tree.left[node], tree.right[node]] {
                let take = min(childFlow[Int(child)], units.count)
                arriving[Int(child)] += units.suffix(take)
                units.removeLast(take)
            }
        }
        return result
    }

    /// Replays the counts at `alpha` and closes every run of every pair: `atStep(position, merge,
    /// replay, levels)` at each constrained step before its merge applies (it appends the step's
    /// level), `atRunEnd(pair, first, end, replay, levels)` when a pair's counts are about to
    /// change (or at the end), with the run's positions `first..<end` and the replay still
    /// holding the run's counts. Runs end where a pair's counts change, and the merged pair's at
    /// its own step (which gives it no constraint). Returns the levels.
    @discardableResult
    func replayRuns(alpha: [Double], pairSlack: [Double], layout: ConstrainedSteps, stepWeights: [Double]?,
                    atStep: (Int, Int, inout Replay, inout SparseMinimum) -> Void,
                    atRunEnd: (Int, Int, Int, Replay, SparseMinimum) -> Void) -> SparseMinimum {
        var replay = Replay(self, alpha: alpha, pairSlack: pairSlack)
        var levels = SparseMinimum(capacity: layout.steps.count)
        var runStart = [Int32](repeating: 0, count: pairCount)
        var stamp = [Int32](repeating: -1, count: pairCount)
        var changed: [Int32] = []
        func close(_ g: Int, end: Int) {
            let start = Int(runStart[g])
            guard end > start, replay.weighted[g] > 0 else { return }
            atRunEnd(g, start, end, replay, levels)
        }
        for t in 0..<MixtureSolver.activeEnd(steps: steps, stepWeights: stepWeights) {
            let position = Int(layout.position[t])
            let m = Int(mergePair[t])
            if position >= 0 { atStep(position, m, &replay, &levels) }
            changed.removeAll(keepingCapacity: true)
            for (category, trace) in traces.enumerated() {
                let map = localToGlobal[category]
                for k in trace.deltaStarts[t]..<trace.deltaStarts[t + 1] {
                    let g = map[Int(trace.deltaPairs[k])]
                    if stamp[Int(g)] != Int32(t) { stamp[Int(g)] = Int32(t); changed.append(g) }
                }
            }
            if position >= 0 && stamp[m] != Int32(t) { stamp[m] = Int32(t); changed.append(Int32(m)) }
            let passed = levels.count
            for g in changed {
                close(Int(g), end: Int(g) == m && position >= 0 ? passed - 1 : passed)
                runStart[Int(g)] = Int32(passed)
            }
            replay.apply(step: t)
        }
        for g in 0..<pairCount { close(g, end: levels.count) }
        return levels
    }
}
