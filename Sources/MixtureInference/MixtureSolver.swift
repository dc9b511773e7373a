import BPE
import Collections
import Foundation

/// An error of the inference, worded for the user.
public struct InferenceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Settings of the LP solve. The defaults solve to proven optimality; every early stop is
/// opt-in and labelled in the result (``SolverReport/stopReason``).
public struct SolverOptions: Sendable {
    /// How the LP is solved.
    public enum Method: String, Sendable, CaseIterable {
        /// Row and column generation on the whole LP (the paper's method), with an upper bound
        /// from every replay.
        case rowGeneration = "row-generation"
        /// Decomposition in the weights: a master over the weights, a slack LP per query.
        case decomposition
    }
    /// The algorithm (chosen by measurement: README, "Solving the LP").
    public var method = Method.rowGeneration
    /// Most violated pairs taken per merge step and round (the reference code takes 10).
    public var pairsPerStep = 10
    /// Most constraints of one pair per round (its most violated steps): the pairs that top
    /// every late step would otherwise fill a round alone.
    public var maxCutsPerPair = 5
    /// At most this many constraints join per round (the most violated first).
    public var maxRowsPerRound = 30_000
    /// A constraint that has not bound for more than this many rounds in a row is deleted (nil:
    /// never); one that is deleted at once tends to come back.
    public var cutAge: Int? = 5
    /// Counts are per `scale` pairs of the category's sample, so LP coefficients are O(1).
    public var scale = 1e6
    /// A constraint counts as violated when it is off by more than this (relative).
    public var tolerance = 1e-7
    /// Optimal when the relative gap between the best feasible point and the proven lower bound
    /// is at most this (or, in row generation, when a replay finds nothing violated).
    public var gapTolerance = 1e-9
    /// The form of the LP GLPK solves (row generation).
    public var form: LPForm = .dual
    /// Decomposition: slack solves and replays per query before the master moves (the cut of
    /// an unfinished matching is valid, only weaker); a fixed mixture repeats until exact.
    public var oracleRepeats = 2
    /// Decomposition: hand over to row generation, seeded with the matched edges, once the
    /// relative gap is this small.
    public var crossoverGap = 1e-4
    /// In-out stabilisation of the decomposition: the next query is this share of the best
    /// point plus the rest of the master's minimiser (0: plain cutting planes).
    public var stabilization = 0.5
    /// Stop after this many rounds at the latest (the result is then labelled "round limit").
    public var maxRounds = 1_000_000
    /// Stop after the round that passes this many seconds of solving (nil: no limit). The
    /// result is the best feasible point at that point, labelled "time limit", never cached.
    public var timeLimit: Double?
    /// Opt-in heuristic stop, labelled "stable": when no byte proportion moved by more than
    /// this over the last `stabilityWindow` rounds (0: off).
    public var stabilityTolerance = 0.0
    public var stabilityWindow = 5
    /// Diagnosis: write the restricted LP of this round to this MPS file (row generation).
    public var mps: (path: String, round: Int)?
    public init() {}
}

/// Facts about one solve, for the user and for reports.
public struct SolverReport: Sendable, Codable {
    public var rounds = 0
    public var constraints = 0
    public var pairSlackColumns = 0
    public var stepSlackColumns = 0
    public var objective = 0.0
    public var simplexIterations = 0
    /// True when the final replay found no violated constraint: the solution is optimal for
    /// the full LP.
    public var converged = false
    /// Why the rounds ended: "optimal", "stable" (proportions stopped moving) or "round limit".
    public var stopReason = ""
    /// Violated constraints the last replay still found (0 when optimal).
    public var remainingViolations = 0
    /// Seconds spent replaying counts to find violated constraints.
    public var separationSeconds = 0.0
    /// Seconds spent in GLPK.
    public var lpSeconds = 0.0
    /// Steps whose merge occurs in no category sample at that point (skipped).
    public var missingSteps: [Int] = []
    /// The largest violation of any constraint (t, p) by the returned point, found by a final
    /// replay of every step against every pair: relative to `1 + |w_t(m_t) + v_t|`, and in count
    /// units (`largestViolationAbsolute`). At most round-off when optimal.
    public var largestViolation = 0.0
    public var largestViolationAbsolute = 0.0
    /// A proven lower bound of the LP optimum (decomposition), and the relative gap
    /// `(objective - lowerBound) / max(1, objective)`: optimal when it is within tolerance.
    public var lowerBound = -Double.infinity
    public var gap = Double.infinity
    /// The algorithm: "decomposition" or "row generation".
    public var method = ""
    public init() {}
}

/// What one round of the row generation did (for diagnosis and benchmarks).
public struct RoundTrace: Sendable, Codable {
    public var round: Int
    public var violatedSteps: Int
    public var largestViolation: Double
    public var added: Int
    public var newPairColumns: Int
    public var deleted: Int
    public var cutsInLP: Int
    public var lpSeconds: Double
    public var simplexIterations: Int
    public var objective: Double
    public var elapsed: Double
    /// The lower bound of the LP optimum so far (decomposition; -infinity before the first).
    public var lowerBound: Double = -.infinity
}

/// The solution: category weights in pair units and proportions in bytes.
public struct MixtureSolution: Sendable {
    public var names: [String]
    /// LP weights on the per-pair-normalised counts.
    public var alpha: [Double]
    /// Proportions of training bytes: alpha_i x bytes_i / pairs_i, renormalised.
    public var proportions: [Double]
    /// The pair slacks v_p of the solution, by global pair index (0 for pairs never in a cut):
    /// how much more frequent than the merges each pair may be without counting against the
    /// mixture (pairs the tokenizer never merges although the samples have them often).
    public var pairSlack: [Double]
    /// The step slacks v_t of the solution (0 for steps that give no constraint).
    public var stepSlack: [Double]
    public var report: SolverReport
}

/// Solves the paper's LP1_T,
///
///     minimise   sum_t v_t + sum_p v_p
///     subject to v_t + v_p + sum_i a_i (c[i,t](m_t) - c[i,t](p)) >= 0   for all t, p != m_t
///                a >= 0, sum_i a_i = 1, v >= 0,
///
/// and proves what it returns. Every round replays the count deltas step by step, keeping the
/// pairs in a max-heap on `sum_i a_i c[i,t](p) - v_p` (updated only for the pairs a step
/// changes). From the current weights and pair slacks the replay builds a *feasible point* of
/// the whole LP (each step slack raised to cover its best competitor), whose objective bounds the
/// optimum from above, and collects the violated constraints the current LP lacks. A
/// *relaxation* bounds it from below: the restricted LP over the constraints found so far (row
/// generation), or the master over the weights (``solveByDecomposition``). The solve is optimal
/// when the two bounds meet within ``SolverOptions/gapTolerance``; the report carries both, the
/// gap, and the largest violation of the returned point found by a final replay of every step
/// against every pair.
///
/// Row generation keeps one long-lived GLPK problem, in its dual form by default (``LPForm``):
/// each cut becomes a column, so the previous basis stays primal feasible and the primal
/// simplex restarts warm; cuts that have not bound for ``SolverOptions/cutAge`` rounds are
/// deleted.
public final class MixtureSolver {
    let names: [String]
    let sampleBytes: [Int]
    let traces: [PairCountTrace]
    let normalisers: [Double]
    let pairCount: Int
    let localToGlobal: [[Int32]]
    /// For each global pair, its (category, local id) entries: `members[start[g]..<start[g+1]]`.
    let memberStart: [Int]
    let memberCategory: [Int32]
    let memberLocal: [Int32]
    let mergePair: [Int32]
    let steps: Int
    /// Steps before this one are applied to the counts but give no constraints (attacking
    /// only the merges a tokenizer added on top of another's).
    let firstStep: Int

    /// Prepares the counts of all categories under the same merge list; constraints come from
    /// steps `firstStep..<merges.count`.
    public init(categories: [CategoryCounts], merges: ArraySlice<MergeRule>, firstStep: Int = 0, scale: Double = 1e6) throws {
        guard !categories.isEmpty else { throw InferenceError("no categories to infer over") }
        let steps = merges.count
        guard steps > firstStep, firstStep >= 0 else { throw InferenceError("the number of merges must be positive") }
        self.firstStep = firstStep
        names = categories.map(\.name)
        sampleBytes = categories.map(\.sampleBytes)
        traces = categories.map(\.trace)
        for category in categories where category.trace.steps != steps {
            throw InferenceError("category \(category.name) was counted for \(category.trace.steps) merges, not \(steps)")
        }
        var normalisers: [Double] = []
        for category in categories {
            let total = category.trace.totalInitialPairs
            guard total > 0 else {
                throw InferenceError("category \(category.name) has no adjacent byte pairs (its text is too short)")
            }
            normalisers.append(scale / Double(total))
        }
        self.normalisers = normalisers
        var globalIndex: [UInt64: Int32] = [:]
        var localToGlobal: [[Int32]] = []
        for trace in traces {
            localToGlobal.append(trace.pairs.map { key in
                if let id = globalIndex[key] { return id }
                let id = Int32(globalIndex.count)
                globalIndex[key] = id
                return id
            })
        }
        self.localToGlobal = localToGlobal
        pairCount = globalIndex.count
        var start = [Int](repeating: 0, count: pairCount + 1)
        for map in localToGlobal { for g in map { start[Int(g) + 1] += 1 } }
        for g in 0..<pairCount { start[g + 1] += start[g] }
        var fill = start
        var memberCategory = [Int32](repeating: 0, count: start[pairCount])
        var memberLocal = [Int32](repeating: 0, count: start[pairCount])
        for (category, map) in localToGlobal.enumerated() {
            for (local, g) in map.enumerated() {
                memberCategory[fill[Int(g)]] = Int32(category)
                memberLocal[fill[Int(g)]] = Int32(local)
                fill[Int(g)] += 1
            }
        }
        memberStart = start
        self.memberCategory = memberCategory
        self.memberLocal = memberLocal
        mergePair = merges.map { globalIndex[$0.pairKey] ?? -1 }
        self.steps = steps
    }

    /// A heap entry: the pair with the largest weighted count minus slack first.
    struct Entry: Comparable {
        var value: Double
        var pair: Int32
        static func < (a: Entry, b: Entry) -> Bool { a.value != b.value ? a.value < b.value : a.pair > b.pair }
    }

    /// A violated constraint found by a replay (coefficients `d_i = c[i,t](p) - c[i,t](m_t)`).
    typealias Cut = SeparatedEdge

    /// Solves the LP; `progress` gets (round, constraints so far).
    ///
    /// `stepWeights` (one per merge step) weight the step slacks in the objective: the merge-step
    /// bootstrap solves with multiplicities of resampled steps, and a step of weight 0 gives no
    /// constraint. Nil: every step weighs 1, the paper's LP.
    ///
    /// `fixedAlpha` solves for the slacks of a given mixture (LP weights, summing to 1) instead:
    /// what the LP would charge that mixture, and its pair slacks for ``relativeShortfalls``.
    public func solve(options: SolverOptions = SolverOptions(), stepWeights: [Double]? = nil, fixedAlpha: [Double]? = nil,
                      progress: ((Int, Int) -> Void)? = nil, trace: ((RoundTrace) -> Void)? = nil) throws -> MixtureSolution {
        let n = names.count
        var options = options
        if let fixedAlpha {
            guard fixedAlpha.count == n, fixedAlpha.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(fixedAlpha.reduce(0, +) - 1) < 1e-9 else {
                throw InferenceError("a fixed mixture must be \(n) non-negative weights summing to 1")
            }
            // The weights cannot move, so "stable" would stop at once: solve the slacks to the end.
            options.stabilityTolerance = 0
        }
        if let stepWeights {
            guard stepWeights.count == steps, stepWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw InferenceError("step weights must be \(steps) finite non-negative numbers")
            }
            guard stepWeights[firstStep...].contains(where: { $0 > 0 }) else { throw InferenceError("every step weight is 0") }
        }
        if options.method == .decomposition {
            return try solveByDecomposition(options: options, stepWeights: stepWeights, fixedAlpha: fixedAlpha,
                                            progress: progress, trace: trace)
        }
        return try solveByRowGeneration(options: options, stepWeights: stepWeights, fixedAlpha: fixedAlpha, warm: nil,
                                        progress: progress, trace: trace)
    }

    /// Where a row generation starts when another phase came first: its best feasible point,
    /// its proven lower bound, the constraints to begin with, and its report so far.
    struct WarmStart {
        var alpha: [Double]
        var pairSlack: [Double]
        /// A feasible point of this LP, if the start has one.
        var best: (alpha: [Double], upper: Double, stepSlack: [Double], pairSlack: [Double])?
        var lowerBound: Double
        var edges: [SeparatedEdge]
        var report: SolverReport
        var started: Date
    }

    /// Row and column generation on the whole LP (``SolverOptions/Method/rowGeneration``),
    /// from scratch or from a ``WarmStart``.
    func solveByRowGeneration(options: SolverOptions, stepWeights: [Double]?, fixedAlpha: [Double]?, warm: WarmStart?,
                              progress: ((Int, Int) -> Void)?, trace: ((RoundTrace) -> Void)?) throws -> MixtureSolution {
        let n = names.count
        let lp: RestrictedLP
        if fixedAlpha != nil || options.form == .primal {
            lp = PrimalRestrictedLP(categories: n, fixedWeights: fixedAlpha)
        } else {
            lp = DualRestrictedLP(categories: n)
        }
        var variableCount = n
        var alpha = fixedAlpha ?? [Double](repeating: 1 / Double(n), count: n)
        var stepSlack = [Double](repeating: 0, count: steps)
        var pairSlack = [Double](repeating: 0, count: pairCount)
        var stepColumn = [Int32](repeating: -1, count: steps)
        var pairColumn = [Int32](repeating: -1, count: pairCount)
        var existing = Set<UInt64>()
        /// The (step, pair) key of each cut in the LP, in LP order, and the rounds it has not bound.
        var rowKeys: [UInt64] = []
        var rowIdle: [Int32] = []
        var history: [[Double]] = []
        var report = warm?.report ?? SolverReport()
        let firstRound = report.rounds + 1
        var missing = Set<Int>()
        var best = warm?.best
        /// The restricted LP is a relaxation of the full one: its optimum bounds the full optimum from below.
        var lowerBound = warm?.lowerBound ?? 0.0
        if let warm {
            alpha = warm.alpha
            pairSlack = warm.pairSlack
        }
        var seed = warm?.edges ?? []

        let solveStart = warm?.started ?? Date()
        for round in firstRound...max(firstRound, options.maxRounds) {
            report.rounds = round
            let separationStart = Date()
            let separation = coverReplay(alpha: alpha, lpStepSlack: stepSlack, pairSlack: pairSlack, known: existing,
                                         options: options, stepWeights: stepWeights, missing: &missing)
            report.separationSeconds += Date().timeIntervalSince(separationStart)
            // The LP's weights and pair slacks with the least step slacks that cover every pair:
            // a feasible point of the full LP, so its objective bounds the optimum from above.
            if best == nil || separation.upperBound < best!.upper {
                best = (alpha, separation.upperBound, separation.stepSlack, pairSlack)
            }
            var cuts = separation.edges
            report.remainingViolations = separation.violatedSteps
            if cuts.isEmpty && seed.isEmpty || (round > firstRound && MixtureSolver.relativeGap(upper: best!.upper, lower: lowerBound) <= options.gapTolerance) {
                report.converged = true
                report.stopReason = "optimal"
                break
            }
            if let reason = MixtureSolver.earlyStop(round: round, options: options, history: history, started: solveStart) {
                report.stopReason = reason
                break
            }
            cuts = MixtureSolver.select(cuts, perPair: options.maxCutsPerPair, total: options.maxRowsPerRound)
            if !seed.isEmpty {
                // The warm start's constraints join whole, in (step, pair) order, in the first round.
                let chosen = Set(cuts.map { SeparatedEdge.key(step: $0.step, pair: $0.pair) })
                cuts += seed.filter { !chosen.contains(SeparatedEdge.key(step: $0.step, pair: $0.pair)) }
                cuts.sort { ($0.step, $0.pair) < ($1.step, $1.pair) }
                seed = []
            }
            // New slack columns first, then the rows that use them.
            var costs: [Double] = []
            var newPairs = 0
            for cut in cuts {
                if stepColumn[cut.step] < 0 {
                    stepColumn[cut.step] = Int32(variableCount + costs.count)
                    costs.append(stepWeights?[cut.step] ?? 1)
                }
                if pairColumn[Int(cut.pair)] < 0 {
                    pairColumn[Int(cut.pair)] = Int32(variableCount + costs.count)
                    costs.append(1)
                    newPairs += 1
                }
            }
            _ = lp.addSlacks(costs: costs)
            variableCount += costs.count
            var rows: [LinearProgram.Row] = []
            rows.reserveCapacity(cuts.count)
            for cut in cuts {
                var columns: [Int32] = []
                var coefficients: [Double] = []
                for (category, value) in cut.coefficients.enumerated() where value != 0 {
                    columns.append(Int32(category))
                    coefficients.append(-value)
                }
                columns.append(stepColumn[cut.step]); coefficients.append(1)
                columns.append(pairColumn[Int(cut.pair)]); coefficients.append(1)
                rows.append(LinearProgram.Row(columns: columns, coefficients: coefficients, bound: 0))
                let key = SeparatedEdge.key(step: cut.step, pair: cut.pair)
                existing.insert(key)
                rowKeys.append(key)
                rowIdle.append(0)
            }
            lp.addCuts(rows)
            report.constraints += rows.count
            progress?(round, report.constraints)
            if let mps = options.mps, mps.round == round { try lp.write(mps: mps.path) }
            let lpStart = Date()
            let iterationsBefore = lp.iterations
            let outcome = lp.solve()
            let lpSeconds = Date().timeIntervalSince(lpStart)
            report.lpSeconds += lpSeconds
            guard outcome == .optimal else { throw InferenceError("the LP could not be solved: \(outcome)") }
            if fixedAlpha == nil {
                for i in 0..<n { alpha[i] = max(0, lp.value(of: i)) }
                let total = alpha.reduce(0, +)
                if total > 0 { alpha = alpha.map { $0 / total } }
            }
            for t in 0..<steps where stepColumn[t] >= 0 { stepSlack[t] = max(0, lp.value(of: Int(stepColumn[t]))) }
            for g in 0..<pairCount where pairColumn[g] >= 0 { pairSlack[g] = max(0, lp.value(of: Int(pairColumn[g]))) }
            report.objective = lp.objective
            lowerBound = max(lowerBound, lp.objective)
            history.append(byteProportions(alpha))
            var deleted = 0
            if let age = options.cutAge {
                let idle = lp.nonBindingCuts(margin: 1e-9 * options.scale)
                var remove: [Int] = []
                for cut in rowIdle.indices {
                    rowIdle[cut] = idle[cut] ? rowIdle[cut] + 1 : 0
                    if rowIdle[cut] > Int32(age) { remove.append(cut) }
                }
                if !remove.isEmpty {
                    lp.deleteCuts(remove)
                    var keep = [Bool](repeating: true, count: rowKeys.count)
                    for cut in remove {
                        keep[cut] = false
                        existing.remove(rowKeys[cut])
                    }
                    rowKeys = zip(rowKeys, keep).filter { $0.1 }.map { $0.0 }
                    rowIdle = zip(rowIdle, keep).filter { $0.1 }.map { $0.0 }
                    deleted = remove.count
                }
            }
            trace?(RoundTrace(round: round, violatedSteps: separation.violatedSteps,
                              largestViolation: separation.largestViolation, added: rows.count, newPairColumns: newPairs,
                              deleted: deleted, cutsInLP: rowKeys.count, lpSeconds: lpSeconds,
                              simplexIterations: lp.iterations - iterationsBefore, objective: best!.upper,
                              elapsed: Date().timeIntervalSince(solveStart), lowerBound: lowerBound))
        }
        report.simplexIterations = lp.iterations
        report.pairSlackColumns = pairColumn.filter { $0 >= 0 }.count
        report.stepSlackColumns = stepColumn.filter { $0 >= 0 }.count
        report.missingSteps = missing.sorted()
        if report.method.isEmpty { report.method = SolverOptions.Method.rowGeneration.rawValue }
        return certified(best ?? (alpha, .infinity, stepSlack, pairSlack), lowerBound: lowerBound, report: report, stepWeights: stepWeights)
    }

    /// `(upper - lower) / max(1, |upper|)`: the optimality gap both methods stop on and report.
    static func relativeGap(upper: Double, lower: Double) -> Double { (upper - lower) / max(1, abs(upper)) }

    /// The early stop that applies after `round`, if any: "stable" (opt-in heuristic), "round
    /// limit" or "time limit". Every one of them labels a result that is not proven optimal.
    static func earlyStop(round: Int, options: SolverOptions, history: [[Double]], started: Date) -> String? {
        if options.stabilityTolerance > 0 && history.count >= options.stabilityWindow,
           spread(of: history.suffix(options.stabilityWindow)) < options.stabilityTolerance {
            return "stable"
        }
        if round >= options.maxRounds { return "round limit" }
        if let limit = options.timeLimit, Date().timeIntervalSince(started) > limit { return "time limit" }
        return nil
    }

    /// The solution at the best feasible point, with its certificate: objective, lower bound,
    /// relative gap, and the largest violation found by a final replay of every step against
    /// every pair.
    func certified(_ point: (alpha: [Double], upper: Double, stepSlack: [Double], pairSlack: [Double]), lowerBound: Double,
                   report: SolverReport, stepWeights: [Double]?) -> MixtureSolution {
        var report = report
        report.objective = point.upper
        report.lowerBound = lowerBound
        report.gap = MixtureSolver.relativeGap(upper: point.upper, lower: lowerBound)
        let violation = largestViolation(alpha: point.alpha, stepSlack: point.stepSlack, pairSlack: point.pairSlack, stepWeights: stepWeights)
        report.largestViolation = violation.relative
        report.largestViolationAbsolute = violation.absolute
        return MixtureSolution(names: names, alpha: point.alpha, proportions: byteProportions(point.alpha), pairSlack: point.pairSlack,
                               stepSlack: point.stepSlack, report: report)
    }

    /// At most `perPair` cuts of each pair (its most violated) and `total` in all (the most
    /// violated), in (step, pair) order.
    static func select(_ cuts: [Cut], perPair: Int, total: Int) -> [Cut] {
        func moreViolated(_ a: Cut, _ b: Cut) -> Bool {
            a.violation != b.violation ? a.violation > b.violation : (a.step, a.pair) < (b.step, b.pair)
        }
        var chosen = cuts
        if chosen.count > total || perPair < Int.max {
            chosen.sort(by: moreViolated)
            var taken: [Int32: Int] = [:]
            chosen = chosen.filter { cut in
                let k = taken[cut.pair, default: 0]
                guard k < perPair else { return false }
                taken[cut.pair] = k + 1
                return true
            }
            if chosen.count > total { chosen.removeLast(chosen.count - total) }
        }
        chosen.sort { ($0.step, $0.pair) < ($1.step, $1.pair) }
        return chosen
    }

    /// The largest range of any coordinate over the given points.
    static func spread(of points: ArraySlice<[Double]>) -> Double {
        guard let first = points.first else { return 0 }
        var largest = 0.0
        for i in first.indices {
            var low = Double.infinity
            var high = -Double.infinity
            for point in points {
                low = min(low, point[i])
                high = max(high, point[i])
            }
            largest = max(largest, high - low)
        }
        return largest
    }

    /// The LP weights (per pair of each sample) of byte proportions: the inverse of
    /// ``byteProportions(_:)``.
    public func alpha(fromProportions proportions: [Double]) -> [Double] {
        let weights = proportions.indices.map { proportions[$0] * Double(traces[$0].totalInitialPairs) / Double(sampleBytes[$0]) }
        let total = weights.reduce(0, +)
        return total > 0 ? weights.map { $0 / total } : weights
    }

    /// alpha_i x bytes_i / pairs_i, renormalised: weights on per-pair counts as shares of bytes.
    func byteProportions(_ alpha: [Double]) -> [Double] {
        let n = alpha.count
        let byteWeights = (0..<n).map { alpha[$0] * Double(sampleBytes[$0]) / Double(traces[$0].totalInitialPairs) }
        let byteTotal = byteWeights.reduce(0, +)
        return byteTotal > 0 ? byteWeights.map { $0 / byteTotal } : [Double](repeating: 1 / Double(n), count: n)
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

        func count(of g: Int, in category: Int) -> Int64 {
            for k in solver.memberStart[g]..<solver.memberStart[g + 1] where Int(solver.memberCategory[k]) == category {
                return counts[category][Int(solver.memberLocal[k])]
            }
            return 0
        }

        func isPresentAnywhere(_ g: Int) -> Bool {
            for k in solver.memberStart[g]..<solver.memberStart[g + 1]
            where counts[Int(solver.memberCategory[k])][Int(solver.memberLocal[k])] > 0 { return true }
            return false
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

    /// The fit quality of a solution of this solver (its weights and pair slacks).
    public func fitQuality(of solution: MixtureSolution) -> FitQuality {
        FitQuality(shortfalls: relativeShortfalls(alpha: solution.alpha, pairSlack: solution.pairSlack))
    }

    /// Per constrained step, how far the merge falls short of the most frequent other pair in
    /// the mixture `alpha`, relative to that pair's frequency: 0 when the merge is the
    /// mixture's most frequent pair, as the tokenizer's training makes it, 1 when no category
    /// has it at all. This is the step slack v_t of the LP normalised by the level the merge
    /// had to reach; competitors count with their pair slack taken off (`pairSlack`, from the
    /// solution), as in the LP: a pair that the tokenizer never merges although some offered
    /// category has it often is charged once, not at every step. Being relative, values from
    /// different tokenizers, sample sizes and step ranges compare.
    public func relativeShortfalls(alpha: [Double], pairSlack: [Double]? = nil) -> [Double] {
        var replay = Replay(self, alpha: alpha, pairSlack: pairSlack ?? [Double](repeating: 0, count: pairCount))
        var shortfalls: [Double] = []
        shortfalls.reserveCapacity(steps - firstStep)
        var popped: [Entry] = []
        for t in 0..<steps {
            let m = Int(mergePair[t])
            if t >= firstStep {
                if m < 0 || replay.weighted[m] <= 0 {
                    shortfalls.append(1)
                } else {
                    popped.removeAll(keepingCapacity: true)
                    var best = 0.0
                    while let top = replay.heap.popMax() {
                        if replay.isStale(top) { continue }
                        popped.append(top)
                        if Int(top.pair) != m { best = top.value; break }
                    }
                    for entry in popped { replay.heap.insert(entry) }
                    shortfalls.append(best > 0 ? max(0, best - replay.weighted[m]) / best : 0)
                }
            }
            replay.apply(step: t)
        }
        return shortfalls
    }
}

