import Foundation
import TestSupport
import XCTest

/// `validate`, `proxy train` and `regmix` as a user runs them, on the fixture languages.
extension CLITests {
    func testProxyCommands() throws {
        let languages = Fixtures.path("corpora/languages")
        let mixture = folder.appendingPathComponent("mix.json").path
        try #"{"de": 0.2, "en": 0.6, "fr": 0.2}"#.write(toFile: mixture, atomically: true, encoding: .utf8)

        // A target trained on that mixture (train halves), validated with proxies on the samples.
        let target = folder.appendingPathComponent("target.json").path
        let trained = try run(["train", "--categories", languages, "--mixture", mixture, "--train-bytes", "300000",
                               "--vocab-size", "1256", "--pretokenizer", "gpt2-digits", "--output", target])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let validated = try run(["validate", "--tokenizer", target, "--categories", languages, "--mixture", mixture,
                                 "--alternatives", "3", "--train-bytes", "300000", "--merges", "1000", "--json"])
        XCTAssertEqual(validated.status, 0, validated.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(validated.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((result["candidates"] as! [[String: Any]]).map { $0["label"] as! String },
                       ["given", "uniform", "only en", "perturbed 1", "perturbed 2", "perturbed 3"])
        let trip = result["round_trip"] as! [String: Any]
        XCTAssertEqual(trip["same_text"] as? Bool, false)
        XCTAssertLessThan(trip["log10_mse"] as! Double, -2)

        let proxy = try run(["proxy", "train", "--tokenizer", Fixtures.path("reference/gpt2"), "--categories", languages,
                             "--mixture", mixture, "--train-bytes", "200000", "--json"])
        XCTAssertEqual(proxy.status, 0, proxy.stderr)
        let losses = (try JSONSerialization.jsonObject(with: Data(proxy.stdout.utf8)) as! [String: Any])["categories"] as! [[String: Any]]
        let bits = Dictionary(uniqueKeysWithValues: losses.map { ($0["name"] as! String, $0["bits_per_byte"] as! Double) })
        XCTAssertLessThan(bits["en"]!, bits["de"]!, "the category with most training text has the lowest held-out loss")

        let output = folder.appendingPathComponent("regmix").path
        let regmix = try run(["regmix", "--tokenizer", Fixtures.path("reference/gpt2"), "--categories", languages, "--only", "de,es,fr",
                              "--target", "en", "--runs", "12", "--train-bytes", "150000", "--output", output])
        XCTAssertEqual(regmix.status, 0, regmix.stderr)
        XCTAssertTrue(regmix.stdout.contains("held-out Spearman"), regmix.stdout)
        let csv = try String(contentsOfFile: output + "/regmix.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("run,de,es,fr,target_bits_per_byte,held_out_prediction\n"))
        XCTAssertEqual(csv.split(separator: "\n").count, 13)
        let again = try run(["regmix", "--tokenizer", Fixtures.path("reference/gpt2"), "--categories", languages, "--only", "de,es,fr",
                             "--target", "en", "--runs", "12", "--train-bytes", "150000", "--output", output])
        XCTAssertTrue(again.stdout.contains("(12 reused"), again.stdout)
        XCTAssertEqual(try String(contentsOfFile: output + "/regmix.csv", encoding: .utf8), csv)

        // Every one of these results becomes a report.
        let validatePath = folder.appendingPathComponent("validate.json").path, proxyPath = folder.appendingPathComponent("proxy.json").path
        let inspectPath = folder.appendingPathComponent("inspect.json").path
        try validated.stdout.write(toFile: validatePath, atomically: true, encoding: .utf8)
        try proxy.stdout.write(toFile: proxyPath, atomically: true, encoding: .utf8)
        try run(["inspect", Fixtures.path("reference/gpt2"), "--json"]).stdout.write(toFile: inspectPath, atomically: true, encoding: .utf8)
        let reports = folder.appendingPathComponent("reports").path
        let report = try run(["report", validatePath, proxyPath, output + "/regmix.json", inspectPath, "--output-dir", reports, "--json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let written = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: [String]])["written"]!
        XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent },
                       ["validate.html", "validate.md", "proxy.html", "proxy.md", "regmix.html", "regmix.md", "inspect.html", "inspect.md"])
        let validation = try String(contentsOfFile: reports + "/validate.md", encoding: .utf8)
        XCTAssertTrue(validation.contains("ranks \(result["rank"] as! Int) of 6 candidate mixtures"), validation)
        XCTAssertTrue(validation.contains("| de | 20.0% |"), validation)
        XCTAssertTrue(validation.contains("## Round trip"))
        let proxyReport = try String(contentsOfFile: reports + "/proxy.md", encoding: .utf8)
        XCTAssertTrue(proxyReport.contains(String(format: "| en | 60.0%% | %.4f |", bits["en"]!)), proxyReport)
        let regmixReport = try String(contentsOfFile: reports + "/regmix.html", encoding: .utf8)
        XCTAssertEqual(regmixReport.components(separatedBy: "<circle").count - 1, 12, "one dot per run")
        let inspection = try String(contentsOfFile: reports + "/inspect.md", encoding: .utf8)
        XCTAssertTrue(inspection.contains("| vocabulary size | 50257 |"), inspection)
        XCTAssertTrue(inspection.contains("| 9-16 | 10852 |"), inspection)

        let missing = try run(["validate", "--tokenizer", target, "--categories", languages, "--mixture", folder.appendingPathComponent("none.json").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("none.json"), missing.stderr)
    }
}
