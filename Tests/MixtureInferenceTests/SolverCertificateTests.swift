import BPE
@testable import MixtureInference
import Support
import XCTest

/// The solver's answers checked against the whole LP written out: every (step, pair)
/// constraint, solved directly by GLPK (no row generation, no decomposition), on small random
/// instances where that is possible.
final class SolverCertificateTests: XCTestCase {
    /// A random instance: `categories` count tables over `pairs` pairs for `steps` steps.
    struct Instance {
        var categories: [CategoryCounts]
        var merges: ArraySlice<MergeRule>
        /// counts[i][t][p]: the count of pair p in category i before merge t.
        var counts: [[[Int64]]]
        var keys: [UInt64]
    }

    /// `stillness`: the chance that a pair's count stays put at a step (0: every count drifts,
    /// as merges would move them; higher: runs of standing counts, as in real traces).
    static func instance(seed: UInt64, categories n: Int, pairs: Int, steps: Int, stillness: Double = 0) -> Instance {
        var generator = SeededGenerator(seed: seed)
        let keys: [UInt64] = (0..<pairs).map { (p: Int) -> UInt64 in
            let left = UInt64(p + 1), right = UInt64(p + 2)
            return left << 32 | right
        }
        var counts: [[[Int64]]] = []
        for _ in 0..<n {
            var table: [[Int64]] = []
            var row = (0..<pairs).map { _ in Int64.random(in: 0...30, using: &generator) }
            for _ in 0...steps {
                table.append(row)
                // Counts drift as merges would move them: down mostly, sometimes up.
                row = row.map { count in
                    if stillness > 0 && Double.random(in: 0..<1, using: &generator) < stillness { return count }
                    return max(0, count + Int64.random(in: -6...2, using: &generator))
                }
            }
            counts.append(table)
        }
        // Merge t: a pair that some category has at step t (chosen at random, not the best).
        var merges: [MergeRule] = []
        for t in 0..<steps {
            let present = (0..<pairs).filter { p in counts.contains { $0[t][p] > 0 } }
            let p = present.isEmpty ? 0 : present[Int.random(in: 0..<present.count, using: &generator)]
            merges.append(MergeRule(left: UInt32(keys[p] >> 32), right: UInt32(keys[p] & 0xFFFF_FFFF), result: UInt32(1000 + t)))
        }
        let categories = counts.enumerated().map { i, table -> CategoryCounts in
            var starts = [0], deltaPairs: [Int32] = [], deltaValues: [Int64] = []
            for t in 0..<steps {
                for p in 0..<pairs where table[t + 1][p] != table[t][p] {
                    deltaPairs.append(Int32(p)); deltaValues.append(table[t + 1][p] - table[t][p])
                }
                starts.append(deltaPairs.count)
            }
            let trace = PairCountTrace(pairs: keys, initialCounts: table[0], deltaStarts: starts, deltaPairs: deltaPairs, deltaValues: deltaValues)
            return CategoryCounts(name: "c\(i)", sampleBytes: Int(trace.totalInitialPairs) + i, trace: trace, merges: [])
        }
        return Instance(categories: categories, merges: merges[...], counts: counts, keys: keys)
    }

    /// d_i(t, p) = c[i,t](p) - c[i,t](m_t), normalised as the solver does (per 1e6 initial pairs).
    static func coefficient(_ instance: Instance, _ i: Int, _ t: Int, _ p: Int) -> Double {
        let m = instance.keys.firstIndex(of: instance.merges[t].pairKey)!
        let total = Double(instance.counts[i][0].reduce(0, +))
        return 1e6 / total * Double(instance.counts[i][t][p] - instance.counts[i][t][m])
    }

    /// The optimum of the whole LP, every constraint written out (steps whose merge no
    /// category has give none, as in the solver).
    static func fullOptimum(_ instance: Instance) -> Double {
        let n = instance.categories.count, steps = instance.merges.count, pairs = instance.keys.count
        let lp = LinearProgram()
        _ = lp.addColumns(objective: [Double](repeating: 0, count: n), lower: 0, upper: 1)
        let stepColumns = lp.addColumns(objective: [Double](repeating: 1, count: steps))
        let pairColumns = lp.addColumns(objective: [Double](repeating: 1, count: pairs))
        var rows = [LinearProgram.Row(columns: (0..<Int32(n)).map { $0 }, coefficients: [Double](repeating: 1, count: n), bound: 1, isEquality: true)]
        for t in 0..<steps {
            let m = instance.keys.firstIndex(of: instance.merges[t].pairKey)!
            guard (0..<n).contains(where: { instance.counts[$0][t][m] > 0 }) else { continue }
            for p in 0..<pairs where p != m {
                var columns: [Int32] = [], values: [Double] = []
                for i in 0..<n { columns.append(Int32(i)); values.append(-coefficient(instance, i, t, p)) }
                columns += [Int32(stepColumns + t), Int32(pairColumns + p)]
                values += [1, 1]
                rows.append(LinearProgram.Row(columns: columns, coefficients: values, bound: 0))
            }
        }
        lp.addRows(rows)
        XCTAssertEqual(lp.solve(), .optimal)
        return lp.objective
    }

    /// On 60 random instances: both methods reach the optimum of the whole LP (objective to
    /// 1e-9 relative), and the point each returns satisfies every (step, pair) constraint,
    /// checked here by enumeration, with the objective it claims.
    func testRandomInstancesReachTheWholeLPOptimum() throws {
        var checked = 0
        for seed in 0..<60 as Range<UInt64> {
            let n = 2 + Int(seed % 4), pairs = 4 + Int(seed % 7), steps = 3 + Int(seed % 9)
            let instance = SolverCertificateTests.instance(seed: seed, categories: n, pairs: pairs, steps: steps)
            let optimum = SolverCertificateTests.fullOptimum(instance)
            let solver = try MixtureSolver(categories: instance.categories, merges: instance.merges)
            for options in SolverTests.allOptions {
                let solution = try solver.solve(options: options)
                let report = solution.report
                XCTAssertTrue(report.converged, "seed \(seed) \(report.method)")
                XCTAssertEqual(report.objective, optimum, accuracy: 1e-9 * max(1, optimum), "seed \(seed) \(report.method)")
                XCTAssertLessThanOrEqual(report.gap, 1e-9)
                XCTAssertLessThanOrEqual(report.lowerBound, optimum * (1 + 1e-9) + 1e-9)
                // The certificate, by enumeration of every constraint.
                XCTAssertEqual(solution.alpha.reduce(0, +), 1, accuracy: 1e-12)
                XCTAssertTrue(solution.alpha.allSatisfy { $0 >= 0 })
                var objective = solution.pairSlack.reduce(0, +)
                var worst = 0.0
                for t in 0..<steps {
                    let m = instance.keys.firstIndex(of: instance.merges[t].pairKey)!
                    guard (0..<n).contains(where: { instance.counts[$0][t][m] > 0 }) else {
                        XCTAssertTrue(report.missingSteps.contains(t))
                        continue
                    }
                    objective += solution.stepSlack[t]
                    for p in 0..<pairs where p != m {
                        var w = 0.0
                        for i in 0..<n { w += solution.alpha[i] * SolverCertificateTests.coefficient(instance, i, t, p) }
                        worst = max(worst, w - solution.stepSlack[t] - solution.pairSlack[p])
                    }
                }
                XCTAssertLessThanOrEqual(worst, 1e-6, "seed \(seed) \(report.method): a constraint is violated")
                XCTAssertEqual(objective, report.objective, accuracy: 1e-9 * max(1, optimum))
                XCTAssertLessThanOrEqual(report.largestViolationAbsolute, 1e-6)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 60 * SolverTests.allOptions.count)
    }

    /// With the weights fixed, the slack LP's optimum equals the whole LP with those weights.
    func testFixedWeightsReachTheWholeSlackOptimum() throws {
        for seed in 100..<120 as Range<UInt64> {
            let instance = SolverCertificateTests.instance(seed: seed, categories: 3, pairs: 6, steps: 7)
            var generator = SeededGenerator(seed: seed)
            let alpha = generator.simplexPoint(3)
            let solver = try MixtureSolver(categories: instance.categories, merges: instance.merges)
            var intervals = SolverOptions()
            intervals.method = .intervals
            for options in [SolverOptions(), intervals] {
            let solution = try solver.solve(options: options, fixedAlpha: alpha)
            XCTAssertTrue(solution.report.converged)
            // The whole slack problem with alpha fixed, written out.
            let lp = LinearProgram()
            _ = lp.addColumns(objective: [Double](repeating: 1, count: 7 + 6))
            var rows: [LinearProgram.Row] = []
            for t in 0..<7 {
                let m = instance.keys.firstIndex(of: instance.merges[t].pairKey)!
                guard (0..<3).contains(where: { instance.counts[$0][t][m] > 0 }) else { continue }
                for p in 0..<6 where p != m {
                    var w = 0.0
                    for i in 0..<3 { w += alpha[i] * SolverCertificateTests.coefficient(instance, i, t, p) }
                    rows.append(LinearProgram.Row(columns: [Int32(t), Int32(7 + p)], coefficients: [1, 1], bound: w))
                }
            }
            lp.addRows(rows)
            XCTAssertEqual(lp.solve(), .optimal)
            XCTAssertEqual(solution.report.objective, lp.objective, accuracy: 1e-9 * max(1, lp.objective), "seed \(seed) \(solution.report.method)")
            XCTAssertEqual(solution.alpha, alpha)
            }
        }
    }

    /// The slack flow at random weights (and random whole step weights) against the whole
    /// slack LP written out: its matching is one (each step at most its weight times, each
    /// pair once, positive edges only) worth the LP's optimum, and its pair slacks with the
    /// tightest step slacks are a cover of every edge costing that optimum.
    func testSlackFlowIsTheWholeSlackOptimum() throws {
        var matchedSomething = 0
        for seed in 200..<280 as Range<UInt64> {
            let n = 2 + Int(seed % 3), pairs = 4 + Int(seed % 6), steps = 3 + Int(seed % 8)
            let instance = SolverCertificateTests.instance(seed: seed, categories: n, pairs: pairs, steps: steps)
            var generator = SeededGenerator(seed: seed)
            let alpha = generator.simplexPoint(n)
            let stepWeights: [Double]? = seed % 2 == 0 ? nil : (0..<steps).map { _ in Double(Int.random(in: 0...3, using: &generator)) }
            if let stepWeights, !stepWeights.contains(where: { $0 > 0 }) { continue }
            let solver = try MixtureSolver(categories: instance.categories, merges: instance.merges)
            let flow = try XCTUnwrap(solver.slackFlow(alpha: alpha, stepWeights: stepWeights))

            var weight = [[Double]](repeating: [Double](repeating: 0, count: pairs), count: steps)
            var constrained = [Bool](repeating: false, count: steps)
            let lp = LinearProgram()
            _ = lp.addColumns(objective: (0..<steps).map { stepWeights?[$0] ?? 1 } + [Double](repeating: 1, count: pairs))
            var rows: [LinearProgram.Row] = []
            for t in 0..<steps where (stepWeights?[t] ?? 1) > 0 {
                let m = instance.keys.firstIndex(of: instance.merges[t].pairKey)!
                guard (0..<n).contains(where: { instance.counts[$0][t][m] > 0 }) else { continue }
                constrained[t] = true
                for p in 0..<pairs where p != m {
                    for i in 0..<n { weight[t][p] += alpha[i] * SolverCertificateTests.coefficient(instance, i, t, p) }
                    rows.append(LinearProgram.Row(columns: [Int32(t), Int32(steps + p)], coefficients: [1, 1], bound: weight[t][p]))
                }
            }
            lp.addRows(rows)
            XCTAssertEqual(lp.solve(), .optimal)
            let optimum = lp.objective
            let tolerance = 1e-6 * max(1, optimum)

            var value = 0.0
            var stepUses = [Int](repeating: 0, count: steps)
            var pairUsed = Set<Int32>()
            for edge in flow.edges {
                XCTAssertTrue(constrained[edge.step], "seed \(seed): a step without constraints is matched")
                XCTAssertTrue(pairUsed.insert(edge.pair).inserted, "seed \(seed): a pair is matched twice")
                stepUses[edge.step] += 1
                XCTAssertGreaterThan(weight[edge.step][Int(edge.pair)], 0, "seed \(seed): a matched edge is not positive")
                value += weight[edge.step][Int(edge.pair)]
            }
            for t in 0..<steps { XCTAssertLessThanOrEqual(Double(stepUses[t]), stepWeights?[t] ?? 1, "seed \(seed)") }
            XCTAssertEqual(value, optimum, accuracy: tolerance, "seed \(seed): the matching is not maximum")
            XCTAssertEqual(flow.value, value, accuracy: 1e-9 * max(1, value))

            var cover = flow.pairSlack.reduce(0, +)
            for t in 0..<steps where constrained[t] {
                let slack = (0..<pairs).map { weight[t][$0] - flow.pairSlack[$0] }.max()!
                cover += (stepWeights?[t] ?? 1) * max(0, slack)
            }
            XCTAssertTrue(flow.pairSlack.allSatisfy { $0 >= 0 })
            XCTAssertEqual(cover, optimum, accuracy: tolerance, "seed \(seed): the flow's cover is not optimal")
            if !flow.edges.isEmpty { matchedSomething += 1 }

            // The precise flow's cover is worth the optimum to round-off, not to a grid step.
            let precise = try XCTUnwrap(solver.slackFlow(alpha: alpha, stepWeights: stepWeights, precise: true))
            var preciseCover = precise.pairSlack.reduce(0, +)
            for t in 0..<steps where constrained[t] {
                let slack = (0..<pairs).map { weight[t][$0] - precise.pairSlack[$0] }.max()!
                preciseCover += (stepWeights?[t] ?? 1) * max(0, slack)
            }
            XCTAssertEqual(preciseCover, optimum, accuracy: 1e-9 * max(1, optimum), "seed \(seed): the precise cover is not optimal")
            XCTAssertEqual(precise.value, optimum, accuracy: 1e-9 * max(1, optimum), "seed \(seed)")
        }
        // The instances must exercise the matching, not only empty ones.
        XCTAssertGreaterThan(matchedSomething, 40)
    }

    /// Preferred edges break ties among the flow's optimal matchings and nothing else. Two
    /// matched edges (t1, p1), (t2, p2) whose crossed edges (t1, p2), (t2, p1) are positive and
    /// weigh the same in sum (the pairs' counts stand still between the steps) give another
    /// optimal matching; preferring it, the flow must return every one of its edges, and its
    /// value and cover stay optimal. Preferring another weight's matching changes no value.
    func testSlackFlowPrefersHeldEdgesWithoutLosingOptimality() throws {
        var swapped = 0
        for seed in 300..<400 as Range<UInt64> {
            let n = 2 + Int(seed % 3), pairs = 4 + Int(seed % 6), steps = 3 + Int(seed % 8)
            let instance = SolverCertificateTests.instance(seed: seed, categories: n, pairs: pairs, steps: steps, stillness: 0.9)
            var generator = SeededGenerator(seed: seed)
            let alpha = generator.simplexPoint(n), other = generator.simplexPoint(n)
            let solver = try MixtureSolver(categories: instance.categories, merges: instance.merges)
            let plain = try XCTUnwrap(solver.slackFlow(alpha: alpha, stepWeights: nil))
            var weight = [[Double]](repeating: [Double](repeating: -.infinity, count: pairs), count: steps)
            for t in 0..<steps {
                let m = instance.keys.firstIndex(of: instance.merges[t].pairKey)!
                guard (0..<n).contains(where: { instance.counts[$0][t][m] > 0 }) else { continue }
                for p in 0..<pairs where p != m {
                    weight[t][p] = (0..<n).map { alpha[$0] * SolverCertificateTests.coefficient(instance, $0, t, p) }.reduce(0, +)
                }
            }
            func byPair(_ edges: [(step: Int, pair: Int32)]) -> [Int32: [Int]] {
                Dictionary(grouping: edges, by: \.pair).mapValues { $0.map(\.step) }
            }
            func checkOptimal(_ flow: SlackFlow, _ what: String) {
                XCTAssertEqual(flow.value, plain.value, accuracy: 1e-9 * max(1, plain.value), "seed \(seed) \(what)")
                XCTAssertEqual(Set(flow.edges.map(\.pair)).count, flow.edges.count, "seed \(seed) \(what): a pair is matched twice")
                var cover = flow.pairSlack.reduce(0, +)
                for row in weight where row.contains(where: { $0 > -.infinity }) {
                    cover += max(0, (0..<pairs).map { row[$0] - flow.pairSlack[$0] }.max()!)
                }
                XCTAssertEqual(cover, plain.value, accuracy: 1e-6 * max(1, plain.value), "seed \(seed) \(what): the cover is not optimal")
            }
            let foreign = try XCTUnwrap(solver.slackFlow(alpha: alpha, stepWeights: nil,
                                                         preferred: byPair(try XCTUnwrap(solver.slackFlow(alpha: other, stepWeights: nil)).edges)))
            checkOptimal(foreign, "foreign preference")

            // Another optimal matching: the plain one with two edges crossed.
            let edges = plain.edges
            var alternative: [(step: Int, pair: Int32)]?
            search: for a in edges.indices { for b in edges.indices where a < b {
                let (t1, p1, t2, p2) = (edges[a].step, Int(edges[a].pair), edges[b].step, Int(edges[b].pair))
                guard t1 != t2, weight[t1][p2] > 1e-6, weight[t2][p1] > 1e-6 else { continue }
                let change = weight[t1][p2] + weight[t2][p1] - weight[t1][p1] - weight[t2][p2]
                guard abs(change) < 1e-9 else { continue }
                var crossed = edges
                crossed[a] = (t1, Int32(p2)); crossed[b] = (t2, Int32(p1))
                alternative = crossed
                break search
            } }
            guard let alternative else { continue }
            let chosen = try XCTUnwrap(solver.slackFlow(alpha: alpha, stepWeights: nil, preferred: byPair(alternative)))
            checkOptimal(chosen, "crossed preference")
            let keys = Set(chosen.edges.map { SeparatedEdge.key(step: $0.step, pair: $0.pair) })
            for edge in alternative {
                XCTAssertTrue(keys.contains(SeparatedEdge.key(step: edge.step, pair: edge.pair)), "seed \(seed): a preferred optimal edge was not taken")
            }
            swapped += 1
        }
        // The instances must exercise the tie-break, not only instances without a crossing.
        XCTAssertGreaterThan(swapped, 10)
    }

    /// Where the slack flow runs (`flowAtSolution`). Without stabilisation the in-out query is
    /// the restricted LP's solution, so both settings take the same path, flow for flow; with
    /// it the query lies between the solution and the best point, and the flows at the query
    /// are worth other values than those at the solution on some instances. A setting that did
    /// nothing would give the same flows in both cases and fail here.
    func testSlackFlowRunsWhereTheOptionSays() throws {
        var differing = 0
        for seed in 0..<60 as Range<UInt64> {
            let n = 2 + Int(seed % 4), pairs = 4 + Int(seed % 7), steps = 3 + Int(seed % 9)
            let instance = SolverCertificateTests.instance(seed: seed, categories: n, pairs: pairs, steps: steps)
            let solver = try MixtureSolver(categories: instance.categories, merges: instance.merges)
            func flowValues(atSolution: Bool, stabilization: Double) throws -> [Double?] {
                var options = SolverOptions()
                options.flowStart = 1
                options.flowInterval = 1
                options.tailGap = 0
                options.tailAfterFlows = 0
                options.flowAtSolution = atSolution
                options.stabilization = stabilization
                var values: [Double?] = []
                let solution = try solver.solve(options: options, trace: { values.append($0.flowValue) })
                XCTAssertTrue(solution.report.converged, "seed \(seed)")
                return values
            }
            let solutionPath = try flowValues(atSolution: true, stabilization: 0)
            XCTAssertEqual(solutionPath, try flowValues(atSolution: false, stabilization: 0), "seed \(seed)")
            if try flowValues(atSolution: true, stabilization: 0.5) != flowValues(atSolution: false, stabilization: 0.5) {
                differing += 1
            }
        }
        XCTAssertGreaterThan(differing, 5)
    }
}
