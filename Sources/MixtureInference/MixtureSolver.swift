import BPE
import Collections
import Foundation


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

    /// Prepares the counts of all categories, which must carry the same merge list; constraints
    /// come from steps `firstStep..<merges.count`.
    public init(categories: [CategoryCounts], firstStep: Int = 0, scale: Double = 1e6) throws {
        guard let merges = categories.first?.merges else { throw InferenceError("no categories to infer over") }
        for category in categories.dropFirst() where category.merges != merges {
            throw InferenceError("category \(category.name) was counted under other merges than \(categories[0].name)")
        }
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


    /// A violated constraint found by a replay (coefficients `d_i = c[i,t](p) - c[i,t](m_t)`).
    /// A feasible point of the whole LP: weights, the tightest step slacks for its pair slacks,
    /// and its objective (an upper bound of the optimum).
    typealias FeasiblePoint = (alpha: [Double], upper: Double, stepSlack: [Double], pairSlack: [Double])

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
        if options.method == .intervals {
            return try solveByIntervals(options: options, stepWeights: stepWeights, fixedAlpha: fixedAlpha,
                                        progress: progress, trace: trace)
        }
        if options.method == .decomposition {
            return try solveByDecomposition(options: options, stepWeights: stepWeights, fixedAlpha: fixedAlpha,
                                            progress: progress, trace: trace)
        }
        return try solveByRowGeneration(options: options, stepWeights: stepWeights, fixedAlpha: fixedAlpha, warm: nil,
                                        progress: progress, trace: trace)
    }

    /// Solves a restricted LP, adds its seconds to the report and refuses anything but an
    /// optimum; returns the seconds and the simplex iterations it took.
    static func solveRestricted(_ solve: () -> LinearProgram.Outcome, iterations: () -> Int,
                                report: inout SolverReport) throws -> (seconds: Double, iterations: Int) {
        let start = Date()
        let before = iterations()
        let outcome = solve()
        let seconds = Date().timeIntervalSince(start)
        report.lpSeconds += seconds
        guard outcome == .optimal else { throw InferenceError("the LP could not be solved: \(outcome)") }
        return (seconds, iterations() - before)
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

    /// Why a cutting-plane round stops the solve, if it does: "optimal" when the separation has
    /// nothing to add or the bounds have met (not before `earliestGapCheck`), else an early stop
    /// (``earlyStop(round:options:history:started:)``). Sets the report's verdict.
    static func roundVerdict(nothingToAdd: Bool, round: Int, earliestGapCheck: Int, upper: Double, lower: Double,
                             options: SolverOptions, history: [[Double]], started: Date, report: inout SolverReport) -> Bool {
        if nothingToAdd || (round >= earliestGapCheck && relativeGap(upper: upper, lower: lower) <= options.gapTolerance) {
            report.converged = true
            report.stopReason = "optimal"
            return true
        }
        if let reason = earlyStop(round: round, options: options, history: history, started: started) {
            report.stopReason = reason
            return true
        }
        return false
    }

    /// The solution at the best feasible point, with its certificate: objective, lower bound,
    /// relative gap, and the largest violation found by a final replay of every step against
    /// every pair.
    func certified(_ point: FeasiblePoint, lowerBound: Double,
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
    static func select(_ cuts: [SeparatedEdge], perPair: Int, total: Int) -> [SeparatedEdge] {
        func moreViolated(_ a: SeparatedEdge, _ b: SeparatedEdge) -> Bool {
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
        for t in 0..<steps {
            let m = Int(mergePair[t])
            if t >= firstStep {
                if m < 0 || replay.weighted[m] <= 0 {
                    shortfalls.append(1)
                } else {
                    let best = replay.bestCompetitor(of: m)
                    shortfalls.append(best > 0 ? max(0, best - replay.weighted[m]) / best : 0)
                }
            }
            replay.apply(step: t)
        }
        return shortfalls
    }
}

