import Collections
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
    private var scores: [Float] = []
    /// Priority rank of each table entry (0 joins first).
    private var ranks: [Int32] = []
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
            self.scores.append(score)
            entries.append((UInt32(id), score))
        }
        let order = entries.indices.sorted {
            entries[$0].score != entries[$1].score ? entries[$0].score > entries[$1].score : entries[$0].id < entries[$1].id
        }
        ranks = [Int32](repeating: 0, count: entries.count)
        for (rank, entry) in order.enumerated() { ranks[entry] = Int32(rank) }
        pieceOrder = order.map { entries[$0].id }
    }

    /// The id of the scored token spelled `bytes`, if any.
    public func id(of bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt32? {
        table.index(of: bytes, length).map { tableIds[$0] }
    }

    /// Priority rank of the scored token `id` spells, if it is one.
    public func rank(of bytes: UnsafePointer<UInt8>, _ length: Int) -> Int? {
        table.index(of: bytes, length).map { Int(ranks[$0]) }
    }

    private struct Candidate: Comparable {
        var score: Float
        var left: Int32
        var right: Int32
        var length: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score < b.score : a.left > b.left
        }
    }

    /// Segments valid UTF-8 `bytes` and appends the byte offset where each final part ends.
    /// - Parameter rankLimit: only pieces ranked below this may join (reconstructing the
    ///   merge that forms the piece of that rank).
    public func segment(_ bytes: UnsafeBufferPointer<UInt8>, rankLimit: Int = .max, into ends: inout [Int]) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var starts: [Int32] = []
        var lengths: [Int32] = []
        var i = 0
        while i < bytes.count {
            let length = min(UTF8Scalar.length(lead: bytes[i]), bytes.count - i)
            starts.append(Int32(i))
            lengths.append(Int32(length))
            i += length
        }
        let count = starts.count
        var next = (0..<count).map { Int32($0 + 1) }
        var previous = (0..<count).map { Int32($0 - 1) }
        next[count - 1] = -1
        var agenda = Heap<Candidate>()
        func consider(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let length = Int(lengths[Int(left)] + lengths[Int(right)])
            guard let entry = table.index(of: base + Int(starts[Int(left)]), length),
                  Int(ranks[entry]) < rankLimit else { return }
            agenda.insert(Candidate(score: scores[entry], left: left, right: right, length: Int32(length)))
        }
        for k in 1..<count { consider(Int32(k - 1), Int32(k)) }
        while let top = agenda.popMax() {
            let left = Int(top.left), right = Int(top.right)
            // Stale: a side was absorbed, or grew, since the candidate was queued.
            guard lengths[left] > 0, lengths[right] > 0, lengths[left] + lengths[right] == top.length else { continue }
            lengths[left] += lengths[right]
            lengths[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = Int32(left) }
            consider(previous[left], Int32(left))
            consider(Int32(left), next[left])
        }
        var k: Int32 = 0
        while k >= 0 {
            ends.append(Int(starts[Int(k)] + lengths[Int(k)]))
            k = next[Int(k)]
        }
    }
}
