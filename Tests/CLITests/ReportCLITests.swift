import Foundation
import TestSupport
import XCTest

/// `infer --bootstrap` and `report` as a user runs them.
extension CLITests {
    func testBootstrapIntervalsAndReport() throws {
        let result = folder.appendingPathComponent("mix.json").path
        let direct = folder.appendingPathComponent("direct").path
        let inferred = try run(["infer", "--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"),
                                "--categories", Fixtures.path("corpora/languages"), "--merges", "300", "--bootstrap", "4",
                                "--no-cache", "--json", "--output", result, "--report", direct])
        XCTAssertEqual(inferred.status, 0, inferred.stderr)
        let directHTML = try String(contentsOfFile: direct + "/en-bytelevel-2000.tokenizer.html", encoding: .utf8)
        XCTAssertTrue(directHTML.contains("toksleuth infer --tokenizer"), "the report carries the command")
        XCTAssertTrue(directHTML.contains("<path"), "and the bootstrap whiskers")
        XCTAssertTrue(directHTML.contains("<td>languages</td>"), "families from the category folder")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: result))) as! [String: Any]
        let categories = json["categories"] as! [[String: Any]]
        for category in categories {
            let interval = category["interval"] as! [Double]
            XCTAssertLessThanOrEqual(interval[0], interval[1])
            XCTAssertTrue(interval.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        let reports = folder.appendingPathComponent("reports").path
        let report = try run(["report", result, "--output-dir", reports, "--categories", Fixtures.path("corpora/languages"), "--index", "index"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let html = try String(contentsOfFile: reports + "/mix.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("<path"), "bars with whiskers")
        XCTAssertTrue(FileManager.default.fileExists(atPath: reports + "/mix.md"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: reports + "/index.svg"))
        let bad = try run(["report", Fixtures.path("corpora/languages/en/train.txt"), "--output-dir", reports])
        XCTAssertEqual(bad.status, 2)
    }
}

extension CLITests {
    func testJSONOfTrainAndMerges() throws {
        let output = folder.appendingPathComponent("t.json").path
        let trained = try run(["train", "--corpus", Fixtures.path("reference/training/en-train.txt"), "--vocab-size", "400", "--output", output, "--json"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["merges"] as? Int, 144)
        let merges = try run(["merges", output, "--json"])
        let pairs = try JSONSerialization.jsonObject(with: Data(merges.stdout.utf8)) as! [[String]]
        let lines = try run(["merges", output]).stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(pairs, lines)
    }
}
