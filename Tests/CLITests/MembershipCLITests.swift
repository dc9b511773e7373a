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

extension CLITests {
    /// A GGUF model end to end: `lm score` resumes from a partial file, `membership --model M.gguf`
    /// evaluates, and files llama.cpp cannot load fail with one line naming them.
    func testGGUFLanguageModelEndToEnd() throws {
        let model = (ProcessInfo.processInfo.environment["TOKSLEUTH_MODELS"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/toksleuth/models")) + "/SmolLM2-135M-Instruct.Q4_1.gguf"
        let texts = folder.appendingPathComponent("texts.jsonl").path
        let lines = try Fixtures.text("reference/llama-cpp/texts.jsonl").split(separator: "\n").prefix(12)
        try (lines.enumerated().map { index, line in
            line.replacingOccurrences(of: "{\"id\"", with: "{\"label\": \(index % 2), \"id\"")
        }.joined(separator: "\n") + "\n").write(toFile: texts, atomically: true, encoding: .utf8)
        let notAModel = try run(["lm", "score", "--model", texts, "--texts", texts, "--output", folder.appendingPathComponent("x.jsonl").path])
        XCTAssertEqual(notAModel.status, 2)
        XCTAssertTrue(notAModel.stderr.hasPrefix("toksleuth: \(texts): "), notAModel.stderr)
        let probe = try run(["lm", "score", "--model", model, "--texts", texts, "--output", folder.appendingPathComponent("probe.jsonl").path, "--no-lowercase"])
        try XCTSkipIf(probe.stderr.contains("llama.cpp is not built"), probe.stderr)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: model), "\(model) is absent (scripts/fetch-smollm2)")
        XCTAssertEqual(probe.status, 0, probe.stderr)

        // kill -9 mid-run, then the same command: the result equals an uninterrupted run's.
        let output = folder.appendingPathComponent("scores.jsonl").path
        let full = try String(contentsOfFile: folder.appendingPathComponent("probe.jsonl").path, encoding: .utf8)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["lm", "score", "--model", model, "--texts", texts, "--output", output, "--no-lowercase"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOfFile: output + ".partial", encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0) < 4 {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output before the run completes")
        let kept = (try String(contentsOfFile: output + ".partial", encoding: .utf8)).filter { $0 == "\n" }.count
        XCTAssertGreaterThanOrEqual(kept, 4)
        let resumed = try run(["lm", "score", "--model", model, "--texts", texts, "--output", output, "--no-lowercase"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), full)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + ".partial"))
        // A partial file left by other settings is not trusted.
        try "{}\n".write(toFile: output + ".partial", atomically: true, encoding: .utf8)
        let other = try run(["lm", "score", "--model", model, "--texts", texts, "--output", output])
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.stderr.contains("other settings"), other.stderr)

        let evaluation = try run(["membership", "--scores", output, "--json", "--resamples", "50"])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let direct = try run(["membership", "--members", texts, "--nonmembers", texts, "--model", model, "--no-lowercase", "--json", "--resamples", "50", "--quiet"])
        XCTAssertEqual(direct.status, 0, direct.stderr)
    }
}
