import Foundation
import Support

/// A point of a ROC curve: predicting "member" for scores at or above `threshold`.
public struct ROCPoint: Codable, Sendable, Equatable {
    /// nil for the origin (no text predicted "member").
    public var threshold: Double?
    public var falsePositiveRate: Double
    public var truePositiveRate: Double
}

/// How well one detector separates members from non-members.
public struct DetectionMetrics: Codable, Sendable {
    /// Area under the ROC curve (ties count one half).
    public var auc: Double
    /// 95% bootstrap interval of the AUC (percentiles of stratified resamples).
    public var aucInterval: [Double]
    /// Largest TPR at a false-positive rate below 0.1%, 1% and 5% (keys "0.001", "0.01", "0.05").
    public var tprAtFPR: [String: Double]
    public var members: Int
    public var nonMembers: Int
    /// The ROC curve, one point per distinct score (plus the origin).
    public var curve: [ROCPoint]
}

/// ROC analysis with a seeded bootstrap.
public enum ROC {
    /// The false-positive rates TPR is reported at.
    public static let lowFalsePositiveRates: [(key: String, rate: Double)] = [("0.001", 0.001), ("0.01", 0.01), ("0.05", 0.05)]

    /// Metrics of `scores` (higher = member) against `labels` (true = member); both classes
    /// must be present. `resamples` stratified bootstrap draws with `seed` give the interval.
    public static func metrics(scores: [Double], labels: [Bool], resamples: Int = 1000, seed: UInt64 = 0) -> DetectionMetrics {
        precondition(scores.count == labels.count)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        precondition(positives > 0 && negatives > 0, "ROC needs both classes")
        let unit = [Double](repeating: 1, count: scores.count)
        let auc = Statistics.auc(order: order, scores: scores, labels: labels, weights: unit)

        // Stratified bootstrap: resample members and non-members separately, so every draw has
        // both classes and the class balance of the data.
        let memberIndices = labels.indices.filter { labels[$0] }
        let nonMemberIndices = labels.indices.filter { !labels[$0] }
        var generator = SeededGenerator(seed: seed)
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        var weights = [Double](repeating: 0, count: scores.count)
        for _ in 0..<resamples {
            for index in weights.indices { weights[index] = 0 }
            for _ in 0..<memberIndices.count { weights[memberIndices[Int.random(in: 0..<memberIndices.count, using: &generator)]] += 1 }
            for _ in 0..<nonMemberIndices.count {
                weights[nonMemberIndices[Int.random(in: 0..<nonMemberIndices.count, using: &generator)]] += 1
            }
            draws.append(Statistics.auc(order: order, scores: scores, labels: labels, weights: weights))
        }
        draws.sort()
        let interval = resamples > 0 ? [linearQuantile(draws, 0.025), linearQuantile(draws, 0.975)] : [auc, auc]

        let curve = rocCurve(order: order, scores: scores, labels: labels)
        var tpr: [String: Double] = [:]
        for (key, rate) in lowFalsePositiveRates {
            tpr[key] = curve.filter { $0.falsePositiveRate < rate }.map(\.truePositiveRate).max() ?? 0
        }
        return DetectionMetrics(auc: auc, aucInterval: interval, tprAtFPR: tpr, members: positives, nonMembers: negatives, curve: curve)
    }

    /// ROC points from the highest threshold down (each distinct score once), after (0, 0).
    static func rocCurve(order: [Int], scores: [Double], labels: [Bool]) -> [ROCPoint] {
        let positives = Double(labels.filter { $0 }.count)
        let negatives = Double(labels.count) - positives
        var points = [ROCPoint(threshold: nil, falsePositiveRate: 0, truePositiveRate: 0)]
        var truePositives = 0.0, falsePositives = 0.0
        var end = order.count
        while end > 0 {
            var start = end - 1
            while start > 0, scores[order[start - 1]] == scores[order[end - 1]] { start -= 1 }
            for position in start..<end {
                if labels[order[position]] { truePositives += 1 } else { falsePositives += 1 }
            }
            points.append(ROCPoint(threshold: scores[order[start]], falsePositiveRate: falsePositives / negatives,
                                   truePositiveRate: truePositives / positives))
            end = start
        }
        return points
    }
}
