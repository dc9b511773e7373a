import Foundation

/// Small statistics helpers.
public enum Statistics {
    /// Ranks with ties averaged (1-based).
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = average }
            start = end + 1
        }
        return ranks
    }

    /// Pearson correlation (0 when either side is constant).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        guard x.count >= 2 else { return 0 }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// Spearman rank correlation (Pearson on tie-averaged ranks).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double { pearson(ranks(x), ranks(y)) }

    /// Area under the ROC curve of `scores` (higher: positive) for `labels`, each example
    /// counted with its weight; ties count one half. `order` sorts the scores ascending.
    /// 0.5 when a class is empty.
    ///
    /// Scores 0.1, 0.4, 0.35, 0.8 with labels no, yes, no, yes: 3 of the 4 (positive, negative)
    /// pairs are ordered right, so 0.75.
    public static func auc(order: [Int], scores: [Double], labels: [Bool], weights: [Double]) -> Double {
        var negativesBelow = 0.0, area = 0.0, positiveTotal = 0.0
        var start = 0
        while start < order.count {
            var end = start
            var groupPositive = 0.0, groupNegative = 0.0
            while end < order.count, scores[order[end]] == scores[order[start]] {
                let index = order[end]
                if labels[index] { groupPositive += weights[index] } else { groupNegative += weights[index] }
                end += 1
            }
            area += groupPositive * (negativesBelow + 0.5 * groupNegative)
            negativesBelow += groupNegative
            positiveTotal += groupPositive
            start = end
        }
        return positiveTotal > 0 && negativesBelow > 0 ? area / (positiveTotal * negativesBelow) : 0.5
    }

    /// ``auc(order:scores:labels:weights:)`` with every example weighing 1.
    public static func auc(scores: [Double], labels: [Bool]) -> Double {
        auc(order: scores.indices.sorted { scores[$0] < scores[$1] }, scores: scores, labels: labels,
            weights: [Double](repeating: 1, count: scores.count))
    }
}
