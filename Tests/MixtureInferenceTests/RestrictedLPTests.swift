@testable import MixtureInference
import Support
import XCTest

/// The dual form's restricted LP, which leaves out the rows of slacks that one cut uses alone,
/// against the primal form, which holds every row, on the same cuts.
final class RestrictedLPTests: XCTestCase {
    /// Random rounds of cuts added and deleted, with new slacks along the way and step costs
    /// below, at and above the pair cost (the bootstrap's multiplicities): the two forms reach
    /// the same optimum every round, and the dual form's primal values satisfy every cut in it
    /// and add up to that optimum.
    func testLoneSlackRowsLeftOutKeepTheOptimum() throws {
        for seed in 0..<40 as Range<UInt64> {
            var generator = SeededGenerator(seed: seed)
            let n = 2 + Int(seed % 3)
            let dual = DualRestrictedLP(categories: n)
            let primal = PrimalRestrictedLP(categories: n)
            var costs: [Double] = []
            var steps: [Int] = [], pairs: [Int] = []
            var held: [LinearProgram.Row] = []
            var keys = Set<[Int]>()
            var rowsLeftOut = false
            for round in 0..<8 {
                // New slacks: a few steps (cost 0.5, 1 or 2) and pairs (cost 1).
                var newCosts: [Double] = []
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    steps.append(n + costs.count + newCosts.count)
                    newCosts.append([0.5, 1, 1, 2].randomElement(using: &generator)!)
                }
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    pairs.append(n + costs.count + newCosts.count)
                    newCosts.append(1)
                }
                XCTAssertEqual(dual.addSlacks(costs: newCosts), n + costs.count)
                XCTAssertEqual(primal.addSlacks(costs: newCosts), n + costs.count)
                costs += newCosts
                var cuts: [LinearProgram.Row] = []
                for _ in 0..<Int.random(in: 1...12, using: &generator) {
                    let step = steps.randomElement(using: &generator)!, pair = pairs.randomElement(using: &generator)!
                    guard keys.insert([step, pair]).inserted else { continue }
                    var columns: [Int32] = [], coefficients: [Double] = []
                    for i in 0..<n where Bool.random(using: &generator) || i == 0 {
                        columns.append(Int32(i))
                        coefficients.append(-Double(Int.random(in: -20...40, using: &generator)) / 4)
                    }
                    columns += [Int32(step), Int32(pair)]
                    coefficients += [1, 1]
                    cuts.append(LinearProgram.Row(columns: columns, coefficients: coefficients, bound: 0))
                }
                dual.addCuts(cuts)
                primal.addCuts(cuts)
                held += cuts
                XCTAssertEqual(dual.solve(), .optimal)
                XCTAssertEqual(primal.solve(), .optimal)
                XCTAssertEqual(dual.objective, primal.objective, accuracy: 1e-9 * max(1, abs(primal.objective)), "seed \(seed) round \(round)")
                var objective = 0.0
                for (k, cost) in costs.enumerated() { objective += cost * dual.value(of: n + k) }
                XCTAssertEqual(objective, dual.objective, accuracy: 1e-7 * max(1, abs(dual.objective)), "seed \(seed) round \(round)")
                let weights = (0..<n).map { dual.value(of: $0) }
                XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-9)
                for cut in held {
                    let value = zip(cut.columns, cut.coefficients).reduce(0.0) { $0 + $1.1 * dual.value(of: Int($1.0)) }
                    XCTAssertGreaterThanOrEqual(value, -1e-7, "seed \(seed) round \(round): a cut is violated")
                }
                let slackUsers = held.flatMap { $0.columns.filter { Int($0) >= n } }
                if Dictionary(grouping: slackUsers, by: { $0 }).values.contains(where: { $0.count == 1 }) { rowsLeftOut = true }
                // Delete a random third of the cuts from both.
                let remove = held.indices.filter { _ in Int.random(in: 0..<3, using: &generator) == 0 }
                dual.deleteCuts(remove)
                primal.deleteCuts(remove)
                for k in remove.reversed() {
                    let cut = held.remove(at: k)
                    keys.remove([Int(cut.columns[cut.columns.count - 2]), Int(cut.columns[cut.columns.count - 1])])
                }
            }
            XCTAssertTrue(rowsLeftOut, "seed \(seed): no slack was ever alone in a cut")
        }
    }
}
