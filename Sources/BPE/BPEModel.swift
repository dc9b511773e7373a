import Pretokenization

/// One merge rule: the adjacent tokens `left`, `right` become `result`.
public struct MergeRule: Hashable, Sendable {
    public var left: UInt32
    public var right: UInt32
    public var result: UInt32
    public init(left: UInt32, right: UInt32, result: UInt32) {
        self.left = left
        self.right = right
        self.result = result
    }
    /// `left` and `right` packed into one key (``packPair(_:_:)``).
    @inlinable public var pairKey: UInt64 { packPair(left, right) }
}

/// Two adjacent token ids packed into one key, left in the high half, so keys order as HF
/// orders pairs (by left id, then right id): `packPair(1, 2) == 0x1_0000_0002`.
@inlinable public func packPair(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

/// A token of the vocabulary.
public struct Token: Hashable, Sendable {
    /// The bytes the token stands for (for a special token, its UTF-8 content).
    public var bytes: [UInt8]
    /// Special (added) tokens are never produced by merges and never split.
    public var isSpecial: Bool
    /// The token as its file spells it, where that is not the byte-level rendering of
    /// ``bytes`` (SentencePiece pieces such as `▁the` or `<0x0A>`).
    public var name: String?
    public init(bytes: [UInt8], isSpecial: Bool = false, name: String? = nil) {
        self.bytes = bytes
        self.isSpecial = isSpecial
        self.name = name
    }
}

/// How a model joins the parts of a piece: what the tokenizer families differ in.
public enum MergeSemantics: Sendable {
    /// A merge list (HF `tokenizers`, GPT-2): adjacent symbols join by their merge's rank in
    /// ``BPEModel/merges``.
    case mergeList
    /// tiktoken's: ids are ranks; a piece that is a token is that token, otherwise the adjacent
    /// parts whose concatenated bytes have the lowest rank join first.
    case tokenRanks
    /// SentencePiece's: any two adjacent parts whose concatenation is a token with a score may
    /// join; the highest score joins first, the leftmost on ties (a score per token id, nil for
    /// tokens that never join).
    case pieceScores([Float?])
}

/// Which pretokenized pieces are taken whole when they are a token, whatever the merges say.
public enum WholePieces: Sendable {
    /// None: every piece goes through the merges.
    case none
    /// HF's `ignore_merges` (Llama 3): any piece that is a token.
    case tokens
    /// llama.cpp's Gemma 4 rule: a piece of newlines only that is a token (its merges could
    /// split a run of newlines the vocabulary holds whole).
    case newlineTokens
}

/// A byte-level BPE model: vocabulary, ordered merge list and the token each byte starts as.
public struct BPEModel: Sendable {
    /// Tokens by id.
    public var tokens: [Token]
    /// Merges in rank order (rank 0 first).
    public var merges: [MergeRule]
    /// The id of the single-byte token for each byte.
    public var byteTokens: [UInt32]
    /// How the parts of a piece join (merge list, tiktoken ranks or SentencePiece scores).
    public var semantics = MergeSemantics.mergeList
    /// Character-level models: the token of each character that has one (nil: byte-level).
    public var characterTokens: [UInt32: UInt32]?
    /// Character-level models: a character without a token becomes the tokens of its bytes
    /// (``byteTokens``) instead of ``unknownToken``.
    public var byteFallback = false
    /// The token of a character that has none (`<unk>`), for character-level models.
    public var unknownToken: UInt32?
    /// Which pieces that are tokens skip the merges.
    public var wholePieces = WholePieces.none

    /// Creates a model; `byteTokens` must hold 256 ids.
    public init(tokens: [Token], merges: [MergeRule], byteTokens: [UInt32]) {
        precondition(byteTokens.count == 256)
        self.tokens = tokens
        self.merges = merges
        self.byteTokens = byteTokens
    }

    /// The start symbols of words.
    public var alphabet: SymbolAlphabet { SymbolAlphabet(byteTokens: byteTokens, characterTokens: characterTokens) }

    /// Vocabulary size, special tokens included.
    public var vocabularySize: Int { tokens.count }

    /// A token as its file spells it: HF's ByteLevel rendering for byte-level tokens (as in
    /// `vocab.json`/`merges.txt`), the piece for SentencePiece ones, special tokens as they are.
    public func rendered(_ id: UInt32) -> String {
        let token = tokens[Int(id)]
        if let name = token.name { return name }
        return token.isSpecial ? String(decoding: token.bytes, as: UTF8.self) : ByteLevel.render(token.bytes)
    }

    /// The merge list as pairs of rendered pieces (`("Ġ", "t")`).
    public var mergePairs: [(left: String, right: String)] {
        merges.map { (rendered($0.left), rendered($0.right)) }
    }

    /// The merge list as `merges.txt` lines (`"Ġ t"`), without a header.
    public var mergeLines: [String] {
        mergePairs.map { $0.left + " " + $0.right }
    }
}
