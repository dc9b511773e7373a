import Foundation

/// How well the inferred mixture explains the merge list, and how much of the training data it
/// leaves unexplained.
///
/// A tokenizer's merge `t` was the most frequent pair of its training mixture at step `t`. Under
/// the inferred mixture each step has a *relative shortfall*: how far the merge's frequency
/// falls below the most frequent other pair's, as a fraction of that pair's frequency
/// (``MixtureSolver/relativeShortfalls(alpha:pairSlack:)``, with the LP's pair slacks).
/// Sampling noise leaves small shortfalls at every step; a category missing from those offered
/// leaves the merges it drove with shortfalls near 1, because no offered category has their
/// pairs often enough.
public struct FitQuality: Sendable, Codable, Equatable {
    /// Constrained steps measured.
    public var steps: Int
    /// The fit-quality figure: the mean relative shortfall over the steps (0: every merge is
    /// the mixture's most frequent pair; 1: no merge is explained). Relative per step, so
    /// tokenizers, sample sizes and merge counts compare.
    public var meanShortfall: Double
    /// Estimated share of the training data that the offered categories do not explain: the
    /// fraction of steps whose shortfall is at least ``unexplainedThreshold``, merges that no
    /// offered category has often enough to have made. The fraction of merges stands for the
    /// fraction of bytes (a category's merges grow about in proportion to its share). Weighting
    /// the steps by the frequency their merge had to reach was tried and measured worse. It
    /// also counts text that the samples do not represent; how it tracks a missing share is
    /// measured in the README, "Uncertainty and the unexplained share".
    public var unexplainedShare: Double
    /// Steps per twentieth of the shortfall range: [0, 0.05), [0.05, 0.1), ..., [0.95, 1].
    public var histogram: [Int]
    /// Mean shortfall along the merge list, in up to ``profileBins`` consecutive runs of steps.
    public var profile: [Double]

    public static let profileBins = 50

    /// Above this mean shortfall the samples explain too few merges to tell missing categories
    /// from noise (samples too small for this many merges, or unlike the training text), and
    /// the unexplained share is not an estimate (set between the values of complete runs and of
    /// runs with a withheld category: README, "Uncertainty and the unexplained share").
    public static let reliableMeanShortfall = 0.5

    /// Whether ``unexplainedShare`` can be read as an estimate (see ``reliableMeanShortfall``).
    public var isReliable: Bool { meanShortfall <= FitQuality.reliableMeanShortfall }

    /// A step counts as unexplained from this relative shortfall on: chosen on two
    /// `experiment --withhold 1` runs of 5 languages (seeds 0 and 1), where 0.75 had the
    /// smallest error among 0.5-0.95 without counting more than 2% of a complete run's steps.
    public static let unexplainedThreshold = 0.75

    /// A fit quality as measured before (read back from a result).
    public init(steps: Int, meanShortfall: Double, unexplainedShare: Double, histogram: [Int], profile: [Double]) {
        self.steps = steps
        self.meanShortfall = meanShortfall
        self.unexplainedShare = unexplainedShare
        self.histogram = histogram
        self.profile = profile
    }

    public init(shortfalls: [Double]) {
        steps = shortfalls.count
        let count = Double(max(shortfalls.count, 1))
        meanShortfall = shortfalls.reduce(0, +) / count
        unexplainedShare = Double(shortfalls.filter { $0 >= FitQuality.unexplainedThreshold }.count) / count
        histogram = [Int](repeating: 0, count: 20)
        for value in shortfalls { histogram[min(19, max(0, Int(value * 20)))] += 1 }
        let bins = min(FitQuality.profileBins, shortfalls.count)
        profile = (0..<bins).map { bin in
            let range = (bin * shortfalls.count / bins)..<((bin + 1) * shortfalls.count / bins)
            return shortfalls[range].reduce(0, +) / Double(range.count)
        }
    }
}
