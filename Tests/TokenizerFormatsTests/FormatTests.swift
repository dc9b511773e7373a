import BPE
import Corpora
import Foundation
import Pretokenization
import Support
import TestSupport
import TokenizerFormats
import XCTest

final class FormatTests: XCTestCase {
    /// Training on the reference corpus and writing tokenizer.json gives HF's own file, byte
    /// for byte (layout, key order, escaping, merges as pairs).
    func testWrittenTokenizerJSONIsByteIdenticalToHuggingFace() throws {
        for (corpus, name, size, pretokenizer) in [
            ("en-train.txt", "en-bytelevel-2000", 2000, Pretokenizer.gpt2),
            ("python-train.txt", "python-digits-bytelevel-4000", 4000, Pretokenizer.gpt2Digits),
        ] {
            let text = try Corpus(paths: [Fixtures.path("reference/training/\(corpus)")])
            let words = try WordCounts.count(text: text.bytes, sequenceEnds: text.sequenceEnds, pretokenizer: pretokenizer)
            let model = try BPETrainer(vocabularySize: size).train(words)
            let written = HuggingFaceJSON.serialize(Tokenizer(model: model, pretokenizer: pretokenizer, format: .trained))
            let expected = try Fixtures.text("reference/training/\(name).tokenizer.json")
            XCTAssertTrue(written == expected, "\(name): serialized tokenizer.json differs from HF's")
        }
    }

    func testReadingHuggingFaceJSON() throws {
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/training/python-digits-bytelevel-4000.tokenizer.json"))
        XCTAssertEqual(tokenizer.format, .huggingFaceJSON)
        XCTAssertEqual(tokenizer.pretokenizer, .gpt2Digits)
        XCTAssertEqual(tokenizer.model.vocabularySize, 4000)
        let expected = try Fixtures.text("reference/training/python-digits-bytelevel-4000.merges.txt").split(separator: "\n").map(String.init)
        XCTAssertEqual(tokenizer.model.mergeLines, expected)
    }

    func testVocabAndMergesRoundTrip() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
        try TokenizerLoader.write(original, to: folder.path + "/")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, ["merges.txt", "vocab.json"])
        let reread = try TokenizerLoader.load(folder.path)
        XCTAssertEqual(reread.format, .vocabAndMerges)
        XCTAssertEqual(reread.model.merges, original.model.merges)
        XCTAssertEqual(reread.model.tokens, original.model.tokens)
        // Special tokens survive a tokenizer.json round trip.
        var withSpecial = original
        withSpecial.model.tokens.append(Token(bytes: Array("<|endoftext|>".utf8), isSpecial: true))
        let path = folder.appendingPathComponent("t.json").path
        try TokenizerLoader.write(withSpecial, to: path)
        let again = try TokenizerLoader.load(path)
        XCTAssertEqual(again.model.tokens.last, withSpecial.model.tokens.last)
        XCTAssertEqual(again.model.vocabularySize, 2001)
    }

    func testFolderPreferenceAndGPT2Names() throws {
        let gpt2 = try TokenizerLoader.load(Fixtures.path("reference/gpt2"))
        XCTAssertEqual(gpt2.format, .vocabAndMerges)
        XCTAssertEqual(gpt2.model.vocabularySize, 50257)
        // A single file of the pair finds its sibling.
        let viaFile = try TokenizerLoader.load(Fixtures.path("reference/gpt2/vocab.bpe"))
        XCTAssertEqual(viaFile.model.merges.count, 50000)
        XCTAssertThrowsError(try TokenizerLoader.load(Fixtures.path("reference/pretokenization")))
    }

    /// Every format is recognised by its content under a name that says nothing (or the wrong
    /// thing): a rank file called `tokenizer.model` (Llama 3's download), tokenizer.json, a
    /// vocabulary and merges pair, a SentencePiece model and a GGUF file under other names.
    func testFormatsAreRecognisedByContent() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func place(_ source: String, as name: String, in sub: String) throws -> String {
            let target = folder.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: source, toPath: target.appendingPathComponent(name).path)
            return target.appendingPathComponent(name).path
        }
        // A rank file: the 256 bytes, then "ab" and "abc".
        let ranks = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" } + ["YWI= 256", "YWJj 257"]
        let rankPath = folder.appendingPathComponent("ranks.tiktoken").path
        try Data((ranks.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: rankPath))
        let named = try TokenizerLoader.load(rankPath)
        for path in [try place(rankPath, as: "tokenizer.model", in: "llama3"), folder.appendingPathComponent("llama3").path] {
            let loaded = try TokenizerLoader.load(path)
            XCTAssertEqual(loaded.format, .tiktoken, path)
            XCTAssertEqual(loaded.model.merges, named.model.merges)
            XCTAssertEqual(try loaded.makeEncoder().encode("abcab"), [257, 256])
        }
        let json = Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json")
        let original = try TokenizerLoader.load(json)
        let renamed = try TokenizerLoader.load(try place(json, as: "weights.bin", in: "json"))
        XCTAssertEqual(renamed.format, .huggingFaceJSON)
        XCTAssertEqual(renamed.model.merges, original.model.merges)
        _ = try place(Fixtures.path("reference/gpt2/vocab.bpe"), as: "b.txt", in: "pair")
        let vocab = try place(Fixtures.path("reference/gpt2/encoder.json"), as: "a.json", in: "pair")
        // A model folder's other JSON files are neither a tokenizer.json nor a vocabulary.
        try Data(#"{"architectures": ["GPT2LMHeadModel"], "vocab_size": 50257}"#.utf8).write(to: folder.appendingPathComponent("pair/config.json"))
        XCTAssertNil(TokenizerLoader.FileKind.of(folder.appendingPathComponent("pair/config.json").path))
        for path in [vocab, folder.appendingPathComponent("pair").path] {
            let pair = try TokenizerLoader.load(path)
            XCTAssertEqual(pair.format, .vocabAndMerges, path)
            XCTAssertEqual(pair.model.merges.count, 50000)
        }
        let spm = try TokenizerLoader.load(try place(Fixtures.path("reference/sentencepiece/spm-tiny.model"), as: "sp.bin", in: "spm"))
        XCTAssertEqual(spm.format, .sentencePiece)
        XCTAssertEqual(spm.model.merges, try TokenizerLoader.load(Fixtures.path("reference/sentencepiece/spm-tiny.model")).model.merges)
        let gguf = try TokenizerLoader.load(try place(Fixtures.path("reference/gguf/ggml-vocab-deepseek-coder.gguf"), as: "vocab.dat", in: "gguf"))
        XCTAssertEqual(gguf.format, .gguf)
        // A vocabulary whose first token is "model" is still a vocabulary, not a tokenizer.json.
        XCTAssertEqual(TokenizerLoader.FileKind.of(head: Array(#"{"model": 0, "x": 1}"#.utf8)), .vocabularyJSON)
        XCTAssertEqual(TokenizerLoader.FileKind.of(head: Array(#"{"version": "1.0", "model": {}}"#.utf8)), .tokenizerJSON)
        XCTAssertNil(TokenizerLoader.FileKind.of(head: Array("just some text, nothing else\n".utf8)))
    }

    /// A real rank file under Llama 3's file name encodes exactly as under its own (and its
    /// encoding, pattern and special tokens are recognised from its number of ranks).
    func testRankFilesUnderTheNameTokenizerModel() throws {
        let shared = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tokenizers/cl100k_base/cl100k_base.tiktoken").path
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for source in [Fixtures.path("reference/gpt2/gpt2.tiktoken"), shared] where FileManager.default.fileExists(atPath: source) {
            let path = folder.appendingPathComponent("tokenizer.model").path
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: source, toPath: path)
            let renamed = try TokenizerLoader.load(path), original = try TokenizerLoader.load(source)
            XCTAssertEqual(renamed.format, .tiktoken)
            XCTAssertEqual(renamed.pretokenizer, original.pretokenizer)
            XCTAssertEqual(renamed.model.vocabularySize, original.model.vocabularySize)
            let text = try Fixtures.text("reference/gpt2/tricky.txt") + "Hello, world! 12345 Ünïcödé\n\n  spaces\tand tabs"
            XCTAssertEqual(try renamed.makeEncoder().encode(text), try original.makeEncoder().encode(text))
        }
    }

    /// A tokenizer that splits digits one by one and was trained on top of GPT-2's merges lacks
    /// the GPT-2 merges that join a digit to anything: the base is found with those passed over,
    /// and the merges appended after it are not counted.
    func testBaseDetectionPassesOverMergesThePretokenizerCannotApply() throws {
        let base = try TokenizerLoader.load(Fixtures.path("reference/gpt2"))
        // The rule the test expects, written independently of any pretokenizer: a merge that
        // joins a numeric character to anything else can never apply when digits stand alone.
        func joinsADigit(_ merge: MergeRule) -> Bool {
            let bytes = base.model.tokens[Int(merge.left)].bytes + base.model.tokens[Int(merge.right)].bytes
            guard let text = String(validating: bytes, as: UTF8.self) else { return false }
            return text.unicodeScalars.count > 1 && text.unicodeScalars.contains { $0.properties.numericType != nil }
        }
        let kept = base.model.merges.filter { !joinsADigit($0) }
        let droppedBefore = base.model.merges.prefix { $0 != kept[20_000] }.filter(joinsADigit).count
        XCTAssertGreaterThan(droppedBefore, 100)
        var derived = base
        derived.pretokenizer = Pretokenizer(steps: [.digits(individual: true), .gpt2])
        derived.model.merges = Array(kept.prefix(20_000)) + kept[20_100..<20_105]
        derived.cleanedMerges = nil
        let found = try BaseDetection.sharedPrefix(derived, base: base)
        XCTAssertEqual(found.shared, 20_000)
        XCTAssertEqual(found.span, 20_000)
        XCTAssertEqual(found.dropped, droppedBefore)
        // Under GPT-2's own pretokenizer nothing is passed over and the digit merges are missing.
        var plain = derived
        plain.pretokenizer = .gpt2
        XCTAssertLessThan(try BaseDetection.sharedPrefix(plain, base: base).shared, 20_000)
        // Detection over a folder of bases picks it by name.
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(atPath: Fixtures.path("reference/gpt2/gpt2.tiktoken"), toPath: folder.appendingPathComponent("r50k_base.tiktoken").path)
        let match = try XCTUnwrap(try BaseDetection.detect(derived, in: folder.path))
        XCTAssertEqual(match, BaseDetection.Match(name: "r50k_base", sharedMerges: 20_000, droppedFromBase: droppedBefore, span: 20_000))
    }

    /// Qwen2's merge list is cl100k's without the merges its digit splitting can never apply
    /// (when ../shared is beside the clone).
    func testQwen2ExtendsCl100kWhenPresent() throws {
        let shared = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tokenizers")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: shared.appendingPathComponent("ggml-vocab-qwen2").path), "../shared/tokenizers is absent")
        let qwen2 = try TokenizerLoader.load(shared.appendingPathComponent("ggml-vocab-qwen2").path)
        let cl100k = try TokenizerLoader.load(shared.appendingPathComponent("cl100k_base/cl100k_base.tiktoken").path)
        let found = try BaseDetection.sharedPrefix(qwen2, base: cl100k)
        XCTAssertEqual(found.span, 98_900)
        XCTAssertEqual(found.shared, 98_898)
        XCTAssertEqual(found.dropped, 1_102)
    }

    /// Health on a constructed vocabulary with known answers: "abc" is shadowed ("b" + "c"
    /// joins first, and nothing joins "a" to "bc"), a second "bc" duplicates the first, the 13
    /// bytes UTF-8 never uses are undecodable, and an added "a b" is cut by the pretokenizer.
    func testHealthOfAConstructedTokenizer() throws {
        var tokens = (0..<256).map { Token(bytes: [UInt8($0)]) }
        let (a, b, c) = (UInt32(UInt8(ascii: "a")), UInt32(UInt8(ascii: "b")), UInt32(UInt8(ascii: "c")))
        tokens += ["bc", "ab", "abc", "bc", "a b", "xyz"].map { Token(bytes: Array($0.utf8)) }
        let merges = [MergeRule(left: b, right: c, result: 256), MergeRule(left: a, right: b, result: 257), MergeRule(left: 257, right: c, result: 258)]
        var tokenizer = Tokenizer(model: BPEModel(tokens: tokens, merges: merges, byteTokens: (0..<256).map { UInt32($0) }),
                                  pretokenizer: .gpt2, format: .trained)
        tokenizer.userDefinedTokens = [(Array("a b".utf8), 260), (Array("xyz".utf8), 261)]
        let health = try TokenizerHealth(tokenizer)
        XCTAssertEqual(health.unreachable, [258])
        XCTAssertEqual(health.duplicates, [[256, 259]])
        XCTAssertEqual(health.undecodable, [0xC0, 0xC1] + Array(0xF5...0xFF))
        XCTAssertEqual(health.unformableAdded, [260])
    }

    func testRegexPretokenizersRoundTripThroughSplit() throws {
        for pretokenizer in [Pretokenizer.cl100k, .o200k, .gpt2Digits, .gpt2] {
            let base = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
            let tokenizer = Tokenizer(model: base.model, pretokenizer: pretokenizer, format: .trained)
            let data = Data(HuggingFaceJSON.serialize(tokenizer).utf8)
            XCTAssertEqual(try HuggingFaceJSON.parse(data, path: "x").pretokenizer, pretokenizer)
        }
    }

    // MARK: malformed input

    private func assertRejected(_ json: String, containing fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try HuggingFaceJSON.parse(Data(json.utf8), path: "bad.json"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("bad.json: "), text, file: file, line: line)
            XCTAssertTrue(text.contains(fragment), "\(text) lacks \(fragment)", file: file, line: line)
        }
    }

    func testMalformedTokenizerJSONIsRejectedWithAReason() {
        let pre = #""pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"#
        var vocab = (0..<256).map { "\"\(ByteLevel.render([UInt8($0)]).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\": \($0)" }
        vocab.append("\"ab\": 256")
        let vocabText = "{" + vocab.joined(separator: ", ") + "}"
        assertRejected("not json", containing: "not valid JSON")
        assertRejected("[1, 2]", containing: "not a JSON object")
        assertRejected("{}", containing: "no \"model\"")
        assertRejected(#"{"model": {"type": "Unigram"}}"#, containing: "Unigram")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"merges\": []}}", containing: "vocab")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": \(vocabText)}}", containing: "merges")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": \(vocabText), \"merges\": [\"a c x\"]}}", containing: "not two tokens")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": \(vocabText), \"merges\": [\"a Ω\"]}}", containing: "not in the vocabulary")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": \(vocabText), \"merges\": [\"b c\"]}}", containing: "yields a token")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}", containing: "byte-level symbols")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 5}, \"merges\": []}}", containing: "no token with id 0")
        assertRejected("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"x\"}, \"merges\": []}}", containing: "no integer id")
        assertRejected("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}", containing: "regex")
        // A well-formed file parses, so the rejections above are about their defects.
        XCTAssertNoThrow(try HuggingFaceJSON.parse(Data("{\(pre), \"model\": {\"type\": \"BPE\", \"vocab\": \(vocabText), \"merges\": [\"a b\"]}}".utf8), path: "ok.json"))
    }

    /// Every truncation of a valid file is rejected with an error, never a crash.
    func testTruncationsAndByteFlipsNeverCrash() throws {
        let valid = try Fixtures.bytes("reference/training/en-bytelevel-2000.tokenizer.json")
        let prefix = Array(valid.prefix(4000)) + Array(valid.suffix(3000))
        for length in stride(from: 0, to: prefix.count, by: 7) {
            XCTAssertThrowsError(try HuggingFaceJSON.parse(Data(prefix.prefix(length)), path: "cut.json"))
        }
        var generator = Fixtures.SeededGenerator(seed: 3)
        for _ in 0..<60 {
            var copy = valid
            for _ in 0..<4 { copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            _ = try? HuggingFaceJSON.parse(Data(copy), path: "flipped.json")  // must return or throw, not crash
        }
    }

    /// HF `tokenizers` itself loads a tokenizer.json we wrote and encodes as we do. Runs when
    /// Python with `tokenizers` is installed (CI installs it), skipped otherwise.
    func testHuggingFaceLoadsOurFileAndEncodesIdentically() throws {
        let python = "/usr/bin/env"
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["python3", "-c", "import tokenizers"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        try XCTSkipIf(probe.terminationStatus != 0, "python3 with tokenizers is not installed")

        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try Corpus(paths: [Fixtures.path("reference/training/python-train.txt")], maxBytes: 300_000)
        for pretokenizer in [Pretokenizer.gpt2Digits, .cl100k, .o200k] {
            let words = try WordCounts.count(text: text.bytes, sequenceEnds: text.sequenceEnds, pretokenizer: pretokenizer)
            let model = try BPETrainer(vocabularySize: 1500, specialTokens: ["<|endoftext|>"]).train(words)
            let tokenizer = Tokenizer(model: model, pretokenizer: pretokenizer, format: .trained)
            let path = folder.appendingPathComponent("tok.json").path
            try TokenizerLoader.write(tokenizer, to: path)
            let encoder = try tokenizer.makeEncoder()
            for name in ["tricky", "python", "ja"] {
                let input = Fixtures.path("reference/gpt2/\(name).txt")
                let ours = encoder.encode(try Fixtures.text("reference/gpt2/\(name).txt"))
                let script = "import json,sys\nfrom tokenizers import Tokenizer\nt=Tokenizer.from_file(sys.argv[1])\n"
                    + "print(json.dumps(t.encode(open(sys.argv[2],encoding='utf-8',newline='').read(),add_special_tokens=False).ids))"
                let process = Process()
                let pipe = Pipe()
                process.executableURL = URL(fileURLWithPath: python)
                process.arguments = ["python3", "-c", script, path, input]
                process.standardOutput = pipe
                try process.run()
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                XCTAssertEqual(process.terminationStatus, 0)
                let theirs = try JSONDecoder().decode([UInt32].self, from: output)
                XCTAssertEqual(ours, theirs, "\(pretokenizer) on \(name)")
            }
        }
    }
}
