import Corpora
import Foundation
import LanguageModel
import MixtureInference
import Support
import TokenizerFormats

/// Mixture regression (RegMix, Liu et al. 2024) with toksleuth's proxy language model: draw
/// mixtures from a Dirichlet around a prior, train a proxy on each, measure the loss on a
/// target text, regress loss on mixture weights, and propose the mixture with the lowest
/// predicted loss (the mean of the best predicted among many drawn from the prior).
///
/// The regression is ridge regression on each weight and its logarithm (log(w + 0.01)): an
/// n-gram model's loss on related text falls roughly with the log of that text's share, so the
/// log terms carry the diminishing returns a linear model on raw weights misses, while ridge
/// keeps the fit stable with few runs and collinear weights (they sum to one). RegMix's
/// LightGBM needs hundreds of runs; 48 are enough here. Its penalty is chosen by
/// leave-one-out error (closed form) and its quality reported as the Spearman correlation of
/// out-of-fold predictions (5-fold) with the measured losses.
public struct RegMix: Sendable {
    public struct Configuration: Sendable {
        public var tokenizer: Tokenizer
        /// Text proxies train on, per candidate category.
        public var candidates: [CategorySource]
        /// What the loss is measured on.
        public var targetName: String
        public var targetFiles: [String]
        public var runs = 48
        /// Dirichlet parameters are `concentration * k * prior` (uniform prior: 1 each, the
        /// uniform distribution on the simplex).
        public var prior: [Double]?
        public var concentration = 1.0
        public var trainBytes = 2_000_000
        public var targetBytes = 300_000
        public var maxCategoryBytes: Int? = nil
        public var order = 2
        public var seed: UInt64 = 0
        /// Where each run's result is written (`runs/run-NNNN.json`); nil keeps nothing.
        public var folder: String?
        /// Mixtures drawn from the prior to look for the lowest predicted loss, and how many of
        /// the best are averaged into the proposal.
        public var proposalDraws = 100_000
        public var proposalTop = 100

        public init(tokenizer: Tokenizer, candidates: [CategorySource], targetName: String, targetFiles: [String]) {
            self.tokenizer = tokenizer
            self.candidates = candidates
            self.targetName = targetName
            self.targetFiles = targetFiles
        }
    }

    /// One proxy run.
    public struct Run: Codable, Sendable {
        public var index: Int
        public var key: String
        public var mixture: [Double]
        public var targetBitsPerByte: Double
        public var trainTokens: Int

        // No wall-clock time: a run file is the same bytes however fast the machine (reruns and
        // resumed runs are compared byte for byte).
        enum CodingKeys: String, CodingKey {
            case index, key, mixture
            case targetBitsPerByte = "target_bits_per_byte", trainTokens = "train_tokens"
        }
    }

    /// The fitted regression.
    public struct Regression: Codable, Sendable {
        public var kind = "ridge on w and log(w + 0.01), standardised features, intercept"
        public var lambda: Double
        public var intercept: Double
        public var coefficients: [Double]
        public var means: [Double]
        public var scales: [Double]
    }

    public struct Result: Codable, Sendable {
        public var names: [String]
        public var target: String
        public var runs: [Run]
        /// Runs found finished in the folder and not run again (not written to JSON: a resumed
        /// regmix writes the same bytes as an uninterrupted one).
        public var reused: Int = 0
        public var regression: Regression
        /// Out-of-fold (5-fold) predicted loss per run, and its Spearman correlation with the
        /// measured loss.
        public var heldOutPredictions: [Double]
        public var heldOutSpearman: Double
        public var proposal: [Double]
        public var proposalPredicted: Double
        public var bestRun: Int

        enum CodingKeys: String, CodingKey {
            case names, target, runs, regression, proposal
            case heldOutPredictions = "held_out_predictions", heldOutSpearman = "held_out_spearman"
            case proposalPredicted = "proposal_predicted", bestRun = "best_run"
        }
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The Dirichlet draw of run `index` (independent of the other runs).
    func mixture(run index: Int, prior: [Double]) -> [Double] {
        var generator = SeededGenerator(seed: configuration.seed &* 0x9E37_79B9 &+ UInt64(index) &+ 1)
        return Dirichlet.draw(alpha: prior.map { max($0 * configuration.concentration * Double(prior.count), 1e-3) }, using: &generator)
    }

    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Result {
        try execute(only: nil, progress: progress)!
    }

    /// Runs only the proxy runs `indices` (writing each to the folder, skipping those already
    /// there): work units that any machine can run, after which ``run(progress:)`` on the same
    /// folder reuses them all and only fits the regression.
    /// - Returns: how many of them ran (the others were complete).
    @discardableResult
    public func runOnly(_ indices: [Int]) throws -> Int {
        guard configuration.folder != nil else { throw InferenceError("regmix runs as units need a folder to write them to") }
        if let bad = indices.first(where: { !(0..<configuration.runs).contains($0) }) {
            throw InferenceError("run \(bad) does not exist: regmix has runs 0...\(configuration.runs - 1)")
        }
        var ran = 0
        _ = try execute(only: Set(indices)) { _, _ in } onRan: { ran = $0 }
        return ran
    }

    private func execute(only: Set<Int>?, progress: (@Sendable (Int, Int) -> Void)? = nil, onRan: ((Int) -> Void)? = nil) throws -> Result? {
        let c = configuration
        let k = c.candidates.count
        guard k >= 2 else { throw InferenceError("regmix needs at least two candidate categories") }
        guard c.runs >= 10 else { throw InferenceError("regmix needs at least 10 runs to fit and check a regression") }
        let given = c.prior ?? [Double](repeating: 1, count: k)
        let prior = given.map { $0 / given.reduce(0, +) }
        let categories = try TokenizedCategories(sources: c.candidates, tokenizer: c.tokenizer, maxBytes: c.maxCategoryBytes)
        let target = try TokenizedCategories(sources: [CategorySource(name: c.targetName, files: c.targetFiles)], tokenizer: c.tokenizer,
                                             maxBytes: c.targetBytes)
        let vocabulary = c.tokenizer.model.vocabularySize

        // Everything a run's result depends on, so that a stale file is never reused.
        var keyPrint = Fingerprint()
        keyPrint.update("toksleuth regmix run v1")
        keyPrint.update(c.tokenizer.fingerprint)
        for (name, documents) in zip(categories.names + target.names, categories.documents + target.documents) {
            keyPrint.update(name)
            for document in documents {
                keyPrint.update(UInt64(document.count))
                for id in document { keyPrint.update(UInt64(id)) }
            }
        }
        for value in [UInt64(c.trainBytes), UInt64(c.order), c.seed, c.concentration.bitPattern] { keyPrint.update(value) }
        for weight in prior { keyPrint.update(weight.bitPattern) }
        let baseKey = keyPrint.hex

        var runFolder: String?
        if let folder = c.folder {
            runFolder = (folder as NSString).appendingPathComponent("runs")
            try FileManager.default.createDirectory(atPath: runFolder!, withIntermediateDirectories: true)
        }
        let folderForRuns = runFolder
        @Sendable func path(_ index: Int) -> String? {
            folderForRuns.map { ($0 as NSString).appendingPathComponent(String(format: "run-%04d.json", index)) }
        }
        @Sendable func key(_ index: Int) -> String { "\(baseKey)-\(index)" }

        var finished = [Run?](repeating: nil, count: c.runs)
        for index in 0..<c.runs {
            guard let file = path(index), let data = FileBytes.contents(atPath: file),
                  let run = try? JSONDecoder().decode(Run.self, from: data), run.key == key(index) else { continue }
            finished[index] = run
        }
        let reused = finished.compactMap { $0 }.count
        let pending = (0..<c.runs).filter { finished[$0] == nil && (only?.contains($0) ?? true) }
        let done = ResultSlots<Run>(count: c.runs)
        let counter = CompletionCounter(start: reused, total: c.runs, report: progress)
        let targetDocuments = target.documents[0]
        let targetBytes = target.bytes(of: 0)
        let outcomes = ResultSlots<Error>(count: pending.count)
        // Runs are independent: both cores take them in turn; each result is written as soon
        // as it exists, so an interrupted regmix resumes where it stopped.
        DispatchQueue.concurrentPerform(iterations: pending.count) { slot in
            let index = pending[slot]
            do {
                let weights = mixture(run: index, prior: prior)
                let texts = categories.mixture(weights: weights, totalBytes: c.trainBytes)
                let model = try KneserNeyModel(texts: texts, vocabularySize: vocabulary, order: c.order)
                let loss = try bitsPerByte(model: model, documents: targetDocuments, bytes: targetBytes)
                let run = Run(index: index, key: key(index), mixture: weights, targetBitsPerByte: loss,
                              trainTokens: texts.reduce(0) { $0 + $1.count })
                if let file = path(index) {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    try AtomicWrite.write([UInt8](try encoder.encode(run)), to: file)
                }
                done[index] = run
                counter.increment()
            } catch {
                outcomes[slot] = error
            }
        }
        if let error = outcomes.values.compactMap({ $0 }).first { throw error }
        for index in pending { finished[index] = done[index] }
        if only != nil {
            onRan?(pending.count)
            return nil
        }
        let runs = finished.map { $0! }

        let features = runs.map { RegMix.features($0.mixture) }
        let losses = runs.map(\.targetBitsPerByte)
        // Out-of-fold predictions: 5 folds in a seeded order.
        var generator = SeededGenerator(seed: c.seed &+ 77)
        let order = Array(0..<runs.count).shuffled(using: &generator)
        var heldOut = [Double](repeating: 0, count: runs.count)
        let folds = 5
        for fold in 0..<folds {
            let test = order.enumerated().filter { $0.offset % folds == fold }.map(\.element)
            let train = order.enumerated().filter { $0.offset % folds != fold }.map(\.element)
            let fit = Ridge.fit(features: train.map { features[$0] }, targets: train.map { losses[$0] })
            for index in test { heldOut[index] = fit.predict(features[index]) }
        }
        let regression = Ridge.fit(features: features, targets: losses)

        // Proposal: average of the best predicted among draws from the prior.
        var proposalGenerator = SeededGenerator(seed: c.seed &+ 991)
        let alpha = prior.map { max($0 * c.concentration * Double(k), 1e-3) }
        var scored: [(Double, [Double])] = []
        scored.reserveCapacity(c.proposalDraws)
        for _ in 0..<c.proposalDraws {
            let weights = Dirichlet.draw(alpha: alpha, using: &proposalGenerator)
            scored.append((regression.predict(RegMix.features(weights)), weights))
        }
        scored.sort { $0.0 < $1.0 }
        let top = scored.prefix(max(1, c.proposalTop))
        var proposal = [Double](repeating: 0, count: k)
        for (_, weights) in top { for index in 0..<k { proposal[index] += weights[index] / Double(top.count) } }
        let best = runs.indices.min { losses[$0] < losses[$1] }!
        return Result(names: categories.names, target: c.targetName, runs: runs, reused: reused,
                      regression: Regression(lambda: regression.lambda, intercept: regression.intercept, coefficients: regression.coefficients,
                                             means: regression.means, scales: regression.scales),
                      heldOutPredictions: heldOut, heldOutSpearman: Statistics.spearman(heldOut, losses),
                      proposal: proposal, proposalPredicted: regression.predict(RegMix.features(proposal)), bestRun: best)
    }

    /// Regression features of a mixture: each weight and log(weight + 0.01).
    static func features(_ weights: [Double]) -> [Double] { weights + weights.map { log($0 + 0.01) } }

    /// The runs as CSV: index, one column per category, the measured and out-of-fold predicted loss.
    public static func csv(_ result: Result) -> String {
        var lines = ["run," + result.names.joined(separator: ",") + ",target_bits_per_byte,held_out_prediction"]
        for (run, predicted) in zip(result.runs, result.heldOutPredictions) {
            lines.append("\(run.index)," + run.mixture.map { String(format: "%.6f", $0) }.joined(separator: ",")
                + String(format: ",%.6f,%.6f", run.targetBitsPerByte, predicted))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Counts finished runs across threads and reports each new total.
final class CompletionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    private let total: Int
    private let report: (@Sendable (Int, Int) -> Void)?

    init(start: Int, total: Int, report: (@Sendable (Int, Int) -> Void)?) {
        count = start
        self.total = total
        self.report = report
        report?(start, total)
    }

    func increment() {
        lock.lock()
        count += 1
        report?(count, total)
        lock.unlock()
    }
}



extension RegMix.Result {
    /// The plain-text form `regmix` prints; `folder` is where the runs and results were written.
    public func table(folder: String) -> String {
        let best = runs[bestRun]
        var lines = ["\(runs.count) runs (\(reused) reused from \(folder)/runs) over \(names.joined(separator: ", ")); target \(target)",
                     String(format: "held-out Spearman (5-fold, predicted vs measured bits/byte): %.3f; ridge lambda %g", heldOutSpearman, regression.lambda),
                     String(format: "best run %d: %.4f bits/byte; proposal (predicted %.4f bits/byte):", best.index, best.targetBitsPerByte, proposalPredicted)]
        for (index, name) in names.enumerated() {
            lines.append("  " + name.padding(toLength: 14, withPad: " ", startingAt: 0)
                         + String(format: "%6.2f%%   (best run %6.2f%%)", 100 * proposal[index], 100 * best.mixture[index]))
        }
        lines.append("wrote \(folder)/regmix.csv and regmix.json")
        return lines.joined(separator: "\n")
    }
}
