/// Rank-ordered BPE on one symbol sequence, the join every merge-ranked tokenizer shares (the
/// encoder of merge lists, merge recovery from tiktoken ranks, merge cleaning): join the
/// leftmost adjacent pair of lowest rank, and repeat until no adjacent pair has a rank. This is
/// the order of HF `tokenizers` (`Word::merge_all` pops the lowest (rank, position)) and of
/// tiktoken (`_byte_pair_merge`).
///
/// With `(a, b) -> x` at rank 0 and `(x, c) -> y` at rank 1:
///
///     var symbols: [UInt32] = [a, b, c, a, b]
///     RankedJoin.apply(&symbols) { left, right in ranks[packPair(left, right)] }
///     // [a, b, c, a, b] -> [x, c, x] -> [y, x]
///
/// A pass joins every later occurrence of the best pair too, which is the same order as long
/// as no other pair has the same rank and no join makes a pair ranked at or below it; when
/// either happens the pass joins only what the reference order allows and rescans. (One join a
/// scan is quadratic on the long pieces of character-level conversions.)
public enum RankedJoin {
    /// A pair's rank (lower joins first) and the symbol it becomes.
    public typealias Rank = (rank: UInt64, result: UInt32)

    /// Joins `symbols` in place by the ranks `rankOf` gives (nil: the pair never joins).
    ///
    /// - Complexity: O(n * p) rank lookups for n symbols and p passes (at most one pass per
    ///   distinct pair joined in the usual case, per join at worst).
    @inlinable
    public static func apply(_ symbols: inout [UInt32], rankOf: (UInt32, UInt32) -> Rank?) {
        while symbols.count >= 2 {
            var best: Rank?
            var at = 0
            var tied = false
            for i in 0..<(symbols.count - 1) {
                guard let entry = rankOf(symbols[i], symbols[i + 1]) else { continue }
                if entry.rank < (best?.rank ?? .max) {
                    best = entry
                    at = i
                    tied = false
                } else if let current = best, entry.rank == current.rank && (symbols[i] != symbols[at] || symbols[i + 1] != symbols[at + 1]) {
                    tied = true
                }
            }
            guard let best else { return }
            let left = symbols[at], right = symbols[at + 1]
            let count = symbols.count
            var write = at
            var read = at
            var open = true
            while read < count {
                if open && read + 1 < count && symbols[read] == left && symbols[read + 1] == right {
                    symbols[write] = best.result
                    write += 1
                    read += 2
                    // Stop joining in this pass where the reference order would take another pair first.
                    if tied
                        || (write >= 2 && (rankOf(symbols[write - 2], best.result).map { $0.rank <= best.rank } ?? false))
                        || (read < count && (rankOf(best.result, symbols[read]).map { $0.rank <= best.rank } ?? false)) {
                        open = false
                    }
                } else {
                    symbols[write] = symbols[read]
                    write += 1
                    read += 1
                }
            }
            symbols.removeLast(count - write)
        }
    }
}
