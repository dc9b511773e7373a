import Pretokenization

/// Encodes text to token ids with a ``BPEModel``, one pipeline for every tokenizer family:
/// user-defined tokens cut out of the raw text, the normalizer, the pretokenizer, then each
/// piece by the model's ``MergeSemantics`` (a merge list, tiktoken ranks or SentencePiece
/// scores, one small piece encoder each). Repeated pieces are served from a cache.
///
/// Not thread-safe (it owns a splitter and a cache); make one per thread.
public final class BPEEncoder {
    public let model: BPEModel
    private let splitter: Splitter
    private let normalizer: Normalizer?
    /// How each piece becomes ids (by the model's ``MergeSemantics``).
    private let pieces: PieceEncoder
    private var cache = ByteStringTable(capacity: 1 << 14)
    private var cacheRanges: [(start: Int32, count: Int32)] = []
    private var cacheIds: [UInt32] = []
    private var ends: [Int] = []
    private var work: [UInt32] = []
    /// ASCII bytes no join can cross (score-based models): text is cut there.
    private let barriers: [Bool]?
    /// Some byte has no token (it is dropped from the output).
    private let missingBytes: Bool

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
        pieces = model.semantics.pieceEncoder(for: model)
        barriers = pieces.barriers
        missingBytes = model.byteTokens.contains(SymbolAlphabet.noToken)
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
            if let barriers {
                encodeBetweenBarriers(barriers, base, start, end, into: &ids)
            } else {
                encodePiece(base + start, end - start, into: &ids)
            }
            start = end
        }
    }

    private func encodeBetweenBarriers(_ barriers: [Bool], _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into ids: inout [UInt32]) {
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
        pieces.encode(bytes, length, into: &work)
        if missingBytes { work.removeAll { $0 == SymbolAlphabet.noToken } }
        if cache.count < 1 << 20 {
            _ = cache.insert(bytes, length)
            cacheRanges.append((Int32(cacheIds.count), Int32(work.count)))
            cacheIds.append(contentsOf: work)
        }
        ids.append(contentsOf: work)
    }
}
