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
        encoding = model.pieceScores != nil ? "SentencePiece scores (highest joins first)"
            : model.mergeByRank ? "tiktoken ranks" : "merge ranks"
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
