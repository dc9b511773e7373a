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
    /// `left` and `right` packed into one key (left in the high half), ordered as HF orders pairs.
    @inlinable public var pairKey: UInt64 { UInt64(left) << 32 | UInt64(right) }
}

/// A token of the vocabulary.
public struct Token: Hashable, Sendable {
    /// The bytes the token stands for (for a special token, its UTF-8 content).
    public var bytes: [UInt8]
    /// Special (added) tokens are never produced by merges and never split.
    public var isSpecial: Bool
    public init(bytes: [UInt8], isSpecial: Bool = false) {
        self.bytes = bytes
        self.isSpecial = isSpecial
    }
}

/// A byte-level BPE model: vocabulary, ordered merge list and the token each byte starts as.
public struct BPEModel: Sendable {
    /// Tokens by id.
    public var tokens: [Token]
    /// Merges in rank order (rank 0 first).
    public var merges: [MergeRule]
    /// The id of the single-byte token for each byte.
    public var byteTokens: [UInt32]
    /// tiktoken's semantics: ids are ranks; a piece that is a token is that token, otherwise the
    /// adjacent parts whose concatenated bytes have the lowest rank are joined first.
    public var mergeByRank = false

    /// Creates a model; `byteTokens` must hold 256 ids.
    public init(tokens: [Token], merges: [MergeRule], byteTokens: [UInt32]) {
        precondition(byteTokens.count == 256)
        self.tokens = tokens
        self.merges = merges
        self.byteTokens = byteTokens
    }

    /// Vocabulary size, special tokens included.
    public var vocabularySize: Int { tokens.count }

    /// A token as HF's ByteLevel renders it in `vocab.json`/`merges.txt` (special tokens as they are).
    public func rendered(_ id: UInt32) -> String {
        let token = tokens[Int(id)]
        return token.isSpecial ? String(decoding: token.bytes, as: UTF8.self) : ByteLevel.render(token.bytes)
    }

    /// The merge list as `merges.txt` lines (`"Ġ t"`), without a header.
    public var mergeLines: [String] {
        merges.map { rendered($0.left) + " " + rendered($0.right) }
    }
}
