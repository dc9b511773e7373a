import Pretokenization

/// Encodes text to token ids with a ``BPEModel``: pretokenize, then inside each piece apply
/// merges lowest rank first, all occurrences of a pair left to right (HF's `merge_all` and
/// GPT-2's `bpe()` give the same result). Repeated pieces are served from a cache.
///
/// Not thread-safe (it owns a splitter and a cache); make one per thread.
public final class BPEEncoder {
    public let model: BPEModel
    private let splitter: Splitter
    private let normalizer: Normalizer?
    /// (left << 32 | right) -> rank << 32 | result.
    private let ranks: [UInt64: UInt64]
    private var cache = ByteStringTable(capacity: 1 << 14)
    private var cacheRanges: [(start: Int32, count: Int32)] = []
    private var cacheIds: [UInt32] = []
    private var ends: [Int] = []
    private var work: [UInt32] = []
    /// For rank-based models: token bytes -> entry, and each entry's id.
    private var tokenTable = ByteStringTable(capacity: 16)
    private var tokenIds: [UInt32] = []
    /// For SentencePiece (score-based) models.
    private let scoreMerger: ScoreMerger?
    /// For score-based models: ASCII bytes no multi-character piece contains. Nothing can join
    /// across them, so text is cut there (exactly), which keeps segments short and cacheable.
    private var barriers = [Bool](repeating: false, count: 128)
    private var hasBarriers = false
    /// Some byte has no token (it is dropped from the output).
    private let missingBytes: Bool
    private var partEnds: [Int] = []

    /// Added tokens matched in raw text first, longest first.
    private let userDefinedTokens: [(bytes: [UInt8], id: UInt32)]

    /// Creates an encoder for `model` with the pieces of `pretokenizer`.
    /// - Parameter userDefinedTokens: tokens cut out of the raw text before anything else
    ///   (llama.cpp's user-defined tokens), each occurrence becoming that token.
    public init(model: BPEModel, pretokenizer: Pretokenizer, normalizer: Normalizer? = nil,
                userDefinedTokens: [(bytes: [UInt8], id: UInt32)] = []) throws {
        self.model = model
        self.userDefinedTokens = userDefinedTokens.filter { !$0.bytes.isEmpty }.sorted { $0.bytes.count > $1.bytes.count }
        self.splitter = try pretokenizer.makeSplitter()
        self.normalizer = normalizer
        var ranks: [UInt64: UInt64] = [:]
        // Rank-based (tiktoken) and score-based (SentencePiece) models merge by token bytes and
        // never read the pair table.
        let usesPairs = !model.mergeByRank && model.pieceScores == nil
        for (rank, merge) in model.merges.enumerated() where usesPairs && ranks[merge.pairKey] == nil {
            ranks[merge.pairKey] = UInt64(rank) << 32 | UInt64(merge.result)
        }
        self.ranks = ranks
        missingBytes = model.byteTokens.contains(SymbolAlphabet.noToken)
        scoreMerger = model.pieceScores.map { ScoreMerger(tokens: model.tokens, scores: $0) }
        if let scores = model.pieceScores {
            var used = [Bool](repeating: false, count: 128)
            for (id, token) in model.tokens.enumerated() where id < scores.count && scores[id] != nil {
                guard token.bytes.count > UTF8Scalar.length(lead: token.bytes[0]) else { continue }
                for byte in token.bytes where byte < 128 { used[Int(byte)] = true }
            }
            barriers = used.map { !$0 }
            hasBarriers = barriers.contains(true)
        }
        if model.mergeByRank || model.ignoreMerges {
            tokenTable = ByteStringTable(capacity: model.tokens.count)
            for (id, token) in model.tokens.enumerated() where !token.isSpecial && !token.bytes.isEmpty {
                let (_, inserted) = token.bytes.withUnsafeBufferPointer { tokenTable.insert($0.baseAddress!, $0.count) }
                if inserted { tokenIds.append(UInt32(id)) }
            }
        }
    }

    /// The ids of UTF-8 `text` (no special tokens are added or recognised).
    public func encode(_ text: UnsafeBufferPointer<UInt8>, appendingTo ids: inout [UInt32]) {
        if userDefinedTokens.isEmpty {
            encodeFragment(text, appendingTo: &ids)
            return
        }
        // llama.cpp's partition: each user-defined token, longest first, splits every raw
        // fragment at all its occurrences.
        var fragments: [(range: Range<Int>, id: UInt32?)] = [(0..<text.count, nil)]
        for token in userDefinedTokens {
            var next: [(range: Range<Int>, id: UInt32?)] = []
            for fragment in fragments {
                guard fragment.id == nil else { next.append(fragment); continue }
                var start = fragment.range.lowerBound
                var i = start
                while i + token.bytes.count <= fragment.range.upperBound {
                    if text[i] == token.bytes[0] && (1..<token.bytes.count).allSatisfy({ text[i + $0] == token.bytes[$0] }) {
                        if i > start { next.append((start..<i, nil)) }
                        next.append((i..<i + token.bytes.count, token.id))
                        i += token.bytes.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < fragment.range.upperBound { next.append((start..<fragment.range.upperBound, nil)) }
            }
            fragments = next
        }
        for fragment in fragments {
            if let id = fragment.id {
                ids.append(id)
            } else {
                encodeFragment(UnsafeBufferPointer(rebasing: text[fragment.range]), appendingTo: &ids)
            }
        }
    }

    private func encodeFragment(_ text: UnsafeBufferPointer<UInt8>, appendingTo ids: inout [UInt32]) {
        if let normalizer, !text.isEmpty {
            // Normalization of valid UTF-8 only fails on absurd sizes; encode the text as it is then.
            if let normalized = try? normalizer.apply(text) {
                normalized.withUnsafeBufferPointer { encodeNormalized($0, appendingTo: &ids) }
                return
            }
        }
        encodeNormalized(text, appendingTo: &ids)
    }

    private func encodeNormalized(_ text: UnsafeBufferPointer<UInt8>, appendingTo ids: inout [UInt32]) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        ends.removeAll(keepingCapacity: true)
        splitter.split(text, into: &ends)
        var start = 0
        for end in ends {
            if hasBarriers {
                encodeBetweenBarriers(base, start, end, into: &ids)
            } else {
                encodePiece(base + start, end - start, into: &ids)
            }
            start = end
        }
    }

    private func encodeBetweenBarriers(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into ids: inout [UInt32]) {
        var segment = start
        for i in start..<end where base[i] < 128 && barriers[Int(base[i])] {
            if i > segment { encodePiece(base + segment, i - segment, into: &ids) }
            encodePiece(base + i, 1, into: &ids)
            segment = i + 1
        }
        if end > segment { encodePiece(base + segment, end - segment, into: &ids) }
    }

    /// The ids of a string.
    public func encode(_ text: String) -> [UInt32] {
        var ids: [UInt32] = []
        let utf8 = Array(text.utf8)
        utf8.withUnsafeBufferPointer { encode($0, appendingTo: &ids) }
        return ids
    }

    /// The bytes of `ids`, concatenated.
    public func decode(_ ids: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids where Int(id) < model.tokens.count { bytes.append(contentsOf: model.tokens[Int(id)].bytes) }
        return bytes
    }

    private func encodePiece(_ bytes: UnsafePointer<UInt8>, _ length: Int, into ids: inout [UInt32]) {
        if let hit = cache.index(of: bytes, length) {
            let range = cacheRanges[hit]
            ids.append(contentsOf: cacheIds[Int(range.start)..<Int(range.start + range.count)])
            return
        }
        work.removeAll(keepingCapacity: true)
        if model.ignoreMerges, let entry = tokenTable.index(of: bytes, length) {
            work.append(tokenIds[entry])
        } else if let scoreMerger {
            mergeByScore(scoreMerger, bytes, length, into: &work)
        } else if model.mergeByRank {
            mergeByRank(bytes, length, into: &work)
        } else if let characterTokens = model.characterTokens {
            startCharacters(characterTokens, bytes, length, into: &work)
            applyMerges(&work)
        } else {
            for i in 0..<length { work.append(model.byteTokens[Int(bytes[i])]) }
            applyMerges(&work)
        }
        if missingBytes { work.removeAll { $0 == SymbolAlphabet.noToken } }
        if cache.count < 1 << 20 {
            _ = cache.insert(bytes, length)
            cacheRanges.append((Int32(cacheIds.count), Int32(work.count)))
            cacheIds.append(contentsOf: work)
        }
        ids.append(contentsOf: work)
    }

    /// Character-level start symbols; a character without a token becomes its byte-fallback
    /// tokens or the unknown token (HF `BPE` with `byte_fallback`).
    private func startCharacters(_ characterTokens: [UInt32: UInt32], _ bytes: UnsafePointer<UInt8>, _ length: Int,
                                 into output: inout [UInt32]) {
        let buffer = UnsafeBufferPointer(start: bytes, count: length)
        var i = 0
        while i < length {
            let (scalar, size) = UTF8Scalar.decode(buffer, at: i)
            if let id = characterTokens[scalar] {
                output.append(id)
            } else {
                appendUnknown(buffer, i, size, to: &output)
            }
            i += size
        }
    }

    private func appendUnknown(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int, to output: inout [UInt32]) {
        if model.byteFallback {
            for k in start..<start + length { output.append(model.byteTokens[Int(buffer[k])]) }
        } else if let unknown = model.unknownToken {
            output.append(unknown)
        }
    }

    /// SentencePiece's encoding of one piece: score-ordered joining, then byte fallback for the
    /// characters left without a piece.
    private func mergeByScore(_ merger: ScoreMerger, _ bytes: UnsafePointer<UInt8>, _ length: Int, into output: inout [UInt32]) {
        let buffer = UnsafeBufferPointer(start: bytes, count: length)
        partEnds.removeAll(keepingCapacity: true)
        merger.segment(buffer, into: &partEnds)
        var start = 0
        for end in partEnds {
            if let id = merger.id(of: bytes + start, end - start) {
                output.append(id)
            } else if let id = model.characterTokens.flatMap({ $0[UTF8Scalar.decode(buffer, at: start).0] }), end - start == UTF8Scalar.length(lead: bytes[start]) {
                output.append(id)
            } else {
                appendUnknown(buffer, start, end - start, to: &output)
            }
            start = end
        }
    }

    /// tiktoken's encoding of one piece: the piece's own token if it has one, else byte-pair
    /// merging by the rank of the concatenated bytes, leftmost lowest first.
    private func mergeByRank(_ bytes: UnsafePointer<UInt8>, _ length: Int, into output: inout [UInt32]) {
        if let entry = tokenTable.index(of: bytes, length) {
            output.append(tokenIds[entry])
            return
        }
        var parts = (0..<Int32(length)).map { ByteRange(start: $0, count: 1) }
        RankedJoin.apply(&parts) { left, right in
            let joined = left.joined(with: right)
            // A token's id is its rank.
            return tokenTable.index(of: bytes + Int(joined.start), Int(joined.count)).map { (UInt64(tokenIds[$0]), joined) }
        }
        for part in parts {
            guard let entry = tokenTable.index(of: bytes + Int(part.start), Int(part.count)) else {
                // Unreachable for a well-formed rank file: every single byte has a rank.
                for k in part.start..<Int32(part.end) { output.append(model.byteTokens[Int(bytes[Int(k)])]) }
                continue
            }
            output.append(tokenIds[entry])
        }
    }

    /// Merges the lowest-ranked adjacent pair until none is in the merge list.
    private func applyMerges(_ symbols: inout [UInt32]) {
        RankedJoin.apply(&symbols) { left, right in
            ranks[packPair(left, right)].map { ($0 >> 32, UInt32(truncatingIfNeeded: $0)) }
        }
    }
}
