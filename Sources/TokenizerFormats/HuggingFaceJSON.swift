import BPE
import Foundation
import Pretokenization
import Support

/// Reading and writing HF `tokenizers`' `tokenizer.json` for byte-level BPE models.
public enum HuggingFaceJSON {
    /// Reads a `tokenizer.json`.
    public static func read(path: String) throws -> Tokenizer {
        guard let data = FileBytes.contents(atPath: path) else {
            throw TokenizerFileError(path: path, problem: "cannot read file")
        }
        return try parse(data, path: path)
    }

    /// Parses the bytes of a `tokenizer.json`; `path` names the file in errors.
    public static func parse(_ data: Data, path: String) throws -> Tokenizer {
        func fail(_ problem: String) -> TokenizerFileError { TokenizerFileError(path: path, problem: problem) }
        let root = try JSONDocument.object(data, path: path)
        let vocabulary: [(key: [UInt8], value: Int)]?
        do {
            vocabulary = try ExactJSONKeys.members(at: ["model", "vocab"], in: [UInt8](data))
        } catch let error as ExactJSONKeys.SyntaxError {
            throw fail("\(error.problem) at byte \(error.offset)")
        }
        var tokenizer = try build(root: root, vocabulary: vocabulary, path: path)
        if let processor = root["post_processor"] as? [String: Any] {
            (tokenizer.specialPrefix, tokenizer.specialSuffix) = template(processor)
        }
        return tokenizer
    }

    /// The special tokens a `TemplateProcessing` post-processor puts around a single sequence
    /// (inside a `Sequence` too); other post-processors add none here.
    static func template(_ processor: [String: Any]) -> ([UInt32], [UInt32]) {
        if processor["type"] as? String == "Sequence", let items = processor["processors"] as? [[String: Any]] {
            for item in items where item["type"] as? String == "TemplateProcessing" { return template(item) }
            return ([], [])
        }
        guard processor["type"] as? String == "TemplateProcessing", let single = processor["single"] as? [[String: Any]],
              let specials = processor["special_tokens"] as? [String: Any] else { return ([], []) }
        var prefix: [UInt32] = [], suffix: [UInt32] = []
        var seenSequence = false
        for piece in single {
            if piece["Sequence"] != nil { seenSequence = true; continue }
            guard let special = piece["SpecialToken"] as? [String: Any], let name = special["id"] as? String,
                  let entry = specials[name] as? [String: Any], let ids = entry["ids"] as? [NSNumber] else { continue }
            let values = ids.map { UInt32(truncating: $0) }
            if seenSequence { suffix += values } else { prefix += values }
        }
        return (prefix, suffix)
    }

    /// The tokenizer a parsed document describes; `vocabulary` is `model.vocab` with its keys
    /// byte-exact (``ExactJSONKeys``), nil to take them from `root` (where canonically
    /// equivalent spellings have merged into one key).
    static func build(root: [String: Any], vocabulary: [(key: [UInt8], value: Int)]?, path: String) throws -> Tokenizer {
        func fail(_ problem: String) -> TokenizerFileError { TokenizerFileError(path: path, problem: problem) }
        guard let model = root["model"] as? [String: Any] else { throw fail("no \"model\" object") }
        let type = model["type"] as? String ?? (model["merges"] != nil ? "BPE" : "unknown")
        guard type == "BPE" else { throw fail("model type \(type) is not supported (only BPE)") }
        var normalizer = try readNormalizer(root["normalizer"], fail: fail)
        let byteFallback = model["byte_fallback"] as? Bool ?? false
        let reading = try readPretokenizer(root["pre_tokenizer"], fail: fail)
        let pretokenizer = reading.pretokenizer
        let byteLevel = reading.byteLevel
        if let prepend = reading.metaspacePrepend {
            // Metaspace rewrites the text before it splits: a normalizer here.
            normalizer = normalizer.map { .sequence([$0, .metaspace(prepend: prepend)]) } ?? .metaspace(prepend: prepend)
        }
        let vocab: [(key: [UInt8], value: Int)]
        if let vocabulary {
            vocab = vocabulary
        } else {
            guard let object = model["vocab"] as? [String: Any] else { throw fail("model has no \"vocab\" object") }
            vocab = try object.map { token, value in
                guard let number = value as? NSNumber, number.doubleValue == Double(number.intValue) else {
                    throw fail("vocabulary entry \(token.debugDescription) has no integer id")
                }
                return (Array(token.utf8), number.intValue)
            }
        }

        var special: [Int: String] = [:]
        var userDefined: [(bytes: [UInt8], id: UInt32)] = []
        if let added = root["added_tokens"] as? [[String: Any]] {
            for token in added {
                guard let id = (token["id"] as? NSNumber)?.intValue, let content = token["content"] as? String else {
                    throw fail("added token without integer id and string content")
                }
                guard id >= 0 && id < 10_000_000 else { throw fail("added token id \(id) out of range") }
                special[id] = content
                // HF cuts non-special added tokens out of the text before anything else.
                if !(token["special"] as? Bool ?? true) { userDefined.append((Array(content.utf8), UInt32(id))) }
            }
        }
        // Keyed by bytes: String keys would merge canonically equivalent tokens.
        var idForString: [[UInt8]: Int] = [:]
        var maxId = -1
        for (token, id) in vocab {
            guard id >= 0 && id < 10_000_000 else { throw fail("vocabulary id \(id) out of range") }
            idForString[token] = id
            maxId = max(maxId, id)
        }
        for (id, content) in special where idForString[Array(content.utf8)] == nil {
            idForString[Array(content.utf8)] = id
            maxId = max(maxId, id)
        }
        var tokens = [Token?](repeating: nil, count: maxId + 1)
        for (key, id) in idForString {
            let string = String(decoding: key, as: UTF8.self)
            if tokens[id] != nil && special[id] == nil { throw fail("two vocabulary entries share id \(id)") }
            if let content = special[id] {
                tokens[id] = Token(bytes: Array(content.utf8), isSpecial: true)
            } else if !byteLevel {
                // Character-level (SentencePiece-converted) vocabulary: pieces as they are, and
                // `<0x41>` pieces standing for one byte each.
                if byteFallback, let byte = SentencePieceModel.byteValue(string) {
                    tokens[id] = Token(bytes: [byte], name: string)
                } else {
                    tokens[id] = Token(bytes: Array(string.utf8), name: string)
                }
            } else if let bytes = ByteLevel.decode(string) {
                tokens[id] = Token(bytes: bytes)
            } else {
                throw fail("vocabulary entry \(string.debugDescription) is not in the byte-level alphabet")
            }
        }
        if let hole = tokens.firstIndex(where: { $0 == nil }) { throw fail("vocabulary has no token with id \(hole)") }
        if !byteLevel {
            return try characterLevel(tokens: tokens.map { $0! }, idForString: idForString, model: model, byteFallback: byteFallback,
                                      pretokenizer: pretokenizer, normalizer: normalizer, userDefined: userDefined, path: path)
        }

        // A byte without a symbol (bytes UTF-8 never uses, like 0xC0, are often left out) is
        // dropped when encoding, as llama.cpp does; words split around it when counting.
        var byteTokens = [UInt32](repeating: SymbolAlphabet.noToken, count: 256)
        for byte in 0..<256 {
            if let id = idForString[Array(ByteLevel.render([UInt8(byte)]).utf8)] { byteTokens[byte] = UInt32(id) }
        }
        guard byteTokens.contains(where: { $0 != SymbolAlphabet.noToken }) else {
            throw fail("vocabulary has none of the byte-level symbols")
        }

        let merges = try readMerges(model, idForString: idForString, fail: fail)
        var bpe = BPEModel(tokens: tokens.map { $0! }, merges: merges, byteTokens: byteTokens)
        bpe.wholePieces = model["ignore_merges"] as? Bool ?? false ? .tokens : .none
        var tokenizer = Tokenizer(model: bpe, pretokenizer: pretokenizer, format: .huggingFaceJSON, source: path)
        tokenizer.normalizer = normalizer
        tokenizer.userDefinedTokens = userDefined
        return tokenizer
    }

    /// A BPE model over characters (HF conversions of SentencePiece models: Llama, Mistral).
    private static func characterLevel(tokens: [Token], idForString: [[UInt8]: Int], model: [String: Any], byteFallback: Bool,
                                       pretokenizer: Pretokenizer, normalizer: Normalizer?,
                                       userDefined: [(bytes: [UInt8], id: UInt32)], path: String) throws -> Tokenizer {
        func fail(_ problem: String) -> TokenizerFileError { TokenizerFileError(path: path, problem: problem) }
        var byteTokens = [UInt32](repeating: SymbolAlphabet.noToken, count: 256)
        var characterTokens: [UInt32: UInt32] = [:]
        for (id, token) in tokens.enumerated() where !token.isSpecial {
            if let name = token.name, token.bytes.count == 1, name.count == 6, SentencePieceModel.byteValue(name) != nil, byteFallback {
                byteTokens[Int(token.bytes[0])] = UInt32(id)
                continue
            }
            let scalars = String(decoding: token.bytes, as: UTF8.self).unicodeScalars
            if scalars.count == 1 { characterTokens[scalars.first!.value] = UInt32(id) }
        }
        if byteFallback, let missing = byteTokens.firstIndex(of: SymbolAlphabet.noToken) {
            throw fail("byte_fallback is on but byte \(missing) has no <0x..> token")
        }
        let merges = try readMerges(model, idForString: idForString, fail: fail)
        var bpe = BPEModel(tokens: tokens, merges: merges, byteTokens: byteTokens)
        bpe.characterTokens = characterTokens
        bpe.byteFallback = byteFallback
        if let unknown = model["unk_token"] as? String {
            guard let id = idForString[Array(unknown.utf8)] else { throw fail("unk_token \(unknown.debugDescription) is not in the vocabulary") }
            bpe.unknownToken = UInt32(id)
        }
        bpe.wholePieces = model["ignore_merges"] as? Bool ?? false ? .tokens : .none
        var tokenizer = Tokenizer(model: bpe, pretokenizer: pretokenizer, format: .huggingFaceJSON, source: path)
        tokenizer.normalizer = normalizer
        tokenizer.userDefinedTokens = userDefined
        return tokenizer
    }

    private static func readMerges(_ model: [String: Any], idForString: [[UInt8]: Int],
                                   fail: (String) -> TokenizerFileError) throws -> [MergeRule] {
        guard let rawMerges = model["merges"] as? [Any] else { throw fail("model has no \"merges\" list") }
        var merges: [MergeRule] = []
        merges.reserveCapacity(rawMerges.count)
        for (index, raw) in rawMerges.enumerated() {
            let left: String, right: String
            if let line = raw as? String {
                // Split at the space byte, as HF does: a space before a combining mark is one Character.
                let parts = line.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                guard parts.count == 2, let l = String(parts[0]), let r = String(parts[1]) else {
                    throw fail("merge \(index + 1) \(line.debugDescription) is not two tokens")
                }
                left = l
                right = r
            } else if let pair = raw as? [Any], pair.count == 2, let l = pair[0] as? String, let r = pair[1] as? String {
                left = l
                right = r
            } else {
                throw fail("merge \(index + 1) is neither \"a b\" nor [a, b]")
            }
            guard let l = idForString[Array(left.utf8)], let r = idForString[Array(right.utf8)] else {
                throw fail("merge \(index + 1) names a token not in the vocabulary: \(left) \(right)")
            }
            guard let result = idForString[Array(left.utf8) + Array(right.utf8)] else {
                throw fail("merge \(index + 1) (\(left) \(right)) yields a token not in the vocabulary")
            }
            merges.append(MergeRule(left: UInt32(l), right: UInt32(r), result: UInt32(result)))
        }
        return merges
    }

    private static func readNormalizer(_ value: Any?, fail: (String) -> TokenizerFileError) throws -> Normalizer? {
        guard let value, !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any], let type = object["type"] as? String else { throw fail("normalizer without a type") }
        switch type {
        case "NFC": return .nfc
        case "NFKC": return .nfkc
        case "NFD": return .nfd
        case "NFKD": return .nfkd
        case "Sequence":
            guard let items = object["normalizers"] as? [Any] else { throw fail("Sequence normalizer without normalizers") }
            return .sequence(try items.compactMap { try readNormalizer($0, fail: fail) })
        case "Lowercase":
            return .lowercase
        case "Prepend":
            guard let prefix = object["prepend"] as? String else { throw fail("Prepend normalizer without a string") }
            return .prepend(prefix)
        case "Replace":
            guard let pattern = object["pattern"] as? [String: Any], let content = object["content"] as? String else {
                throw fail("Replace normalizer without pattern and content")
            }
            guard let literal = pattern["String"] as? String else { throw fail("Replace with a Regex pattern is not supported yet") }
            return .replace(literal, with: content)
        default:
            throw fail("normalizer \(type) is not supported yet")
        }
    }

    static func normalizerJSON(_ normalizer: Normalizer?) -> OrderedJSON {
        guard let normalizer else { return .null }
        switch normalizer {
        case .sequence(let items): return .object([("type", .string("Sequence")), ("normalizers", .array(items.map { normalizerJSON($0) }))])
        case .lowercase: return .object([("type", .string("Lowercase"))])
        case .prepend(let prefix): return .object([("type", .string("Prepend")), ("prepend", .string(prefix))])
        case .replace(let pattern, let content):
            return .object([("type", .string("Replace")), ("pattern", .object([("String", .string(pattern))])), ("content", .string(content))])
        case .metaspace(let prepend):
            // As a normalizer sequence: HF's Metaspace lives among the pre-tokenizers.
            return .object([("type", .string("Sequence")), ("normalizers", .array(
                (prepend ? [normalizerJSON(.prepend("\u{2581}"))] : []) + [normalizerJSON(.replace(" ", with: "\u{2581}"))]))])
        case .sentencePiece(let prefix, _, let escape):
            return .object([("type", .string("Sequence")), ("normalizers", .array(
                (prefix ? [normalizerJSON(.prepend(escape ? "\u{2581}" : " "))] : [])
                    + (escape ? [normalizerJSON(.replace(" ", with: "\u{2581}"))] : [])))])
        case .nfc, .nfkc, .nfd, .nfkd: return .object([("type", .string(normalizer.description))])
        }
    }

    /// The steps of a `pre_tokenizer`, whether it is byte-level, and for `Metaspace` whether it
    /// prepends `▁` (it also rewrites spaces, which becomes a normalizer).
    private static func readPretokenizer(_ value: Any?, fail: (String) -> TokenizerFileError) throws
        -> (pretokenizer: Pretokenizer, byteLevel: Bool, metaspacePrepend: Bool?) {
        guard let object = value as? [String: Any] else {
            // No pre-tokenizer: the whole text is one word (SentencePiece conversions with a
            // Prepend + Replace normalizer).
            return (Pretokenizer(steps: []), false, nil)
        }
        var steps: [Pretokenizer.Step] = []
        var sawByteLevel = false
        var metaspacePrepend: Bool?
        func visit(_ object: [String: Any]) throws {
            let type = object["type"] as? String ?? "?"
            switch type {
            case "Sequence":
                guard let list = object["pretokenizers"] as? [[String: Any]] else { throw fail("Sequence without pretokenizers") }
                for item in list { try visit(item) }
            case "ByteLevel":
                sawByteLevel = true
                if let prefix = object["add_prefix_space"] as? Bool, prefix {
                    throw fail("ByteLevel add_prefix_space=true is not supported yet")
                }
                if object["use_regex"] as? Bool ?? true { steps.append(.gpt2) }
            case "Digits":
                steps.append(.digits(individual: object["individual_digits"] as? Bool ?? false))
            case "Metaspace":
                guard (object["replacement"] as? String ?? "\u{2581}") == "\u{2581}" else {
                    throw fail("Metaspace with a replacement other than U+2581 is not supported")
                }
                if let scheme = object["prepend_scheme"] as? String {
                    metaspacePrepend = scheme != "never"
                } else {
                    metaspacePrepend = object["add_prefix_space"] as? Bool ?? true
                }
                if object["split"] as? Bool ?? true { steps.append(.regex("\u{2581}[^\u{2581}]*")) }
            case "Split":
                let behavior = object["behavior"] as? String ?? "Isolated"
                guard behavior == "Isolated", !(object["invert"] as? Bool ?? false) else {
                    throw fail("Split with behavior \(behavior) is not supported yet")
                }
                guard let pattern = object["pattern"] as? [String: Any] else { throw fail("Split without pattern") }
                if let regex = pattern["Regex"] as? String {
                    steps.append(Pretokenizer.knownStep(forPattern: regex) ?? .regex(regex))
                } else if let literal = pattern["String"] as? String {
                    steps.append(.regex(NSRegularExpression.escapedPattern(for: literal)))
                } else {
                    throw fail("Split pattern is neither Regex nor String")
                }
            default:
                throw fail("pre_tokenizer \(type) is not supported yet")
            }
        }
        try visit(object)
        let result = Pretokenizer(steps: steps)
        do {
            _ = try result.makeSplitter()  // reject a regex ICU cannot compile now, with the file named
        } catch {
            throw fail("\(error)")
        }
        return (result, sawByteLevel, metaspacePrepend)
    }

    /// The `tokenizer.json` text for `tokenizer`, laid out as HF `tokenizers` 0.2x saves it.
    public static func serialize(_ tokenizer: Tokenizer) -> String {
        let model = tokenizer.model
        let addedTokens: [OrderedJSON] = model.tokens.enumerated().filter { $0.element.isSpecial }.map { id, token in
            .object([
                ("id", .int(id)), ("content", .string(String(decoding: token.bytes, as: UTF8.self))),
                ("single_word", .bool(false)), ("lstrip", .bool(false)), ("rstrip", .bool(false)),
                ("normalized", .bool(false)), ("special", .bool(true)),
            ])
        }
        let vocab: [(String, OrderedJSON)] = (0..<model.tokens.count).map { (model.rendered(UInt32($0)), .int($0)) }
        let merges: [OrderedJSON] = model.merges.map { .array([.string(model.rendered($0.left)), .string(model.rendered($0.right))]) }
        let root: OrderedJSON = .object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array(addedTokens)),
            ("normalizer", normalizerJSON(tokenizer.normalizer)),
            ("pre_tokenizer", preTokenizerJSON(tokenizer.pretokenizer)),
            ("post_processor", .null),
            ("decoder", byteLevel(useRegex: true, prefix: true)),
            ("model", .object([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null),
                ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
                ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)), ("ignore_merges", .bool(false)),
                ("vocab", .object(vocab)), ("merges", .array(merges)),
            ])),
        ])
        return root.prettyPrinted()
    }

    private static func byteLevel(useRegex: Bool, prefix: Bool = false) -> OrderedJSON {
        .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefix)),
                 ("trim_offsets", .bool(true)), ("use_regex", .bool(useRegex))])
    }

    /// HF's representation of our pretokenizers: the GPT-2 regex is ByteLevel's own; any other
    /// regex becomes a `Split` before a ByteLevel that does not split again.
    static func preTokenizerJSON(_ pretokenizer: Pretokenizer) -> OrderedJSON {
        var items: [OrderedJSON] = []
        var endsWithGPT2 = false
        for (index, step) in pretokenizer.steps.enumerated() {
            switch step {
            case .gpt2 where index == pretokenizer.steps.count - 1:
                endsWithGPT2 = true
            case .digits(let individual):
                items.append(.object([("type", .string("Digits")), ("individual_digits", .bool(individual))]))
            default:
                items.append(.object([
                    ("type", .string("Split")), ("pattern", .object([("Regex", .string(step.pattern!))])),
                    ("behavior", .string("Isolated")), ("invert", .bool(false)),
                ]))
            }
        }
        items.append(byteLevel(useRegex: endsWithGPT2))
        return items.count == 1 ? items[0] : .object([("type", .string("Sequence")), ("pretokenizers", .array(items))])
    }
}

extension Pretokenizer {
    /// The built-in scanner step whose regex is `pattern` (as written here or in tiktoken's
    /// equivalent possessive form), if any.
    public static func knownStep(forPattern pattern: String) -> Step? {
        let known: [(String, Step)] = [
            (gpt2Pattern, .gpt2), (cl100kPattern, .cl100k), (o200kPattern, .o200k),
            (#"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"#, .gpt2),
            (cl100kPattern.replacingOccurrences(of: #"\z"#, with: "$"), .cl100k),
            (llama3Pattern, .llama3),
        ]
        return known.first { $0.0 == pattern }?.1
    }
}
