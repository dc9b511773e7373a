/// Merge recovery for formats that store no merge list (tiktoken ranks, SentencePiece scores)
/// or a redundant one (SentencePiece conversions, ``MergeCleaning``): the merge that forms a
/// token is the pair of parts that the ranked join of the token's start symbols leaves when only
/// pairs ranked before the token may join.
///
/// With ranks `("a", "b") -> "ab"` at 0 and `("ab", "c") -> "abc"` at 1, token `"abc"` starts as
/// `[a, b, c]`, the join with rank 0 only leaves `[ab, c]`, so its merge is `ab + c`.
public enum MergeRecovery {
    /// The two parts ``RankedJoin`` leaves of `symbols` under `rankOf` (which must rank only
    /// what comes before the token), or nil when one part or more than two remain: a token that
    /// no merge of two earlier parts forms.
    ///
    /// - Complexity: that of ``RankedJoin/apply(_:rankOf:)``.
    @inlinable
    public static func lastPair<Symbol>(of symbols: [Symbol], rankOf: (Symbol, Symbol) -> (rank: UInt64, result: Symbol)?) -> (Symbol, Symbol)? {
        var parts = symbols
        RankedJoin.apply(&parts, rankOf: rankOf)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
}
