import Pretokenization

/// SentencePiece BPE's segmentation (`bpe_model.cc`): a text starts as one symbol per
/// character; any two adjacent symbols whose concatenation is a scored piece may join, the
/// highest score first and the leftmost on equal scores, until no adjacent pair forms a piece.
///
/// Unlike rank-based BPE there is no merge list: a piece joins from whichever two parts are
/// adjacent when its turn comes. ``pieceOrder`` ranks the pieces (score descending, id
/// ascending on ties) so that a merge list can be reconstructed from it.
public struct ScoreMerger: Sendable {
    private var table = ByteStringTable(capacity: 16)
    private var tableIds: [UInt32] = []
    /// Priority rank of each table entry (0 joins first; equal scores ranked by id).
    private var ranks: [Int32] = []
    /// Score level of each table entry (0: the highest score): equal scores share a level, so
    /// the join takes the leftmost of them, as SentencePiece does.
    private var levels: [Int32] = []
    /// Scored token ids, highest priority first.
    public private(set) var pieceOrder: [UInt32] = []

    /// Indexes the tokens that have a score (`scores[id] != nil`) by their bytes.
    public init(tokens: [Token], scores: [Float?]) {
        table = ByteStringTable(capacity: tokens.count)
        var entries: [(id: UInt32, score: Float)] = []
        for (id, token) in tokens.enumerated() where id < scores.count && !token.bytes.isEmpty {
            guard let score = scores[id] else { continue }
            let (_, inserted) = token.bytes.withUnsafeBufferPointer { table.insert($0.baseAddress!, $0.count) }
            guard inserted else { continue }  // a duplicate spelling: the first id wins, as in SentencePiece
            tableIds.append(UInt32(id))
            entries.append((UInt32(id), score))
        }
        let order = entries.indices.sorted {
            entries[$0].score != entries[$1].score ? entries[$0].score > entries[$1].score : entries[$0].id < entries[$1].id
        }
        ranks = [Int32](repeating: 0, count: entries.count)
        levels = [Int32](repeating: 0, count: entries.count)
        var level: Int32 = -1
        var previousScore: Float?
        for (rank, entry) in order.enumerated() {
            ranks[entry] = Int32(rank)
            if entries[entry].score != previousScore { level += 1 }
            previousScore = entries[entry].score
            levels[entry] = level
        }
        pieceOrder = order.map { entries[$0].id }
    }

    /// The id of the scored token spelled `bytes`, if any.
    public func id(of bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt32? {
        table.index(of: bytes, length).map { tableIds[$0] }
    }

    /// Segments valid UTF-8 `bytes` and appends the byte offset where each final part ends.
    ///
    /// - Complexity: O(n log n) piece lookups for n characters (``RankedJoin``).
    public func segment(_ bytes: UnsafeBufferPointer<UInt8>, into ends: inout [Int]) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var parts = characters(of: bytes)
        RankedJoin.apply(&parts) { rank(of: base, $0, $1, below: .max) }
        for part in parts { ends.append(part.end) }
    }

    /// The merge that forms the scored piece of priority rank `rank`, spelled `bytes`: the two
    /// parts that pieces ranked before it leave (``MergeRecovery``), as ids, or nil.
    public func merge(forming bytes: UnsafeBufferPointer<UInt8>, rank: Int) -> (left: UInt32, right: UInt32)? {
        guard let base = bytes.baseAddress, !bytes.isEmpty,
              let (left, right) = MergeRecovery.lastPair(of: characters(of: bytes), rankOf: { self.rank(of: base, $0, $1, below: rank) }),
              let leftId = id(of: base + Int(left.start), Int(left.count)),
              let rightId = id(of: base + Int(right.start), Int(right.count)) else { return nil }
        return (leftId, rightId)
    }

    /// One part per UTF-8 character (a truncated last character is one part).
    private func characters(of bytes: UnsafeBufferPointer<UInt8>) -> [ByteRange] {
        var parts: [ByteRange] = []
        var i = 0
        while i < bytes.count {
            let length = min(UTF8Scalar.length(lead: bytes[i]), bytes.count - i)
            parts.append(ByteRange(start: Int32(i), count: Int32(length)))
            i += length
        }
        return parts
    }

    /// The join of two adjacent parts when their concatenation is a piece ranked below `limit`:
    /// ranked by score level, so that equal scores join leftmost first.
    private func rank(of base: UnsafePointer<UInt8>, _ left: ByteRange, _ right: ByteRange, below limit: Int) -> (rank: UInt64, result: ByteRange)? {
        let joined = left.joined(with: right)
        guard let entry = table.index(of: base + Int(joined.start), Int(joined.count)), Int(ranks[entry]) < limit else { return nil }
        return (UInt64(levels[entry]), joined)
    }
}
