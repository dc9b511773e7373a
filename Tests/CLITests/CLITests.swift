import Foundation
import TestSupport
import XCTest

/// Runs the built `toksleuth` binary as a user would.
final class CLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    var binary: URL {
        // The products sit beside the test bundle in .build/<configuration>/ (on Linux the
        // bundle URL is that folder itself).
        let bundle = Bundle(for: CLITests.self).bundleURL
        let candidates = [bundle.appendingPathComponent("toksleuth"),
                          bundle.deletingLastPathComponent().appendingPathComponent("toksleuth")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs toksleuth (or `executable`, whose arguments then start with its own path) with `arguments`.
    func run(_ arguments: [String], stdin: [UInt8]? = nil, executable: String? = nil,
             environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        if let environment { process.environment = environment }
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = executable == nil ? arguments : Array(arguments.dropFirst())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    func testTrainMergesEncode() throws {
        let output = folder.appendingPathComponent("en.json").path
        let train = try run(["train", "--corpus", Fixtures.path("reference/training/en-train.txt"), "--vocab-size", "2000", "--output", output])
        XCTAssertEqual(train.status, 0, train.stderr)
        let merges = try run(["merges", output])
        XCTAssertEqual(merges.stdout, try Fixtures.text("reference/training/en-bytelevel-2000.merges.txt"))
        let encoded = try run(["encode", "--tokenizer", Fixtures.path("reference/gpt2"), "--json",
                               "--input", Fixtures.path("reference/gpt2/tricky.txt")])
        XCTAssertEqual(encoded.status, 0)
        let ids = try JSONDecoder().decode([UInt32].self, from: Data(encoded.stdout.utf8))
        XCTAssertEqual(ids, try Fixtures.json("reference/gpt2/tricky.gpt2.json"))
        let piped = try run(["encode", "--tokenizer", output], stdin: Array("Hello world".utf8))
        XCTAssertEqual(piped.status, 0)
        XCTAssertFalse(piped.stdout.isEmpty)
    }

    /// Bad input: one line on stderr naming the problem, exit code 2, no output file.
    func testBadInputGivesOneLineAndNoOutput() throws {
        let output = folder.appendingPathComponent("out.json").path
        let invalid = folder.appendingPathComponent("invalid.txt")
        try Data([0x61, 0x0A, 0xC3, 0x28]).write(to: invalid)
        let empty = folder.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        let badTokenizer = folder.appendingPathComponent("bad.json")
        try Data("{\"model\": 3}".utf8).write(to: badTokenizer)
        let cases: [([String], String)] = [
            (["train", "--corpus", folder.appendingPathComponent("missing.txt").path, "--vocab-size", "300", "--output", output], "no such file"),
            (["train", "--corpus", invalid.path, "--vocab-size", "300", "--output", output], "invalid UTF-8 at byte offset 2"),
            (["train", "--corpus", empty.path, "--vocab-size", "300", "--output", output], "empty"),
            (["train", "--corpus", Fixtures.path("reference/gpt2/en.txt"), "--vocab-size", "100", "--output", output], "below"),
            (["merges", badTokenizer.path], "no \"model\" object"),
            (["encode", "--tokenizer", folder.path], "no tokenizer found"),
            (["encode", "--tokenizer", Fixtures.path("reference/gpt2"), "--input", invalid.path], "invalid UTF-8"),
        ]
        for (arguments, fragment) in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(fragment), "\(result.stderr) lacks \(fragment)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
        let usage = try run(["train", "--vocab-size", "300"])
        XCTAssertEqual(usage.status, 1)
        let unknown = try run(["train", "--corpus", empty.path, "--vocab-size", "300", "--pretokenizer", "bert", "--output", output])
        XCTAssertEqual(unknown.status, 1)
    }

    /// infer prints the documented JSON, and a second identical run (served by the cache)
    /// prints exactly the same.
    func testInferJSONAndCache() throws {
        let cache = folder.appendingPathComponent("cache").path
        let arguments = ["infer", "--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"),
                         "--categories", Fixtures.path("corpora/languages"), "--only", "en", "de", "ja", "--merges", "300",
                         "--json", "--cache-dir", cache]
        let first = try run(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let categories = try XCTUnwrap(object["categories"] as? [[String: Any]])
        XCTAssertEqual(Set(categories.compactMap { $0["name"] as? String }), ["en", "de", "ja"])
        let total = categories.compactMap { $0["proportion"] as? Double }.reduce(0, +)
        XCTAssertEqual(total, 1, accuracy: 1e-9)
        XCTAssertEqual(object["merges_used"] as? Int, 300)
        XCTAssertNotNil(object["merges_missing"] as? Int)
        XCTAssertNotNil((object["solver"] as? [String: Any])?["rounds"])
        // The tokenizer was trained on English only: English must dominate.
        XCTAssertEqual(categories.first?["name"] as? String, "en")
        let second = try run(arguments)
        XCTAssertEqual(second.stdout, first.stdout)
        XCTAssertTrue(second.stderr.contains("served from the cache"), second.stderr)
    }

    /// infer solves to proven optimality by default and says so with its certificate; both
    /// units are printed; a second run solved again (no result cache) prints the same bytes;
    /// a run cut off by the clock is labelled as such, not optimal.
    func testInferIsCertifiedAndDeterministic() throws {
        let cache = folder.appendingPathComponent("cache").path
        let arguments = ["infer", "--tokenizer", Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"),
                         "--categories", Fixtures.path("corpora/languages"), "--merges", "600",
                         "--json", "--cache-dir", cache, "--no-result-cache"]
        let first = try run(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let solver = try XCTUnwrap(object["solver"] as? [String: Any])
        XCTAssertEqual(solver["optimal"] as? Bool, true)
        XCTAssertEqual(solver["stop_reason"] as? String, "optimal")
        let gap = try XCTUnwrap(solver["gap"] as? Double)
        XCTAssertLessThanOrEqual(gap, 1e-9)
        XCTAssertLessThanOrEqual(try XCTUnwrap(solver["largest_violation"] as? Double), 1e-6)
        let objective = try XCTUnwrap(solver["objective"] as? Double), lower = try XCTUnwrap(solver["lower_bound"] as? Double)
        XCTAssertLessThanOrEqual(lower, objective * (1 + 1e-12))
        XCTAssertNil(solver["lp_seconds"], "timings only with --timings")
        let categories = try XCTUnwrap(object["categories"] as? [[String: Any]])
        XCTAssertEqual(categories.compactMap { $0["weight"] as? Double }.count, categories.count)
        XCTAssertEqual(categories.compactMap { $0["weight"] as? Double }.reduce(0, +), 1, accuracy: 1e-9)
        let second = try run(arguments)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, first.stdout, "identical inputs must print identical bytes")
        XCTAssertFalse(second.stderr.contains("the whole result"), second.stderr)
        // The other method reaches the same optimum.
        let decomposed = try run(arguments + ["--lp-method", "decomposition"])
        let other = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(decomposed.stdout.utf8)) as? [String: Any])
        let otherObjective = try XCTUnwrap((other["solver"] as? [String: Any])?["objective"] as? Double)
        XCTAssertEqual(otherObjective, objective, accuracy: 1e-9 * max(1, objective))
        // Cut off at once: labelled, and the table says it is not optimal.
        let cut = try run(arguments.filter { $0 != "--json" } + ["--lp-time-limit", "0"])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertTrue(cut.stdout.contains("NOT OPTIMAL: stopped by time limit"), cut.stdout)
        XCTAssertTrue(cut.stderr.contains("NOT solved to optimality"), cut.stderr)
        XCTAssertTrue(cut.stdout.contains("pairs: the LP weight in pair units"), cut.stdout)
    }

    func testInferBadInput() throws {
        let tokenizer = Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json")
        let categories = folder.appendingPathComponent("cats")
        try FileManager.default.createDirectory(at: categories.appendingPathComponent("de"), withIntermediateDirectories: true)
        try Data("Hallo Welt\n".utf8).write(to: categories.appendingPathComponent("de/sample.txt"))
        try Data("Hallo\n".utf8).write(to: categories.appendingPathComponent("de.txt"))
        let base = ["infer", "--tokenizer", tokenizer, "--no-cache", "--categories"]
        let duplicate = try run(base + [categories.path, "--merges", "10"])
        XCTAssertEqual(duplicate.status, 2)
        XCTAssertTrue(duplicate.stderr.contains("two entries name category de"), duplicate.stderr)
        try FileManager.default.removeItem(at: categories.appendingPathComponent("de.txt"))
        try Data().write(to: categories.appendingPathComponent("empty.txt"))
        let empty = try run(base + [categories.path, "--merges", "10"])
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderr.contains("category empty has no text"), empty.stderr)
        let tooMany = try run(base + [Fixtures.path("corpora/languages"), "--merges", "5000"])
        XCTAssertEqual(tooMany.status, 2)
        XCTAssertTrue(tooMany.stderr.contains("fewer than --merges 5000"), tooMany.stderr)
        let skipTooMany = try run(base + [Fixtures.path("corpora/languages"), "--merges", "200", "--skip-merges", "1600"])
        XCTAssertEqual(skipTooMany.status, 2)
        XCTAssertTrue(skipTooMany.stderr.contains("fewer than --skip-merges 1600 + --merges 200"), skipTooMany.stderr)
        let zero = try run(base + [Fixtures.path("corpora/languages"), "--merges", "0"])
        XCTAssertEqual(zero.status, 1)
        for result in [duplicate, empty, tooMany] { XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr) }
    }

    /// `inspect` on a SentencePiece model and a tiktoken file, as text and JSON.
    func testInspect() throws {
        let model = try run(["inspect", Fixtures.path("reference/sentencepiece/spm-bpe.model"), "--json"])
        XCTAssertEqual(model.status, 0, model.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(model.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["format"] as? String, "sentencepiece")
        XCTAssertEqual(object["vocabulary_size"] as? Int, 3000)
        XCTAssertEqual(object["byte_fallback"] as? Bool, true)
        let merges = try XCTUnwrap(object["merges"] as? [String: Any])
        XCTAssertGreaterThan(merges["total"] as? Int ?? 0, 1500)
        let scripts = try XCTUnwrap(object["by_script"] as? [[String: Any]]).compactMap { $0["script"] as? String }
        XCTAssertTrue(scripts.contains("Latin") && scripts.contains("Han/Kana") && scripts.contains("byte fallback"), "\(scripts)")
        let converted = try run(["inspect", Fixtures.path("reference/sentencepiece/hf-prepend.json")])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        XCTAssertTrue(converted.stdout.contains("redundant dropped"), converted.stdout)
        let tiktoken = try run(["inspect", Fixtures.path("reference/gpt2/gpt2.tiktoken")])
        XCTAssertEqual(tiktoken.status, 0, tiktoken.stderr)
        XCTAssertTrue(tiktoken.stdout.contains("50000 in the file"), tiktoken.stdout)
        XCTAssertTrue(tiktoken.stdout.contains("<|endoftext|>=50256"), tiktoken.stdout)
        let missing = try run(["inspect", folder.appendingPathComponent("none.model").path])
        XCTAssertEqual(missing.status, 2)
    }

    /// `infer` on a SentencePiece model with categories pooled from two folders: the model
    /// was trained on en, de, ja and python text, which must carry most of the weight.
    func testInferSentencePieceOverPooledFolders() throws {
        let result = try run(["infer", "--tokenizer", Fixtures.path("reference/sentencepiece/spm-bpe.model"),
                              "--categories", Fixtures.path("corpora/languages"), "--categories", Fixtures.path("corpora/code"),
                              "--merges", "600", "--json", "--no-cache"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let categories = try XCTUnwrap(object["categories"] as? [[String: Any]])
        XCTAssertEqual(categories.count, 9)
        var share: [String: Double] = [:]
        for category in categories { share[category["name"] as! String] = category["proportion"] as? Double }
        XCTAssertGreaterThan(["en", "de", "ja", "python"].map { share[$0] ?? 0 }.reduce(0, +), 0.7, "\(share)")
    }

    /// `--add-special` adds SentencePiece's BOS before the reference ids; without it, none.
    func testEncodeAddSpecial() throws {
        let model = Fixtures.path("reference/sentencepiece/spm-bpe.model")
        let text = Fixtures.path("reference/gpt2/tricky.txt")
        let expected: [UInt32] = try Fixtures.json("reference/sentencepiece/tricky.spm-bpe.json")
        let plain = try run(["encode", "--tokenizer", model, "--input", text, "--json"])
        XCTAssertEqual(try JSONDecoder().decode([UInt32].self, from: Data(plain.stdout.utf8)), expected)
        let special = try run(["encode", "--tokenizer", model, "--input", text, "--json", "--add-special"])
        XCTAssertEqual(try JSONDecoder().decode([UInt32].self, from: Data(special.stdout.utf8)), [1] + expected)
    }
}

extension CLITests {
    /// Every fuzz seed and regression input (fixtures/fuzz/TARGET) replays through its target
    /// without a crash (`scripts/fuzz` finds new ones; each found becomes a file here).
    func testFuzzInputsReplayWithoutCrash() throws {
        let fuzzer = binary.deletingLastPathComponent().appendingPathComponent("toksleuth-fuzz")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: fuzzer.path), "\(fuzzer.path) is not built")
        let root = Fixtures.path("fuzz")
        let targets = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        XCTAssertGreaterThanOrEqual(targets.count, 6)
        for target in targets {
            let files = try FileManager.default.contentsOfDirectory(atPath: root + "/" + target).sorted().map { root + "/" + target + "/" + $0 }
            let process = Process()
            process.executableURL = fuzzer
            process.arguments = [target] + files
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(target): \(files.count) inputs")
        }
    }
}
