import Pretokenization

/// How one pretokenized piece becomes ids: the one part of encoding that differs between the
/// tokenizer families (``MergeSemantics``). The shared pipeline around it (user-defined tokens,
/// normalizer, pretokenizer, cache) is ``BPEEncoder``'s.
protocol PieceEncoder: AnyObject {
    /// Sets `output` (empty on entry, its capacity reused) to the ids of the piece
    /// `bytes[0..<length]` (valid UTF-8).
    func encode(_ bytes: UnsafePointer<UInt8>, _ length: Int, into output: inout [UInt32])
    /// ASCII bytes no join can cross, for the pipeline to cut pieces at (nil: none).
    var barriers: [Bool]? { get }
}

extension BPEModel {
    /// Appends what a character without a token becomes: its byte tokens (byte fallback), the
    /// unknown token, or nothing.
    func appendUnknown(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int, to output: inout [UInt32]) {
        if byteFallback {
            for k in start..<start + length { output.append(byteTokens[Int(buffer[k])]) }
        } else if let unknownToken {
            output.append(unknownToken)
        }
    }

    /// The token of each token's bytes (ordinary tokens only; the first id of a spelling wins).
    func tokenTable() -> (table: ByteStringTable, ids: [UInt32]) {
        var table = ByteStringTable(capacity: tokens.count)
        var ids: [UInt32] = []
        for (id, token) in tokens.enumerated() where !token.isSpecial && !token.bytes.isEmpty {
            let (_, inserted) = token.bytes.withUnsafeBufferPointer { table.insert($0.baseAddress!, $0.count) }
            if inserted { ids.append(UInt32(id)) }
        }
        return (table, ids)
    }
}

/// A merge list (HF `tokenizers`, GPT-2's `bpe()`): the piece starts as byte tokens (or
/// character tokens), and adjacent symbols join by their merge's rank, lowest first
/// (``RankedJoin``). Pieces ``BPEModel/wholePieces`` names are their token when they are one.
final class MergeListPieces: PieceEncoder {
    private let model: BPEModel
    /// (left << 32 | right) -> rank << 32 | result.
    private let ranks: [UInt64: UInt64]
    private let wholeTokens: (table: ByteStringTable, ids: [UInt32])?

    init(_ model: BPEModel) {
        self.model = model
        var ranks: [UInt64: UInt64] = [:]
        for (rank, merge) in model.merges.enumerated() where ranks[merge.pairKey] == nil {
            ranks[merge.pairKey] = UInt64(rank) << 32 | UInt64(merge.result)
        }
        self.ranks = ranks
        wholeTokens = model.wholePieces == .none ? nil : model.tokenTable()
    }

    var barriers: [Bool]? { nil }

    func encode(_ bytes: UnsafePointer<UInt8>, _ length: Int, into output: inout [UInt32]) {
        if let wholeTokens, model.wholePieces == .tokens || (0..<length).allSatisfy({ bytes[$0] == 0x0A }),
           let entry = wholeTokens.table.index(of: bytes, length) {
            output.append(wholeTokens.ids[entry])
            return
        }
        // The start symbols are joined in place in `output`.
        if let characterTokens = model.characterTokens {
            let buffer = UnsafeBufferPointer(start: bytes, count: length)
            var i = 0
            while i < length {
                let (scalar, size) = UTF8Scalar.decode(buffer, at: i)
                if let id = characterTokens[scalar] { output.append(id) } else { model.appendUnknown(buffer, i, size, to: &output) }
                i += size
            }
        } else {
            for i in 0..<length { output.append(model.byteTokens[Int(bytes[i])]) }
        }
        RankedJoin.apply(&output) { left, right in
            ranks[packPair(left, right)].map { ($0 >> 32, UInt32(truncatingIfNeeded: $0)) }
        }
    }
}

/// tiktoken ranks: a piece that is a token is that token; otherwise adjacent parts join by the
/// rank of the token their concatenated bytes spell (a token's id is its rank), leftmost lowest
/// first.
final class TokenRankPieces: PieceEncoder {
    private let model: BPEModel
    private let tokens: (table: ByteStringTable, ids: [UInt32])

    init(_ model: BPEModel) {
        self.model = model
        tokens = model.tokenTable()
    }

    var barriers: [Bool]? { nil }

    func encode(_ bytes: UnsafePointer<UInt8>, _ length: Int, into output: inout [UInt32]) {
        if let entry = tokens.table.index(of: bytes, length) {
            output.append(tokens.ids[entry])
            return
        }
        var parts = (0..<Int32(length)).map { ByteRange(start: $0, count: 1) }
        RankedJoin.apply(&parts) { left, right in
            let joined = left.joined(with: right)
            return tokens.table.index(of: bytes + Int(joined.start), Int(joined.count)).map { (UInt64(tokens.ids[$0]), joined) }
        }
        for part in parts {
            guard let entry = tokens.table.index(of: bytes + Int(part.start), Int(part.count)) else {
                // Unreachable for a well-formed rank file: every single byte has a rank.
                for k in part.start..<Int32(part.end) { output.append(model.byteTokens[Int(bytes[Int(k)])]) }
                continue
            }
            output.append(tokens.ids[entry])
        }
    }
}

/// SentencePiece scores: parts join highest score first (``ScoreMerger``); a character left
/// without a piece becomes its character token, its byte tokens or the unknown token.
final class ScorePieces: PieceEncoder {
    private let model: BPEModel
    private let merger: ScoreMerger
    private var ends: [Int] = []
    let barriers: [Bool]?

    init(_ model: BPEModel, scores: [Float?]) {
        self.model = model
        merger = ScoreMerger(tokens: model.tokens, scores: scores)
        // ASCII bytes no multi-character piece contains: nothing joins across them, so text is
        // cut there (exactly), which keeps segments short and cacheable.
        var used = [Bool](repeating: false, count: 128)
        for (id, token) in model.tokens.enumerated() where id < scores.count && scores[id] != nil {
            guard token.bytes.count > UTF8Scalar.length(lead: token.bytes[0]) else { continue }
            for byte in token.bytes where byte < 128 { used[Int(byte)] = true }
        }
        let barriers = used.map { !$0 }
        self.barriers = barriers.contains(true) ? barriers : nil
    }

    func encode(_ bytes: UnsafePointer<UInt8>, _ length: Int, into output: inout [UInt32]) {
        let buffer = UnsafeBufferPointer(start: bytes, count: length)
        ends.removeAll(keepingCapacity: true)
        merger.segment(buffer, into: &ends)
        var start = 0
        for end in ends {
            if let id = merger.id(of: bytes + start, end - start) {
                output.append(id)
            } else if let id = model.characterTokens.flatMap({ $0[UTF8Scalar.decode(buffer, at: start).0] }),
                      end - start == UTF8Scalar.length(lead: bytes[start]) {
                output.append(id)
            } else {
                model.appendUnknown(buffer, start, end - start, to: &output)
            }
            start = end
        }
    }
}

extension MergeSemantics {
    /// The piece encoder of this semantics for `model`.
    func pieceEncoder(for model: BPEModel) -> PieceEncoder {
        switch self {
        case .mergeList: return MergeListPieces(model)
        case .tokenRanks: return TokenRankPieces(model)
        case .pieceScores(let scores): return ScorePieces(model, scores: scores)
        }
    }
}
