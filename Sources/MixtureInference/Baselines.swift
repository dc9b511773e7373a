import BPE
import Corpora
import Dispatch
import Foundation
import Support
import TokenizerFormats

/// The paper's baselines.
public enum Baselines {
    /// Token classification: each token the first merges created goes to the category whose
    /// sample uses it most often (per token of sample); a category's share is the fraction of
    /// those tokens it receives. Tokens no sample uses are ignored.
    public static func tokenClassification(inputs: InferenceInputs) throws -> [Double] {
        let encodings = try inputs.encodings(with: inputs.tokenizer)
        let merged = Set(inputs.tokenizer.model.merges.prefix(inputs.mergeCount).map(\.result))
        let vocabulary = inputs.tokenizer.model.vocabularySize
        var frequencies: [[Double]] = []
        for ids in encodings {
            var counts = [Double](repeating: 0, count: vocabulary)
            for id in ids { counts[Int(id)] += 1 }
            let total = Double(max(ids.count, 1))
            frequencies.append(counts.map { $0 / total })
        }
        var assigned = [Double](repeating: 0, count: inputs.names.count)
        for token in merged.sorted() {
            var best = -1
            var bestFrequency = 0.0
            for (category, frequency) in frequencies.enumerated() where frequency[Int(token)] > bestFrequency {
                best = category
                bestFrequency = frequency[Int(token)]
            }
            if best >= 0 { assigned[best] += 1 }
        }
        let total = assigned.reduce(0, +)
        return total > 0 ? assigned.map { $0 / total } : [Double](repeating: 1 / Double(assigned.count), count: assigned.count)
    }

    /// Tokenizer encoding efficiency, as a ratio per category: bytes per token of the target
    /// tokenizer on the category's sample, divided by bytes per token of a tokenizer with the
    /// same number of merges trained on that category alone (`ownTrainingText`, or the sample
    /// itself when nil). A tokenizer encodes its own training data well, so the ratio rises
    /// with the category's share.
    public static func encodingEfficiencyRatios(inputs: InferenceInputs, ownTrainingText: [Corpus]?) throws -> [Double] {
        let target = try inputs.encodings(with: inputs.tokenizer)
        let mergeCount = inputs.mergeCount
        let pretokenizer = inputs.tokenizer.pretokenizer
        let texts = ownTrainingText ?? inputs.samples
        let samples = inputs.samples
        let ownRates: [Double] = try parallelMap(Array(texts.indices)) { index in
            let text = texts[index]
            let words = try WordCounts.count(text: text.bytes, sequenceEnds: text.sequenceEnds, pretokenizer: pretokenizer)
            let model = try BPETrainer(vocabularySize: mergeCount + 256).train(words)
            let own = InferenceInputs(tokenizer: Tokenizer(model: model, pretokenizer: pretokenizer, format: .trained),
                                      names: [""], samples: [samples[index]], mergeCount: mergeCount, cache: nil)
            let ids = try own.encodings(with: own.tokenizer)[0]
            return Double(samples[index].bytes.count) / Double(max(ids.count, 1))
        }
        return (0..<samples.count).map { index in
            let targetRate = Double(samples[index].bytes.count) / Double(max(target[index].count, 1))
            return targetRate / ownRates[index]
        }
    }

    /// Exponent of the TEE fit `share ∝ ratio^k` used when no trials are available to fit it
    /// (the median of leave-one-trial-out fits on ../shared/corpora languages, n = 5, T = 3,000).
    public static let defaultEncodingEfficiencyExponent = 12.0

    /// Shares from efficiency ratios: `share_i ∝ ratio_i ^ exponent` (a linear fit in log-log space).
    public static func encodingEfficiencyEstimate(ratios: [Double], exponent: Double) -> [Double] {
        let logs = ratios.map { exponent * log(max($0, 1e-12)) }
        let top = logs.max() ?? 0
        let weights = logs.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// The exponent that minimises the mean log10 MSE over known (ratios, truth) pairs.
    public static func fitEncodingEfficiencyExponent(_ examples: [(ratios: [Double], truth: [Double])]) -> Double {
        guard !examples.isEmpty else { return defaultEncodingEfficiencyExponent }
        var best = (score: Double.infinity, exponent: defaultEncodingEfficiencyExponent)
        for step in 0...200 {
            let exponent = Double(step) * 0.5
            let score = examples.map { log10(max(meanSquaredError(encodingEfficiencyEstimate(ratios: $0.ratios, exponent: exponent), $0.truth), 1e-300)) }
                .reduce(0, +) / Double(examples.count)
            if score < best.score { best = (score, exponent) }
        }
        return best.exponent
    }
}
