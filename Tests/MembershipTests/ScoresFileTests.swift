import Foundation
import Membership
import Support
import TestSupport
import XCTest

/// The scores file: round trip, the fast reader against Foundation's JSON parser, and every
/// kind of bad line named with its line number.
final class ScoresFileTests: XCTestCase {
    func write(_ body: String) throws -> String {
        let path = try Fixtures.temporaryFolder().appendingPathComponent("s.jsonl").path
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testRoundTrip() throws {
        let texts = try ScoresFile.read(Fixtures.path("reference/membership/scores.jsonl"))
        let path = try Fixtures.temporaryFolder().appendingPathComponent("copy.jsonl").path
        try ScoresFile.write(texts, to: path)
        XCTAssertEqual(try ScoresFile.read(path).map(\.id), texts.map(\.id))
        for (a, b) in zip(try ScoresFile.read(path), texts) {
            XCTAssertEqual(a.text, b.text)
            XCTAssertEqual(a.tokens, b.tokens)
            XCTAssertEqual(a.logProbabilities.dropFirst(), b.logProbabilities.dropFirst())
            XCTAssertEqual(a.means, b.means)
            XCTAssertEqual(a.lowercaseLogProbabilities, b.lowercaseLogProbabilities)
        }
    }

    /// Strings with escapes and non-ASCII text, numbers in every JSON notation: the same values
    /// as Foundation's parser, which is too slow for the hot path but is a reference.
    func testReaderAgreesWithFoundation() throws {
        var generator = SeededGenerator(seed: 21)
        let pieces = ["a", "é", "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00", "😀", "\\t", "\\/", " ", "日本"]
        let numbers = ["-0.5", "-1e-3", "-2.5E+2", "-0", "0", "-123.456e-7", "-3"]
        var lines: [String] = []
        for index in 0..<200 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let values = (0..<Int.random(in: 1...6, using: &generator)).map { _ in numbers.randomElement(using: &generator)! }
            lines.append("{\"id\": \(index), \"text\": \"\(text)\", \"extra\": {\"x\": [1, {\"y\": null}], \"z\": true}, "
                + "\"label\": \(index % 2), \"logprobs\": [null\(values.map { ", " + $0 }.joined())]}")
        }
        let path = try write(lines.joined(separator: "\n") + "\n")
        let ours = try ScoresFile.read(path)
        XCTAssertEqual(ours.count, 200)
        for (line, text) in zip(lines, ours) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(text.text, object["text"] as? String)
            XCTAssertEqual(text.id, "\((object["id"] as! NSNumber).intValue)")
            let foundation = (object["logprobs"] as! [Any]).dropFirst().map { ($0 as! NSNumber).doubleValue }
            XCTAssertEqual(Array(text.logProbabilities.dropFirst()), foundation)
            XCTAssertTrue(text.logProbabilities[0].isNaN)
        }
    }

    func testBadLinesAreNamed() throws {
        let good = #"{"id": "a", "label": 1, "tokens": [1, 2], "logprobs": [null, -1.5]}"#
        let cases: [(String, String)] = [
            (#"{"id": "a", "tokens": [1, 2, 3], "logprobs": [null, -1]}"#, "\"tokens\" has 3 entries but \"logprobs\" has 2"),
            (#"{"id": "a", "logprobs": [null, 0.5]}"#, "is positive"),
            (#"{"id": "a", "logprobs": [null, NaN]}"#, "not a JSON object"),
            (#"{"id": "a", "logprobs": [-1, null, -2]}"#, "only the first entry may be"),
            (#"{"id": "a"}"#, "\"logprobs\" is missing"),
            (#"{"id": "a", "label": 2, "logprobs": [-1, -2]}"#, "\"label\" must be 1"),
            (#"{"id": "a", "logprobs": [-1, -2], "mu": [-1, -2]}"#, "must be given together"),
            (#"{"id": "a", "logprobs": [-1, -2], "mu": [-1], "sigma": [1]}"#, "\"mu\" has 1 entries"),
            (#"{"id": "a", "logprobs": [-1, -2], "mu": [-1, -1], "sigma": [1, -1]}"#, "\"sigma\"[1] is negative"),
            (#"{"id": "a", "tokens": [1, -2], "logprobs": [-1, -2]}"#, "\"tokens\"[1] is not a token id"),
            (#"{"id": "a", "logprobs": [-1, -2]"#, "not a JSON object"),
            (#"[1, 2]"#, "not a JSON object"),
            (#"{"id": "a", "logprobs": "x"}"#, "must be an array"),
            (#"{"id": "a", "text": "\ud800", "logprobs": [-1]}"#, "lone surrogate"),
        ]
        for (bad, problem) in cases {
            let path = try write(good + "\n\n" + bad + "\n")
            XCTAssertThrowsError(try ScoresFile.read(path), bad) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("\(path):3: "), message)
                XCTAssertTrue(message.contains(problem), "\(message) lacks \(problem)")
            }
        }
        XCTAssertThrowsError(try ScoresFile.read(try write("\n  \n"))) { error in
            XCTAssertTrue(String(describing: error).contains("no texts"))
        }
        // Labels: missing, or one class only, are evaluation errors.
        let unlabelled = try ScoresFile.read(try write(good + "\n" + #"{"logprobs": [null, -1, -2]}"#))
        XCTAssertThrowsError(try MembershipEvaluation.evaluate(texts: unlabelled)) { error in
            XCTAssertTrue(String(describing: error).contains("text 2 has no label"), "\(error)")
        }
        let oneClass = try ScoresFile.read(try write(good + "\n" + good))
        XCTAssertThrowsError(try MembershipEvaluation.evaluate(texts: oneClass)) { error in
            XCTAssertTrue(String(describing: error).contains("no non-members"), "\(error)")
        }
    }
}
