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
        let process = Process()
        process.executableURL = binary
        process.arguments = ["run-unit", plan]
        process.environment = ["SLURM_ARRAY_TASK_ID": "7"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let again = try run(["run-unit", plan, "7"])
        XCTAssertTrue(again.stderr.contains("already complete"), again.stderr)
        let gathered = try run(["gather", plan, "--json", "--quiet"])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        let local = try run(["infer"] + options + ["--json", "--no-cache", "--quiet"])
        XCTAssertEqual(gathered.stdout, local.stdout, "the gathered result is the local one, byte for byte")
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/counts/ru.tscount"))
        let outOfRange = try run(["run-unit", plan, "21"])
        XCTAssertEqual(outOfRange.status, 2)
        XCTAssertTrue(outOfRange.stderr.contains("unit 21 does not exist"), outOfRange.stderr)
    }
}
