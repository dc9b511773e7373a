import BPE
import Corpora
import Dispatch
import Foundation
import Support
import TokenizerFormats

/// How to estimate a mixture.
public enum InferenceMethod: String, CaseIterable, Sendable, Codable {
    /// The LP over merge-step pair counts (Hayase et al. 2024).
    case attack
    /// A uniform draw from the simplex.
    case random
    /// Tokenizer encoding efficiency.
    case tee
    /// Token classification.
    case tc
}

/// What every method reads: the target tokenizer and one text sample per category.
public struct InferenceInputs: Sendable {
    public var tokenizer: Tokenizer
    public var names: [String]
    public var samples: [Corpus]
    public var mergeCount: Int
    public var cache: CountCache?

    public init(tokenizer: Tokenizer, names: [String], samples: [Corpus], mergeCount: Int, cache: CountCache?) {
        self.tokenizer = tokenizer
        self.names = names
        self.samples = samples
        self.mergeCount = mergeCount
        self.cache = cache
    }

    /// Pair-count traces of every sample, on both cores.
    public func counts() throws -> [CategoryCounts] {
        let counter = PairCounter(tokenizer: tokenizer, mergeCount: mergeCount, cache: cache)
        return try parallelMap(samples.indices.map { $0 }) { index in
            try counter.count(name: names[index], corpus: samples[index])
        }
    }

    /// Token ids of every sample under `tokenizer`, on both cores.
    func encodings(with tokenizer: Tokenizer) throws -> [[UInt32]] {
        try parallelMap(samples) { sample in
            let encoder = try tokenizer.makeEncoder()
            var ids: [UInt32] = []
            // Each sequence is encoded on its own, as the tokenizer was trained.
            sample.bytes.withUnsafeBufferPointer { buffer in
                for index in 0..<sample.sequenceCount {
                    let range = sample.sequenceRange(index)
                    encoder.encode(UnsafeBufferPointer(rebasing: buffer[range]), appendingTo: &ids)
                }
            }
            return ids
        }
    }
}
