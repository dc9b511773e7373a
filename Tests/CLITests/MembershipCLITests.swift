import Foundation
import TestSupport
import XCTest

/// `lm train`, `lm score`, `membership` and `membership testbed` as a user runs them.
extension CLITests {
    func testProxyModelAndMembershipFromTexts() throws {
        let model = folder.appendingPathComponent("en.tslm").path
        let en = Fixtures.path("corpora/languages/en")
        let train = try run(["lm", "train", "--tokenizer", Fixtures.path("reference/gpt2"), "--corpus", en + "/train.txt",
                             "--order", "3", "--output", model, "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((summary["ngrams"] as! [Int]).count, 3)

        // Members: lines the proxy trained on; non-members: lines of the other half.
        let lines = { (path: String) in try Fixtures.text(path).split(separator: "\n").filter { $0.split(separator: " ").count >= 12 }.prefix(60) }
        let members = folder.appendingPathComponent("m.txt").path
        let nonmembers = folder.appendingPathComponent("n.txt").path
        try (lines("corpora/languages/en/train.txt").joined(separator: "\n") + "\n").write(toFile: members, atomically: true, encoding: .utf8)
        try (lines("corpora/languages/en/sample.txt").joined(separator: "\n") + "\n").write(toFile: nonmembers, atomically: true, encoding: .utf8)
        let roc = folder.appendingPathComponent("roc.csv").path
        let result = try run(["membership", "--members", members, "--nonmembers", nonmembers, "--model", model,
                              "--frequencies", en + "/sample.txt", "--json", "--roc", roc, "--resamples", "200"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let methods = json["methods"] as! [[String: Any]]
        XCTAssertEqual(methods.map { $0["name"] as! String }, ["loss", "zlib", "lowercase", "min-k", "min-k++", "dc-pdd"])
        for method in methods {
            XCTAssertGreaterThan(method["auc"] as! Double, 0.9, "\(method)")  // the proxy saw every member line
            let interval = method["auc_ci"] as! [Double]
            XCTAssertLessThanOrEqual(interval[0], interval[1])
            XCTAssertEqual((method["tpr_at_fpr"] as! [String: Double]).keys.sorted(), ["0.001", "0.01", "0.05"])
        }
        XCTAssertNotNil(json["blind_baseline"] as? [String: Any])
        XCTAssertTrue(try String(contentsOfFile: roc, encoding: .utf8).hasPrefix("method,threshold,fpr,tpr\nloss,inf,0.0,0.0\n"))

        // Scores file route: lm score, then membership --scores (labels from the input).
        let labelled = folder.appendingPathComponent("labelled.jsonl").path
        var records: [String] = []
        for (label, path) in [(1, members), (0, nonmembers)] {
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                let data = try JSONSerialization.data(withJSONObject: ["text": String(line), "label": label])
                records.append(String(decoding: data, as: UTF8.self))
            }
        }
        try (records.joined(separator: "\n") + "\n").write(toFile: labelled, atomically: true, encoding: .utf8)
        let scores = folder.appendingPathComponent("scores.jsonl").path
        let scored = try run(["lm", "score", "--model", model, "--input", labelled, "--output", scores])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertTrue(scored.stderr.contains("bits/byte"))
        let fromFile = try run(["membership", "--scores", scores, "--methods", "loss,min-k", "--json", "--resamples", "200"])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        let fileJSON = try JSONSerialization.jsonObject(with: Data(fromFile.stdout.utf8)) as! [String: Any]
        let fileMethods = fileJSON["methods"] as! [[String: Any]]
        // Same texts, same model: the same AUC by either route.
        XCTAssertEqual(fileMethods[0]["auc"] as! Double, methods[0]["auc"] as! Double, accuracy: 1e-12)

        // Bad input: exit 2 and one line naming the file.
        let bad = folder.appendingPathComponent("bad.jsonl").path
        try #"{"logprobs": [null, 3]}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try run(["membership", "--scores", bad])
        XCTAssertEqual(failed.status, 2)
        XCTAssertTrue(failed.stderr.hasPrefix("toksleuth: \(bad):1: "), failed.stderr)
        let wrongTokenizer = try run(["lm", "score", "--model", model, "--tokenizer", Fixtures.path("reference/sentencepiece/spm-bpe.model"),
                                      "--input", members, "--output", scores])
        XCTAssertEqual(wrongTokenizer.status, 2, wrongTokenizer.stderr)
        XCTAssertTrue(wrongTokenizer.stderr.contains("not the tokenizer"), wrongTokenizer.stderr)
        let missing = try run(["membership", "--members", members, "--model", model])
        XCTAssertEqual(missing.status, 1)
    }

    func testTestbedWithShiftWarns() throws {
        let result = try run(["membership", "testbed", "--corpus", Fixtures.path("corpora/languages/en"), "--tokenizer", Fixtures.path("reference/gpt2"),
                              "--shift", Fixtures.path("corpora/languages/de"), "--words", "24", "--resamples", "200", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let iid = json["iid"] as! [String: Any], shifted = json["shifted"] as! [String: Any]
        XCTAssertEqual((iid["methods"] as! [[String: Any]]).count, 7)
        XCTAssertFalse((iid["blind_baseline"] as! [String: Any])["separable"] as! Bool)
        XCTAssertTrue((shifted["blind_baseline"] as! [String: Any])["separable"] as! Bool)
        XCTAssertTrue((shifted["warnings"] as! [String]).contains { $0.contains("blind baseline") })
        // Same seed, same bytes.
        let again = try run(["membership", "testbed", "--corpus", Fixtures.path("corpora/languages/en"), "--tokenizer", Fixtures.path("reference/gpt2"),
                             "--shift", Fixtures.path("corpora/languages/de"), "--words", "24", "--resamples", "200", "--json"])
        XCTAssertEqual(again.stdout, result.stdout)
    }
}
