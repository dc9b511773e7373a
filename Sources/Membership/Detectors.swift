import CZlib
import Foundation

/// A membership detector. Every score is oriented so that **higher means "member"**; the
/// formulas follow the published code (Min-K% `swj0419/detect-pretrain-code`, Min-K%++
/// `zjysteven/mink-plus-plus`, DC-PDD `zhang-wei-chao/DC-PDD`), on tokens 2...N of each text.
/// With `ll` the mean log-likelihood of tokens 2...N:
///
/// | name       | score                                                                      |
/// |------------|----------------------------------------------------------------------------|
/// | `loss`     | `ll` (minus the loss)                                                      |
/// | `zlib`     | `ll / zlib(text)`: bytes of the zlib-compressed UTF-8 text (level 6)       |
/// | `lowercase`| `ll(lowercased text) / ll` (each with its own tokens)                      |
/// | `ref`      | `ll - ll_ref`, the reference model's mean log-likelihood of the same text   |
/// | `min-k`    | mean of the `max(1, floor(k n))` lowest log p (n = N - 1)                  |
/// | `min-k++`  | the same over `(log p - mu) / sigma` (0 where sigma is 0)                  |
/// | `dc-pdd`   | mean over the first occurrence of each token of `min(p * -log f, 0.01)`,   |
/// |            | f = (count + 1) / (total + V) in a reference corpus (Laplace smoothing)    |
///
/// Where the published code divides by zero or averages nothing (k n < 1), the table's
/// `max(1, ...)` and `0` rules give a defined score instead of NaN. A text with fewer than two
/// tokens has no scored position: it is left out of every method (and counted as skipped).
public enum MembershipMethod: String, CaseIterable, Codable, Sendable {
    case loss
    case zlib
    case lowercase
    case reference = "ref"
    case minK = "min-k"
    case minKPlusPlus = "min-k++"
    case dcPDD = "dc-pdd"
}

/// What detectors need besides a text's own scores.
public struct DetectorContext: Sendable {
    /// Fraction of tokens Min-K% and Min-K%++ average (the papers' default 20%).
    public var k: Double = 0.2
    /// Token frequencies in a reference corpus, for DC-PDD: count per id and the vocabulary
    /// size for Laplace smoothing.
    public var referenceFrequencies: TokenFrequencies?
    /// DC-PDD's upper bound per token (the paper's a = 0.01).
    public var dcPDDBound = 0.01

    public init(k: Double = 0.2, referenceFrequencies: TokenFrequencies? = nil) {
        self.k = k
        self.referenceFrequencies = referenceFrequencies
    }
}

/// Token counts of a reference corpus (DC-PDD's "frequency of a token in the collection").
public struct TokenFrequencies: Sendable {
    public var counts: [Int]
    public var total: Int

    /// Counts of `ids` over a vocabulary of `vocabularySize` (ids outside it are ignored).
    public init(texts: [[UInt32]], vocabularySize: Int) {
        counts = [Int](repeating: 0, count: vocabularySize)
        total = 0
        for text in texts {
            for id in text where Int(id) < vocabularySize {
                counts[Int(id)] += 1
                total += 1
            }
        }
    }

    /// Laplace-smoothed frequency of `id`: (count + 1) / (total + V).
    public func frequency(_ id: UInt32) -> Double {
        let count = Int(id) < counts.count ? counts[Int(id)] : 0
        return Double(count + 1) / Double(total + counts.count)
    }
}

/// The detectors' formulas.
public enum Detectors {
    /// Mean log-likelihood of tokens 2...N.
    public static func meanLogLikelihood(_ logProbabilities: ArraySlice<Double>) -> Double {
        logProbabilities.isEmpty ? 0 : logProbabilities.reduce(0, +) / Double(logProbabilities.count)
    }

    /// Mean of the `max(1, floor(k * n))` smallest values.
    public static func meanOfLowest(_ values: [Double], fraction k: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let count = max(1, Int(Double(values.count) * k))
        return values.sorted().prefix(count).reduce(0, +) / Double(count)
    }

    /// Bytes of `text` compressed by zlib at its default level (Python's `zlib.compress`).
    public static func zlibLength(_ text: String) -> Int {
        var bytes = Array(text.utf8)
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = bytes.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(source.count), Z_DEFAULT_COMPRESSION)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed")
        return Int(length)
    }

    /// The score of `method` for `text`, or nil when the method lacks an input for it
    /// (no text for zlib, no lowercase scores, no reference scores, no mu/sigma, no tokens or
    /// frequencies for DC-PDD). `text` must be scorable.
    public static func score(_ method: MembershipMethod, text: ScoredText, reference: ScoredText?,
                             context: DetectorContext) -> Double? {
        let scored = text.scoredLogProbabilities
        let ll = meanLogLikelihood(scored)
        switch method {
        case .loss:
            return ll
        case .zlib:
            guard let body = text.text else { return nil }
            return ll / Double(max(1, zlibLength(body)))
        case .lowercase:
            guard let lower = text.lowercaseLogProbabilities, lower.count >= 2 else { return nil }
            return meanLogLikelihood(lower.dropFirst()) / min(ll, -1e-12)
        case .reference:
            guard let reference, reference.isScorable else { return nil }
            return ll - meanLogLikelihood(reference.scoredLogProbabilities)
        case .minK:
            return meanOfLowest(Array(scored), fraction: context.k)
        case .minKPlusPlus:
            guard let means = text.means, let deviations = text.deviations else { return nil }
            var normalized: [Double] = []
            normalized.reserveCapacity(scored.count)
            for position in 1..<text.logProbabilities.count {
                let sigma = deviations[position]
                normalized.append(sigma > 0 ? (text.logProbabilities[position] - means[position]) / sigma : 0)
            }
            return meanOfLowest(normalized, fraction: context.k)
        case .dcPDD:
            guard let frequencies = context.referenceFrequencies, text.tokens.count == text.logProbabilities.count else {
                return nil
            }
            var seen = Set<UInt32>()
            var total = 0.0
            for position in 1..<text.tokens.count where seen.insert(text.tokens[position]).inserted {
                let p = exp(text.logProbabilities[position])
                total += min(p * -log(frequencies.frequency(text.tokens[position])), context.dcPDDBound)
            }
            return total / Double(seen.count)
        }
    }
}
