import BPE
import Corpora
import Pretokenization
import Support
import TestSupport
import XCTest

final class TrainerTests: XCTestCase {
    private func train(_ corpusFixture: String, vocabularySize: Int, pretokenizer: Pretokenizer) throws -> BPEModel {
        let corpus = try Corpus(paths: [Fixtures.path(corpusFixture)])
        let words = try WordCounts.count(text: corpus.bytes, sequenceEnds: corpus.sequenceEnds, pretokenizer: pretokenizer)
        return try BPETrainer(vocabularySize: vocabularySize).train(words)
    }

    /// The merge list HF `tokenizers` 0.23.3 learned on the same corpus, line for line.
    func testEnglishMergesEqualHuggingFace() throws {
        let model = try train("reference/training/en-train.txt", vocabularySize: 2000, pretokenizer: .gpt2)
        let expected = try Fixtures.text("reference/training/en-bytelevel-2000.merges.txt").split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, 1744)
        XCTAssertEqual(model.mergeLines, expected)
        XCTAssertEqual(model.vocabularySize, 2000)
    }

    func testPythonDigitsMergesEqualHuggingFace() throws {
        let model = try train("reference/training/python-train.txt", vocabularySize: 4000, pretokenizer: .gpt2Digits)
        let expected = try Fixtures.text("reference/training/python-digits-bytelevel-4000.merges.txt").split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, 3744)
        XCTAssertEqual(model.mergeLines, expected)
    }

    /// A deliberately naive trainer (full recount after every merge, ties to the smallest id
    /// pair) on seeded random words agrees with the incremental one merge for merge.
    func testIncrementalCountsEqualNaiveRecount() throws {
        var generator = Fixtures.SeededGenerator(seed: 7)
        for round in 0..<20 {
            var counts = WordCounts()
            var naiveWords: [([UInt8], Int)] = []
            for _ in 0..<40 {
                let length = Int.random(in: 1...9, using: &generator)
                let word = (0..<length).map { _ in UInt8(ascii: "a") + UInt8.random(in: 0...3, using: &generator) }
                let count = Int.random(in: 1...5, using: &generator)
                counts.add(word, count: count)
                naiveWords.append((word, count))
            }
            let model = try BPETrainer(vocabularySize: 256 + 30).train(counts)
            let expected = naiveTrain(naiveWords, merges: 30)
            XCTAssertEqual(model.merges.map { [$0.left, $0.right] }, expected, "round \(round)")
        }
    }

    /// Independent of BPETrainer: ids are the byte-level alphabet order, then merges.
    private func naiveTrain(_ input: [([UInt8], Int)], merges: Int) -> [[UInt32]] {
        var idOfByte = [UInt32](repeating: 0, count: 256)
        var tokenStrings: [[UInt8]] = []
        for (id, byte) in ByteLevel.bytesInCharacterOrder.enumerated() {
            idOfByte[Int(byte)] = UInt32(id)
            tokenStrings.append([byte])
        }
        var words = input.map { ($0.0.map { idOfByte[Int($0)] }, $0.1) }
        var result: [[UInt32]] = []
        for _ in 0..<merges {
            var pairCounts: [[UInt32]: Int] = [:]
            for (symbols, count) in words where symbols.count > 1 {
                for i in 0..<(symbols.count - 1) { pairCounts[[symbols[i], symbols[i + 1]], default: 0] += count }
            }
            guard let best = pairCounts.max(by: { a, b in
                a.value != b.value ? a.value < b.value : (a.key[0], a.key[1]) > (b.key[0], b.key[1])
            }) else { break }
            let joined = tokenStrings[Int(best.key[0])] + tokenStrings[Int(best.key[1])]
            let newId: UInt32
            if let existing = tokenStrings.firstIndex(of: joined) { newId = UInt32(existing) } else {
                newId = UInt32(tokenStrings.count)
                tokenStrings.append(joined)
            }
            result.append(best.key)
            words = words.map { symbols, count in
                var out: [UInt32] = []
                var i = 0
                while i < symbols.count {
                    if i + 1 < symbols.count && symbols[i] == best.key[0] && symbols[i + 1] == best.key[1] {
                        out.append(newId)
                        i += 2
                    } else {
                        out.append(symbols[i])
                        i += 1
                    }
                }
                return (out, count)
            }
        }
        return result
    }

    func testTiesGoToTheSmallestPairAndRunsMergeLeftToRight() throws {
        var counts = WordCounts()
        counts.add(Array("cd".utf8), count: 2)
        counts.add(Array("ab".utf8), count: 2)
        counts.add(Array("aaa".utf8), count: 1)
        let model = try BPETrainer(vocabularySize: 256 + 3).train(counts)
        // (a,a) occurs twice in "aaa" but merges once there: counts tie at 2 with (a,b) and
        // (c,d); (a,a) has the smallest ids.
        XCTAssertEqual(model.mergeLines, ["a a", "a b", "c d"])
    }

    func testSpecialTokensComeFirstAndCountTowardsTheVocabulary() throws {
        var counts = WordCounts()
        counts.add(Array("hello".utf8), count: 3)
        let model = try BPETrainer(vocabularySize: 256 + 2 + 2, specialTokens: ["<s>", "</s>"]).train(counts)
        XCTAssertEqual(model.vocabularySize, 260)
        XCTAssertEqual(model.merges.count, 2)
        XCTAssertEqual(model.rendered(0), "<s>")
        XCTAssertTrue(model.tokens[1].isSpecial)
        XCTAssertEqual(model.rendered(2), "!")
    }

    func testMinimumFrequencyStopsTraining() throws {
        var counts = WordCounts()
        counts.add(Array("ab".utf8), count: 5)
        counts.add(Array("cd".utf8), count: 1)
        let model = try BPETrainer(vocabularySize: 1000, minFrequency: 2).train(counts)
        XCTAssertEqual(model.mergeLines, ["a b"])
    }

    func testVocabularyBelowAlphabetIsAnError() {
        XCTAssertThrowsError(try BPETrainer(vocabularySize: 255).train(WordCounts())) { error in
            XCTAssertTrue("\(error)".contains("below"))
        }
    }

    func testTrainingIsDeterministic() throws {
        let a = try train("reference/training/en-train.txt", vocabularySize: 600, pretokenizer: .gpt2Digits)
        let b = try train("reference/training/en-train.txt", vocabularySize: 600, pretokenizer: .gpt2Digits)
        XCTAssertEqual(a.merges, b.merges)
    }

    func testWordCountsMergeAndChunking() throws {
        let text = Array("a b\na b\nc\n".utf8)
        let counts = try WordCounts.count(text: text, sequenceEnds: [4, 8, 10], pretokenizer: .gpt2)
        var table: [String: Int] = [:]
        for i in 0..<counts.count { table[String(decoding: counts.words.key(i), as: UTF8.self)] = counts.counts[i] }
        // Each line is pretokenized on its own: the newline never joins the next line's space.
        XCTAssertEqual(table, ["a": 2, " b": 2, "\n": 3, "c": 1])
    }

    /// `train --corpus` counts in pieces (so memory does not grow with the corpus): the counts,
    /// their order and the merges equal those of one count over the whole text, which match HF.
    func testCountingInPiecesEqualsOneCount() throws {
        let path = Fixtures.path("reference/training/en-train.txt")
        let whole = try Corpus(paths: [path])
        let once = try WordCounts.count(text: whole.bytes, sequenceEnds: whole.sequenceEnds, pretokenizer: .gpt2)
        for pieceBytes in [64, 5_000, 100_000] {
            var pieces = WordCounts()
            var count = 0
            try Corpus.forEachPiece(paths: [path], pieceBytes: pieceBytes) { piece in
                pieces.merge(try WordCounts.count(text: piece.bytes, sequenceEnds: piece.sequenceEnds, pretokenizer: .gpt2))
                count += 1
            }
            XCTAssertGreaterThan(count, pieceBytes == 100_000 ? 2 : 20)
            XCTAssertEqual(pieces.count, once.count)
            XCTAssertEqual(pieces.counts, once.counts)
            XCTAssertTrue((0..<once.count).allSatisfy { pieces.words.key($0) == once.words.key($0) })
            XCTAssertEqual(try BPETrainer(vocabularySize: 2000).train(pieces).mergeLines,
                           try Fixtures.text("reference/training/en-bytelevel-2000.merges.txt").split(separator: "\n").map(String.init))
        }
    }
}
