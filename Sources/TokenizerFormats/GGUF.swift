import BPE
import Foundation
import Pretokenization
import Support

/// llama.cpp's GGUF files (version 2 and 3): the tokenizer in their key-value header.
///
/// `tokenizer.ggml.model` says which tokenizer: `gpt2` is byte-level BPE with a merge list
/// (`tokenizer.ggml.merges`, tokens rendered as in HF's `vocab.json`) and a pretokenizer named
/// by `tokenizer.ggml.pre`; `gemma4` is a merge list over raw UTF-8 with spaces escaped to
/// U+2581 and `<0xXX>` byte fallback; `llama` is SentencePiece BPE (`tokenizer.ggml.scores`, token types,
/// byte fallback), read through the SentencePiece path.
public enum GGUF {
    /// One header value.
    public indirect enum Value: Sendable {
        case int(Int64)
        case unsigned(UInt64)
        case float(Double)
        case bool(Bool)
        case string(String)
        case array([Value])

        var string: String? { if case .string(let s) = self { return s }; return nil }
        var integer: Int? {
            switch self {
            case .int(let v): return Int(exactly: v)
            case .unsigned(let v): return Int(exactly: v)
            default: return nil
            }
        }
        var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
        var array: [Value]? { if case .array(let a) = self { return a }; return nil }
        var float: Float? {
            switch self {
            case .float(let v): return Float(v)
            case .int(let v): return Float(v)
            case .unsigned(let v): return Float(v)
            default: return nil
            }
        }
    }

    /// How llama.cpp splits and encodes text for one `tokenizer.ggml.pre` value.
    public struct LlamaCppPretokenization: Sendable {
        /// Its regexes, run in sequence as llama.cpp applies them (through ICU; the GPT-2 and
        /// Llama 3 patterns, which llama.cpp splits with hand-written code, through toksleuth's
        /// exact scanners).
        public var pretokenizer: Pretokenizer
        /// Which pieces that are tokens skip the merges (`ignore_merges`, Gemma 4's newline runs).
        public var wholePieces: WholePieces
        /// Spaces become U+2581 before splitting (`escape_whitespaces`).
        public var escapesWhitespace: Bool
        /// Tokens are raw UTF-8 text with `<0xXX>` byte fallback (`byte_encode = false`), not
        /// GPT-2's byte-level symbols.
        public var rawText: Bool
    }

    /// The pre-tokenization llama.cpp uses for a `tokenizer.ggml.pre` value, from the table
    /// generated from llama.cpp's `llama-vocab.cpp` (``LlamaCppPretokenizers``).
    /// - Throws: for a name llama.cpp does not know.
    public static func pretokenization(named name: String, path: String) throws -> LlamaCppPretokenization {
        guard let entry = LlamaCppPretokenizers.names[name], let regexes = LlamaCppPretokenizers.regexes[entry.type] else {
            throw InputError(path: path, problem: "pre-tokenizer '\(name)' is unknown to llama.cpp (as of the table toksleuth was built with: "
                             + "scripts/generate-llama-cpp-pretokenizers.py)")
        }
        let pretokenizer: Pretokenizer
        switch entry.type {
        case "GPT2": pretokenizer = .gpt2
        case "LLAMA3": pretokenizer = .llama3
        default: pretokenizer = Pretokenizer(steps: regexes.map { .regex($0) })
        }
        let whole: WholePieces = entry.ignoreMerges ? .tokens : entry.type == "GEMMA4" ? .newlineTokens : .none
        return LlamaCppPretokenization(pretokenizer: pretokenizer, wholePieces: whole, escapesWhitespace: entry.escapeWhitespaces,
                                       rawText: LlamaCppPretokenizers.rawTextTypes.contains(entry.type))
    }

    /// Largest header read (a vocabulary's header is a few MB, Gemma's 262,144 tokens and 514,906
    /// merges about 15 MB); the weights after it are never read.
    static let maxHeaderBytes = 1 << 30

    /// Reads the tokenizer of a GGUF file (a vocabulary-only file or a whole model): only as much
    /// of the file as its header takes, read in growing prefixes.
    public static func read(path: String) throws -> Tokenizer {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        var length = min(size, 32 << 20)
        while true {
            try handle.seek(toOffset: 0)
            let data = try handle.read(upToCount: length) ?? Data()
            do {
                return try parse(data, path: path)
            } catch let error as InputError where error.problem.hasPrefix(Reader.truncation) && length < size {
                guard length < maxHeaderBytes else {
                    throw InputError(path: path, problem: "GGUF header larger than 1 GiB: not read")
                }
                length = min(size, length * 4)
            }
        }
    }

    /// Parses the header of a GGUF file in memory; `path` names it in errors.
    public static func parse(_ data: Data, path: String) throws -> Tokenizer {
        let header = try readHeader(data, path: path)
        return try tokenizer(from: header, path: path)
    }

    /// The key-value header.
    public static func readHeader(_ data: Data, path: String) throws -> [String: Value] {
        var reader = Reader(bytes: [UInt8](data), path: path)
        guard try reader.bytes(4) == Array("GGUF".utf8) else { throw InputError(path: path, problem: "not a GGUF file (bad magic)") }
        let version = try reader.u32()
        guard version == 2 || version == 3 else { throw InputError(path: path, problem: "GGUF version \(version) is not supported (2 and 3 are)") }
        _ = try reader.u64()  // tensor count: the tensors are not read
        let keyCount = try reader.u64()
        guard keyCount <= UInt64(reader.remaining / 12) else { throw InputError(path: path, problem: "GGUF key count \(keyCount) exceeds the file") }
        var header: [String: Value] = [:]
        for _ in 0..<keyCount {
            let key = try reader.string()
            let type = try reader.u32()
            header[key] = try reader.value(type: type, depth: 0)
        }
        return header
    }

    static func tokenizer(from header: [String: Value], path: String) throws -> Tokenizer {
        var tokenizer = try baseTokenizer(from: header, path: path)
        // llama.cpp's defaults: SentencePiece-style vocabularies add BOS, byte-level ones do not.
        let spm = header["tokenizer.ggml.model"]?.string == "llama"
        let count = tokenizer.model.tokens.count
        if header["tokenizer.ggml.add_bos_token"]?.bool ?? spm, let bos = header["tokenizer.ggml.bos_token_id"]?.integer,
           bos >= 0, bos < count {
            tokenizer.specialPrefix = [UInt32(bos)]
        }
        if header["tokenizer.ggml.add_eos_token"]?.bool ?? false, let eos = header["tokenizer.ggml.eos_token_id"]?.integer,
           eos >= 0, eos < count {
            tokenizer.specialSuffix = [UInt32(eos)]
        }
        return tokenizer
    }

    private static func baseTokenizer(from header: [String: Value], path: String) throws -> Tokenizer {
        func fail(_ problem: String) -> InputError { InputError(path: path, problem: problem) }
        guard let model = header["tokenizer.ggml.model"]?.string else { throw fail("no tokenizer.ggml.model in the GGUF header") }
        guard let tokenValues = header["tokenizer.ggml.tokens"]?.array, !tokenValues.isEmpty else {
            throw fail("no tokenizer.ggml.tokens in the GGUF header")
        }
        let texts = try tokenValues.enumerated().map { index, value -> String in
            guard let text = value.string else { throw fail("token \(index) is not a string") }
            return text
        }
        let types: [Int]
        if let values = header["tokenizer.ggml.token_type"]?.array {
            guard values.count == texts.count else { throw fail("\(values.count) token types for \(texts.count) tokens") }
            types = try values.map { guard let t = $0.integer else { throw fail("token type is not an integer") }; return t }
        } else {
            types = Array(repeating: 1, count: texts.count)
        }
        switch model {
        case "gpt2":
            return try mergeList(texts: texts, types: types, header: header, pre: header["tokenizer.ggml.pre"]?.string ?? "default", path: path)
        case "gemma4":
            // llama.cpp reads every gemma4 vocabulary with the gemma4 pre-tokenizer, whatever the header says.
            return try mergeList(texts: texts, types: types, header: header, pre: "gemma4", path: path)
        case "llama":
            guard let scoreValues = header["tokenizer.ggml.scores"]?.array, scoreValues.count == texts.count else {
                throw fail("llama vocabulary without one tokenizer.ggml.scores entry per token")
            }
            let scores = try scoreValues.map { guard let s = $0.float else { throw fail("score is not a number") }; return s }
            let pieces = try zip(texts, zip(scores, types)).map { text, rest -> (text: String, score: Float, type: SentencePieceModel.PieceType) in
                let type: SentencePieceModel.PieceType
                switch rest.1 {
                case 1: type = .normal
                case 2: type = .unknown
                case 3: type = .control
                case 4: type = .userDefined
                case 5: type = .unused
                case 6: type = .byte
                default: throw fail("token type \(rest.1) is not one of llama.cpp's 1-6")
                }
                return (text, rest.0, type)
            }
            let hasBytes = types.contains(6)
            let addSpacePrefix = header["tokenizer.ggml.add_space_prefix"]?.bool ?? true
            var split = SentencePieceSplit()
            split.splitDigits = true  // Llama's trainer setting; GGUF does not store it
            split.allowWhitespaceOnlyPieces = true
            var (tokenizer, _) = try SentencePieceModel.build(
                pieces: pieces, split: split, byteFallback: hasBytes,
                unknownID: header["tokenizer.ggml.unknown_token_id"]?.integer ?? 0,
                normalizer: .sentencePiece(addDummyPrefix: addSpacePrefix, removeExtraWhitespaces: false, escapeWhitespaces: true),
                format: .gguf, path: path, normalizerName: "llama.cpp SPM", duplicates: .lastWins)
            tokenizer.userDefinedTokens = userDefined(texts: texts, types: types)
            return tokenizer
        case "bert":
            throw fail("tokenizer.ggml.model 'bert' is a WordPiece vocabulary: toksleuth reads BPE vocabularies (gpt2, gemma4, llama)")
        case "t5":
            throw fail("tokenizer.ggml.model 't5' is a Unigram vocabulary: toksleuth reads BPE vocabularies (gpt2, gemma4, llama)")
        default:
            throw fail("tokenizer.ggml.model '\(model)' is not supported (toksleuth reads the BPE vocabularies gpt2, gemma4 and llama)")
        }
    }

    /// User-defined tokens (type 4) llama.cpp matches in raw text before anything else.
    static func userDefined(texts: [String], types: [Int]) -> [(bytes: [UInt8], id: UInt32)] {
        zip(texts, types).enumerated().filter { $0.element.1 == 4 }.map { (Array($0.element.0.utf8), UInt32($0.offset)) }
    }

    /// A vocabulary with a merge list (`gpt2`, `gemma4`): byte-level symbols, or raw text with
    /// `<0xXX>` byte fallback where the pre-tokenizer says so, read through the HF path.
    private static func mergeList(texts: [String], types: [Int], header: [String: Value], pre: String, path: String) throws -> Tokenizer {
        func fail(_ problem: String) -> InputError { InputError(path: path, problem: problem) }
        guard let mergeValues = header["tokenizer.ggml.merges"]?.array else { throw fail("vocabulary without tokenizer.ggml.merges") }
        let merges = try mergeValues.enumerated().map { index, value -> [String] in
            // llama.cpp splits at the first space after the first byte (bytes, not characters:
            // a space followed by a combining mark is one Character).
            guard let line = value.string, let space = line.utf8.dropFirst().firstIndex(of: UInt8(ascii: " ")) else {
                throw fail("merge \(index + 1) is not a string of two tokens")
            }
            return [String(line.utf8[..<space])!, String(line.utf8[line.utf8.index(after: space)...])!]
        }
        let scheme = try pretokenization(named: pre, path: path)
        var vocab: [(key: [UInt8], value: Int)] = []
        var seen = Set<[UInt8]>()
        var added: [[String: Any]] = []
        for (id, text) in texts.enumerated() {
            if types[id] == 3 || types[id] == 4 || types[id] == 2 {
                added.append(["id": id, "content": text, "special": types[id] != 4])
            } else if !scheme.rawText, ByteLevel.decode(text) == nil {
                // Raw text where llama.cpp expects byte-level symbols (Command R's emoji): no
                // byte-level piece ever spells it, so llama.cpp never produces it; kept as an
                // inert token, never matched and never merged into.
                added.append(["id": id, "content": text, "special": true])
            } else {
                guard seen.insert(Array(text.utf8)).inserted else { throw fail("token \(id) '\(text)' appears twice") }
                vocab.append((Array(text.utf8), id))
            }
        }
        let byteTokens = zip(texts, types).filter { $0.1 == 6 && SentencePieceModel.byteValue($0.0) != nil }.count
        guard !scheme.rawText || byteTokens == 0 || byteTokens == 256 else {
            throw fail("\(byteTokens) of the 256 <0xXX> byte tokens: byte fallback needs all of them")
        }
        var model: [String: Any] = ["type": "BPE", "merges": merges]
        var document: [String: Any] = ["added_tokens": added]
        if scheme.rawText {
            model["byte_fallback"] = byteTokens == 256
        } else {
            document["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]
        }
        document["model"] = model
        var tokenizer = try HuggingFaceJSON.build(root: document, vocabulary: vocab, path: path)
        tokenizer.pretokenizer = scheme.pretokenizer
        if scheme.escapesWhitespace { tokenizer.normalizer = .replace(" ", with: "\u{2581}") }
        tokenizer.model.wholePieces = scheme.wholePieces
        tokenizer.format = .gguf
        tokenizer.userDefinedTokens = userDefined(texts: texts, types: types)
        return tokenizer
    }

    /// Bounds-checked little-endian reading: every length is checked against what is left, so a
    /// corrupt count cannot make us allocate more than the file holds.
    struct Reader {
        let bytes: [UInt8]
        let path: String
        var position = 0
        init(bytes: [UInt8], path: String) {
            self.bytes = bytes
            self.path = path
        }
        var remaining: Int { bytes.count - position }

        /// How every truncation error starts (``GGUF/read(path:)`` reads a longer prefix on it).
        static let truncation = "truncated GGUF file"
        func truncated(_ what: String) -> InputError { InputError(path: path, problem: "\(Reader.truncation) (in \(what) at byte \(position))") }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count >= 0, count <= remaining else { throw truncated("\(count) bytes") }
            defer { position += count }
            return Array(bytes[position..<position + count])
        }
        mutating func integer(_ size: Int) throws -> UInt64 {
            guard size <= remaining else { throw truncated("a \(size)-byte number") }
            var value: UInt64 = 0
            for k in 0..<size { value |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
            position += size
            return value
        }
        mutating func u32() throws -> UInt32 { UInt32(try integer(4)) }
        mutating func u64() throws -> UInt64 { try integer(8) }
        mutating func string() throws -> String {
            let length = try u64()
            guard length <= UInt64(remaining) else { throw truncated("a string of \(length) bytes") }
            let raw = try bytes(Int(length))
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw InputError(path: path, problem: "GGUF string at byte \(position - Int(length)) is not valid UTF-8")
            }
            return text
        }
        /// Bytes a value of `type` takes at least (to bound array counts).
        static func minimumSize(_ type: UInt32) -> Int {
            switch type {
            case 0, 1, 7: return 1
            case 2, 3: return 2
            case 4, 5, 6: return 4
            case 8, 10, 11, 12: return 8
            case 9: return 12
            default: return 1
            }
        }
        mutating func value(type: UInt32, depth: Int) throws -> Value {
            switch type {
            case 0: return .unsigned(try integer(1))
            case 1: return .int(Int64(Int8(truncatingIfNeeded: try integer(1))))
            case 2: return .unsigned(try integer(2))
            case 3: return .int(Int64(Int16(truncatingIfNeeded: try integer(2))))
            case 4: return .unsigned(try integer(4))
            case 5: return .int(Int64(Int32(truncatingIfNeeded: try integer(4))))
            case 6: return .float(Double(Float(bitPattern: UInt32(try integer(4)))))
            case 7:
                let raw = try integer(1)
                guard raw <= 1 else { throw InputError(path: path, problem: "GGUF bool of value \(raw) at byte \(position - 1)") }
                return .bool(raw == 1)
            case 8: return .string(try string())
            case 9:
                guard depth < 4 else { throw InputError(path: path, problem: "GGUF arrays nested too deep") }
                let elementType = try u32()
                let count = try u64()
                guard count <= UInt64(remaining / Reader.minimumSize(elementType)) else {
                    throw truncated("an array of \(count) elements")
                }
                var values: [Value] = []
                values.reserveCapacity(Int(count))
                for _ in 0..<count { values.append(try value(type: elementType, depth: depth + 1)) }
                return .array(values)
            case 10: return .unsigned(try u64())
            case 11: return .int(Int64(bitPattern: try u64()))
            case 12: return .float(Double(bitPattern: try u64()))
            default: throw InputError(path: path, problem: "unknown GGUF value type \(type) at byte \(position - 4)")
            }
        }
    }
}
