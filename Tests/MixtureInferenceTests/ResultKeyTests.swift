import BPE
@testable import MixtureInference
import TokenizerFormats
import XCTest

/// The key of a stored whole result covers everything the result depends on.
final class ResultKeyTests: XCTestCase {
    /// A byte-level tokenizer with the given merges (each makes a new token).
    private func tokenizer(_ pairs: [(UInt32, UInt32)]) -> Tokenizer {
        var tokens = (0..<256).map { Token(bytes: [UInt8($0)]) }
        var merges: [MergeRule] = []
        for (left, right) in pairs {
            merges.append(MergeRule(left: left, right: right, result: UInt32(tokens.count)))
            tokens.append(Token(bytes: tokens[Int(left)].bytes + tokens[Int(right)].bytes))
        }
        return Tokenizer(model: BPEModel(tokens: tokens, merges: merges, byteTokens: (0..<256).map { $0 }),
                         pretokenizer: .gpt2, format: .trained)
    }

    /// With `--skip-merges K` the counts replay merges [0, K + T): two tokenizers that agree on
    /// the first T merges but not on the K + T replayed must get different keys (they shared
    /// one when only [0, T) was hashed), and identical ones the same key.
    func testKeyCoversTheSkippedMerges() throws {
        let a = tokenizer([(97, 98), (99, 100), (101, 102)])
        let b = tokenizer([(97, 98), (99, 100), (103, 104)])
        func key(_ tokenizer: Tokenizer, skip: Int) throws -> String {
            var request = try InferenceRequest(tokenizer: tokenizer, categories: [], mergeCount: 2, maxBytes: 1000,
                                               method: .attack, cache: nil)
            request.skipMerges = skip
            return try request.resultKey(samples: [])
        }
        XCTAssertNotEqual(try key(a, skip: 1), try key(b, skip: 1))
        XCTAssertEqual(try key(a, skip: 1), try key(tokenizer([(97, 98), (99, 100), (101, 102)]), skip: 1))
        XCTAssertEqual(try key(a, skip: 0), try key(b, skip: 0), "without a skip only the first two merges count")
        XCTAssertNotEqual(try key(a, skip: 0), try key(a, skip: 1))
    }

    /// The slack flow's schedule (its interval, first round, tail gap and flow count, where it runs and which matching it returns) changes the path to the optimum, and with it which of several
    /// optimal points a degenerate LP returns: a result solved on another schedule is not reused.
    func testKeyCoversTheFlowSchedule() throws {
        let a = tokenizer([(97, 98), (99, 100)])
        func key(interval: Int, start: Int, tail: Double = SolverOptions().tailGap, tailAfter: Int = SolverOptions().tailAfterFlows,
                 held: Bool = true, atSolution: Bool = true) throws -> String {
            var request = try InferenceRequest(tokenizer: a, categories: [], mergeCount: 2, maxBytes: 1000, method: .attack, cache: nil)
            request.solver.flowInterval = interval
            request.solver.flowStart = start
            request.solver.tailGap = tail
            request.solver.tailAfterFlows = tailAfter
            request.solver.flowPrefersHeldEdges = held
            request.solver.flowAtSolution = atSolution
            return try request.resultKey(samples: [])
        }
        XCTAssertNotEqual(try key(interval: 10, start: 5), try key(interval: 5, start: 5))
        XCTAssertNotEqual(try key(interval: 10, start: 5), try key(interval: 10, start: 1))
        XCTAssertNotEqual(try key(interval: 10, start: 5), try key(interval: 10, start: 5, tail: 0))
        XCTAssertNotEqual(try key(interval: 10, start: 5), try key(interval: 10, start: 5, tailAfter: 0))
        XCTAssertNotEqual(try key(interval: 10, start: 5), try key(interval: 10, start: 5, held: false))
        XCTAssertNotEqual(try key(interval: 10, start: 5), try key(interval: 10, start: 5, atSolution: false))
        XCTAssertEqual(try key(interval: 10, start: 5), try key(interval: 10, start: 5))
    }
}
