import Foundation

/// The LP solved by decomposition in the weights (``SolverOptions/Method/decomposition``).
///
/// For fixed weights `alpha` the LP is only its slacks, `F(alpha) = min sum_t v_t + sum_p v_p
/// subject to v_t + v_p >= w_tp(alpha)`: a weighted bipartite vertex cover between merge steps
/// and pairs, whose LP dual is a fractional maximum-weight matching. So `F` is convex and
/// piecewise linear on the simplex, and the LP is `min F(alpha)`:
///
/// - *Upper bounds.* For a query `alpha` and pair slacks `v_p`, one replay sets every step slack
///   to the least that covers all of the step's pairs, `v_t = max(0, max_p (w_tp - v_p))`:
///   a feasible point of the full LP, whose objective bounds its optimum from above.
/// - *Lower bounds.* Any matching `x` gives `F(alpha') >= g . alpha'` for every `alpha'`, with
///   `g = sum x_tp d(t, p)` (weak duality; the bound is linear in `alpha'`). The matching is a
///   maximum-weight one over a working set of edges (``SlackMatching``, exact and combinatorial),
///   which the replays grow with the edges its cover misses; once a replay finds none, the
///   matching is optimal for every edge and the cut is exact at the query.
/// - *Master.* ``WeightMaster`` minimises the largest of these linear bounds over the simplex
///   (n + 1 columns): its value is a lower bound of the LP optimum, its minimiser the next
///   query, stabilised towards the best point so far (in-out: a convex combination of the two).
/// - *Crossover.* Cutting planes close the last digits slowly, so at a relative gap of
///   ``SolverOptions/crossoverGap`` the row generation takes over from the best point, its
///   restricted LP seeded with the matched edges, and finishes at a vertex.
///
/// The solve is optimal when the best upper bound and the lower bound meet (relative gap at
/// most ``SolverOptions/gapTolerance``); the certificate is the feasible point (checked by a
/// final replay of every step against every pair: ``SolverReport/largestViolation``) and the
/// lower bound.
extension MixtureSolver {
    /// Solves the LP by decomposition in the weights (see the extension's documentation).
    func solveByDecomposition(options: SolverOptions, stepWeights: [Double]?, fixedAlpha: [Double]?,
                              progress: ((Int, Int) -> Void)?, trace: ((RoundTrace) -> Void)?) throws -> MixtureSolution {
        let n = names.count
        if let stepWeights, !stepWeights.allSatisfy({ $0 == $0.rounded() && $0 <= 1_000 }) {
            throw InferenceError("the decomposition needs whole-number step weights (multiplicities); use --lp-method row-generation")
        }
        let slacks = SlackMatching(categories: n, steps: steps, pairs: pairCount,
                                   stepCost: (0..<steps).map { Int(stepWeights?[$0] ?? 1) })
        let master = WeightMaster(categories: n)
        var report = SolverReport()
        var missing = Set<Int>()
        var query = fixedAlpha ?? [Double](repeating: 1 / Double(n), count: n)
        var best: FeasiblePoint?
        var lowerBound = -Double.infinity
        var kelleyPoint: [Double]?
        let solveStart = Date()
        var history: [[Double]] = []
        // The oracle must find every edge the matching's cover misses, however slightly: the
        // cover's objective is then the matching's value, F at the query, to round-off.
        var oracleOptions = options
        oracleOptions.tolerance = 1e-11

        for round in 1...options.maxRounds {
            report.rounds = round
            slacks.setWeights(query)
            var added = 0
            var lpSeconds = 0.0
            var found: CoverReplay
            var inner = 0
            repeat {
                inner += 1
                let lpStart = Date()
                slacks.solve()
                lpSeconds += Date().timeIntervalSince(lpStart)
                let separationStart = Date()
                found = coverReplay(alpha: query, lpStepSlack: slacks.stepSlack, pairSlack: slacks.pairSlack, known: slacks.keys,
                                    options: oracleOptions, stepWeights: stepWeights, missing: &missing)
                report.separationSeconds += Date().timeIntervalSince(separationStart)
                if best == nil || found.upperBound < best!.upper {
                    best = (query, found.upperBound, found.stepSlack, slacks.pairSlack)
                }
                // Any matching bounds F from below everywhere: a cut of the master, exact at the
                // query once the replay finds nothing the matching's cover misses.
                if fixedAlpha == nil && slacks.edgeCount > 0 { master.add(gradient: slacks.matchingGradient()) }
                if fixedAlpha != nil { lowerBound = max(lowerBound, slacks.objective) }
                if found.edges.isEmpty { break }
                slacks.add(found.edges)
                added += found.edges.count
            } while inner < options.oracleRepeats || fixedAlpha != nil
            report.lpSeconds += lpSeconds
            report.constraints += added
            var deleted = 0
            if let age = options.cutAge { deleted = slacks.deleteIdleEdges(age: age, margin: 1e-9 * options.scale) }

            // Slacks are non-negative: 0 bounds the optimum from below whatever the cuts.
            lowerBound = max(lowerBound, 0)
            if fixedAlpha != nil {
                query = fixedAlpha!
            } else if let (point, bound) = master.solve() {
                lowerBound = max(lowerBound, bound)
                // In-out: query between the best point and the master's minimiser; when the last
                // query did not improve on the master's point, query that point itself.
                let center = best!.alpha
                let mix = options.stabilization
                if let previous = kelleyPoint, previous == point {
                    query = point
                } else {
                    query = (0..<n).map { mix * center[$0] + (1 - mix) * point[$0] }
                }
                kelleyPoint = point
            }
            let upper = best!.upper
            progress?(round, report.constraints)
            trace?(RoundTrace(round: round, violatedSteps: found.violatedSteps,
                              largestViolation: found.largestViolation, added: added, newPairColumns: 0,
                              deleted: deleted, cutsInLP: slacks.edgeCount, lpSeconds: lpSeconds,
                              simplexIterations: 0, objective: upper, elapsed: Date().timeIntervalSince(solveStart),
                              lowerBound: lowerBound))
            if MixtureSolver.relativeGap(upper: upper, lower: lowerBound) <= options.gapTolerance {
                report.converged = true
                report.stopReason = "optimal"
                break
            }
            if fixedAlpha == nil && MixtureSolver.relativeGap(upper: upper, lower: lowerBound) <= options.crossoverGap {
                // The master's cutting planes close the last digits slowly: the restricted LP over
                // the matched edges finishes the solve at a vertex (measured: docs/lp-history.md).
                report.method = "decomposition, then row generation"
                let warm = WarmStart(best: best!, lowerBound: lowerBound, edges: slacks.matchedEdges(), report: report, started: solveStart)
                return try solveByRowGeneration(options: options, stepWeights: stepWeights, fixedAlpha: nil, warm: warm,
                                                progress: progress, trace: trace)
            }
            history.append(byteProportions(best!.alpha))
            if let reason = MixtureSolver.earlyStop(round: round, options: options, history: history, started: solveStart) {
                report.stopReason = reason
                break
            }
        }
        report.relaxationViolatedSteps = 0
        let columns = slacks.slackColumns
        report.pairSlackColumns = columns.pairs
        report.stepSlackColumns = columns.steps
        report.missingSteps = missing.sorted()
        report.method = SolverOptions.Method.decomposition.rawValue
        return certified(best!, lowerBound: lowerBound, report: report, stepWeights: stepWeights)
    }
}
