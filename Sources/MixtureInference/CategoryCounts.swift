import BPE
import Corpora
import Dispatch
import Foundation
import Pretokenization
import Support
import TokenizerFormats

/// One category's pair counts under a merge list, which travels with them: the solver replays
/// the counts against exactly the merges they were counted under.
public struct CategoryCounts: Sendable {
    public var name: String
    /// Bytes of sample text counted.
    public var sampleBytes: Int
    public var trace: PairCountTrace
    /// The merges the trace replays, one per step (the skipped base merges included).
    public var merges: ArraySlice<MergeRule>
    /// Whether the counts came from the cache.
    public var fromCache: Bool

    public init(name: String, sampleBytes: Int, trace: PairCountTrace, merges: ArraySlice<MergeRule>, fromCache: Bool = false) {
        self.name = name
        self.sampleBytes = sampleBytes
        self.trace = trace
        self.merges = merges
        self.fromCache = fromCache
    }
}

/// Counts pairs of category samples under the first merges of a tokenizer.
public struct PairCounter: Sendable {
    public let merges: ArraySlice<MergeRule>
    /// The symbols words start from.
    public let alphabet: SymbolAlphabet
    /// Splits samples into the words the tokenizer's trainer saw.
    public let pretokenizer: Pretokenizer
    /// Normalization the tokenizer applies before pretokenizing.
    public let normalizer: Normalizer?
    /// Where traces are cached; nil disables the cache.
    public let cache: CountCache?

    public init(tokenizer: Tokenizer, mergeCount: Int, cache: CountCache?) {
        self.merges = tokenizer.inferenceMerges.prefix(mergeCount)
        self.alphabet = tokenizer.model.alphabet
        self.pretokenizer = tokenizer.trainingPretokenizer ?? tokenizer.pretokenizer
        self.normalizer = tokenizer.normalizer
        self.cache = cache
        tokenizerKey = PairCounter.key(merges: merges, alphabet: alphabet, pretokenizer: pretokenizer, normalizer: normalizer)
    }

    /// The part of the cache key that depends on the tokenizer (merges, byte ids, pretokenizer,
    /// normalizer, T), computed once: every category's key starts with it.
    public private(set) var tokenizerKey = ""

    static func key(merges: ArraySlice<MergeRule>, alphabet: SymbolAlphabet, pretokenizer: Pretokenizer,
                    normalizer: Normalizer?) -> String {
        var fingerprint = Fingerprint()
        // v3: canonical traces (pairs in key order), equal to the sum of any split's traces
        fingerprint.update("toksleuth pair counts v3")
        fingerprint.update(pretokenizer: pretokenizer, normalizer: normalizer)
        fingerprint.update(UInt64(merges.count))
        fingerprint.update(merges: merges)
        for id in alphabet.byteTokens { fingerprint.update(UInt64(id)) }
        if let characters = alphabet.characterTokens {
            for (scalar, id) in characters.sorted(by: { $0.key < $1.key }) { fingerprint.update(UInt64(scalar) << 32 | UInt64(id)) }
        }
        return fingerprint.hex
    }

    /// Counts one category's text (valid UTF-8, cut into sequences).
    public func count(name: String, corpus: Corpus) throws -> CategoryCounts {
        var keyPrint = Fingerprint()
        keyPrint.update(tokenizerKey)
        keyPrint.update(corpus.bytes)
        for end in corpus.sequenceEnds { keyPrint.update(UInt64(end)) }
        let key = keyPrint.hex
        if let cache, let hit = cache.load(key: key), hit.trace.steps == merges.count {
            return CategoryCounts(name: name, sampleBytes: hit.sampleBytes, trace: hit.trace, merges: merges, fromCache: true)
        }
        let trace = try self.trace(of: corpus)
        cache?.store(trace, sampleBytes: corpus.bytes.count, key: key)
        return CategoryCounts(name: name, sampleBytes: corpus.bytes.count, trace: trace, merges: merges)
    }

    /// The canonical trace of a text (valid UTF-8, cut into sequences), without the cache.
    public func trace(of corpus: Corpus) throws -> PairCountTrace {
        let text = try normalizer.map { try corpus.normalized(by: $0) } ?? corpus
        let words = try WordCounts.count(text: text.bytes, sequenceEnds: text.sequenceEnds, pretokenizer: pretokenizer)
        return PairCountTrace.trace(words: words, alphabet: alphabet, merges: merges).canonical()
    }

    /// Reads and counts every category, on both cores.
    public func count(categories: [CategorySource], maxBytes: Int?) throws -> [CategoryCounts] {
        try parallelMap(categories) { source in try count(name: source.name, corpus: try source.read(maxBytes: maxBytes)) }
    }
}

extension Corpus {
    /// Each sequence normalized on its own (sequence boundaries are kept).
    func normalized(by normalizer: Normalizer) throws -> Corpus {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        try self.bytes.withUnsafeBufferPointer { buffer in
            for index in 0..<sequenceCount {
                bytes.append(contentsOf: try normalizer.apply(UnsafeBufferPointer(rebasing: buffer[sequenceRange(index)])))
                ends.append(bytes.count)
            }
        }
        return Corpus(bytes: bytes, sequenceEnds: ends)
    }
}
