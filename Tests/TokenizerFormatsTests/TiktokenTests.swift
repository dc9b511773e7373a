import BPE
import Foundation
import Support
import TestSupport
@testable import TokenizerFormats
import XCTest

final class TiktokenTests: XCTestCase {
    /// The merge list reconstructed from GPT-2's rank file is GPT-2's own vocab.bpe, line for line.
    func testReconstructedMergesEqualVocabBPE() throws {
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/gpt2/gpt2.tiktoken"))
        XCTAssertEqual(tokenizer.format, .tiktoken)
        XCTAssertEqual(tokenizer.pretokenizer, .gpt2)
        let expected = try Fixtures.text("reference/gpt2/vocab.bpe").split(separator: "\n").dropFirst().map(String.init)
        XCTAssertEqual(tokenizer.model.mergeLines, expected)
        XCTAssertEqual(tokenizer.model.vocabularySize, 50257)
        XCTAssertTrue(tokenizer.model.tokens[50256].isSpecial)
    }

    /// Ids equal tiktoken's (r50k_base) on the reference texts.
    func testEncodingEqualsTiktoken() throws {
        let encoder = try TokenizerLoader.load(Fixtures.path("reference/gpt2/gpt2.tiktoken")).makeEncoder()
        for name in ["en", "tricky"] {
            let expected: [UInt32] = try Fixtures.json("reference/gpt2/\(name).gpt2-tiktoken.json")
            XCTAssertEqual(encoder.encode(try Fixtures.text("reference/gpt2/\(name).txt")), expected, name)
        }
    }

    /// cl100k_base and o200k_base against tiktoken's ids, when ../shared is beside the clone.
    func testSharedTiktokenFilesWhenPresent() throws {
        let shared = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tokenizers")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: shared.path), "../shared/tokenizers is absent")
        for name in ["cl100k_base", "o200k_base"] {
            let encoder = try TokenizerLoader.load(shared.appendingPathComponent(name).path).makeEncoder()
            for text in ["en", "ja", "python", "tricky"] {
                let input = try String(contentsOf: shared.appendingPathComponent("\(name)/reference/\(text).txt"), encoding: .utf8)
                let expected = try JSONDecoder().decode([UInt32].self, from: Data(contentsOf: shared.appendingPathComponent("\(name)/reference/\(text).\(name).json")))
                XCTAssertEqual(encoder.encode(input), expected, "\(name) \(text)")
            }
        }
    }

    /// tiktoken's byte-pair merge of "abc" with the ranks below abc's (a = 0, b = 1, c = 2,
    /// bc = 3, ab = 4, abc = 5): bc joins first, leaving a + bc.
    func testBytePairMergeJoinsLowestRankFirst() {
        let ranks: [UInt64: RankedJoin.Rank] = [packPair(1, 2): (3, 3), packPair(0, 1): (4, 4)]
        var symbols: [UInt32] = [0, 1, 2]
        RankedJoin.apply(&symbols) { ranks[packPair($0, $1)] }
        XCTAssertEqual(symbols, [0, 3])
    }

    /// The join takes the leftmost pair of lowest rank one at a time, as HF's `merge_all` and
    /// tiktoken do, also when a join makes a pair of lower rank than the pair's next occurrence:
    /// a b a b with (a, b) -> x at rank 1 and (x, a) -> y at rank 0 gives y b, not x x.
    func testRankedJoinFollowsTheReferenceOrder() {
        let (a, b, x, y): (UInt32, UInt32, UInt32, UInt32) = (0, 1, 2, 3)
        let ranks: [UInt64: RankedJoin.Rank] = [packPair(a, b): (1, x), packPair(x, a): (0, y)]
        var symbols = [a, b, a, b]
        RankedJoin.apply(&symbols) { ranks[packPair($0, $1)] }
        XCTAssertEqual(symbols, [y, b])
    }

    /// Against a one-join-a-scan reference on 2,000 random sequences and random rank tables
    /// (ties between pairs included), half of them longer than the scan limit (the heap path).
    func testRankedJoinEqualsOneJoinAtATime() {
        var generator = SeededGenerator(seed: 7)
        for trial in 0..<2_000 {
            var ranks: [UInt64: RankedJoin.Rank] = [:]
            for left in 0..<4 as Range<UInt32> {
                for right in 0..<4 as Range<UInt32> where Int.random(in: 0..<3, using: &generator) > 0 {
                    ranks[packPair(left, right)] = (UInt64.random(in: 0..<6, using: &generator), UInt32.random(in: 0..<4, using: &generator))
                }
            }
            let length = Int.random(in: 0..<(trial % 2 == 0 ? 12 : 90), using: &generator)
            let start = (0..<length).map { _ in UInt32.random(in: 0..<4, using: &generator) }
            var fast = start
            RankedJoin.apply(&fast) { ranks[packPair($0, $1)] }
            var slow = start
            while slow.count >= 2 {
                var best: (index: Int, rank: UInt64, result: UInt32)?
                for i in 0..<(slow.count - 1) {
                    if let entry = ranks[packPair(slow[i], slow[i + 1])], entry.rank < (best?.rank ?? .max) { best = (i, entry.rank, entry.result) }
                }
                guard let best else { break }
                slow[best.index] = best.result
                slow.remove(at: best.index + 1)
            }
            XCTAssertEqual(fast, slow, "\(start)")
        }
    }

    /// Damaged rank files are rejected with an error naming the problem, never a crash.
    func testDamagedRankFilesAreRejected() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("x.tiktoken").path
        let valid = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }.joined(separator: "\n") + "\nYWI= 256\n"
        func check(_ text: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Tiktoken.read(path: path), file: file, line: line) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)", file: file, line: line)
            }
        }
        try Data(valid.utf8).write(to: URL(fileURLWithPath: path))
        let model = try Tiktoken.read(path: path).model
        XCTAssertEqual(model.merges.count, 1)
        try check("", "no ranks")
        try check("!!!! 0\n", "invalid base64")
        try check("YQ== x\n", "invalid rank")
        try check("YQ==\n", "not 'base64 rank'")
        try check(valid + "YWI= 257\n", "appears twice")
        try check(valid + "YWM= 256\n", "rank 256 appears twice")
        try check("YQ== 0\n", "single byte")
        let bytes = Array(valid.utf8)
        for length in stride(from: 1, to: bytes.count, by: 97) {
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Tiktoken.read(path: path), "truncated to \(length)")
        }
    }

    /// Claude's tokenizer.json (NFKC + ByteLevel) against HF's ids, when ../shared is beside the clone.
    func testClaudeNFKCWhenPresent() throws {
        let claude = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tokenizers/claude")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: claude.path), "../shared/tokenizers/claude is absent")
        let tokenizer = try TokenizerLoader.load(claude.path)
        XCTAssertEqual(tokenizer.normalizer, .nfkc)
        let encoder = try tokenizer.makeEncoder()
        for text in ["en", "ja", "python", "tricky"] {
            let input = try String(contentsOf: claude.appendingPathComponent("reference/\(text).txt"), encoding: .utf8)
            let expected = try JSONDecoder().decode([UInt32].self, from: Data(contentsOf: claude.appendingPathComponent("reference/\(text).claude.json")))
            XCTAssertEqual(encoder.encode(input), expected, text)
        }
    }
}
