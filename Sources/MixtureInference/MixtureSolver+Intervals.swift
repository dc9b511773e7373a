import Collections
import Foundation

/// The LP solved by row generation on its *interval form* (``SolverOptions/Method/intervals``).
///
/// A pair's weighted count `W_t(p)` only changes at the steps whose merge touches it, so its
/// constraints `v_t + v_p >= W_t(p) - M_t(alpha)` (with `M_t` the merge's weighted count) come
/// in runs: over a run `I` of steps where its counts stand still they all read
/// `W_I(p) - v_p <= u_t` for `t` in `I`, with the *level* `u_t = v_t + M_t(alpha)`. One
/// inequality per run would do if the LP had `min_{t in I} u_t`; a segment tree over the
/// constrained steps gives it: a free variable `z_N` per tree node, `z_leaf(t) <= u_t`,
/// `z_N <= z_child`, so `z_N <= min_{t in N} u_t`, and a run is covered by at most
/// `2 log2 T` canonical nodes: `W_I(p) - v_p <= z_N` for each. Projected on `(alpha, v)` the
/// two LPs have the same feasible set, so the same optimum.
///
/// Why: at T = 30,000 with 57 categories, the optimum rests on tens of thousands of pairs
/// that beat thousands of late merges each ("pools" the tokenizer never merged). The
/// step-by-step form needs a row for every (step, pair) the optimum binds and discovers them
/// a few hundred pairs a round; here one pair's whole run costs a few dozen rows, found in
/// one round (measured: docs/lp-history.md).
///
/// Each round replays the counts once at the restricted LP's solution: the replay gives the
/// tightest step slacks for the LP's weights and pair slacks (a feasible point of the whole LP:
/// the upper bound), and closes every run of every pair, testing it against the minimum level
/// over the run (a sparse table of the levels so far). The most violated runs join the LP as
/// their violated canonical nodes. The restricted LP's optimum is the lower bound; the solve
/// is optimal when no run is violated, or the bounds meet.
extension MixtureSolver {
    /// Solves the LP on its interval form (see the extension's documentation).
    func solveByIntervals(options: SolverOptions, stepWeights: [Double]?, fixedAlpha: [Double]?,
                          progress: ((Int, Int) -> Void)?, trace: ((RoundTrace) -> Void)?) throws -> MixtureSolution {
        let n = names.count
        let solveStart = Date()
        var report = SolverReport()
        report.method = SolverOptions.Method.intervals.rawValue
        let layout = constrainedSteps(stepWeights: stepWeights)
        let positions = layout.steps.count
        var alpha = fixedAlpha ?? [Double](repeating: 1 / Double(n), count: n)
        var lpStepSlack = [Double](repeating: 0, count: steps)
        var pairSlack = [Double](repeating: 0, count: pairCount)
        guard positions > 0 else {
            // No merge occurs in any sample: nothing constrains the weights.
            report.converged = true
            report.stopReason = "optimal"
            report.missingSteps = layout.missing
            return certified((alpha, 0, lpStepSlack, pairSlack), lowerBound: 0, report: report, stepWeights: stepWeights)
        }
        let tree = StepTree(positions: positions)
        let lp = IntervalLP(categories: n, fixedWeights: fixedAlpha, nodeCount: tree.nodeCount,
                            stepCosts: layout.steps.map { stepWeights?[$0] ?? 1 }, merges: layout.mergeCounts)
        if options.fullTree { lp.addTree(tree) }
        var best: FeasiblePoint?
        var lowerBound = 0.0
        var history: [[Double]] = []

        for round in 1...options.maxRounds {
            report.rounds = round
            let separationStart = Date()
            let found = intervalReplay(alpha: alpha, lpStepSlack: lpStepSlack, pairSlack: pairSlack, layout: layout, tree: tree,
                                       options: options, stepWeights: stepWeights, known: lp)
            report.separationSeconds += Date().timeIntervalSince(separationStart)
            if best == nil || found.upperBound < best!.upper {
                best = (alpha, found.upperBound, found.stepSlack, pairSlack)
            }
            report.relaxationViolatedSteps = found.violatedRuns
            if MixtureSolver.roundVerdict(nothingToAdd: found.rows.isEmpty && found.links.isEmpty, round: round, earliestGapCheck: 2,
                                          upper: best!.upper, lower: lowerBound, options: options, history: history,
                                          started: solveStart, report: &report) { break }
            let newPairs = lp.add(found.rows, links: found.links)
            report.constraints += found.rows.count + found.links.count
            progress?(round, report.constraints)
            if let mps = options.mps, mps.round == round { try lp.write(mps: mps.path) }
            let solved = try MixtureSolver.solveRestricted(lp.solve, iterations: { lp.iterations }, report: &report)
            if fixedAlpha == nil {
                alpha = lp.weights()
            }
            lpStepSlack = [Double](repeating: 0, count: steps)
            for (position, t) in layout.steps.enumerated() { lpStepSlack[t] = lp.stepSlack(position) }
            pairSlack = lp.pairSlacks(count: pairCount)
            lowerBound = max(lowerBound, lp.objective)
            history.append(byteProportions(alpha))
            trace?(RoundTrace(round: round, violatedSteps: found.violatedRuns, largestViolation: found.largestViolation,
                              added: found.rows.count + found.links.count, newPairColumns: newPairs, deleted: 0,
                              cutsInLP: lp.pairRows + lp.linkRows,
                              lpSeconds: solved.seconds, simplexIterations: solved.iterations, objective: best!.upper,
                              elapsed: Date().timeIntervalSince(solveStart), lowerBound: lowerBound))
        }
        report.simplexIterations = lp.iterations
        report.pairSlackColumns = lp.pairColumns
        report.stepSlackColumns = lp.stepColumns
        report.missingSteps = layout.missing
        return certified(best!, lowerBound: lowerBound, report: report, stepWeights: stepWeights)
    }

    /// The steps that give constraints, in order, with the normalised counts of each one's
    /// merge (sparse, by category), and the steps skipped because no sample has their merge.
    struct ConstrainedSteps {
        var steps: [Int] = []
        /// Position of each step among `steps` (-1: gives no constraint).
        var position: [Int32]
        var mergeCounts: [[(category: Int32, count: Double)]] = []
        var missing: [Int] = []
    }

    /// One replay that finds which steps give constraints and the counts of their merges.
    func constrainedSteps(stepWeights: [Double]?) -> ConstrainedSteps {
        var layout = ConstrainedSteps(position: [Int32](repeating: -1, count: steps))
        var replay = Replay(self, alpha: [Double](repeating: 0, count: names.count), pairSlack: [Double](repeating: 0, count: pairCount))
        for t in 0..<MixtureSolver.activeEnd(steps: steps, stepWeights: stepWeights) {
            let m = Int(mergePair[t])
            if t < firstStep || stepWeights?[t] == 0 {
                // Only replayed: these merges belong to the base tokenizer, or the bootstrap left them out.
            } else if m < 0 || !replay.isPresentAnywhere(m) {
                layout.missing.append(t)
            } else {
                layout.position[t] = Int32(layout.steps.count)
                layout.steps.append(t)
                layout.mergeCounts.append(replay.normalisedCounts(of: m))
            }
            replay.apply(step: t)
        }
        return layout
    }

    /// A violated run of one pair, as the rows of its violated canonical nodes.
    struct RunRow {
        var pair: Int32
        /// The run's first position (with `pair`, it names the run).
        var start: Int32
        var node: Int32
        /// Normalised counts of the pair over the run, by category (non-zero only).
        var counts: [(category: Int32, count: Double)]
    }

    /// What an interval replay found.
    struct IntervalReplay {
        var upperBound = 0.0
        var stepSlack: [Double]
        var rows: [RunRow] = []
        /// Links `u_k >= z_N` to add: for new nodes, their lowest levels; for nodes above a
        /// level of their range, the levels below them.
        var links: [(node: Int32, position: Int32)] = []
        var violatedRuns = 0
        var largestViolation = 0.0
    }

    /// A violated run kept for the round (the most violated first).
    private struct Candidate: Comparable {
        var violation: Double
        var pair: Int32
        var start: Int32
        var end: Int32
        var excess: Double
        var counts: [(category: Int32, count: Double)]
        static func == (a: Candidate, b: Candidate) -> Bool { a.violation == b.violation && a.pair == b.pair && a.start == b.start }
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.violation != b.violation ? a.violation < b.violation : (a.pair, a.start) > (b.pair, b.start)
        }
    }

    /// One replay at the LP's point: the tightest step slacks (upper bound) and the most violated
    /// runs as rows over their violated canonical nodes that `known` lacks.
    func intervalReplay(alpha: [Double], lpStepSlack: [Double], pairSlack: [Double], layout: ConstrainedSteps, tree: StepTree,
                        options: SolverOptions, stepWeights: [Double]?, known: IntervalLP) -> IntervalReplay {
        var result = IntervalReplay(stepSlack: [Double](repeating: 0, count: steps))
        var upper = 0.0
        for g in 0..<pairCount where pairSlack[g] > 0 { upper += pairSlack[g] }
        var kept = Heap<Candidate>()
        let keep = max(1, options.maxRowsPerRound / 2)
        let tolerance = options.tolerance
        let levels = replayRuns(alpha: alpha, pairSlack: pairSlack, layout: layout, stepWeights: stepWeights,
                                atStep: { position, m, replay, levels in
                                    let t = layout.steps[position]
                                    let merged = replay.weighted[m]
                                    let slack = max(0, replay.bestCompetitor(of: m) - merged)
                                    result.stepSlack[t] = slack
                                    upper += (stepWeights?[t] ?? 1) * slack
                                    levels.append(lpStepSlack[t] + merged)
                                },
                                atRunEnd: { g, start, end, replay, levels in
                                    let excess = replay.weighted[g] - pairSlack[g]
                                    let level = levels.minimum(start, end)
                                    guard excess > level + tolerance * (1 + abs(level)) else { return }
                                    let violation = (excess - level) / (1 + abs(level))
                                    result.violatedRuns += 1
                                    result.largestViolation = max(result.largestViolation, violation)
                                    if kept.count >= keep, let weakest = kept.min, violation <= weakest.violation { return }
                                    kept.insert(Candidate(violation: violation, pair: Int32(g), start: Int32(start), end: Int32(end), excess: excess,
                                                          counts: replay.normalisedCounts(of: g)))
                                    if kept.count > keep { _ = kept.popMin() }
                                })
        result.upperBound = upper

        // Nodes of the LP above a level of their range get links to the levels below them (at a
        // quarter of the tolerance, so that a run violated through its node always adds one).
        let linkCount = options.linksPerNode
        for node in known.nodes {
            let low = Int(tree.lower[Int(node)]), high = Int(tree.upper[Int(node)])
            let z = known.level(of: node)
            let level = levels.minimum(low, high)
            guard z > level + tolerance / 4 * (1 + abs(level)) else { continue }
            for position in MixtureSolver.lowest(linkCount, of: levels.values, in: low..<high, below: z - tolerance / 4 * (1 + abs(z))) {
                result.links.append((node, Int32(position)))
            }
        }
        // The kept runs, most violated first, as their violated canonical nodes; a node new to
        // the LP comes with links to its lowest levels.
        var nodes: [Int32] = []
        var newNodeExcess: [Int32: Double] = [:]
        let limit = options.maxRowsPerRound
        var runsOfPair: [Int32: Int] = [:]
        for candidate in kept.unordered.sorted(by: >) {
            // A few pairs with many short runs would fill a round alone.
            let taken = runsOfPair[candidate.pair, default: 0]
            guard taken < options.maxCutsPerPair else { continue }
            runsOfPair[candidate.pair] = taken + 1
            nodes.removeAll(keepingCapacity: true)
            tree.cover(Int(candidate.start), Int(candidate.end), into: &nodes)
            for node in nodes {
                let low = Int(tree.lower[Int(node)]), high = Int(tree.upper[Int(node)])
                let level = levels.minimum(low, high)
                guard candidate.excess > level + tolerance * (1 + abs(level)),
                      !known.contains(pair: candidate.pair, node: node) else { continue }
                result.rows.append(RunRow(pair: candidate.pair, start: candidate.start, node: node, counts: candidate.counts))
                if !known.contains(node: node) {
                    newNodeExcess[node] = max(newNodeExcess[node] ?? -.infinity, candidate.excess)
                }
            }
            if result.rows.count >= limit { break }
        }
        // A new node is unbounded above until linked: to the levels of its range below the
        // largest excess it has to carry (at least its lowest).
        for (node, excess) in newNodeExcess.sorted(by: { $0.key < $1.key }) {
            let low = Int(tree.lower[Int(node)]), high = Int(tree.upper[Int(node)])
            var positions = MixtureSolver.lowest(linkCount, of: levels.values, in: low..<high, below: excess)
            if positions.isEmpty { positions = MixtureSolver.lowest(1, of: levels.values, in: low..<high, below: .infinity) }
            for position in positions { result.links.append((node, Int32(position))) }
        }
        return result
    }

    /// The positions of the `count` lowest values in `range` that are below `bound` (lowest first,
    /// then by position).
    /// - Complexity: O(range.count x count).
    static func lowest(_ count: Int, of values: [Double], in range: Range<Int>, below bound: Double) -> [Int] {
        var chosen: [Int] = []
        for position in range where values[position] < bound {
            if chosen.count == count {
                guard values[position] < values[chosen[count - 1]] else { continue }
                chosen.removeLast()
            }
            var index = chosen.count
            while index > 0 && values[chosen[index - 1]] > values[position] { index -= 1 }
            chosen.insert(position, at: index)
        }
        return chosen
    }
}

extension MixtureSolver.Replay {
    /// The counts of pair `g` in every category holding it now, normalised (non-zero only).
    func normalisedCounts(of g: Int) -> [(category: Int32, count: Double)] {
        var result: [(category: Int32, count: Double)] = []
        for k in solver.memberStart[g]..<solver.memberStart[g + 1] {
            let category = Int(solver.memberCategory[k])
            let count = counts[category][Int(solver.memberLocal[k])]
            if count != 0 { result.append((Int32(category), Double(count) * solver.normalisers[category])) }
        }
        return result
    }
}

/// A segment tree over the constrained steps (positions `0..<positions`): node `j` covers
/// `lower[j]..<upper[j]`; the leaf of position `k` is `leaf[k]`.
struct StepTree {
    var lower: [Int32] = []
    var upper: [Int32] = []
    var left: [Int32] = []
    var right: [Int32] = []
    var leaf: [Int32]
    let root: Int32

    init(positions: Int) {
        precondition(positions > 0)
        leaf = [Int32](repeating: -1, count: positions)
        var tree = (lower: [Int32](), upper: [Int32](), left: [Int32](), right: [Int32](), leaf: leaf)
        func build(_ low: Int, _ high: Int) -> Int32 {
            let node = Int32(tree.lower.count)
            tree.lower.append(Int32(low)); tree.upper.append(Int32(high)); tree.left.append(-1); tree.right.append(-1)
            if high - low == 1 {
                tree.leaf[low] = node
            } else {
                let middle = (low + high) / 2
                let l = build(low, middle), r = build(middle, high)
                tree.left[Int(node)] = l; tree.right[Int(node)] = r
            }
            return node
        }
        root = build(0, positions)
        (lower, upper, left, right, leaf) = (tree.lower, tree.upper, tree.left, tree.right, tree.leaf)
    }

    var nodeCount: Int { lower.count }

    /// The canonical nodes whose ranges partition `start..<end` (at most `2 log2 positions`).
    func cover(_ start: Int, _ end: Int, into nodes: inout [Int32]) {
        func visit(_ node: Int32) {
            let low = Int(lower[Int(node)]), high = Int(upper[Int(node)])
            if end <= low || high <= start { return }
            if start <= low && high <= end { nodes.append(node); return }
            visit(left[Int(node)]); visit(right[Int(node)])
        }
        visit(root)
    }
}

/// Range minima of a sequence that grows at its end: a sparse table filled as values arrive.
/// - Complexity: O(log n) per append, O(1) per query.
struct SparseMinimum {
    private var table: [[Double]]
    private(set) var count = 0

    init(capacity: Int) {
        var levels = 1
        while 1 << levels <= capacity { levels += 1 }
        table = [[Double]](repeating: [Double](repeating: .infinity, count: max(1, capacity)), count: levels)
    }

    /// The values appended so far, then `infinity` up to the capacity.
    var values: [Double] { table[0] }

    mutating func append(_ value: Double) {
        let k = count
        table[0][k] = value
        var j = 1
        while j < table.count, k - (1 << j) + 1 >= 0 {
            let i = k - (1 << j) + 1
            table[j][i] = min(table[j - 1][i], table[j - 1][i + (1 << (j - 1))])
            j += 1
        }
        count += 1
    }

    /// The minimum of values `start..<end` (`end > start`, all appended).
    func minimum(_ start: Int, _ end: Int) -> Double {
        var j = 0
        while 1 << (j + 1) <= end - start { j += 1 }
        return min(table[j][start], table[j][end - (1 << j)])
    }
}
