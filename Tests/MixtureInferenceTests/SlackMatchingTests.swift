@testable import MixtureInference
import Support
import XCTest

/// The combinatorial slack solver against the vertex-cover LP written out and solved by GLPK.
final class SlackMatchingTests: XCTestCase {
    /// On 300 random bipartite graphs (weights of both signs, step costs 0 to 3, pairs shared by
    /// many steps): the matching's value equals the LP optimum of the cover to 1e-9, its cover
    /// covers every edge, and the cover's objective is the matching's value.
    func testRandomGraphsMatchTheCoverLP() throws {
        for seed in 0..<300 as Range<UInt64> {
            var generator = SeededGenerator(seed: seed)
            let steps = 1 + Int.random(in: 0..<14, using: &generator)
            let pairs = 1 + Int.random(in: 0..<11, using: &generator)
            let costs = (0..<steps).map { _ in Int.random(in: 0...3, using: &generator) }
            var edges: [SeparatedEdge] = []
            for t in 0..<steps {
                for p in 0..<pairs where Double.random(in: 0..<1, using: &generator) < 0.45 {
                    // Some pairs are heavy for every step, as the pairs a tokenizer never merges.
                    let heavy = p < 2 ? 5.0 : 0.0
                    let w = heavy + Double.random(in: -3..<10, using: &generator).rounded() / 4
                    edges.append(SeparatedEdge(step: t, pair: Int32(p), violation: 0, coefficients: [w]))
                }
            }
            let matching = SlackMatching(categories: 1, steps: steps, pairs: pairs, stepCost: costs)
            matching.add(edges)
            matching.setWeights([1])
            matching.solve()

            let lp = LinearProgram()
            _ = lp.addColumns(objective: costs.map(Double.init) + [Double](repeating: 1, count: pairs))
            lp.addRows(edges.map { LinearProgram.Row(columns: [Int32($0.step), Int32(steps) + $0.pair], coefficients: [1, 1],
                                                     bound: $0.coefficients[0]) })
            XCTAssertEqual(lp.solve(), .optimal)
            let optimum = edges.isEmpty ? 0 : lp.objective
            XCTAssertEqual(matching.objective, optimum, accuracy: 1e-9, "seed \(seed)")

            var cover = matching.pairSlack.reduce(0, +)
            for t in 0..<steps { cover += Double(costs[t]) * matching.stepSlack[t] }
            XCTAssertEqual(cover, matching.objective, accuracy: 1e-9, "seed \(seed)")
            for edge in edges where costs[edge.step] > 0 {
                XCTAssertGreaterThanOrEqual(matching.stepSlack[edge.step] + matching.pairSlack[Int(edge.pair)], edge.coefficients[0] - 1e-12,
                                            "seed \(seed): edge (\(edge.step), \(edge.pair)) is not covered")
            }
            XCTAssertTrue(matching.pairSlack.allSatisfy { $0 >= 0 } && matching.stepSlack.allSatisfy { $0 >= 0 })
            // The gradient of a one-category problem is the matching's value.
            XCTAssertEqual(matching.matchingGradient()[0], matching.objective, accuracy: 1e-9)
        }
    }
}
