@testable import MixtureInference
import Support
import XCTest

/// The pieces of the interval form against brute force.
final class IntervalFormTests: XCTestCase {
    /// The canonical nodes of every range partition it, and are at most 2 log2 n.
    func testCanonicalNodesPartitionEveryRange() {
        for positions in [1, 2, 3, 7, 8, 13, 64, 100] {
            let tree = StepTree(positions: positions)
            XCTAssertEqual(tree.nodeCount, 2 * positions - 1)
            for position in 0..<positions {
                let leaf = Int(tree.leaf[position])
                XCTAssertEqual(tree.lower[leaf], Int32(position))
                XCTAssertEqual(tree.upper[leaf], Int32(position + 1))
            }
            var bound = 0
            while 1 << bound < positions { bound += 1 }
            for start in 0..<positions {
                for end in (start + 1)...positions {
                    var nodes: [Int32] = []
                    tree.cover(start, end, into: &nodes)
                    let ranges = nodes.map { (Int(tree.lower[Int($0)]), Int(tree.upper[Int($0)])) }.sorted { $0.0 < $1.0 }
                    XCTAssertEqual(ranges.first?.0, start)
                    XCTAssertEqual(ranges.last?.1, end)
                    for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.1, b.0, "\(positions) [\(start), \(end))") }
                    XCTAssertLessThanOrEqual(nodes.count, max(1, 2 * bound), "\(positions) [\(start), \(end))")
                }
            }
        }
    }

    /// Range minima of a growing sequence equal a scan, at every length.
    func testSparseMinimumMatchesAScan() {
        var generator = SeededGenerator(seed: 7)
        let values = (0..<77).map { _ in Double(Int.random(in: -50...50, using: &generator)) }
        var table = SparseMinimum(capacity: values.count)
        for (count, value) in values.enumerated() {
            table.append(value)
            XCTAssertEqual(Array(table.values.prefix(count + 1)), Array(values.prefix(count + 1)))
            for start in 0...count {
                for end in (start + 1)...(count + 1) {
                    XCTAssertEqual(table.minimum(start, end), values[start..<end].min()!)
                }
            }
        }
    }

    /// The lowest values of a range below a bound, lowest first.
    func testLowestPositions() {
        let values: [Double] = [5, 1, 4, 1, 3, 9, 0]
        XCTAssertEqual(MixtureSolver.lowest(3, of: values, in: 0..<7, below: .infinity), [6, 1, 3])
        XCTAssertEqual(MixtureSolver.lowest(10, of: values, in: 1..<5, below: 3.5), [1, 3, 4])
        XCTAssertEqual(MixtureSolver.lowest(2, of: values, in: 0..<3, below: 1), [])
    }
}
