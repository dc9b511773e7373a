import Foundation

/// The replays both LP methods share: the feasible point (upper bound) and the violated
/// constraints at the current weights and slacks, and the final check of a point against every
/// (step, pair).
extension MixtureSolver {
    /// What a replay at a query point found.
    struct CoverReplay {
        /// The cover's objective: `sum_t c_t v_t + sum_p v_p` with the tightest step slacks.
        var upperBound = 0.0
        /// The tightest step slacks for the pair slacks given.
        var stepSlack: [Double]
        /// Edges violated by the slack LP's own solution and not in its working set.
        var edges: [SeparatedEdge] = []
        /// Steps with such an edge.
        var violatedSteps = 0
        /// The largest violation against the slack LP's own step slacks (relative).
        var largestViolation = 0.0
        /// The edges asked for by `requested` that `known` does not hold, with their coefficients.
        var requested: [SeparatedEdge] = []
    }

    /// One replay at `alpha` with the slack LP's slacks: the cover's upper bound and step slacks,
    /// and up to `pairsPerStep` violated edges per step that `known` does not hold; also the
    /// coefficients of the edges `requested` names (pairs by step) that `known` does not hold.
    func coverReplay(alpha: [Double], lpStepSlack: [Double], pairSlack: [Double], known: Set<UInt64>,
                     options: SolverOptions, stepWeights: [Double]?, missing: inout Set<Int>,
                     requested: [Int: [Int32]] = [:]) -> CoverReplay {
        var replay = Replay(self, alpha: alpha, pairSlack: pairSlack)
        var result = CoverReplay(stepSlack: [Double](repeating: 0, count: steps))
        var upper = 0.0
        for g in 0..<pairCount where pairSlack[g] > 0 { upper += pairSlack[g] }
        var popped: [Entry] = []
        var seenAt = [Int32](repeating: -1, count: pairCount)
        for t in 0..<MixtureSolver.activeEnd(steps: steps, stepWeights: stepWeights) {
            let m = Int(mergePair[t])
            if t < firstStep || stepWeights?[t] == 0 {
                // Only replayed: these merges belong to the base tokenizer, or the bootstrap left them out.
            } else if m < 0 || !replay.isPresentAnywhere(m) {
                missing.insert(t)
            } else {
                for g in requested[t] ?? [] where !known.contains(SeparatedEdge.key(step: t, pair: g)) {
                    result.requested.append(SeparatedEdge(step: t, pair: g, violation: 0, coefficients: replay.countDifference(Int(g), minus: m)))
                }
                let merged = replay.weighted[m]
                let threshold = merged + lpStepSlack[t]
                let cutoff = threshold + options.tolerance * (1 + abs(threshold))
                popped.removeAll(keepingCapacity: true)
                var taken = 0
                var first = true
                while let top = replay.heap.popMax() {
                    let g = Int(top.pair)
                    if replay.isStale(top) || seenAt[g] == Int32(t) { continue }
                    seenAt[g] = Int32(t)
                    popped.append(top)
                    if g == m { continue }
                    if first {
                        first = false
                        // The best competitor after its pair slack sets the step slack of the cover.
                        let slack = max(0, top.value - merged)
                        result.stepSlack[t] = slack
                        upper += (stepWeights?[t] ?? 1) * slack
                        if top.value > cutoff {
                            result.violatedSteps += 1
                            result.largestViolation = max(result.largestViolation, (top.value - threshold) / (1 + abs(threshold)))
                        }
                    }
                    if top.value <= cutoff || taken >= options.pairsPerStep { break }
                    if known.contains(SeparatedEdge.key(step: t, pair: Int32(g))) { continue }
                    let coefficients = replay.countDifference(g, minus: m)
                    result.edges.append(SeparatedEdge(step: t, pair: Int32(g), violation: (top.value - threshold) / (1 + abs(threshold)),
                                                      coefficients: coefficients))
                    taken += 1
                }
                for entry in popped { replay.heap.insert(entry) }
            }
            replay.apply(step: t)
        }
        result.upperBound = upper
        return result
    }

    /// One past the last step that gives constraints: the replays stop there (later steps of
    /// weight 0, which a bootstrap may leave out, change nothing).
    static func activeEnd(steps: Int, stepWeights: [Double]?) -> Int {
        guard let stepWeights else { return steps }
        return (stepWeights.lastIndex { $0 != 0 } ?? -1) + 1
    }

    /// The largest violation of any constraint (t, p) by the point (alpha, step and pair slacks),
    /// over every step and every pair: one full replay, independent of how the point was found.
    /// Absolute, in the LP's count units, and relative to `1 + |w_t(m_t) + v_t|`.
    func largestViolation(alpha: [Double], stepSlack: [Double], pairSlack: [Double], stepWeights: [Double]?) -> (absolute: Double, relative: Double) {
        var replay = Replay(self, alpha: alpha, pairSlack: pairSlack)
        var absolute = 0.0, relative = 0.0
        var popped: [Entry] = []
        for t in 0..<MixtureSolver.activeEnd(steps: steps, stepWeights: stepWeights) {
            let m = Int(mergePair[t])
            if t >= firstStep && stepWeights?[t] != 0 && m >= 0 && replay.isPresentAnywhere(m) {
                popped.removeAll(keepingCapacity: true)
                while let top = replay.heap.popMax() {
                    if replay.isStale(top) { continue }
                    popped.append(top)
                    if Int(top.pair) == m { continue }
                    let threshold = replay.weighted[m] + stepSlack[t]
                    absolute = max(absolute, top.value - threshold)
                    relative = max(relative, (top.value - threshold) / (1 + abs(threshold)))
                    break
                }
                for entry in popped { replay.heap.insert(entry) }
            }
            replay.apply(step: t)
        }
        return (absolute, relative)
    }
}
