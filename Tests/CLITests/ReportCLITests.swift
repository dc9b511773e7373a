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
        XCTAssertEqual(json["bootstrap_resampling"] as? String, "both")
        let solves = json["bootstrap_solves"] as! [String: Any]
        XCTAssertEqual(solves["replicates"] as? Int, 4)
        XCTAssertEqual(solves["optimal"] as? Int, 4, "every replicate solved to proven optimality by default")
        XCTAssertEqual((solves["not_optimal"] as! [String: Int]).count, 0)
        XCTAssertTrue(directHTML.contains("Bootstrap intervals: 4 replicates, all LPs proven optimal"), "the report says how the replicates ended")
        let fit = json["fit"] as! [String: Any]
        XCTAssertEqual(fit["steps"] as? Int, 300)
        let histogram = fit["histogram"] as! [Int]
        XCTAssertEqual(histogram.reduce(0, +), 300)
        // Steps short by 0.75 or more are the last five twentieths of the histogram.
        XCTAssertEqual(fit["unexplained_share"] as! Double, Double(histogram[15...].reduce(0, +)) / 300, accuracy: 1e-12)
        XCTAssertEqual(fit["reliable"] as? Bool, (fit["mean_shortfall"] as! Double) <= 0.5)
        XCTAssertTrue(directHTML.contains("Fit quality") && directHTML.contains("<polyline"), "the fit section with its profile")
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

    /// Replicates cut off before optimality (here by a round limit) are counted and labelled in
    /// the JSON, the text, the warning and the report, never passed off as optima.
    func testBootstrapReplicatesCutOffAreLabelled() throws {
        let result = folder.appendingPathComponent("cut.json").path
        let reports = folder.appendingPathComponent("cut-report").path
        let inferred = try run(["infer", "--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"),
                                "--categories", Fixtures.path("corpora/languages"), "--merges", "300", "--bootstrap", "3",
                                "--lp-max-rounds", "1", "--no-cache", "--json", "--output", result, "--report", reports])
        XCTAssertEqual(inferred.status, 0, inferred.stderr)
        XCTAssertTrue(inferred.stderr.contains("warning: bootstrap: 3 replicates, 0 LPs proven optimal, 3 NOT OPTIMAL (round limit 3)"), inferred.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: result))) as! [String: Any]
        let solves = json["bootstrap_solves"] as! [String: Any]
        XCTAssertEqual(solves["replicates"] as? Int, 3)
        XCTAssertEqual(solves["optimal"] as? Int, 0)
        XCTAssertEqual(solves["not_optimal"] as? [String: Int], ["round limit": 3])
        let html = try String(contentsOfFile: reports + "/en-bytelevel-2000.tokenizer.html", encoding: .utf8)
        XCTAssertTrue(html.contains("3 NOT OPTIMAL (round limit 3)"), "the report labels the intervals")
        let text = try run(["infer", "--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"),
                            "--categories", Fixtures.path("corpora/languages"), "--merges", "300", "--bootstrap", "2",
                            "--lp-max-rounds", "1", "--no-cache"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("bootstrap: 2 replicates, 0 LPs proven optimal, 2 NOT OPTIMAL (round limit 2)"), text.stdout)
    }
}

extension CLITests {
    /// `experiment --withhold` and the bootstrap resamplings on the fixture languages: the
    /// withheld share is the truth of the withheld categories, the kept estimates a mixture.
    func testExperimentWithholdAndResamplings() throws {
        let experiment = try run(["experiment", "--categories", Fixtures.path("corpora/languages"), "--n", "3", "--trials", "2",
                                  "--merges", "300", "--train-bytes", "200000", "--methods", "attack", "--withhold", "1",
                                  "--bootstrap", "2", "--bootstrap-resampling", "steps,documents", "--json"])
        XCTAssertEqual(experiment.status, 0, experiment.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(experiment.stdout.utf8)) as! [String: Any]
        let trials = object["trials"] as! [[String: Any]]
        XCTAssertEqual(trials.count, 2)
        for trial in trials {
            let names = trial["categories"] as! [String], truth = trial["truth"] as! [Double]
            let withheld = trial["withheld"] as! [String: Any]
            let left = withheld["categories"] as! [String]
            XCTAssertEqual(left.count, 1)
            XCTAssertEqual(withheld["share"] as! Double, truth[names.firstIndex(of: left[0])!], accuracy: 1e-12)
            let estimates = withheld["estimates"] as! [Double]
            XCTAssertEqual(estimates.count, 2)
            XCTAssertEqual(estimates.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertNotNil(trial["fit"] as? [String: Any])
            let byResampling = trial["intervals_by_resampling"] as! [String: [[Double]]]
            XCTAssertEqual(Set(byResampling.keys), ["steps", "documents"])
            XCTAssertEqual(trial["intervals"] as! [[Double]], byResampling["steps"]!, "the first resampling named")
        }
        let summary = object["summary"] as! [String: Any]
        XCTAssertEqual((summary["withhold"] as! [String: Any])["runs"] as? Int, 2)
        XCTAssertEqual(Set((summary["bootstrap_coverage"] as! [String: Any]).keys), ["steps", "documents"])
        for trial in trials {
            XCTAssertEqual((trial["bootstrap_solves"] as! [String: Any])["replicates"] as? Int, 4, "2 replicates for each of 2 resamplings")
        }
        let allSolves = summary["bootstrap_solves"] as! [String: Any]
        XCTAssertEqual(allSolves["replicates"] as? Int, 8)
        XCTAssertEqual(allSolves["optimal"] as? Int, 8)
        let bad = try run(["experiment", "--categories", Fixtures.path("corpora/languages"), "--n", "3", "--withhold", "3"])
        XCTAssertEqual(bad.status, 1)
        let traced = try run(["experiment", "--categories", Fixtures.path("corpora/languages"), "--n", "3", "--lp-trace"])
        XCTAssertEqual(traced.status, 1, "a trace of many trials at once would interleave")
        XCTAssertTrue(traced.stderr.contains("--lp-trace"), traced.stderr)
    }

    /// `infer --mixture` measures a given mixture's fit without solving: the proportions are
    /// the file's (categories it omits weigh 0), and a category it names that is not offered is
    /// bad input.
    func testInferGivenMixture() throws {
        let tokenizer = Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json")
        let mixture = folder.appendingPathComponent("given.json").path
        try #"{"en": 3, "de": 1}"#.write(toFile: mixture, atomically: true, encoding: .utf8)
        let given = try run(["infer", "--tokenizer", tokenizer, "--categories", Fixtures.path("corpora/languages"), "--merges", "300",
                             "--mixture", mixture, "--no-cache", "--json"])
        XCTAssertEqual(given.status, 0, given.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(given.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["method"] as? String, "given")
        let shares = Dictionary(uniqueKeysWithValues: (object["categories"] as! [[String: Any]]).map { ($0["name"] as! String, $0["proportion"] as! Double) })
        XCTAssertEqual(shares["en"], 0.75)
        XCTAssertEqual(shares["de"], 0.25)
        XCTAssertEqual(shares["fr"], 0)
        let fit = object["fit"] as! [String: Any]
        XCTAssertEqual(fit["steps"] as? Int, 300)
        // The tokenizer was trained on English alone: English explains its merges better than German.
        try #"{"de": 1}"#.write(toFile: mixture, atomically: true, encoding: .utf8)
        let german = try run(["infer", "--tokenizer", tokenizer, "--categories", Fixtures.path("corpora/languages"), "--merges", "300",
                              "--mixture", mixture, "--no-cache", "--json"])
        let germanFit = (try JSONSerialization.jsonObject(with: Data(german.stdout.utf8)) as! [String: Any])["fit"] as! [String: Any]
        XCTAssertGreaterThan(germanFit["mean_shortfall"] as! Double, fit["mean_shortfall"] as! Double)
        try #"{"klingon": 1}"#.write(toFile: mixture, atomically: true, encoding: .utf8)
        let stranger = try run(["infer", "--tokenizer", tokenizer, "--categories", Fixtures.path("corpora/languages"), "--merges", "300",
                                "--mixture", mixture, "--no-cache"])
        XCTAssertEqual(stranger.status, 2)
        XCTAssertTrue(stranger.stderr.contains("given.json") && stranger.stderr.contains("klingon"), stranger.stderr)
    }

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
