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
/// - *Lower bounds.* Any fractional matching `x` gives `F(alpha') >= g . alpha'` for every
///   `alpha'`, with `g = sum x_tp d(t, p)` (weak duality; the bound is linear in `alpha'`). The
///   matching comes from the slack LP (``SlackLP``) over a working set of edges, which the
///   replays grow with the edges they find violated.
/// - *Master.* ``WeightMaster`` minimises the largest of these linear bounds over the simplex
///   (n + 1 columns): its value is a lower bound of the LP optimum, its minimiser the next
///   query, stabilised towards the best point so far (in-out: a convex combination of the two).
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
        let slackLP = SlackLP(categories: n, steps: steps, pairs: pairCount) { stepWeights?[$0] ?? 1 }
        let master = WeightMaster(categories: n)
        var gradients: [[Double]] = []
        var report = SolverReport()
        var missing = Set<Int>()
        var query = fixedAlpha ?? [Double](repeating: 1 / Double(n), count: n)
        var best: (alpha: [Double], upper: Double, stepSlack: [Double], pairSlack: [Double])?
        var lowerBound = -Double.infinity
        var kelleyPoint: [Double]?
        let solveStart = Date()
        var pairSlack = [Double](repeating: 0, count: pairCount)
        var lpStepSlack = [Double](repeating: 0, count: steps)
        var history: [[Double]] = []

        for round in 1...options.maxRounds {
            report.rounds = round
            // The slack LP at the query point, warm from the last basis.
            slackLP.setWeights(query)
            let lpStart = Date()
            let outcome = slackLP.solve()
            let lpSeconds = Date().timeIntervalSince(lpStart)
            report.lpSeconds += lpSeconds
            guard outcome == .optimal else { throw InferenceError("the slack LP could not be solved: \(outcome)") }
            let restrictedValue = slackLP.objective
            for g in 0..<pairCount { pairSlack[g] = slackLP.pairSlack(g) }
            for t in 0..<steps { lpStepSlack[t] = slackLP.stepSlack(t) }
            // Its matching bounds F from below everywhere: a cut of the master.
            if fixedAlpha == nil && slackLP.rowCount > 0 {
                let g = slackLP.gradient(of: slackLP.matching())
                gradients.append(master.add(gradient: g))
            }
            let separationStart = Date()
            let found = coverReplay(alpha: query, lpStepSlack: lpStepSlack, pairSlack: pairSlack, known: slackLP.keys,
                                    options: options, stepWeights: stepWeights, missing: &missing)
            report.separationSeconds += Date().timeIntervalSince(separationStart)
            if best == nil || found.upperBound < best!.upper {
                best = (query, found.upperBound, found.stepSlack, pairSlack)
            }
            var edges = found.edges
            if edges.count > options.maxRowsPerRound || options.maxCutsPerPair < Int.max {
                edges = MixtureSolver.select(edges, perPair: options.maxCutsPerPair, total: options.maxRowsPerRound)
            }
            slackLP.add(edges, alpha: query)
            report.constraints += edges.count
            var deleted = 0
            if let age = options.cutAge { deleted = slackLP.deleteIdleRows(age: age, margin: 1e-9 * options.scale) }

            // Slacks are non-negative: 0 bounds the optimum from below whatever the cuts.
            lowerBound = max(lowerBound, 0)
            if let fixedAlpha {
                // Only the slacks move: the slack LP over a subset of the edges is a relaxation.
                lowerBound = max(lowerBound, restrictedValue)
                query = fixedAlpha
            } else if let (point, bound) = master.solve(gradients: gradients) {
                lowerBound = max(lowerBound, bound)
                // In-out: query between the best point and the master's minimiser; when the last
                // query was exact but did not improve on the master's point, query that point itself.
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
                              largestViolation: found.largestViolation, added: edges.count, newPairColumns: 0,
                              deleted: deleted, cutsInLP: slackLP.rowCount, lpSeconds: lpSeconds,
                              simplexIterations: 0, objective: upper, elapsed: Date().timeIntervalSince(solveStart),
                              lowerBound: lowerBound))
            if MixtureSolver.relativeGap(upper: upper, lower: lowerBound) <= options.gapTolerance {
                report.converged = true
                report.stopReason = "optimal"
                break
            }
            history.append(byteProportions(best!.alpha))
            if let reason = MixtureSolver.earlyStop(round: round, options: options, history: history, started: solveStart) {
                report.stopReason = reason
                break
            }
        }
        report.remainingViolations = 0
        let columns = slackLP.slackColumns
        report.pairSlackColumns = columns.pairs
        report.stepSlackColumns = columns.steps
        report.missingSteps = missing.sorted()
        report.method = SolverOptions.Method.decomposition.rawValue
        return certified(best!, lowerBound: lowerBound, report: report, stepWeights: stepWeights)
    }
}
