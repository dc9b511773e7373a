import CausalLM
import Foundation
import Membership
import Support
import TestSupport
import XCTest

/// GGUF causal LMs through llama.cpp against llama.cpp itself (llama-cpp-python built from the
/// same sdist: fixtures/reference/llama-cpp, written by scripts/llama-cpp-reference.py). They
/// need the library (scripts/build-llama-cpp) and SmolLM2 (scripts/fetch-smollm2), and skip
/// saying so without them.
final class CausalLMTests: XCTestCase {
    static var modelPath: String {
        let folder = ProcessInfo.processInfo.environment["TOKSLEUTH_MODELS"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/toksleuth/models")
        return (folder as NSString).appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    nonisolated(unsafe) static var cached: CausalScorer?

    func scorer() throws -> CausalScorer {
        if let reason = LlamaCppLibrary.unavailableReason { throw XCTSkip(reason) }
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.modelPath), "\(Self.modelPath) is absent (scripts/fetch-smollm2)")
        if let cached = Self.cached { return cached }
        let made = try CausalScorer(modelPath: Self.modelPath, contextSize: 512)
        Self.cached = made
        return made
    }

    struct Reference: Decodable {
        struct Text: Decodable {
            let id: String
            let tokens: [UInt32]
            let logprobs: [Double?]
            let mu: [Double?]
            let sigma: [Double?]
        }
        let system: String
        let texts: [Text]
    }

    /// The references in fixtures/reference/llama-cpp (`smollm2-q4_1*.json`), one per CPU feature
    /// line of llama.cpp they were made on.
    static func references() throws -> [Reference] {
        let folder = Fixtures.path("reference/llama-cpp")
        return try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasPrefix("smollm2-q4_1") && $0.hasSuffix(".json") }.sorted()
            .map { try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/" + $0))) }
    }

    /// llama.cpp's quantised kernels differ between CPU feature sets (AVX2 and AVX-512: log p
    /// up to 1.2 nats apart, 0.06 on average), so log p, mu and sigma are compared to 1e-4
    /// against the reference made on this machine's feature line (llama.cpp's
    /// `llama_print_system_info`, recorded in each reference). On a line no reference was made
    /// on, the tokens must still be equal and the mean |log p| difference to the closest
    /// reference at most 0.2; the exact comparison is then skipped, saying how to make the
    /// missing reference.
    func testLogProbabilitiesEqualLlamaCppOnFiftyTexts() throws {
        let scorer = try scorer()
        let system = try LlamaCppLibrary.shared().systemInfo
        let texts = try LabelledText.read(Fixtures.path("reference/llama-cpp/texts.jsonl"), label: nil)
        XCTAssertEqual(texts.count, 50)
        let references = try Self.references()
        XCTAssertEqual(references.count, 2, "references made with AVX2 and with AVX-512")
        let scored = try texts.map { try scorer.score($0, lowercase: false) }
        guard let reference = references.first(where: { $0.system == system }) else {
            var closest = Double.infinity
            for reference in references {
                XCTAssertEqual(reference.texts.map(\.tokens), scored.map(\.tokens), "tokens do not depend on the CPU")
                var total = 0.0, count = 0
                for (mine, expected) in zip(scored, reference.texts) {
                    for (index, value) in expected.logprobs.enumerated() where value != nil {
                        total += abs(mine.logProbabilities[index] - value!)
                        count += 1
                    }
                }
                closest = min(closest, total / Double(max(count, 1)))
            }
            XCTAssertLessThanOrEqual(closest, 0.2, "mean |log p - llama.cpp's| against the closest reference")
            throw XCTSkip("no reference was made on a machine with llama.cpp's line \"\(system)\" (mean |log p| difference to the closest: "
                          + "\(closest)); make one with scripts/llama-cpp-reference.py (fixtures/SOURCES.md) for the exact comparison")
        }
        XCTAssertEqual(reference.texts.map(\.id), texts.map(\.id))
        var largest = 0.0, compared = 0
        for (text, (mine, expected)) in zip(texts, zip(scored, reference.texts)) {
            XCTAssertEqual(mine.tokens, expected.tokens, text.id)
            for (index, value) in expected.logprobs.enumerated() {
                guard let value else { XCTAssertTrue(mine.logProbabilities[index].isNaN); continue }
                largest = max(largest, abs(mine.logProbabilities[index] - value))
                XCTAssertEqual(mine.means![index], expected.mu[index]!, accuracy: 1e-4, text.id)
                XCTAssertEqual(mine.deviations![index], expected.sigma[index]!, accuracy: 1e-4, text.id)
                compared += 1
            }
        }
        XCTAssertLessThanOrEqual(largest, 1e-4, "largest |log p - llama.cpp's| over \(compared) tokens")
        print("log p against llama-cpp-python (\(system)): \(compared) tokens, largest difference \(largest)")
    }

    func testMeanAndDeviationEqualDirectComputationFromLogits() throws {
        let scorer = try scorer()
        let tokens = try scorer.tokens(of: "Membership inference asks whether a text was in the training data.", id: "t")
        let pass = try scorer.model.score(tokens: tokens, first: 1)
        let logits = try scorer.model.logits(tokens: tokens, first: 1)
        let size = scorer.model.vocabularySize
        for position in 0..<(tokens.count - 1) {
            let row = logits[(position * size)..<((position + 1) * size)].map(Double.init)
            let top = row.max()!
            let norm = top + log(row.reduce(0) { $0 + exp($1 - top) })
            var mu = 0.0, second = 0.0
            for z in row {
                let lp = z - norm
                mu += exp(lp) * lp
                second += exp(lp) * lp * lp
            }
            let sigma = (second - mu * mu).squareRoot()
            XCTAssertEqual(pass.logProbabilities[position], row[Int(tokens[position + 1])] - norm, accuracy: 1e-9)
            XCTAssertEqual(pass.means[position], mu, accuracy: 1e-6 * abs(mu))
            XCTAssertEqual(pass.deviations[position], sigma, accuracy: 1e-6 * sigma)
        }
    }

    func testLongTextsAreScoredInWindows() throws {
        try XCTSkipIf(LlamaCppLibrary.unavailableReason != nil, LlamaCppLibrary.unavailableReason ?? "")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.modelPath), "\(Self.modelPath) is absent (scripts/fetch-smollm2)")
        let small = try CausalScorer(modelPath: Self.modelPath, contextSize: 64)
        let text = try String(contentsOfFile: Fixtures.path("reference/gpt2/en.txt"), encoding: .utf8).prefix(1500)
        let tokens = try small.tokens(of: String(text), id: "long")
        XCTAssertGreaterThan(tokens.count, 200)
        let windowed = try small.score(tokens: tokens)
        XCTAssertEqual(windowed.logProbabilities.count, tokens.count)
        XCTAssertTrue(windowed.logProbabilities.dropFirst().allSatisfy(\.isFinite))
        // The first window is one pass over the first 64 tokens.
        let first = try small.model.score(tokens: Array(tokens.prefix(64)), first: 1)
        XCTAssertEqual(Array(windowed.logProbabilities[1..<64]), first.logProbabilities)
        // The second scores tokens 64..<96 with tokens 32..<64 before them.
        let second = try small.model.score(tokens: Array(tokens[32..<96]), first: 32)
        XCTAssertEqual(Array(windowed.logProbabilities[64..<96]), second.logProbabilities)
    }

    func testInterruptedRunResumes() throws {
        let scorer = try scorer()
        let texts = Array(try LabelledText.read(Fixtures.path("reference/llama-cpp/texts.jsonl"), label: 1).prefix(4))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fresh = folder.appendingPathComponent("fresh.jsonl").path, resumed = folder.appendingPathComponent("resumed.jsonl").path
        let settings = scorer.settings(lowercase: true)
        let full = try ScoresFileWriter(output: fresh, texts: texts, settings: settings)
        _ = try scorer.scoreAll(texts, writer: full)
        try full.finish()
        // An interrupted run: two texts written, the third torn mid-line.
        let first = try ScoresFileWriter(output: resumed, texts: texts, settings: settings)
        _ = try scorer.scoreAll(Array(texts.prefix(2)), writer: first)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: resumed + ".partial"))
        _ = try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"id\":\"torn".utf8))
        try handle.close()
        let again = try ScoresFileWriter(output: resumed, texts: texts, settings: settings)
        XCTAssertEqual(again.done.count, 2)
        var calls = 0
        _ = try scorer.scoreAll(texts, writer: again) { _, _ in calls += 1 }
        try again.finish()
        XCTAssertEqual(calls, 2)
        XCTAssertEqual(try String(contentsOfFile: resumed, encoding: .utf8), try String(contentsOfFile: fresh, encoding: .utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: resumed + ".partial"))
        // A partial file left with other settings is refused.
        _ = try ScoresFileWriter(output: resumed, texts: texts, settings: settings)
        XCTAssertThrowsError(try ScoresFileWriter(output: resumed, texts: texts, settings: "other")) { error in
            XCTAssertTrue("\(error)".contains("other settings"), "\(error)")
        }
    }

    func testVocabularyOnlyGGUFIsRefused() throws {
        if let reason = LlamaCppLibrary.unavailableReason { throw XCTSkip(reason) }
        let folder = ProcessInfo.processInfo.environment["TOKSLEUTH_LLAMA_CPP"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/toksleuth/llama-cpp")
        let path = (folder as NSString).appendingPathComponent("ggml-vocab-gpt-2.gguf")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "\(path) is absent (scripts/fetch-llama-cpp-vocabs)")
        XCTAssertThrowsError(try CausalLanguageModel(path: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ": "), "\(error)")
            XCTAssertTrue("\(error)".contains("vocabulary-only"), "\(error)")
        }
        XCTAssertThrowsError(try CausalLanguageModel(path: "/nonexistent.gguf")) { error in
            XCTAssertEqual("\(error)", "/nonexistent.gguf: cannot read file")
        }
    }
}
