import Foundation
import TestSupport
import XCTest

/// `plan infer`, `run-unit`, `gather` as a cluster would run them (in any order, some twice).
extension CLITests {
    func testPlannedUnitsGatherToTheLocalResult() throws {
        let tokenizer = Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json")
        let categories = Fixtures.path("corpora/languages")
        let work = folder.appendingPathComponent("work").path
        let options = ["--tokenizer", tokenizer, "--categories", categories, "--merges", "500", "--bootstrap", "3"]
        let planned = try run(["plan", "infer"] + options + ["--shards", "3", "--work", work, "--slurm"])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let plan = work + "/plan.json"
        let units = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plan))) as! [String: Any])["units"] as! [[String: Any]]
        XCTAssertEqual(units.count, 6 * 3 + 3)
        let array = try String(contentsOfFile: work + "/units.sbatch", encoding: .utf8)
        XCTAssertTrue(array.contains("#SBATCH --array=0-20"), array)
        XCTAssertTrue(try String(contentsOfFile: work + "/submit.sh", encoding: .utf8).contains("--dependency=afterok:"))
        // Nothing run yet: gather names the missing units.
        let early = try run(["gather", plan])
        XCTAssertEqual(early.status, 2)
        XCTAssertTrue(early.stderr.contains("21 of 21 units have no output yet: 0 (count de shard 0/3"), early.stderr)
        // Units in reverse order, the index from Slurm's variable for one of them; a unit run twice does nothing the second time.
        for index in (0..<units.count).reversed() where index != 7 {
            let unit = try run(["run-unit", plan, "\(index)"])
            XCTAssertEqual(unit.status, 0, unit.stderr)
        }
        let missing = try run(["gather", plan])
        XCTAssertTrue(missing.stderr.contains("1 of 21 units have no output yet: 7 (count es shard 1/3: shards/es.1-of-3.tscount)"), missing.stderr)
        XCTAssertEqual(try run(["run-unit", plan], environment: ["SLURM_ARRAY_TASK_ID": "7"]).status, 0)
        let again = try run(["run-unit", plan, "7"])
        XCTAssertTrue(again.stderr.contains("already complete"), again.stderr)
        let gathered = try run(["gather", plan, "--json", "--quiet"])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        let local = try run(["infer"] + options + ["--json", "--no-cache", "--quiet"])
        XCTAssertEqual(gathered.stdout, local.stdout, "the gathered result is the local one, byte for byte")
        let solves = (try JSONSerialization.jsonObject(with: Data(gathered.stdout.utf8)) as! [String: Any])["bootstrap_solves"] as! [String: Any]
        XCTAssertEqual(solves["replicates"] as? Int, 3, "the replicates' outputs say how their LPs ended")
        XCTAssertEqual(solves["optimal"] as? Int, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/counts/ru.tscount"))
        let outOfRange = try run(["run-unit", plan, "21"])
        XCTAssertEqual(outOfRange.status, 2)
        XCTAssertTrue(outOfRange.stderr.contains("unit 21 does not exist"), outOfRange.stderr)
    }
}

extension CLITests {
    /// `plan infer` takes infer's LP options: the plan carries them, every replicate and the
    /// gather solve with them (here cut off after one round, labelled so in the result, as the
    /// local infer with the same options labels it), and the default plan still carries none.
    func testPlannedInferenceSolvesWithTheGivenLPOptions() throws {
        let options = ["--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"),
                       "--categories", Fixtures.path("corpora/languages"), "--merges", "300", "--bootstrap", "2"]
        let work = folder.appendingPathComponent("lp-work").path
        let planned = try run(["plan", "infer"] + options + ["--lp-max-rounds", "1", "--work", work])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/plan.json"))) as! [String: Any]
        let solver = (plan["infer"] as? [String: Any])?["solver"] as? [String: Any]
        XCTAssertEqual(solver?["max_rounds"] as? Int, 1, "\(plan)")
        for index in 0..<(6 + 2) { XCTAssertEqual(try run(["run-unit", work + "/plan.json", "\(index)"]).status, 0) }
        let gathered = try run(["gather", work + "/plan.json", "--json", "--quiet"])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        let local = try run(["infer"] + options + ["--lp-max-rounds", "1", "--json", "--no-cache", "--quiet"])
        XCTAssertEqual(gathered.stdout, local.stdout, "the gathered result is the local one with the same LP options")
        let result = try JSONSerialization.jsonObject(with: Data(gathered.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((result["solver"] as? [String: Any])?["stop_reason"] as? String, "round limit")
        XCTAssertEqual((result["bootstrap_solves"] as? [String: Any])?["optimal"] as? Int, 0, "the replicates were cut off too")

        let plain = folder.appendingPathComponent("plain-work").path
        XCTAssertEqual(try run(["plan", "infer"] + options + ["--work", plain]).status, 0)
        let defaults = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plain + "/plan.json"))) as! [String: Any]
        XCTAssertNil((defaults["infer"] as? [String: Any])?["solver"], "a plan with the default LP options carries none")
        let mps = try run(["plan", "infer"] + options + ["--lp-write-mps", "x.mps", "--work", plain])
        XCTAssertEqual(mps.status, 1, mps.stderr)
        let trace = try run(["plan", "infer"] + options + ["--lp-trace", "--work", plain])
        XCTAssertEqual(trace.status, 1, trace.stderr)
        XCTAssertTrue(trace.stderr.contains("--lp-trace"), trace.stderr)
    }
}

extension CLITests {
    /// `plan regmix`: each proxy run a unit; gather is regmix on the work folder, which reuses
    /// them all: the same regression, byte for byte, as one local regmix.
    func testPlannedRegMixRunsGatherToTheLocalRegression() throws {
        let options = ["--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"), "--categories",
                       Fixtures.path("corpora/languages"), "--target", "en", "--runs", "10", "--train-bytes", "100000", "--target-bytes", "30000"]
        let work = folder.appendingPathComponent("regmix-work").path
        let planned = try run(["plan", "regmix", "--work", work, "--"] + options)
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let early = try run(["gather", work + "/plan.json"])
        XCTAssertTrue(early.stderr.contains("10 of 10 units have no output yet: 0 (regmix run 0: runs/run-0000.json)"), early.stderr)
        for index in [9, 3, 0, 1, 2, 4, 5, 6, 7, 3] {
            let unit = try run(["run-unit", work + "/plan.json", "\(index)"])
            XCTAssertEqual(unit.status, 0, unit.stderr)
        }
        // Unit 8 as a Kubernetes indexed job runs it: the index from $JOB_COMPLETION_INDEX.
        XCTAssertEqual(try run(["run-unit", work + "/plan.json"], environment: ["JOB_COMPLETION_INDEX": "8"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/runs/run-0008.json"))
        let gathered = try run(["gather", work + "/plan.json", "--json"])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        let local = try run(["regmix"] + options + ["--output", folder.appendingPathComponent("local").path, "--json", "--quiet"])
        XCTAssertEqual(gathered.stdout, local.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: work + "/regmix.csv")),
                       try Data(contentsOf: folder.appendingPathComponent("local/regmix.csv")))
    }
}

extension CLITests {
    /// `plan score`: shares of the texts scored as units, in any order; gather joins them into
    /// the scores file `lm score` writes, byte for byte.
    func testPlannedScoringGathersToTheLocalScoresFile() throws {
        let model = folder.appendingPathComponent("en.tslm").path
        let trained = try run(["lm", "train", "--tokenizer", Fixtures.path("reference/gpt2"), "--corpus",
                               Fixtures.path("corpora/languages/en/sample.txt"), "--order", "2", "--output", model])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let texts = Fixtures.path("reference/membership/scores.jsonl")
        let local = folder.appendingPathComponent("local.jsonl").path, gathered = folder.appendingPathComponent("gathered.jsonl").path
        XCTAssertEqual(try run(["lm", "score", "--model", model, "--texts", texts, "--output", local]).status, 0)
        let work = folder.appendingPathComponent("score-work").path
        let planned = try run(["plan", "score", "--work", work, "--shards", "4", "--", "--model", model, "--texts", texts, "--output", gathered])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        for index in [2, 0, 3] { XCTAssertEqual(try run(["run-unit", work + "/plan.json", "\(index)"]).status, 0) }
        let early = try run(["gather", work + "/plan.json"])
        XCTAssertTrue(early.stderr.contains("1 of 4 units have no output yet: 1 (score texts, share 1/4: scores/part-1-of-4.jsonl)"), early.stderr)
        XCTAssertEqual(try run(["run-unit", work + "/plan.json", "1"]).status, 0)
        let done = try run(["gather", work + "/plan.json"])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: gathered)), try Data(contentsOf: URL(fileURLWithPath: local)))
    }
}
