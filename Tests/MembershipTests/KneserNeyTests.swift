import Foundation
import LanguageModel
import Support
import TestSupport
import XCTest

/// The proxy model against KenLM (`lmplz` + `query`, outputs in fixtures/reference/kenlm made by
/// scripts/make-kenlm-fixtures.py) and its distribution moments against brute force.
final class KneserNeyTests: XCTestCase {
    struct Reference: Decodable {
        struct Order: Decodable { let log10: [[Double]] }
        let vocabulary_size: Int
        let end_id: UInt32
        let orders: [String: Order]
    }

    static func ids(_ name: String) throws -> [[UInt32]] {
        try Fixtures.text("reference/kenlm/\(name)").split(separator: "\n").map { line in
            line.split(separator: " ").map { UInt32($0)! }
        }
    }

    func testLogProbabilitiesEqualKenLM() throws {
        let reference = try Fixtures.json("reference/kenlm/query.json", as: Reference.self)
        // KenLM models the end of each sentence: the same token closes every text here.
        let train = try Self.ids("train.ids").map { $0 + [reference.end_id] }
        let test = try Self.ids("test.ids").map { $0 + [reference.end_id] }
        XCTAssertEqual(reference.orders.count, 4)
        for (orderText, expected) in reference.orders.sorted(by: { $0.key < $1.key }) {
            let order = Int(orderText)!
            let model = try KneserNeyModel(texts: train, vocabularySize: reference.vocabulary_size, order: order)
            var worst = 0.0, compared = 0
            for (text, log10s) in zip(test, expected.log10) {
                let scores = model.score(text)
                XCTAssertEqual(scores.logProbabilities.count, log10s.count)
                for (ours, theirs) in zip(scores.logProbabilities, log10s) {
                    worst = max(worst, abs(ours / log(10) - theirs))
                    compared += 1
                }
            }
            print("order \(order): largest log10 difference \(worst) over \(compared) tokens")
            // ARPA files hold float32 log10 values (7 significant digits); KenLM computes in float32.
            XCTAssertLessThan(worst, 2e-6, "order \(order): largest log10 difference \(worst) over \(compared) tokens")
            XCTAssertGreaterThan(compared, 3000)
        }
    }

    /// Mean and standard deviation of log p under the next-token distribution, by summing over
    /// every id (each probability from `score`, the path checked against KenLM above).
    func testMomentsEqualBruteForce() throws {
        let texts = try Self.ids("train.ids").prefix(300).map { $0.filter { $0 < 400 } }.filter { !$0.isEmpty }
        let vocabulary = 420
        for order in [1, 2, 3, 4] {
            let model = try KneserNeyModel(texts: Array(texts), vocabularySize: vocabulary, order: order)
            for text in texts.prefix(6) {
                let scores = model.score(text)
                for position in 0..<min(text.count, 8) {
                    let prefix = Array(text[..<position])
                    var total = 0.0, first = 0.0, second = 0.0
                    for word in 0..<UInt32(vocabulary) {
                        let logP = model.score(prefix + [word]).logProbabilities[position]
                        let p = exp(logP)
                        total += p
                        first += p * logP
                        second += p * logP * logP
                    }
                    XCTAssertEqual(total, 1, accuracy: 1e-9, "order \(order) position \(position)")
                    XCTAssertEqual(scores.means[position], first, accuracy: 1e-9)
                    XCTAssertEqual(scores.deviations[position], (second - first * first).squareRoot(), accuracy: 1e-9)
                }
            }
        }
    }

    func testModelFileRoundTripAndCorruption() throws {
        let texts = try Self.ids("train.ids").prefix(200).map { $0 }
        let model = try KneserNeyModel(texts: texts, vocabularySize: 6000, order: 4)
        let folder = try Fixtures.temporaryFolder()
        let path = folder.appendingPathComponent("m.tslm").path
        let provenance = ModelProvenance(tokenizerFingerprint: "abc", tokenizerSource: "t", corpus: ["c"])
        try ModelFile.write(model, provenance: provenance, to: path)
        let (loaded, readProvenance) = try ModelFile.read(path)
        XCTAssertEqual(readProvenance, provenance)
        XCTAssertEqual(loaded.nGramCounts, model.nGramCounts)
        for text in texts.prefix(20) { XCTAssertEqual(loaded.score(text), model.score(text)) }

        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var rejected = 0
        var generator = Fixtures.SeededGenerator(seed: 5)
        for trial in 0..<300 {
            var damaged = bytes
            if trial < 100 {
                damaged = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                damaged[index] ^= UInt8.random(in: 1...255, using: &generator)
            }
            let damagedPath = folder.appendingPathComponent("d.tslm").path
            try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))
            do {
                _ = try ModelFile.read(damagedPath)
            } catch let error as InputError {
                XCTAssertTrue(String(describing: error).hasPrefix(damagedPath))
                rejected += 1
            }
        }
        XCTAssertEqual(rejected, 300, "every damaged file must be rejected (the checksum covers all bytes)")
    }

    func testBadInputs() {
        XCTAssertThrowsError(try KneserNeyModel(texts: [[1, 2, 70]], vocabularySize: 50, order: 3))
        XCTAssertThrowsError(try KneserNeyModel(texts: [[1]], vocabularySize: 50, order: 0))
        XCTAssertThrowsError(try KneserNeyModel(texts: [[1]], vocabularySize: 50, order: 9))
        // Empty texts and no texts give the uniform distribution, not a crash.
        let empty = try? KneserNeyModel(texts: [[], []], vocabularySize: 50, order: 3)
        XCTAssertEqual(empty?.score([3, 4]).logProbabilities ?? [], [log(1 / 50.0), log(1 / 50.0)])
    }
}
