import Collections
import HeapModule

/// Rank-ordered joining of adjacent symbols, the one merge core every tokenizer family shares:
/// join the leftmost adjacent pair of lowest rank, and repeat until no adjacent pair has a rank.
/// This is the order of HF `tokenizers` (`Word::merge_all` pops the lowest (rank, position)),
/// of tiktoken (`_byte_pair_merge`) and of SentencePiece's BPE (`bpe_model.cc`: highest score
/// first, leftmost on equal scores).
///
/// The views differ only in what a symbol is and how a pair is ranked:
/// - merge lists (``BPEEncoder``, ``MergeCleaning``): symbols are token ids, a pair's rank is its
///   merge's position in the list;
/// - tiktoken ranks and SentencePiece scores: symbols are byte ranges of the text
///   (``ByteRange``), a pair's rank is that of the token its concatenated bytes spell.
///
/// With `(a, b) -> x` at rank 0 and `(x, c) -> y` at rank 1:
///
///     var symbols: [UInt32] = [a, b, c, a, b]
///     RankedJoin.apply(&symbols) { left, right in ranks[packPair(left, right)] }
///     // [a, b, c, a, b] -> [x, c, a, b] -> [y, a, b] -> [y, x]
public enum RankedJoin {
    /// A pair's rank (lower joins first; equal ranks join leftmost first) and the symbol it becomes.
    public typealias Rank = (rank: UInt64, result: UInt32)

    /// Sequences up to this long are joined by rescanning an array of pair ranks (tiktoken's
    /// way, fastest for the short pieces of pretokenized text); longer ones through a heap.
    @usableFromInline static let scanLimit = 24

    /// Joins `symbols` in place by the ranks `rankOf` gives (nil: the pair never joins).
    ///
    /// - Complexity: O(n^2) rank lookups for n symbols up to ``scanLimit``, O(n log n) beyond.
    @inlinable
    public static func apply<Symbol>(_ symbols: inout [Symbol], rankOf: (Symbol, Symbol) -> (rank: UInt64, result: Symbol)?) {
        if symbols.count < 2 { return }
        if symbols.count <= scanLimit {
            scanJoin(&symbols, rankOf: rankOf)
        } else {
            heapJoin(&symbols, rankOf: rankOf)
        }
    }

    @inlinable
    static func scanJoin<Symbol>(_ symbols: inout [Symbol], rankOf: (Symbol, Symbol) -> (rank: UInt64, result: Symbol)?) {
        // pairs[i]: the rank and result of (symbols[i], symbols[i + 1]).
        var pairs = (0..<(symbols.count - 1)).map { rankOf(symbols[$0], symbols[$0 + 1]) }
        while true {
            var at = -1
            var lowest = UInt64.max
            for i in pairs.indices {
                if let pair = pairs[i], pair.rank < lowest || at < 0 {
                    at = i
                    lowest = pair.rank
                }
            }
            guard at >= 0, let joined = pairs[at] else { return }
            symbols[at] = joined.result
            symbols.remove(at: at + 1)
            pairs.remove(at: at)
            if at < pairs.count { pairs[at] = rankOf(symbols[at], symbols[at + 1]) }
            if at > 0 { pairs[at - 1] = rankOf(symbols[at - 1], symbols[at]) }
        }
    }

    @inlinable
    static func heapJoin<Symbol>(_ symbols: inout [Symbol], rankOf: (Symbol, Symbol) -> (rank: UInt64, result: Symbol)?) {
        let count = symbols.count
        // A doubly linked list over the positions: a join keeps the left position and unlinks the
        // right one, so positions keep their order and "leftmost" is "lowest position".
        var next = (0..<count).map { Int32($0 + 1) }
        var previous = (0..<count).map { Int32($0 - 1) }
        var alive = [Bool](repeating: true, count: count)
        // (rank, position) as rank << 32 | position: the heap's minimum is the leftmost lowest.
        var agenda = Heap<UInt64>()
        func consider(_ left: Int) {
            let right = Int(next[left])
            guard right < count, let pair = rankOf(symbols[left], symbols[right]) else { return }
            precondition(pair.rank < 1 << 32, "a rank must fit in 32 bits")
            agenda.insert(pair.rank << 32 | UInt64(left))
        }
        for i in 0..<(count - 1) { consider(i) }
        while let top = agenda.popMin() {
            let left = Int(top & 0xFFFF_FFFF)
            let right = Int(next[left])
            // Stale: the left symbol was absorbed, or its pair changed since the entry was queued.
            guard alive[left], right < count, let pair = rankOf(symbols[left], symbols[right]), pair.rank == top >> 32 else { continue }
            symbols[left] = pair.result
            alive[right] = false
            next[left] = next[right]
            if Int(next[right]) < count { previous[Int(next[right])] = Int32(left) }
            if previous[left] >= 0 { consider(Int(previous[left])) }
            consider(left)
        }
        var write = 0
        for read in 0..<count where alive[read] {
            symbols[write] = symbols[read]
            write += 1
        }
        symbols.removeLast(count - write)
    }
}

/// A contiguous part of a byte string, as a ``RankedJoin`` symbol: the views that rank a pair
/// by the token its concatenated bytes spell (tiktoken ranks, SentencePiece scores) join byte
/// ranges and look the joined range up in the text itself, with no copying.
public struct ByteRange: Hashable, Sendable {
    public var start: Int32
    public var count: Int32
    @inlinable public init(start: Int32, count: Int32) {
        self.start = start
        self.count = count
    }

    /// The range covering `self` and the range right after it.
    @inlinable public func joined(with right: ByteRange) -> ByteRange { ByteRange(start: start, count: count + right.count) }
    /// One past the last byte.
    @inlinable public var end: Int { Int(start + count) }
}
