import Foundation
import Pretokenization
import Support
import TestSupport
import XCTest

/// Hostile files through the command line, one per reader and kind of attack: nesting a
/// million levels deep, counts and lengths that claim 2^62 elements, NaN and infinities where
/// numbers are expected, invalid UTF-8 in every string position. Each must give exit code 2
/// and one line on stderr naming the file, never a crash (the fuzzers explore at random; these
/// are the cases a random walk does not reach: inputs over 64 KB, valid checksums around bad
/// fields).
extension CLITests {
    /// Runs `arguments` and checks the refusal: exit 2, one line, the file named, `fragment` in it.
    func assertRefused(_ arguments: [String], naming path: String, containing fragment: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments)
        let name = (path as NSString).lastPathComponent
        XCTAssertEqual(result.status, 2, "\(name): \(result.stderr.prefix(400))", file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(name): \(result.stderr.prefix(400))", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("toksleuth: \(path)"), "\(result.stderr) does not start by naming \(path)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "\(name): \(result.stderr) lacks \(fragment)", file: file, line: line)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url.path
    }

    static let deepArray = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 1_000_000)
    static let deepObject = Array(String(repeating: #"{"a":"#, count: 1_000_000).utf8) + [UInt8(ascii: "1")]
        + [UInt8](repeating: UInt8(ascii: "}"), count: 1_000_000)
    static let twoTo62: UInt64 = 1 << 62

    /// A small byte-level BPE tokenizer's parts: tokens (GPT-2's byte symbols, then merges) and merges.
    var smallTokenizer: (tokens: [String], merges: [String]) {
        let symbols = (0..<256).map { ByteLevel.render([UInt8($0)]) }
        return (symbols + ["he", "ll", "hell", "hello"], ["h e", "l l", "he ll", "hell o"])
    }

    func tokenizerJSON(replacing target: String? = nil, with replacement: [UInt8] = [], extra: String = "") -> [UInt8] {
        let (tokens, merges) = smallTokenizer
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        let vocab = tokens.enumerated().map { "\(quoted($0.element)): \($0.offset)" }.joined(separator: ", ")
        let text = #"{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, "# + extra
            + #""model": {"type": "BPE", "vocab": {"# + vocab + #"}, "merges": ["# + merges.map(quoted).joined(separator: ", ") + "]}}"
        let bytes = Array(text.utf8)
        return target.map { bytes.replacingFirst(Array($0.utf8), with: replacement) } ?? bytes
    }

    func testHostileTokenizerFiles() throws {
        XCTAssertEqual(try run(["inspect", try write(tokenizerJSON(), "ok/tokenizer.json")]).status, 0)
        let cases: [(String, [UInt8], String)] = [
            ("deep.json", Array(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": "#.utf8) + Self.deepArray + Array("}}".utf8), "Too many nested"),
            ("deep-object.json", Self.deepObject, "Too many nested"),
            ("id-1e999.json", tokenizerJSON(replacing: #""hello": 259"#, with: Array(#""hello": 1e999"#.utf8)), "not representable"),
            ("id-nan.json", tokenizerJSON(replacing: #""hello": 259"#, with: Array(#""hello": NaN"#.utf8)), "not valid JSON"),
            ("id-infinity.json", tokenizerJSON(replacing: #""hello": 259"#, with: Array(#""hello": Infinity"#.utf8)), "not valid JSON"),
            ("id-2e62.json", tokenizerJSON(replacing: #""hello": 259"#, with: Array(#""hello": 4611686018427387904"#.utf8)), "out of range"),
            ("id-negative.json", tokenizerJSON(replacing: #""hello": 259"#, with: Array(#""hello": -5"#.utf8)), "out of range"),
            ("utf8-key.json", tokenizerJSON(replacing: #""hello": 259"#, with: [0x22, 0x68, 0xFF, 0x22, 0x3A, 0x32, 0x35, 0x39]), "Invalid UTF-8"),
            ("utf8-merge.json", tokenizerJSON(replacing: #""hell o""#, with: [0x22, 0x68, 0x20, 0xC3, 0x22]), "Invalid UTF-8"),
            ("utf8-added.json", tokenizerJSON(extra: #""added_tokens": [{"id": 260, "content": "X\#u{FFFD}", "special": true}], "#)
                .replacingFirst([0xEF, 0xBF, 0xBD], with: [0xED, 0xA0, 0x80]), "Invalid UTF-8"),
            ("lone-surrogate.json", tokenizerJSON(replacing: #""hello": 259"#, with: Array(#""\ud800": 259"#.utf8)), "surrogate"),
            ("utf8-pattern.json", Array(#"{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a"#.utf8) + [0xFE]
                + Array(#""}, "behavior": "Isolated"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#.utf8), "Invalid UTF-8"),
        ]
        for (name, bytes, fragment) in cases {
            let path = try write(bytes, "tokenizer-json/" + name)
            try assertRefused(["inspect", path], naming: path, containing: fragment)
        }
        // vocab.json + merges.txt: the vocabulary is read byte-exact by toksleuth's own scanner.
        let (tokens, merges) = smallTokenizer
        let vocab = try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($0.element, $0.offset) }))
        let mergesText = Array(("#version: 0.2\n" + merges.joined(separator: "\n") + "\n").utf8)
        for (name, vocabBytes, mergeBytes, fragment) in [
            ("deep-object", Self.deepObject, mergesText, "nested deeper than 512"),
            ("deep-value", Array(#"{"a": 0, "b": "#.utf8) + Self.deepArray + [UInt8(ascii: "}")], mergesText, "nested deeper than 512"),
            ("utf8-merges", [UInt8](vocab), mergesText + [0x68, 0x20, 0xFF, 0x0A], "not valid UTF-8"),
            ("utf8-vocab", [UInt8](vocab).replacingFirst(Array("\"hello\"".utf8), with: [0x22, 0xFF, 0x22]), mergesText, "invalid UTF-8 in a string"),
        ] as [(String, [UInt8], [UInt8], String)] {
            let vocabPath = try write(vocabBytes, "vocab-merges/\(name)/vocab.json")
            let mergesPath = try write(mergeBytes, "vocab-merges/\(name)/merges.txt")
            try assertRefused(["inspect", (vocabPath as NSString).deletingLastPathComponent],
                              naming: name.hasSuffix("merges") ? mergesPath : vocabPath, containing: fragment)
        }
        // tiktoken ranks.
        let ranks = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" } + ["aGU= 256", "bGw= 257", "aGVsbA== 258"]
        for (name, last, fragment) in [("rank-2e62", Array("aGVsbG8= 4611686018427387904".utf8), "invalid rank"),
                                       ("rank-overflow", Array("aGVsbG8= 99999999999999999999999999".utf8), "invalid rank"),
                                       ("utf8", [0x61, 0x47, 0xFF, 0x73, 0x20, 0x32, 0x35, 0x39], "line 260")] as [(String, [UInt8], String)] {
            let path = try write(Array(ranks.joined(separator: "\n").utf8) + [0x0A] + last, "tiktoken/\(name).tiktoken")
            try assertRefused(["inspect", path], naming: path, containing: fragment)
        }
    }

    func testHostileGGUFFiles() throws {
        let (tokens, merges) = smallTokenizer
        func gpt2(_ change: (inout GGUFWriter) -> Void = { _ in }, tokens tokenBytes: [[UInt8]]? = nil, merges mergeBytes: [[UInt8]]? = nil,
                  claimedTokens: UInt64? = nil, model: [UInt8] = Array("gpt2".utf8), pre: [UInt8] = Array("gpt-2".utf8)) -> [UInt8] {
            var gguf = GGUFWriter()
            gguf.add(Array("tokenizer.ggml.model".utf8), string: model)
            gguf.add(Array("tokenizer.ggml.pre".utf8), string: pre)
            gguf.add("tokenizer.ggml.tokens", byteStrings: tokenBytes ?? tokens.map { Array($0.utf8) }, claimedCount: claimedTokens)
            gguf.add("tokenizer.ggml.merges", byteStrings: mergeBytes ?? merges.map { Array($0.utf8) })
            change(&gguf)
            return gguf.bytes()
        }
        XCTAssertEqual(try run(["inspect", try write(gpt2(), "gguf/ok.gguf")]).status, 0)
        var badToken = tokens.map { Array($0.utf8) }
        badToken[badToken.count - 1] = [0x68, 0xFF]
        var badMerge = merges.map { Array($0.utf8) }
        badMerge[badMerge.count - 1] = [0x68, 0x20, 0xC0, 0x80]
        // A SentencePiece (`llama`) vocabulary whose scores are the merge priorities.
        func llama(score: Float) -> [UInt8] {
            let pieces = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) } + ["▁", "h", "e", "l", "o", "he", "ll", "hell", "hello"]
            var scores = [Float](repeating: 0, count: pieces.count)
            scores[pieces.count - 3] = score
            var gguf = GGUFWriter()
            gguf.add("tokenizer.ggml.model", string: "llama")
            gguf.add("tokenizer.ggml.tokens", strings: pieces)
            gguf.add("tokenizer.ggml.scores", float32s: scores)
            gguf.add("tokenizer.ggml.token_type", int32s: [2, 3, 3] + [Int32](repeating: 6, count: 256) + [Int32](repeating: 1, count: pieces.count - 259))
            return gguf.bytes()
        }
        XCTAssertEqual(try run(["inspect", try write(llama(score: -3), "gguf/llama-ok.gguf")]).status, 0)
        let cases: [(String, [UInt8], String)] = [
            ("keys-2e62.gguf", gpt2 { $0.claimedKeyCount = Self.twoTo62 }, "key count 4611686018427387904 exceeds the file"),
            ("tokens-2e62.gguf", gpt2(claimedTokens: Self.twoTo62), "array of 4611686018427387904 elements"),
            ("string-2e62.gguf", gpt2 { $0.add(Array("general.name".utf8), string: Array("x".utf8), claimedLength: Self.twoTo62) }, "string of 4611686018427387904 bytes"),
            ("utf8-token.gguf", gpt2(tokens: badToken), "not valid UTF-8"),
            ("utf8-merge.gguf", gpt2(merges: badMerge), "not valid UTF-8"),
            ("utf8-model.gguf", gpt2(model: [0x67, 0xFF]), "not valid UTF-8"),
            ("utf8-pre.gguf", gpt2(pre: [0xE2, 0x82]), "not valid UTF-8"),
            ("utf8-key.gguf", gpt2 { $0.add([0x61, 0xFF], string: Array("x".utf8)) }, "not valid UTF-8"),
            ("score-nan.gguf", llama(score: .nan), "not a finite number"),
            ("score-inf.gguf", llama(score: .infinity), "not a finite number"),
            ("score-minus-inf.gguf", llama(score: -.infinity), "not a finite number"),
        ]
        for (name, bytes, fragment) in cases {
            let path = try write(bytes, "gguf/" + name)
            try assertRefused(["inspect", path], naming: path, containing: fragment)
        }
    }

    func testHostileSentencePieceFiles() throws {
        // A piece appended to a real model (a repeated protobuf field is extended by appending).
        let model = try Fixtures.bytes("reference/sentencepiece/spm-tiny.model")
        func piece(_ text: [UInt8], score: Float) -> [UInt8] {
            let body = [0x0A, UInt8(text.count)] + text + [0x15] + GGUFWriter.u32(score.bitPattern) + [0x18, 0x01]
            return [0x0A, UInt8(body.count)] + body
        }
        XCTAssertEqual(try run(["inspect", try write(model + piece(Array("zzq".utf8), score: -900), "spm/ok.model")]).status, 0)
        let cases: [(String, [UInt8], String)] = [
            ("score-nan.model", model + piece(Array("zzq".utf8), score: .nan), "not a finite number"),
            ("score-inf.model", model + piece(Array("zzq".utf8), score: .infinity), "not a finite number"),
            ("utf8-piece.model", model + piece([0x7A, 0xFF], score: -900), "not a SentencePiece model (protobuf: invalidUTF8)"),
            // A length-delimited field claiming 2^62 bytes (varint 0x80...0x40).
            ("length-2e62.model", model + [0x0A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x00], "not a SentencePiece model (protobuf: malformedProtobuf)"),
        ]
        for (name, bytes, fragment) in cases {
            let path = try write(bytes, "spm/" + name)
            try assertRefused(["inspect", path], naming: path, containing: fragment)
        }
    }

    func testHostileScoresMixturesCorporaAndResults() throws {
        // Scores files (membership --scores).
        let line = #"{"id":"m0","text":"hello","label":1,"tokens":[1,2],"logprobs":[-1.5,-2.5]}"#
        let member = #"{"id":"n0","text":"world","label":0,"tokens":[1,2],"logprobs":[-1.0,-2.0]}"#
        func scores(_ bad: [UInt8]) -> [UInt8] { bad + [0x0A] + Array(member.utf8) + [0x0A] }
        let scoreCases: [(String, [UInt8], String)] = [
            ("deep", Array(#"{"id":"m0","x":"#.utf8) + Self.deepArray + [UInt8(ascii: "}")], "nested deeper than 512"),
            ("logprob-1e999", Array(line.replacingOccurrences(of: "-2.5", with: "-1e999").utf8), "not finite"),
            ("logprob-nan", Array(line.replacingOccurrences(of: "-2.5", with: "NaN").utf8), "invalid"),
            ("utf8-text", Array(line.utf8).replacingFirst(Array("hello".utf8), with: [0x68, 0xFF]), "UTF-8"),
            ("utf8-id", Array(line.utf8).replacingFirst(Array("m0".utf8), with: [0x6D, 0xC3]), "UTF-8"),
            ("utf8-key", Array(line.utf8).replacingFirst(Array("label".utf8), with: [0x6C, 0xED, 0xA0, 0x80]), "UTF-8"),
        ]
        XCTAssertEqual(try run(["membership", "--scores", try write(scores(Array(line.utf8)), "scores/ok.jsonl"), "--resamples", "10"]).status, 0)
        for (name, bytes, fragment) in scoreCases {
            let path = try write(scores(bytes), "scores/\(name).jsonl")
            try assertRefused(["membership", "--scores", path, "--resamples", "10"], naming: path, containing: fragment)
        }
        // Mixture files (train --mixture over --categories).
        let categories = Fixtures.path("corpora/languages")
        let names = try FileManager.default.contentsOfDirectory(atPath: categories).sorted()
        let output = folder.appendingPathComponent("mixed.json").path
        func train(_ mixture: String) -> [String] {
            ["train", "--categories", categories, "--mixture", mixture, "--train-bytes", "20000", "--vocab-size", "300", "--output", output, "--quiet"]
        }
        let mixtureCases: [(String, [UInt8], String)] = [
            ("deep", Self.deepObject, "Too many nested"),
            ("weight-1e999", Array(#"{"\#(names[0])": 1e999}"#.utf8), "not representable"),
            ("weight-nan", Array(#"{"\#(names[0])": NaN}"#.utf8), "not valid JSON"),
            ("weight-negative", Array(#"{"\#(names[0])": -0.5, "\#(names[1])": 1}"#.utf8), "non-negative"),
            ("weight-bool", Array(#"{"\#(names[0])": true}"#.utf8), "not a number"),
            ("utf8-name", [0x7B, 0x22, 0x64, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "Invalid UTF-8"),
        ]
        for (name, bytes, fragment) in mixtureCases {
            let path = try write(bytes, "mixture/\(name).json")
            try assertRefused(train(path), naming: path, containing: fragment)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
        // Corpora (train --corpus): JSON Lines records and plain text.
        let corpusCases: [(String, [UInt8], String)] = [
            ("deep.jsonl", Array(#"{"text": "a"}"#.utf8) + [0x0A] + Self.deepArray, "line 2: not valid JSON (Too many nested"),
            ("utf8.jsonl", [0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], "line 1: not valid JSON (Invalid UTF-8"),
            ("number.jsonl", Array(#"{"text": 1e999}"#.utf8), "line 1: not valid JSON"),
            ("utf8.txt", Array("hello world\n".utf8) + [0xF4, 0x90, 0x80, 0x80], "invalid UTF-8"),
        ]
        for (name, bytes, fragment) in corpusCases {
            let path = try write(bytes, "corpus/" + name)
            try assertRefused(["train", "--corpus", path, "--vocab-size", "300", "--output", output], naming: path, containing: fragment)
        }
        // Result files (report).
        for (name, bytes, fragment) in [("deep", Self.deepObject, "Too many nested"),
                                        ("number", Array(#"{"categories": 1e999}"#.utf8), "not representable")] as [(String, [UInt8], String)] {
            let path = try write(bytes, "results/\(name).json")
            try assertRefused(["report", path, "--output-dir", folder.appendingPathComponent("reports").path], naming: path, containing: fragment)
        }
    }

    /// `.tslm` files carry a checksum, so these hostile fields come with a valid one.
    func testHostileModelFiles() throws {
        let model = folder.appendingPathComponent("en.tslm").path
        let texts = try write(Array("hello world\nanother text\n".utf8), "texts.txt")
        let trained = try run(["lm", "train", "--tokenizer", Fixtures.path("reference/gpt2"), "--corpus",
                               Fixtures.path("corpora/languages/en/sample.txt"), "--order", "2", "--output", model])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        func sealed(_ body: [UInt8]) -> [UInt8] {
            var fingerprint = Fingerprint()
            fingerprint.update(body)
            let (a, b) = fingerprint.value
            return body + GGUFWriter.u64(a) + GGUFWriter.u64(b)
        }
        func patched(at offset: Int, _ bytes: [UInt8]) -> [UInt8] {
            var body = Array(valid.dropLast(16))
            body.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return sealed(body)
        }
        let vocabularySize = Int(valid[12]) | Int(valid[13]) << 8 | Int(valid[14]) << 16 | Int(valid[15]) << 24
        let jsonLength = Int(valid[32]) | Int(valid[33]) << 8 | Int(valid[34]) << 16 | Int(valid[35]) << 24
        let levelTwo = 36 + jsonLength + 4 * (vocabularySize + 1)
        let output = folder.appendingPathComponent("scores.jsonl").path
        XCTAssertEqual(try run(["lm", "score", "--model", try write(sealed(Array(valid.dropLast(16))), "tslm/ok.tslm"), "--input", texts,
                                "--output", output, "--quiet"]).status, 0)
        try FileManager.default.removeItem(atPath: output)
        let cases: [(String, [UInt8], String)] = [
            ("ngrams-2e62", patched(at: levelTwo, GGUFWriter.u64(Self.twoTo62)), "level 2 is truncated"),
            ("vocabulary-2e32", patched(at: 12, GGUFWriter.u32(UInt32.max - 1)), "truncated"),
            ("provenance-length", patched(at: 32, GGUFWriter.u32(UInt32.max)), "truncated"),
            ("provenance-utf8", patched(at: 37, [0xFF]), "provenance is not valid JSON"),
            ("checksum", Array(valid.dropLast()) + [valid.last! ^ 1], "checksum mismatch"),
        ]
        for (name, bytes, fragment) in cases {
            let path = try write(bytes, "tslm/\(name).tslm")
            try assertRefused(["lm", "score", "--model", path, "--input", texts, "--output", output, "--quiet"], naming: path, containing: fragment)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }
}

extension Array where Element == UInt8 {
    /// A copy with the first occurrence of `target` replaced by `replacement` (the test fails loudly if absent).
    func replacingFirst(_ target: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard let start = (0...(count - target.count)).first(where: { self[$0..<($0 + target.count)].elementsEqual(target) }) else {
            preconditionFailure("\(target) is not in the bytes")
        }
        var copy = self
        copy.replaceSubrange(start..<(start + target.count), with: replacement)
        return copy
    }
}

/// Writing under a file-size limit.
extension CLITests {
    /// `ulimit -f` reached while writing a report: a one-line error naming the file, and every
    /// page of the previous report (pages and index) byte for byte as it was.
    func testFileSizeLimitWhileWritingAReportKeepsThePreviousReport() throws {
        let reports = folder.appendingPathComponent("reports").path
        let results = ["gpt2", "o200k_base"].map { Fixtures.root.appendingPathComponent("reports/data/\($0).json").path }
        let first = try run(["report", results[0], "--output-dir", reports, "--index", "index"])
        XCTAssertEqual(first.status, 0, first.stderr)
        func snapshot() throws -> [String: Data] {
            Dictionary(uniqueKeysWithValues: try FileManager.default.contentsOfDirectory(atPath: reports).map {
                ($0, try Data(contentsOf: URL(fileURLWithPath: reports + "/" + $0)))
            })
        }
        let before = try snapshot()
        XCTAssertEqual(before.keys.sorted(), ["gpt2.html", "gpt2.md", "index.html", "index.md", "index.svg"])
        // 4 blocks (2-4 KB, by the shell's unit) is less than any page but the Markdown index.
        let limited = try run(["/bin/sh", "-c", "ulimit -f 4 && exec \"$0\" \"$@\"", binary.path, "report"] + results
                              + ["--output-dir", reports, "--index", "index"], executable: "/bin/sh")
        XCTAssertEqual(limited.status, 2, limited.stderr)
        XCTAssertEqual(limited.stderr, "toksleuth: \(reports)/gpt2.html: cannot write: File too large\n")
        XCTAssertEqual(try snapshot(), before, "no page changed, none added, no temporary file left")
    }
}

/// Sharded counting through the command line.
extension CLITests {
    /// `count --shard i/N` for every category, `count --merge`, then `infer --counts`: the same
    /// bytes as `infer` on the text.
    func testInferFromShardedCountsEqualsInferOnText() throws {
        let tokenizer = Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json")
        let categories = Fixtures.path("corpora/languages")
        let direct = try run(["infer", "--tokenizer", tokenizer, "--categories", categories, "--merges", "600", "--no-cache", "--json", "--quiet"])
        XCTAssertEqual(direct.status, 0, direct.stderr)
        let shards = folder.appendingPathComponent("shards").path, counts = folder.appendingPathComponent("counts").path
        try FileManager.default.createDirectory(atPath: shards, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: counts, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: categories).sorted() {
            let files = try (0..<3).map { index -> String in
                let file = "\(shards)/\(name).\(index).tscount"
                let counted = try run(["count", "--tokenizer", tokenizer, "--category", categories + "/" + name, "--merges", "600",
                                       "--shard", "\(index)/3", "--output", file])
                XCTAssertEqual(counted.status, 0, counted.stderr)
                return file
            }
            let merged = try run(["count", "--merge"] + files + ["--output", "\(counts)/\(name).tscount"])
            XCTAssertEqual(merged.status, 0, merged.stderr)
        }
        let fromCounts = try run(["infer", "--tokenizer", tokenizer, "--counts", counts, "--json", "--quiet"])
        XCTAssertEqual(fromCounts.status, 0, fromCounts.stderr)
        XCTAssertEqual(fromCounts.stdout, direct.stdout)
        // Shard files are not a category's counts; other merges are refused.
        let unsummed = try run(["infer", "--tokenizer", tokenizer, "--counts", shards, "--json", "--quiet"])
        XCTAssertEqual(unsummed.status, 2)
        XCTAssertTrue(unsummed.stderr.contains("is also counted in"), unsummed.stderr)
        let otherMerges = try run(["infer", "--tokenizer", tokenizer, "--counts", counts, "--merges", "500", "--quiet"])
        XCTAssertEqual(otherMerges.status, 2)
        XCTAssertTrue(otherMerges.stderr.contains("counted under other merges"), otherMerges.stderr)
    }
}
