import BPE
import Pretokenization

/// What a tokenizer is made of: the facts `toksleuth inspect` prints.
public struct TokenizerInspection: Sendable {
    public var format: String
    public var source: String
    public var vocabularySize: Int
    public var specialTokens: [(id: Int, text: String)]
    public var userDefinedTokens: Int
    /// Merges in the file (for tiktoken and SentencePiece files, reconstructed ones).
    public var merges: Int
    /// Merges mixture inference uses (redundant ones dropped).
    public var mergesForInference: Int
    public var redundantMergesDropped: Int
    /// Multi-symbol tokens no merge forms.
    public var unreachableTokens: Int
    public var alphabet: String
    public var byteFallback: Bool
    public var encoding: String
    public var pretokenizer: String
    public var trainingPretokenizer: String?
    public var normalizer: String
    /// Ordinary tokens by the script of their characters ("Latin", "Han", "Common" for digits
    /// and punctuation, "mixed" for several, "partial UTF-8" for byte-level pieces of a character).
    public var byScript: [(script: String, tokens: Int)]
    /// Ordinary tokens by length in bytes ("1", "2", ..., "9-16", "17+").
    public var byLength: [(length: String, tokens: Int)]
    /// The known merge list this tokenizer extends, when one was looked for and found
    /// (``BaseDetection``).
    public var base: BaseDetection.Match?
    /// What no text can bring out of the vocabulary (``TokenizerHealth``), when checked.
    public var health: TokenizerHealth?

    /// Inspects `tokenizer`.
    public init(_ tokenizer: Tokenizer) {
        let model = tokenizer.model
        format = tokenizer.format.rawValue
        source = tokenizer.source
        vocabularySize = model.tokens.count
        let userDefined = Set(tokenizer.userDefinedTokens.map(\.id))
        specialTokens = model.tokens.enumerated()
            .filter { $0.element.isSpecial && !$0.element.bytes.isEmpty && !userDefined.contains(UInt32($0.offset)) }
            .map { ($0.offset, String(decoding: $0.element.bytes, as: UTF8.self)) }
        userDefinedTokens = tokenizer.userDefinedTokens.count
        merges = model.merges.count
        mergesForInference = tokenizer.inferenceMerges.count
        redundantMergesDropped = tokenizer.redundantMergesDropped
        unreachableTokens = tokenizer.unreachableTokens
        alphabet = model.characterTokens == nil ? "bytes (256 start symbols)" : "characters (\(model.characterTokens!.count) start symbols)"
        byteFallback = model.byteFallback
        switch model.semantics {
        case .mergeList: encoding = "merge ranks"
        case .tokenRanks: encoding = "tiktoken ranks"
        case .pieceScores: encoding = "SentencePiece scores (highest joins first)"
        }
        pretokenizer = tokenizer.pretokenizer.steps.isEmpty ? "none (whole text)" : tokenizer.pretokenizer.description
        trainingPretokenizer = tokenizer.trainingPretokenizer?.description
        normalizer = tokenizer.normalizer?.description ?? "none"

        var scripts: [String: Int] = [:]
        var lengths: [String: Int] = [:]
        let table = UnicodeTable.scripts
        var names: [UInt8: String] = [:]
        let byteFallbackIds = model.characterTokens == nil ? Set<UInt32>() : Set(model.byteTokens)
        for (id, token) in model.tokens.enumerated() where !token.isSpecial && !token.bytes.isEmpty {
            let length = token.bytes.count
            let bucket = length <= 8 ? "\(length)" : length <= 16 ? "9-16" : "17+"
            lengths[bucket, default: 0] += 1
            if byteFallbackIds.contains(UInt32(id)) {
                scripts["byte fallback", default: 0] += 1
                continue
            }
            guard let text = String(validating: token.bytes, as: UTF8.self) else {
                scripts["partial UTF-8", default: 0] += 1
                continue
            }
            var found: Set<UInt8> = []
            for scalar in text.unicodeScalars where scalar.value != 0x2581 && scalar.value != 0x20 {
                var code = table[Int(scalar.value)]
                if code == 1 { continue }  // Inherited: combining marks take their base's script
                if code == 20 || code == 22 { code = 17 }  // Hiragana and Katakana count with Han (Japanese)
                found.insert(code)
            }
            if found.count > 1 { found.remove(0) }  // Common (digits, punctuation) beside a script
            let name: String
            if found.isEmpty {
                name = "whitespace"
            } else if found.count > 1 {
                name = "mixed"
            } else {
                let code = found.first!
                if names[code] == nil { names[code] = code == 17 ? "Han/Kana" : UnicodeTable.scriptName(code) }
                name = names[code]!
            }
            scripts[name, default: 0] += 1
        }
        byScript = scripts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        let order = ["1", "2", "3", "4", "5", "6", "7", "8", "9-16", "17+"]
        byLength = order.compactMap { key in lengths[key].map { (key, $0) } }
    }
}

/// `inspect --json`: snake_case keys (docs/results.md), the merge counts in one object.
extension TokenizerInspection: Codable {
    enum CodingKeys: String, CodingKey {
        case format, source, merges, alphabet, encoding, pretokenizer, normalizer
        case vocabularySize = "vocabulary_size", specialTokens = "special_tokens", userDefinedTokens = "user_defined_tokens"
        case byteFallback = "byte_fallback", trainingPretokenizer = "training_pretokenizer", byScript = "by_script", byLength = "by_length"
        case base, health
    }
    enum MergeKeys: String, CodingKey {
        case total, forInference = "for_inference", redundantDropped = "redundant_dropped", unreachableTokens = "unreachable_tokens"
    }
    private struct Special: Codable { var id: Int; var text: String }
    private struct ScriptCount: Codable { var script: String; var tokens: Int }
    private struct LengthCount: Codable { var bytes: String; var tokens: Int }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        source = try container.decode(String.self, forKey: .source)
        vocabularySize = try container.decode(Int.self, forKey: .vocabularySize)
        specialTokens = try container.decode([Special].self, forKey: .specialTokens).map { ($0.id, $0.text) }
        userDefinedTokens = try container.decode(Int.self, forKey: .userDefinedTokens)
        let merges = try container.nestedContainer(keyedBy: MergeKeys.self, forKey: .merges)
        self.merges = try merges.decode(Int.self, forKey: .total)
        mergesForInference = try merges.decode(Int.self, forKey: .forInference)
        redundantMergesDropped = try merges.decode(Int.self, forKey: .redundantDropped)
        unreachableTokens = try merges.decode(Int.self, forKey: .unreachableTokens)
        alphabet = try container.decode(String.self, forKey: .alphabet)
        byteFallback = try container.decode(Bool.self, forKey: .byteFallback)
        encoding = try container.decode(String.self, forKey: .encoding)
        pretokenizer = try container.decode(String.self, forKey: .pretokenizer)
        trainingPretokenizer = try container.decodeIfPresent(String.self, forKey: .trainingPretokenizer)
        normalizer = try container.decode(String.self, forKey: .normalizer)
        byScript = try container.decode([ScriptCount].self, forKey: .byScript).map { ($0.script, $0.tokens) }
        byLength = try container.decode([LengthCount].self, forKey: .byLength).map { ($0.bytes, $0.tokens) }
        base = try container.decodeIfPresent(BaseDetection.Match.self, forKey: .base)
        health = try container.decodeIfPresent(TokenizerHealth.self, forKey: .health)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(source, forKey: .source)
        try container.encode(vocabularySize, forKey: .vocabularySize)
        try container.encode(specialTokens.map { Special(id: $0.id, text: $0.text) }, forKey: .specialTokens)
        try container.encode(userDefinedTokens, forKey: .userDefinedTokens)
        var merges = container.nestedContainer(keyedBy: MergeKeys.self, forKey: .merges)
        try merges.encode(self.merges, forKey: .total)
        try merges.encode(mergesForInference, forKey: .forInference)
        try merges.encode(redundantMergesDropped, forKey: .redundantDropped)
        try merges.encode(unreachableTokens, forKey: .unreachableTokens)
        try container.encode(alphabet, forKey: .alphabet)
        try container.encode(byteFallback, forKey: .byteFallback)
        try container.encode(encoding, forKey: .encoding)
        try container.encode(pretokenizer, forKey: .pretokenizer)
        try container.encodeIfPresent(trainingPretokenizer, forKey: .trainingPretokenizer)
        try container.encode(normalizer, forKey: .normalizer)
        try container.encode(byScript.map { ScriptCount(script: $0.script, tokens: $0.tokens) }, forKey: .byScript)
        try container.encode(byLength.map { LengthCount(bytes: $0.length, tokens: $0.tokens) }, forKey: .byLength)
        try container.encodeIfPresent(base, forKey: .base)
        try container.encodeIfPresent(health, forKey: .health)
    }
}

extension TokenizerInspection {
    /// The facts as `inspect` prints them: one line each, then tokens by script (15 largest)
    /// and by length.
    public var table: String {
        var lines = [
            "source        \(source)",
            "format        \(format)",
            "vocabulary    \(vocabularySize) tokens (\(specialTokens.count) special, \(userDefinedTokens) user-defined)",
            "merges        \(merges) in the file; \(mergesForInference) for inference (\(redundantMergesDropped) redundant dropped, \(unreachableTokens) tokens no merge forms)",
            "encoding      \(encoding); start symbols: \(alphabet)\(byteFallback ? "; byte fallback" : "")",
            "pretokenizer  \(pretokenizer)",
        ]
        if let training = trainingPretokenizer { lines.append("trained on    \(training) words") }
        lines.append("normalizer    \(normalizer)")
        if let health { lines.append(health.summary) }
        if let base {
            lines.append("base          \(base.name): \(base.sharedMerges) shared merges, its first \(base.span)"
                         + (base.droppedFromBase > 0 || base.span > base.sharedMerges
                            ? " (merges this pretokenizer can never apply passed over: \(base.droppedFromBase) of the base's, \(base.span - base.sharedMerges) of its own)" : ""))
        }
        let specials = specialTokens.prefix(8).map { "\(String($0.text.debugDescription.dropFirst().dropLast()))=\($0.id)" }.joined(separator: " ")
        lines.append("special       \(specials)\(specialTokens.count > 8 ? " ... (\(specialTokens.count))" : "")")
        let ordinary = max(1, byScript.reduce(0) { $0 + $1.tokens })
        lines.append("")
        lines.append("tokens by script")
        for (script, count) in byScript.prefix(15) {
            lines.append("  " + script.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: "%7d  %5.1f%%", count, 100 * Double(count) / Double(ordinary)))
        }
        if byScript.count > 15 { lines.append("  ... \(byScript.count - 15) more scripts") }
        lines.append("")
        lines.append("tokens by length in bytes")
        for (length, count) in byLength {
            lines.append("  " + length.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: "%7d  %5.1f%%", count, 100 * Double(count) / Double(ordinary)))
        }
        return lines.joined(separator: "\n")
    }
}
