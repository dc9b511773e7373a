import BPE
import Corpora
import Foundation
import Support
import TokenizerFormats

/// What a bootstrap replicate resamples.
public enum BootstrapResampling: String, Sendable, Codable, CaseIterable {
    /// The documents of every category sample (the sample is one draw of the category).
    case documents
    /// The merge steps whose constraints enter the LP (the merge list is one draw of the
    /// tokenizer's training data: its order among near-ties is noise).
    case steps
    /// Documents and steps together: both sources of noise at once.
    case both
}

/// One bootstrap replicate: its proportions, and whether its LP was proven optimal (a
/// replicate cut off by `--lp-time-limit` is a feasible point, not an optimum, and says so).
public struct BootstrapReplicate: Sendable, Codable, Equatable {
    public var proportions: [Double]
    public var optimal: Bool
    /// Why its rounds ended ("optimal", "time limit", ...: ``SolverReport/stopReason``).
    public var stopReason: String

    public init(proportions: [Double], optimal: Bool, stopReason: String) {
        self.proportions = proportions
        self.optimal = optimal
        self.stopReason = stopReason
    }

    enum CodingKeys: String, CodingKey {
        case proportions, optimal
        case stopReason = "stop_reason"
    }
}

/// How the LPs of a bootstrap's replicates ended: an interval built on replicates that were
/// cut off is labelled, never passed off as the spread of optima.
public struct BootstrapSolves: Sendable, Codable, Equatable {
    public var replicates: Int
    /// Replicates whose LP was proven optimal.
    public var optimal: Int
    /// The others, counted by stop reason.
    public var notOptimal: [String: Int]

    /// The summary of these replicates.
    public init(_ replicates: [BootstrapReplicate]) {
        self.replicates = replicates.count
        optimal = replicates.filter(\.optimal).count
        notOptimal = Dictionary(grouping: replicates.filter { !$0.optimal }, by: \.stopReason).mapValues(\.count)
    }

    /// The sum of several bootstraps' summaries (an experiment's trials).
    public init(merging summaries: [BootstrapSolves]) {
        replicates = summaries.map(\.replicates).reduce(0, +)
        optimal = summaries.map(\.optimal).reduce(0, +)
        notOptimal = summaries.reduce(into: [:]) { total, summary in total.merge(summary.notOptimal, uniquingKeysWith: +) }
    }

    /// True when every replicate's LP was proven optimal.
    public var allOptimal: Bool { optimal == replicates }

    /// "20 replicates, all LPs proven optimal", or which were not and why.
    public var description: String {
        if allOptimal { return "\(replicates) replicates, all LPs proven optimal" }
        let reasons = notOptimal.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(replicates) replicates, \(optimal) LPs proven optimal, \(replicates - optimal) NOT OPTIMAL (\(reasons)): the interval spreads feasible points, not optima"
    }

    enum CodingKeys: String, CodingKey {
        case replicates, optimal
        case notOptimal = "not_optimal"
    }
}

/// Uncertainty of an inferred mixture by resampling the category samples' documents and/or
/// the merge steps.
///
/// A sample is one draw of documents from its category; another draw would count other pairs
/// and give another mixture. Each replicate resamples every category's documents with
/// replacement (documents: runs of lines between blank lines, the corpora's document
/// separator; a sample without blank lines resamples its lines), counts pairs again and solves
/// the LP again; the interval per category is the central `level` range of the replicates'
/// proportions (percentile bootstrap).
public enum Bootstrap {
    /// What a replicate resamples of `corpus`: its documents (``Corpus/documents``), or its
    /// lines when it is a single document.
    public static func documents(of corpus: Corpus) -> [Range<Int>] {
        let documents = corpus.documents
        return documents.count > 1 ? documents : (0..<corpus.sequenceCount).map { $0..<($0 + 1) }
    }

    /// A resample of `corpus`'s documents with replacement (as many documents as it has).
    static func resample(_ corpus: Corpus, documents: [Range<Int>], using generator: inout SeededGenerator) -> Corpus {
        var result = Corpus()
        for _ in 0..<documents.count {
            result.append(sequences: documents[Int.random(in: 0..<documents.count, using: &generator)], of: corpus)
        }
        return result
    }

    /// `replicates` resampled solves, on all cores (one replicate a core: GLPK keeps its state
    /// per thread, and each replicate is independent of the others), in replicate order.
    ///
    /// Each replicate draws its documents and its steps from generators of its own, so the
    /// `.both` replicates resample the same documents as the `.documents` ones of the same seed.
    /// `progress` gets the number of finished replicates (one call at a time, from whichever
    /// thread finished one).
    public static func replicates(tokenizer: Tokenizer, names: [String], samples: [Corpus], mergeCount: Int, skipMerges: Int = 0,
                                  solver: SolverOptions, replicates: Int, seed: UInt64,
                                  resampling: BootstrapResampling = .both,
                                  progress: ((Int, Int) -> Void)? = nil) throws -> [BootstrapReplicate] {
        // Resampling steps alone keeps the counts: one count serves every replicate.
        let fixedCounts = resampling == .steps
            ? try InferenceInputs(tokenizer: tokenizer, names: names, samples: samples, mergeCount: skipMerges + mergeCount, cache: nil).counts()
            : nil
        let finished = CompletionCounter(total: replicates, report: progress)
        return try parallelMap(Array(0..<replicates)) { index in
            let draw = try replicate(index, tokenizer: tokenizer, names: names, samples: samples, mergeCount: mergeCount, skipMerges: skipMerges,
                                     solver: solver, seed: seed, resampling: resampling, fixedCounts: fixedCounts)
            finished.finishOne()
            return draw
        }
    }

    /// Replicate `index` alone (a work unit: any replicate can be computed
    /// anywhere, in any order, and equals the one ``replicates(tokenizer:names:samples:mergeCount:skipMerges:solver:replicates:seed:resampling:progress:)``
    /// computes). `fixedCounts`: the samples' counts when only steps are resampled (else counted here).
    public static func replicate(_ index: Int, tokenizer: Tokenizer, names: [String], samples: [Corpus], mergeCount: Int, skipMerges: Int = 0,
                                 solver: SolverOptions, seed: UInt64, resampling: BootstrapResampling = .both,
                                 fixedCounts: [CategoryCounts]? = nil) throws -> BootstrapReplicate {
        let merges = tokenizer.inferenceMerges.prefix(skipMerges + mergeCount)
        func counts(of samples: [Corpus]) throws -> [CategoryCounts] {
            try InferenceInputs(tokenizer: tokenizer, names: names, samples: samples, mergeCount: skipMerges + mergeCount, cache: nil).counts()
        }
        let replicateSeed = seed &* 0x2545_F491 &+ UInt64(index) &+ 11
        var documentGenerator = SeededGenerator(seed: replicateSeed)
        var stepGenerator = SeededGenerator(seed: replicateSeed ^ 0x5DEE_CE66_D1CE_4E5B)
        let categoryCounts: [CategoryCounts]
        if resampling == .steps {
            categoryCounts = try fixedCounts ?? counts(of: samples)
        } else {
            let documents = samples.map(Bootstrap.documents(of:))
            categoryCounts = try counts(of: samples.indices.map { resample(samples[$0], documents: documents[$0], using: &documentGenerator) })
        }
        let weights = resampling == .documents ? nil
            : stepWeights(steps: merges.count, firstStep: skipMerges, using: &stepGenerator)
        let solution = try MixtureSolver(categories: categoryCounts, firstStep: skipMerges, scale: solver.scale)
            .solve(options: solver, stepWeights: weights)
        return BootstrapReplicate(proportions: solution.proportions, optimal: solution.report.converged, stopReason: solution.report.stopReason)
    }

    /// Multiplicities of a resample with replacement of the steps `firstStep..<steps` (the
    /// earlier steps weigh 0, as they give no constraints anyway).
    static func stepWeights(steps: Int, firstStep: Int, using generator: inout SeededGenerator) -> [Double] {
        var weights = [Double](repeating: 0, count: steps)
        let constrained = steps - firstStep
        for _ in 0..<constrained { weights[firstStep + Int.random(in: 0..<constrained, using: &generator)] += 1 }
        return weights
    }

    /// Per category, the central `level` interval of the draws' proportions, widened about the
    /// estimate for the noise no replicate sees.
    ///
    /// The replicates resample the category samples and the merge steps, but the tokenizer's
    /// own training documents are a draw too, which no one can resample: when it is as noisy as
    /// the samples (`trainingNoise` 1, the variance ratio of the two draws), the variances add
    /// and the interval widens by sqrt(1 + trainingNoise) about the estimate (after stretching
    /// it to contain the estimate). 0 leaves the percentile interval as it is: for a tokenizer
    /// trained on far more text than the samples. Clamped to [0, 1].
    public static func intervals(_ draws: [[Double]], level: Double = 0.9, estimates: [Double]? = nil,
                                 trainingNoise: Double = 0) -> [[Double]] {
        guard let width = draws.first?.count else { return [] }
        let factor = (1 + max(0, trainingNoise)).squareRoot()
        return (0..<width).map { category in
            let values = draws.map { $0[category] }.sorted()
            var low = linearQuantile(values, (1 - level) / 2), high = linearQuantile(values, 1 - (1 - level) / 2)
            if let estimate = estimates?[category] {
                low = min(low, estimate)
                high = max(high, estimate)
                low = max(0, estimate - factor * (estimate - low))
                high = min(1, estimate + factor * (high - estimate))
            }
            return [low, high]
        }
    }
}
