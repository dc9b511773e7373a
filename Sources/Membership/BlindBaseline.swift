import Foundation
import Support

/// A model-free classifier of members against non-members, from the texts alone (Das et al.
/// 2024, "Blind Baselines Beat Membership Inference Attacks for Foundation Models"; Meeus et
/// al. 2024). When it separates the two sets, they differ in distribution, and any detector's
/// AUC on them measures that difference, not membership.
///
/// Multinomial naive Bayes over lowercased word unigrams and bigrams and character 3-grams
/// (hashed into 2^20 buckets, each counted once per text), Laplace smoothing, scored out of
/// fold by stratified k-fold cross-validation with a seeded shuffle; the out-of-fold log-odds
/// are the scores whose ROC is reported.
public enum BlindBaseline {
    /// Result of the cross-validated classifier.
    public struct Result: Codable, Sendable {
        public var classifier: String
        public var folds: Int
        public var metrics: DetectionMetrics
        /// Whether the AUC interval lies above ``separableAUC``: the sets are separable
        /// without the model.
        public var separable: Bool
    }

    /// The AUC whose exceedance (by the lower end of the 95% interval) marks a benchmark as
    /// separable without the model.
    public static let separableAUC = 0.6

    static let bucketBits = 20

    /// Cross-validated scores and metrics of `texts` with `labels` (true = member).
    public static func evaluate(texts: [String], labels: [Bool], folds requestedFolds: Int = 5, seed: UInt64 = 0,
                                resamples: Int = 1000) -> Result {
        let features = (try? parallelMapChunks(count: texts.count) { range in range.map { BlindBaseline.features(of: texts[$0]) } })?
            .flatMap { $0 } ?? []
        let memberIndices = labels.indices.filter { labels[$0] }
        let nonMemberIndices = labels.indices.filter { !labels[$0] }
        let folds = max(2, min(requestedFolds, memberIndices.count, nonMemberIndices.count))
        var generator = SeededGenerator(seed: seed)
        var fold = [Int](repeating: 0, count: texts.count)
        for group in [memberIndices, nonMemberIndices] {
            for (position, index) in group.shuffled(using: &generator).enumerated() { fold[index] = position % folds }
        }
        var scores = [Double](repeating: 0, count: texts.count)
        let buckets = 1 << bucketBits
        var counts = [[Double]](repeating: [Double](repeating: 0, count: buckets), count: 2)
        for held in 0..<folds {
            for label in 0..<2 { for bucket in 0..<buckets { counts[label][bucket] = 0 } }
            var totals = [0.0, 0.0]
            for index in texts.indices where fold[index] != held {
                let label = labels[index] ? 1 : 0
                for feature in features[index] { counts[label][Int(feature)] += 1 }
                totals[label] += Double(features[index].count)
            }
            var vocabulary = 0
            for bucket in 0..<buckets where counts[0][bucket] > 0 || counts[1][bucket] > 0 { vocabulary += 1 }
            let size = Double(max(vocabulary, 1))
            let memberNorm = log(totals[1] + size), nonMemberNorm = log(totals[0] + size)
            for index in texts.indices where fold[index] == held {
                var logOdds = 0.0
                for feature in features[index] {
                    logOdds += log(counts[1][Int(feature)] + 1) - memberNorm - log(counts[0][Int(feature)] + 1) + nonMemberNorm
                }
                scores[index] = logOdds
            }
        }
        let metrics = ROC.metrics(scores: scores, labels: labels, resamples: resamples, seed: seed)
        return Result(classifier: "naive Bayes on word 1-2-grams and character 3-grams, \(folds)-fold cross-validation",
                      folds: folds, metrics: metrics, separable: metrics.aucInterval[0] > separableAUC)
    }

    /// Distinct hashed features of a text, sorted.
    static func features(of text: String) -> [UInt32] {
        var result: [UInt32] = []
        let mask = UInt32((1 << bucketBits) - 1)
        @inline(__always) func hash(_ kind: UInt32, _ values: some Sequence<UInt32>) -> UInt32 {
            var h: UInt32 = 2_166_136_261 ^ kind
            for value in values { h = (h ^ value) &* 16_777_619 }
            return h & mask
        }
        var scalars: [UInt32] = []
        for scalar in text.lowercased().unicodeScalars { scalars.append(scalar.value) }
        // Words: runs of scalars that are neither whitespace nor punctuation.
        var wordHashes: [UInt32] = []
        var current: [UInt32] = []
        func endWord() {
            guard !current.isEmpty else { return }
            let word = hash(1, current)
            result.append(word)
            if let previous = wordHashes.last { result.append(hash(2, [previous, word])) }
            wordHashes.append(word)
            current.removeAll(keepingCapacity: true)
        }
        for value in scalars {
            let scalar = Unicode.Scalar(value)!
            if scalar.properties.isWhitespace || Character(scalar).isPunctuation { endWord() } else { current.append(value) }
        }
        endWord()
        if scalars.count >= 3 {
            for start in 0...(scalars.count - 3) { result.append(hash(3, scalars[start..<(start + 3)])) }
        }
        // Each feature once per text, in a fixed order (identical sums run to run).
        return Array(Set(result)).sorted()
    }
}
