import Foundation
import Support

/// Row and column generation on the whole LP: the default method.
extension MixtureSolver {
    /// Where a row generation starts when another phase came first: its best feasible point,
    /// its proven lower bound, the constraints to begin with, and its report so far.
    struct WarmStart {
        var best: FeasiblePoint
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
            alpha = warm.best.alpha
            pairSlack = warm.best.pairSlack
        }
        var seed = warm?.edges ?? []
        /// The constrained steps the slack flow's network is laid over (computed at the first flow).
        var flowLayout: ConstrainedSteps?

        let solveStart = warm?.started ?? Date()
        /// Adds cuts to the LP: new slack columns first, then the rows that use them; returns
        /// the rows added and the new pair columns.
        func addToLP(_ cuts: [SeparatedEdge]) -> (rows: Int, newPairs: Int) {
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
            return (rows.count, newPairs)
        }

        for round in firstRound...max(firstRound, options.maxRounds) {
            report.rounds = round
            // Every few rounds the slack problem is solved whole (a minimum-cost flow): its
            // cover is the best feasible point with these weights, and its matched edges, the
            // constraints that optimum binds, join the LP at once instead of a few hundred pairs
            // a round (measured: docs/lp-history.md). It runs on a thread of its own
            // while the replay and a first re-solve with the replay's cuts run here; its edges
            // join in a second re-solve. The cuts of the round are the same as when the two run
            // one after the other, and so is the LP the round ends with.
            let inTail = options.isInTail(round - firstRound + 1, gap: best.map { MixtureSolver.relativeGap(upper: $0.upper, lower: lowerBound) } ?? .infinity,
                                          fixedWeights: fixedAlpha != nil)
            let flowThisRound = inTail || options.isFlowRound(round - firstRound + 1, fixedWeights: fixedAlpha != nil)
            var pendingFlow: BackgroundWork<FlowRound?>?
            func startFlow(at flowAlpha: [Double]) {
                if flowLayout == nil { flowLayout = constrainedSteps(stepWeights: stepWeights) }
                // Of the flow's many optimal matchings it takes one using the most constraints
                // the LP holds, so the re-solve after it pivots in only what the LP lacks
                // (measured: docs/lp-history.md).
                var held: [Int32: [Int]] = [:]
                if options.flowPrefersHeldEdges {
                    for key in rowKeys { held[SeparatedEdge.pair(of: key), default: []].append(SeparatedEdge.step(of: key)) }
                }
                let (layout, known) = (flowLayout, existing)
                pendingFlow = BackgroundWork {
                    self.flowRound(alpha: flowAlpha, stepWeights: stepWeights, layout: layout, held: held, precise: inTail,
                                   known: known, options: options)
                }
            }
            if flowThisRound && (inTail || options.flowAtSolution) { startFlow(at: alpha) }

            let separationStart = Date()
            // In-out separation: query between the relaxation's minimiser and the best feasible
            // point. A constraint violated there is violated by the minimiser too (the best point
            // satisfies every constraint), so each cut still cuts the relaxation off, and the
            // query moves less from round to round than the minimiser does. When the query finds
            // nothing the minimiser itself is replayed, so the solve ends only when it is feasible.
            var separation: CoverReplay
            var queried = (alpha: alpha, pairSlack: pairSlack)
            if let center = best, options.stabilization > 0 {
                let query = MixtureSolver.blend(alpha: alpha, stepSlack: stepSlack, pairSlack: pairSlack, with: center,
                                                share: options.stabilization)
                queried = (query.alpha, query.pairSlack)
                separation = coverReplay(alpha: query.alpha, lpStepSlack: query.stepSlack, pairSlack: query.pairSlack, known: existing,
                                         options: options, stepWeights: stepWeights, missing: &missing)
                if separation.edges.isEmpty {
                    if separation.upperBound < best!.upper { best = (queried.alpha, separation.upperBound, separation.stepSlack, queried.pairSlack) }
                    queried = (alpha, pairSlack)
                    separation = coverReplay(alpha: alpha, lpStepSlack: stepSlack, pairSlack: pairSlack, known: existing,
                                             options: options, stepWeights: stepWeights, missing: &missing)
                }
            } else {
                separation = coverReplay(alpha: alpha, lpStepSlack: stepSlack, pairSlack: pairSlack, known: existing,
                                         options: options, stepWeights: stepWeights, missing: &missing)
            }
            report.separationSeconds += Date().timeIntervalSince(separationStart)
            // The query's weights and pair slacks with the least step slacks that cover every
            // pair: a feasible point of the full LP, so its objective bounds the optimum from above.
            if best == nil || separation.upperBound < best!.upper {
                best = (queried.alpha, separation.upperBound, separation.stepSlack, queried.pairSlack)
            }
            // A flow at the in-out query (not the default) has to wait for the replay.
            if flowThisRound && pendingFlow == nil { startFlow(at: queried.alpha) }
            var flowCuts: [SeparatedEdge] = []
            var flowValue: Double?
            var flowSeconds: FlowSeconds?
            /// Collects the round's flow: its cover as a feasible point, its edges the LP lacks.
            func joinFlow() {
                guard let pending = pendingFlow else { return }
                pendingFlow = nil
                guard let flow = pending.wait() else { return }
                if flow.cover.upperBound < best!.upper { best = (flow.alpha, flow.cover.upperBound, flow.cover.stepSlack, flow.pairSlack) }
                flowCuts = flow.cover.requested.filter { !existing.contains(SeparatedEdge.key(step: $0.step, pair: $0.pair)) }
                flowValue = flow.value
                flowSeconds = flow.seconds
                report.flowEvaluations += 1
                report.flowSeconds += flow.seconds.network + flow.seconds.solver + flow.seconds.coverReplay
            }

            var cuts = separation.edges
            report.relaxationViolatedSteps = separation.violatedSteps
            if MixtureSolver.roundVerdict(nothingToAdd: cuts.isEmpty && seed.isEmpty, round: round, earliestGapCheck: firstRound + 1,
                                          upper: best!.upper, lower: lowerBound, options: options, history: history,
                                          started: solveStart, report: &report) {
                joinFlow()
                break
            }
            cuts = MixtureSolver.select(cuts, perPair: options.maxCutsPerPair, total: options.maxRowsPerRound)
            // The warm start's constraints (first round only) join whole, in (step, pair) order.
            MixtureSolver.join(seed, into: &cuts)
            seed = []
            var added = addToLP(cuts)
            var lpSeconds = 0.0, iterations = 0
            if pendingFlow != nil {
                if !cuts.isEmpty {
                    let solved = try MixtureSolver.solveRestricted(lp.solve, iterations: { lp.iterations }, report: &report)
                    (lpSeconds, iterations) = (solved.seconds, solved.iterations)
                    lowerBound = max(lowerBound, lp.objective)
                }
                joinFlow()
                // The flow's cover may close the gap: then the round needs no second solve.
                if MixtureSolver.roundVerdict(nothingToAdd: false, round: round, earliestGapCheck: firstRound + 1,
                                              upper: best!.upper, lower: lowerBound, options: options,
                                              history: history, started: solveStart, report: &report) { break }
                let more = addToLP(flowCuts)
                added = (added.rows + more.rows, added.newPairs + more.newPairs)
            }
            progress?(round, report.constraints)
            if let mps = options.mps, mps.round == round { try lp.write(mps: mps.path) }
            let solved = try MixtureSolver.solveRestricted(lp.solve, iterations: { lp.iterations }, report: &report)
            lpSeconds += solved.seconds
            iterations += solved.iterations
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
                              largestViolation: separation.largestViolation, added: added.rows, newPairColumns: added.newPairs,
                              deleted: deleted, cutsInLP: rowKeys.count, lpSeconds: lpSeconds,
                              simplexIterations: iterations, objective: best!.upper,
                              elapsed: Date().timeIntervalSince(solveStart), lowerBound: lowerBound, flowValue: flowValue,
                              flowSeconds: flowSeconds))
        }
        report.simplexIterations = lp.iterations
        report.pairSlackColumns = pairColumn.filter { $0 >= 0 }.count
        report.stepSlackColumns = stepColumn.filter { $0 >= 0 }.count
        report.missingSteps = missing.sorted()
        if report.method.isEmpty { report.method = SolverOptions.Method.rowGeneration.rawValue }
        return certified(best ?? (alpha, .infinity, stepSlack, pairSlack), lowerBound: lowerBound, report: report, stepWeights: stepWeights)
    }

    /// A slack flow with what the row generation takes from it: the weights it ran at, its
    /// pair slacks and value, the cover replay at them (a feasible point, and the matched edges
    /// the LP lacked when it started), and its seconds.
    struct FlowRound {
        var alpha: [Double]
        var pairSlack: [Double]
        var value: Double
        var cover: CoverReplay
        var seconds: FlowSeconds
    }

    /// Solves the slack flow at `alpha` and replays its cover; nil when the flow cannot run
    /// (``slackFlow(alpha:stepWeights:layout:preferred:precise:)``). Reads only the solver's
    /// counts and its arguments, so it can run beside the restricted LP.
    func flowRound(alpha: [Double], stepWeights: [Double]?, layout: ConstrainedSteps?, held: [Int32: [Int]], precise: Bool,
                   known: Set<UInt64>, options: SolverOptions) -> FlowRound? {
        guard let flow = slackFlow(alpha: alpha, stepWeights: stepWeights, layout: layout, preferred: held, precise: precise) else {
            return nil
        }
        var wanted: [Int: [Int32]] = [:]
        for edge in flow.edges { wanted[edge.step, default: []].append(edge.pair) }
        var skipped = Set<Int>()
        let coverStarted = Date()
        let cover = coverReplay(alpha: alpha, lpStepSlack: [Double](repeating: 0, count: steps), pairSlack: flow.pairSlack,
                                known: known, options: options, stepWeights: stepWeights, missing: &skipped, requested: wanted)
        let seconds = FlowSeconds(network: flow.networkSeconds, solver: flow.solverSeconds,
                                  coverReplay: Date().timeIntervalSince(coverStarted))
        return FlowRound(alpha: alpha, pairSlack: flow.pairSlack, value: flow.value, cover: cover, seconds: seconds)
    }

    /// Adds the edges of `extra` that `cuts` lacks (first occurrence wins) and sorts by (step, pair).
    static func join(_ extra: [SeparatedEdge], into cuts: inout [SeparatedEdge]) {
        guard !extra.isEmpty else { return }
        var chosen = Set(cuts.map { SeparatedEdge.key(step: $0.step, pair: $0.pair) })
        cuts += extra.filter { chosen.insert(SeparatedEdge.key(step: $0.step, pair: $0.pair)).inserted }
        cuts.sort { ($0.step, $0.pair) < ($1.step, $1.pair) }
    }

    /// `(1 - share) x (alpha, step slacks, pair slacks) + share x center`: the in-out query.
    static func blend(alpha: [Double], stepSlack: [Double], pairSlack: [Double], with center: FeasiblePoint,
                      share: Double) -> (alpha: [Double], stepSlack: [Double], pairSlack: [Double]) {
        func mix(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { (1 - share) * $0 + share * $1 } }
        return (mix(alpha, center.alpha), mix(stepSlack, center.stepSlack), mix(pairSlack, center.pairSlack))
    }
}
