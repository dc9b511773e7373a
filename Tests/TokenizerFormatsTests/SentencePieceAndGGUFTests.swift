import BPE
import Foundation
import Pretokenization
import Support
import TestSupport
@testable import TokenizerFormats
import XCTest

/// SentencePiece models, their HF conversions and GGUF files against the reference
/// implementations: `sentencepiece`, HF `tokenizers` and llama.cpp (fixtures made by
/// scripts/make-sentencepiece-fixtures.py and copied from llama.cpp's own test pairs).
final class SentencePieceAndGGUFTests: XCTestCase {
    static let texts = ["tricky", "en", "ja", "python", "spaces"]

    func input(_ name: String) throws -> [UInt8] {
        try Fixtures.bytes(name == "spaces" ? "reference/sentencepiece/spaces.txt" : "reference/gpt2/\(name).txt")
    }

    func encode(_ tokenizer: Tokenizer, _ bytes: [UInt8]) throws -> [UInt32] {
        let encoder = try tokenizer.makeEncoder()
        var ids: [UInt32] = []
        bytes.withUnsafeBufferPointer { encoder.encode($0, appendingTo: &ids) }
        return ids
    }

    /// `sentencepiece`'s ids, with and without `remove_extra_whitespaces`.
    func testSentencePieceModelsEncodeLikeSentencePiece() throws {
        for model in ["spm-bpe", "spm-bpe-squeeze"] {
            let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/sentencepiece/\(model).model"))
            XCTAssertEqual(tokenizer.format, .sentencePiece)
            XCTAssertTrue(tokenizer.model.byteFallback)
            for text in Self.texts {
                let expected: [UInt32] = try Fixtures.json("reference/sentencepiece/\(text).\(model).json")
                XCTAssertEqual(try encode(tokenizer, try input(text)), expected, "\(model) \(text)")
            }
        }
    }

    /// HF `tokenizers`' ids for the Llama-style conversions (Prepend + Replace normalizer, and
    /// a Metaspace pre-tokenizer), character-level with byte fallback.
    func testHuggingFaceCharacterLevelConversionsEncodeLikeTokenizers() throws {
        for file in ["hf-prepend", "hf-metaspace"] {
            let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/sentencepiece/\(file).json"))
            XCTAssertNotNil(tokenizer.model.characterTokens)
            for text in Self.texts {
                let expected: [UInt32] = try Fixtures.json("reference/sentencepiece/\(text).\(file).json")
                XCTAssertEqual(try encode(tokenizer, try input(text)), expected, "\(file) \(text)")
            }
        }
    }

    /// Cleaning the HF conversion's redundant merges recovers exactly the merge list
    /// reconstructed from the SentencePiece model's scores: two independent routes agree.
    func testCleanedConversionEqualsReconstructedMerges() throws {
        let converted = try TokenizerLoader.load(Fixtures.path("reference/sentencepiece/hf-prepend.json"))
        let model = try TokenizerLoader.load(Fixtures.path("reference/sentencepiece/spm-bpe.model"))
        XCTAssertGreaterThan(converted.redundantMergesDropped, 0)
        XCTAssertGreaterThan(converted.model.merges.count, converted.inferenceMerges.count)
        XCTAssertEqual(converted.inferenceMerges.count, model.inferenceMerges.count)
        XCTAssertEqual(converted.inferenceMerges, model.inferenceMerges)
        // Every reconstructed merge joins two tokens into the token their concatenation spells.
        for merge in model.inferenceMerges {
            XCTAssertEqual(model.model.tokens[Int(merge.left)].bytes + model.model.tokens[Int(merge.right)].bytes,
                           model.model.tokens[Int(merge.result)].bytes)
        }
    }

    /// llama.cpp's own test pairs for a SentencePiece-style and a byte-level GGUF vocabulary.
    func testGGUFFilesEncodeLikeLlamaCpp() throws {
        for name in ["ggml-vocab-llama-spm", "ggml-vocab-deepseek-coder"] {
            let path = Fixtures.path("reference/gguf/\(name).gguf")
            let tokenizer = try TokenizerLoader.load(path)
            XCTAssertEqual(tokenizer.format, .gguf)
            let inputs = try Fixtures.text("reference/gguf/\(name).gguf.inp").components(separatedBy: "\n__ggml_vocab_test__\n")
            let outputs = try Fixtures.text("reference/gguf/\(name).gguf.out").components(separatedBy: "\n")
            XCTAssertGreaterThanOrEqual(inputs.count, 46)
            for (index, text) in inputs.enumerated() where index < outputs.count {
                let expected = outputs[index].split(separator: " ").compactMap { UInt32($0) }
                XCTAssertEqual(try encode(tokenizer, Array(text.utf8)), expected, "\(name) test \(index): \(text.debugDescription)")
            }
        }
    }

    /// Every vocabulary of llama.cpp's own tokenizer tests (scripts/fetch-llama-cpp-vocabs), when
    /// fetched: each BPE one with test cases encodes every case to llama.cpp's ids; WordPiece
    /// and Unigram ones are refused saying so.
    func testLlamaCppVocabulariesWhenFetched() throws {
        let folder = ProcessInfo.processInfo.environment["TOKSLEUTH_LLAMA_CPP"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/toksleuth/llama-cpp")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: folder), "\(folder) is absent (scripts/fetch-llama-cpp-vocabs)")
        // The vocabularies refused, each with its reason; any other failure to load is a defect.
        let refused = ["ggml-vocab-bert-bge.gguf": "WordPiece", "ggml-vocab-nomic-bert-moe.gguf": "Unigram"]
        var checked: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix(".gguf") {
            let path = (folder as NSString).appendingPathComponent(name)
            let tokenizer: Tokenizer
            do {
                tokenizer = try TokenizerLoader.load(path)
                XCTAssertNil(refused[name], "\(name) loads: take it off the refused list")
            } catch {
                XCTAssertTrue(refused[name].map { "\(error)".contains($0) } ?? false, "\(name): \(error)")
                continue
            }
            guard let inputs = try? String(contentsOfFile: path + ".inp", encoding: .utf8),
                  let outputs = try? String(contentsOfFile: path + ".out", encoding: .utf8) else { continue }
            let cases = inputs.components(separatedBy: "\n__ggml_vocab_test__\n"), expected = outputs.components(separatedBy: "\n")
            for (index, text) in cases.enumerated() where index < expected.count {
                XCTAssertEqual(try encode(tokenizer, Array(text.utf8)), expected[index].split(separator: " ").compactMap { UInt32($0) },
                               "\(name) case \(index): \(text.debugDescription)")
            }
            checked.append(name)
        }
        XCTAssertGreaterThanOrEqual(checked.count, 14, "\(checked)")
        XCTAssertTrue(checked.contains("ggml-vocab-gemma-4.gguf"), "\(checked)")
    }

    /// llama.cpp's gemma4 reading on a constructed vocabulary: spaces escaped to U+2581, pieces
    /// cut at newline runs, characters as start symbols, `<0xXX>` fallback, newline runs that are
    /// tokens taken whole, merges split at the first space byte.
    func testGemma4VocabularyFollowsLlamaCpp() throws {
        let bytes = (0..<256).map { String(format: "<0x%02X>", $0) }
        let pieces = ["\u{2581}", "a", "b", "\n", "\n\n", "\u{2581}a", "ab", "\u{939}", "\u{948}", "\u{2581}\u{939}", "\u{2581}\u{939}\u{948}"]
        let tokens = ["<pad>", "<eos>", "<bos>"] + bytes + pieces
        let id = { (text: String) in UInt32(tokens.firstIndex(of: text)!) }
        var gguf = GGUFWriter()
        gguf.add("tokenizer.ggml.model", string: "gemma4")
        gguf.add("tokenizer.ggml.tokens", strings: tokens)
        // "\u{2581}\u{939} \u{948}": a space then a combining mark, one Character in Swift.
        gguf.add("tokenizer.ggml.merges", strings: ["\u{2581} a", "a b", "\u{2581} \u{939}", "\u{2581}\u{939} \u{948}"])
        gguf.add("tokenizer.ggml.token_type", int32s: tokens.indices.map { $0 < 3 ? 3 : $0 < 259 ? 6 : 1 })
        let tokenizer = try GGUF.parse(Data(gguf.bytes()), path: "gemma4.gguf")
        XCTAssertEqual(try encode(tokenizer, Array(" a\n\nab c \u{939}\u{948}".utf8)),
                       [id("\u{2581}a"), id("\n\n"), id("ab"), id("\u{2581}"), id("<0x63>"), id("\u{2581}\u{939}\u{948}")])
        XCTAssertThrowsError(try GGUF.parse(Data(gguf.bytes()).prefix(40), path: "cut.gguf"))
    }

    /// Foundation merges canonically equivalent JSON keys into one; the vocabulary must not.
    func testCanonicallyEquivalentTokensStayDistinct() throws {
        let json = #"{"model": {"type": "BPE", "vocab": {"e": 0, "\u0301": 1, "\u00e9": 2, "e\u0301": 3, "\ud83d\ude00": 4}, "merges": ["e \u0301"]}}"#
        let tokenizer = try HuggingFaceJSON.parse(Data(json.utf8), path: "tokenizer.json")
        XCTAssertEqual(tokenizer.model.tokens.count, 5)
        XCTAssertEqual(try encode(tokenizer, Array("\u{e9}".utf8)), [2])
        XCTAssertEqual(try encode(tokenizer, Array("e\u{301}".utf8)), [3])
        XCTAssertEqual(tokenizer.model.tokens[4].bytes, Array("\u{1F600}".utf8))
        let members = try ExactJSONKeys.members(at: [], in: Array(#"{"a\"b": 1, "c": 2.0, "d": [1, {"x": "}"}]}"#.utf8))
        XCTAssertNil(members, "a non-integer value is not a vocabulary")
        XCTAssertEqual(try ExactJSONKeys.members(at: ["m"], in: Array(#"{"d": [1, {"x": "}"}], "m": {"a\"b": 1, "c": 2.0}}"#.utf8))?.map(\.key),
                       [Array("a\"b".utf8), Array("c".utf8)])
        for broken in [#"{"a": 1"#, #"{"\ud83d": 1}"#, #"{"a" 1}"#, #"{"a": 1,, "b": 2}"#] {
            XCTAssertThrowsError(try ExactJSONKeys.members(at: [], in: Array(broken.utf8)), broken)
        }
    }

    /// Every tokenizer in ../shared/tokenizers against every reference text, when present.
    func testSharedTokenizersWhenPresent() throws {
        let shared = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tokenizers")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: shared.path), "../shared/tokenizers is absent")
        let entries = try FileManager.default.contentsOfDirectory(atPath: shared.path).sorted()
        var checked = 0
        var loaded: [String: Tokenizer] = [:]
        for name in entries {
            let reference = shared.appendingPathComponent("\(name)/reference")
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: reference.path) else { continue }
            for file in files.sorted() where file.hasSuffix(".json") {
                let text = String(file.prefix { $0 != "." })
                let encoderName = String(file.dropFirst(text.count + 1).dropLast(5))
                var path = shared.appendingPathComponent(name).path
                if encoderName == "gpt2-tiktoken" { path += "/gpt2.tiktoken" } else if encoderName == "gpt2" { path += "/encoder.json" }
                if loaded[path] == nil { loaded[path] = try TokenizerLoader.load(path) }
                let tokenizer = loaded[path]!
                let expected = try JSONDecoder().decode([UInt32].self, from: Data(contentsOf: reference.appendingPathComponent(file)))
                let bytes = [UInt8](try Data(contentsOf: reference.appendingPathComponent("\(text).txt")))
                XCTAssertEqual(try encode(tokenizer, bytes), expected, "\(name) \(file)")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 56)
    }

    func testScoreMergerJoinsHighestScoreThenLeftmost() {
        // "abc": pieces a b c, "ab" (score -2), "bc" (score -1): bc joins first.
        let tokens = ["a", "b", "c", "ab", "bc", "abc"].map { Token(bytes: Array($0.utf8)) }
        let merger = ScoreMerger(tokens: tokens, scores: [0, 0, 0, -2, -1, -3])
        var ends: [Int] = []
        Array("abc".utf8).withUnsafeBufferPointer { merger.segment($0, into: &ends) }
        XCTAssertEqual(ends, [3])  // then a + bc = abc
        // Without abc (the lowest rank), a | bc: abc's merge.
        XCTAssertTrue(Array("abc".utf8).withUnsafeBufferPointer { merger.merge(forming: $0, rank: 5) } ?? (9, 9) == (0, 4))
        // Equal scores: the leftmost pair joins first ("aaa" -> "aa" "a").
        let same = ScoreMerger(tokens: ["a", "aa"].map { Token(bytes: Array($0.utf8)) }, scores: [0, -1])
        ends.removeAll()
        Array("aaa".utf8).withUnsafeBufferPointer { same.segment($0, into: &ends) }
        XCTAssertEqual(ends, [2, 3])
    }

    func testSentencePieceNormalizer() throws {
        let squeeze = Normalizer.sentencePiece(addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true)
        XCTAssertEqual(try squeeze.apply("  a  b \n "), "▁a▁b▁\n")
        XCTAssertEqual(try squeeze.apply("   "), "")
        let keep = Normalizer.sentencePiece(addDummyPrefix: true, removeExtraWhitespaces: false, escapeWhitespaces: true)
        XCTAssertEqual(try keep.apply(" a  b"), "▁▁a▁▁b")
        XCTAssertEqual(try Normalizer.metaspace(prepend: true).apply("▁a b"), "▁a▁b")
        XCTAssertEqual(try Normalizer.metaspace(prepend: true).apply("a b"), "▁a▁b")
    }

    /// The words SentencePiece's trainer merges inside: split at `▁`, at script changes and
    /// around digits.
    func testSentencePieceTrainingWords() throws {
        var split = SentencePieceSplit()
        split.splitDigits = true
        split.allowWhitespaceOnlyPieces = true
        let splitter = try Pretokenizer(steps: [.sentencePiece(split)]).makeSplitter()
        XCTAssertEqual(splitter.pieces(of: "▁hello▁world"), ["▁hello", "▁world"])
        XCTAssertEqual(splitter.pieces(of: "▁abc123def"), ["▁abc", "1", "2", "3", "def"])
        XCTAssertEqual(splitter.pieces(of: "▁▁▁x"), ["▁▁", "▁x"])
        XCTAssertEqual(splitter.pieces(of: "▁日本語のテキスト"), ["▁日本語のテキスト"])  // Han + Kana count as one
        XCTAssertEqual(splitter.pieces(of: "▁abcщд(x)"), ["▁abc", "щд", "(", "x", ")"])
        XCTAssertEqual(splitter.pieces(of: "▁é"), ["▁é"])  // a combining mark keeps its base's script
    }

    /// Damaged files of every format: truncations at every length of a small valid file and
    /// random byte flips either throw an error naming the file or give a usable tokenizer;
    /// none crashes, hangs or allocates without bound.
    func testCorruptedFilesOfEveryFormatNeverCrash() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = try smallFiles()
        var generator = Fixtures.SeededGenerator(seed: 11)
        for (name, valid) in small {
            let path = folder.appendingPathComponent(name).path
            XCTAssertNoThrow(try TokenizerLoader.load(write(valid, path)), name)
            var rejected = 0
            for length in 0..<valid.count {
                do {
                    let tokenizer = try TokenizerLoader.load(write(Array(valid.prefix(length)), path))
                    _ = try encode(tokenizer, Array("Hello wörld 123 日本".utf8))
                } catch let error as TokenizerFileError {
                    XCTAssertTrue(error.description.contains(name), error.description)
                    rejected += 1
                }
            }
            XCTAssertGreaterThan(rejected, valid.count / 2, "\(name): most truncations must be rejected")
            for _ in 0..<200 {
                var copy = valid
                for _ in 0..<3 { copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
                if let tokenizer = try? TokenizerLoader.load(write(copy, path)) {
                    _ = try encode(tokenizer, Array("Hello wörld 123 日本".utf8))
                }
            }
        }
    }

    /// GPT-2's pair of files: every truncation of `merges.txt` beside a valid `vocab.json`, and
    /// of `vocab.json` beside a valid `merges.txt`.
    func testCorruptedVocabAndMergesNeverCrash() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokens = (0..<256).map { ByteLevel.render([UInt8($0)]) } + ["he", "ll", "hell", "hello"]
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
        let vocab = Array(("{" + tokens.enumerated().map { "\"\(escape($0.element))\": \($0.offset)" }.joined(separator: ",") + "}").utf8)
        let merges = Array("#version: 0.2\nh e\nl l\nhe ll\nhell o\n".utf8)
        let vocabPath = folder.appendingPathComponent("vocab.json").path
        let mergesPath = folder.appendingPathComponent("merges.txt").path
        for (cut, whole, cutPath, wholePath) in [(merges, vocab, mergesPath, vocabPath), (vocab, merges, vocabPath, mergesPath)] {
            _ = try write(whole, wholePath)
            var rejected = 0
            for length in 0...cut.count {
                _ = try write(Array(cut.prefix(length)), cutPath)
                do {
                    let tokenizer = try TokenizerLoader.load(folder.path)
                    _ = try encode(tokenizer, Array("hello wörld".utf8))
                    if cutPath == mergesPath {
                        // A shorter merges.txt is a valid file: its complete lines are its merges.
                        let lines = String(decoding: cut.prefix(length), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                        XCTAssertLessThanOrEqual(tokenizer.model.merges.count, max(0, lines.count - 1), "length \(length)")
                    }
                } catch let error as TokenizerFileError {
                    XCTAssertTrue(error.path.hasSuffix("vocab.json") || error.path.hasSuffix("merges.txt"), error.description)
                    rejected += 1
                }
            }
            if cutPath == vocabPath {
                // Every truncated vocab.json is invalid JSON: all rejected, only the whole file loads.
                XCTAssertEqual(rejected, cut.count)
            } else {
                XCTAssertLessThan(rejected, cut.count, "the whole merges.txt and its complete-line prefixes load")
            }
        }
    }

    private func write(_ bytes: [UInt8], _ path: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// One small valid file per format.
    private func smallFiles() throws -> [(String, [UInt8])] {
        let byteLevel = (0..<256).map { ByteLevel.render([UInt8($0)]) }
        var tokens = byteLevel + ["he", "ll", "hell", "hello"]
        let merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o")]
        // tiktoken
        let tiktoken = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
            + ["aGU= 256", "bGw= 257", "aGVsbA== 258", "aGVsbG8= 259"]
        // tokenizer.json
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
        let vocab = "{" + tokens.enumerated().map { "\"\(escape($0.element))\": \($0.offset)" }.joined(separator: ",") + "}"
        let mergeList = "[" + merges.map { "\"\($0.0) \($0.1)\"" }.joined(separator: ",") + "]"
        let json = #"{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, "model": {"type": "BPE", "vocab": "# + vocab + #", "merges": "# + mergeList + "}}"
        // GGUF (gpt2 model)
        tokens.append("<|end|>")
        var gguf = GGUFWriter()
        gguf.add("tokenizer.ggml.model", string: "gpt2")
        gguf.add("tokenizer.ggml.pre", string: "gpt-2")
        gguf.add("tokenizer.ggml.tokens", strings: tokens)
        gguf.add("tokenizer.ggml.merges", strings: merges.map { "\($0.0) \($0.1)" })
        gguf.add("tokenizer.ggml.token_type", int32s: tokens.indices.map { $0 == tokens.count - 1 ? 3 : 1 })
        // SentencePiece: a 6 KB model (vocabulary 400) trained by `sentencepiece`.
        let spm = try Fixtures.bytes("reference/sentencepiece/spm-tiny.model")
        return [("small.tiktoken", Array(tiktoken.joined(separator: "\n").utf8)), ("tokenizer.json", Array(json.utf8)),
                ("small.gguf", gguf.bytes()), ("spm.model", spm)]
    }
}
