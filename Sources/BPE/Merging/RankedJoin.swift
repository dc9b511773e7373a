/// Rank-ordered BPE on one symbol sequence, the join that merge recovery from tiktoken ranks
/// and merge cleaning share: join the leftmost adjacent pair of lowest rank, and repeat until
/// no adjacent pair has a rank. This is the order of HF `tokenizers` (`Word::merge_all` pops the
/// lowest (rank, position)) and of tiktoken (`_byte_pair_merge`), also when a join creates a
/// pair of lower rank than another occurrence of the pair just joined.
///
/// With `(a, b) -> x` at rank 0 and `(x, c) -> y` at rank 1:
///
///     var symbols: [UInt32] = [a, b, c, a, b]
///     RankedJoin.apply(&symbols) { left, right in ranks[packPair(left, right)] }
///     // [a, b, c, a, b] -> [x, c, a, b] -> [x, c, x] -> [y, x]
///
/// `BPEEncoder` keeps a pass that joins every occurrence of the best pair at once: one join a
/// scan is quadratic on the long pieces of character-level conversions (a test's 3 s became 47),
/// and for a merge list (one rank a pair, results ranked after their parts) it gives the same.
public enum RankedJoin {
    /// A pair's rank (lower joins first) and the symbol it becomes.
    public typealias Rank = (rank: UInt64, result: UInt32)

    /// Joins `symbols` in place by the ranks `rankOf` gives (nil: the pair never joins).
    ///
    /// - Complexity: O(n * j) rank lookups for n symbols and j joins; pieces are short.
    @inlinable
    public static func apply(_ symbols: inout [UInt32], rankOf: (UInt32, UInt32) -> Rank?) {
        while symbols.count >= 2 {
            var best: Rank?
            var at = 0
            for i in 0..<(symbols.count - 1) {
                if let entry = rankOf(symbols[i], symbols[i + 1]), entry.rank < (best?.rank ?? .max) {
                    best = entry
                    at = i
                }
            }
            guard let best else { return }
            symbols[at] = best.result
            symbols.remove(at: at + 1)
        }
    }
}
