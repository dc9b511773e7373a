import Corpora
import Foundation
import MixtureInference
import Reports
import TestSupport
import XCTest

final class ReportsTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let path = try Fixtures.temporaryFolder().appendingPathComponent("result.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testMixtureReport() throws {
        let path = try write("""
            {"categories": [{"name": "de", "proportion": 0.6, "interval": [0.55, 0.66], "weight": 0.5}, {"name": "<python>", "proportion": 0.3, "weight": 0.25},
             {"name": "news", "proportion": 0.095, "weight": 0.2}, {"name": "fr", "proportion": 0.004, "weight": 0.03}, {"name": "ja", "proportion": 0.001, "weight": 0.02}],
             "merges_used": 3000, "merges_missing": 2, "solver": {"converged": true, "rounds": 12, "objective": 0.123456789},
             "command": "toksleuth infer ...", "families": {"languages": ["de", "fr", "ja"], "code": ["<python>"], "domains": ["news"]}}
            """)
        let input = try MixtureReportInput.read(path)
        XCTAssertEqual(input.shares.map(\.name), ["de", "<python>", "news", "fr", "ja"])
        XCTAssertEqual(input.families.map(\.name), ["languages", "code", "domains"])
        XCTAssertEqual(input.families[0].share, 0.605, accuracy: 1e-12)
        let rows = input.rows(threshold: 0.01)
        XCTAssertEqual(rows.map(\.label), ["de", "<python>", "news", "other (2 categories)"])
        XCTAssertEqual(rows.last!.share, 0.005, accuracy: 1e-12)
        let (html, markdown) = ReportWriter.mixture(input)
        XCTAssertFalse(html.contains("<script"), "no JavaScript")
        XCTAssertFalse(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("://"), "no network: nothing fetched")
        XCTAssertTrue(html.contains("&lt;python&gt;"))
        XCTAssertFalse(html.contains("<python>"))
        XCTAssertEqual(html.components(separatedBy: "<rect").count - 1, 4 + 4, "one bar per row, one legend swatch per family present")
        XCTAssertEqual(html.components(separatedBy: "<path").count - 1, 1, "one whisker: only de has an interval")
        XCTAssertTrue(html.contains("<td>converged</td><td>yes</td>"))
        XCTAssertTrue(html.contains("0.1235"))
        XCTAssertTrue(markdown.contains("| de | languages | 60.0% | 50.0% | 55.0% – 66.0% |"), markdown)
        XCTAssertTrue(markdown.contains("| other (2 categories) | other | 0.50% | 5.00% |  |"), markdown)
        // Both units, each named; the LP was optimal and the page says so.
        XCTAssertTrue(html.contains("<tr><td>news</td><td class=\"n\">9.50%</td><td class=\"n\">20.0%</td></tr>"), html)
        XCTAssertTrue(html.contains("weight (pair units)"))
        XCTAssertTrue(markdown.contains("solved to proven optimality"))
        // A result cut off by the clock is labelled on the page.
        let cut = try MixtureReportInput.read(try write("""
            {"categories": [{"name": "de", "proportion": 1}], "solver": {"optimal": false, "stop_reason": "time limit"}}
            """))
        XCTAssertTrue(ReportWriter.mixture(cut).markdown.contains("NOT OPTIMAL: the LP was stopped (time limit)"))
        let (index, indexMarkdown) = ReportWriter.index([input, input], links: ["a", "b"], comparisonName: "index")
        XCTAssertTrue(index.contains("href=\"a.html\"") && index.contains("href=\"b.html\""))
        XCTAssertTrue(indexMarkdown.contains("| result | 60.5% | 30.0% | 9.50% |"))
    }

    func testMembershipReport() throws {
        let json = """
            {"iid": {"methods": [{"name": "loss", "auc": 0.6, "auc_ci": [0.55, 0.65], "tpr_at_fpr": {"0.001": 0.01, "0.01": 0.02, "0.05": 0.1},
                                  "roc": [[0, 0], [0.5, 0.7], [1, 1]]}],
                     "blind_baseline": {"auc": 0.5, "auc_ci": [0.45, 0.55], "tpr_at_fpr": {}, "roc": [[0, 0], [1, 1]]}, "warnings": []},
             "shifted": {"methods": [{"name": "loss", "auc": 1.0, "auc_ci": [1, 1], "tpr_at_fpr": {}, "roc": [[0, 0], [0, 1], [1, 1]]}],
                         "blind_baseline": null, "warnings": ["the blind baseline <separates>"]}}
            """
        let input = try MembershipReportInput.parse(Data(json.utf8), source: "t.json", title: "t")
        XCTAssertEqual(input.splits.map { $0.methods.map(\.name) }, [["loss", "blind baseline"], ["loss"]])
        let (html, markdown) = ReportWriter.membership(input)
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 3, "one curve per method and split")
        XCTAssertTrue(html.contains("stroke-dasharray=\"6 3\""), "the blind baseline is dashed")
        XCTAssertTrue(html.contains("&lt;separates&gt;"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertTrue(markdown.contains("| loss | 60.0 | 55.0 – 65.0 | 1.0 / 2.0 / 10.0 |"), markdown)
        XCTAssertThrowsError(try MembershipReportInput.parse(Data("{\"iid\": {}}".utf8), source: "bad.json", title: "b")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("bad.json"))
        }
    }

    func testBadResultsAreNamed() throws {
        for body in ["{", "{\"method\": \"attack\"}", "{\"categories\": []}", "{\"categories\": [{\"name\": \"x\", \"proportion\": -1}]}"] {
            let path = try write(body)
            XCTAssertThrowsError(try MixtureReportInput.read(path), body) { error in
                XCTAssertTrue(String(describing: error).hasPrefix(path), "\(error)")
            }
        }
    }

    /// The percentile interval, stretched to hold the estimate and widened about it by
    /// sqrt(1 + training noise), clamped to [0, 1].
    func testBootstrapIntervalWidening() {
        let draws: [[Double]] = (0...100).map { (step: Int) -> [Double] in
            let x = Double(step)
            return [x / 100 * 0.2 + 0.1, 0.01 + x / 1000]
        }
        let plain = Bootstrap.intervals(draws, level: 0.9)
        XCTAssertEqual(plain[0][0], 0.11, accuracy: 1e-12)
        XCTAssertEqual(plain[0][1], 0.29, accuracy: 1e-12)
        let widened = Bootstrap.intervals(draws, level: 0.9, estimates: [0.2, 0.5], trainingNoise: 1)
        XCTAssertEqual(widened[0][0], 0.2 - 0.09 * 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(widened[0][1], 0.2 + 0.09 * 2.0.squareRoot(), accuracy: 1e-12)
        // An estimate outside the replicates' range: the interval reaches it first.
        XCTAssertEqual(widened[1][0], 0, "0.5 - 1.414 x (0.5 - 0.015) is below 0: clamped")
        XCTAssertEqual(widened[1][1], 0.5, accuracy: 1e-12)
        XCTAssertEqual(Bootstrap.intervals(draws, level: 0.9, estimates: [0.2, 0.5], trainingNoise: 0)[0], plain[0])
    }

    /// Documents are blank-line separated; a replicate resamples whole documents.
    func testBootstrapDocuments() throws {
        let corpus = try Corpus(paths: [Fixtures.path("corpora/languages/en/sample.txt")])
        let documents = Bootstrap.documents(of: corpus)
        let text = String(decoding: corpus.bytes, as: UTF8.self)
        XCTAssertEqual(documents.count, text.components(separatedBy: "\n\n").count)
        XCTAssertEqual(documents.first?.lowerBound, 0)
        XCTAssertEqual(documents.last?.upperBound, corpus.sequenceCount)
        for (a, b) in zip(documents, documents.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
        XCTAssertEqual(Bootstrap.intervals([[0.1, 0.9], [0.3, 0.7], [0.2, 0.8]], level: 0.5).map { $0.map { ($0 * 1000).rounded() / 1000 } },
                       [[0.15, 0.25], [0.75, 0.85]])
    }
}
