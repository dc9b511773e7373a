import BPE
import Corpora
import Foundation
import Pretokenization
import Support
import TokenizerFormats

/// Mean squared error between two mixtures (the paper's score).
public func meanSquaredError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count && !a.isEmpty)
    return zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(a.count)
}

/// Settings of a controlled experiment.
public struct ExperimentConfig: Sendable {
    public var categoriesFolder: String
    /// Where samples come from when not the categories folder (distribution shift).
    public var sampleFolder: String?
    public var categoriesPerTrial = 5
    public var trials = 10
    public var merges = 30_000
    public var trainBytes = 10_000_000
    public var sampleBytes = 1_000_000
    public var seed: UInt64 = 0
    /// Count on the training text itself (no sampling noise).
    public var sameData = false
    public var methods: [InferenceMethod] = InferenceMethod.allCases
    public var keepFolder: String?
    /// Bootstrap replicates per trial for the attack's intervals (0: none), and their level.
    public var bootstrap = 0
    public var bootstrapLevel = 0.9
    /// What the replicates resample; with several, each gives its own intervals on the same
    /// trials (to compare their coverage).
    public var bootstrapResamplings: [BootstrapResampling] = [.both]
    public var bootstrapTrainingNoise = 1.0
    /// Each trial also infers with this many of its categories withheld (0: not).
    public var withhold = 0
    public var solver = SolverOptions()

    public init(categoriesFolder: String) { self.categoriesFolder = categoriesFolder }
}

/// One trial's outcome.
public struct TrialResult: Sendable, Codable {
    public var trial: Int
    public var categories: [String]
    public var truth: [Double]
    /// Estimates by method name.
    public var estimates: [String: [Double]]
    public var mse: [String: Double]
    /// Seconds per stage.
    public var seconds: [String: Double]
    public var mergesUsed: Int
    public var solver: SolverReport?
    /// TEE's per-category efficiency ratios (the estimate depends on a fitted exponent).
    public var encodingEfficiencyRatios: [Double]?
    /// Methods that failed on this trial, with the reason (they are left out of the summary).
    public var failures: [String: String] = [:]
    /// The attack's bootstrap interval per category (with `--bootstrap`), of the first resampling.
    public var intervals: [[Double]]?
    /// The intervals of every resampling asked for, by its name.
    public var intervalsByResampling: [String: [[Double]]]?
    /// How the LPs of every bootstrap replicate of the trial ended (all resamplings).
    public var bootstrapSolves: BootstrapSolves?
    /// How well the attack's mixture explains the merges.
    public var fit: FitQuality?
    /// The attack run again with some categories withheld (with `--withhold`).
    public var withheld: WithheldRun?

    enum CodingKeys: String, CodingKey {
        case trial, categories, truth, estimates, mse, seconds, solver, failures, intervals, fit, withheld
        case mergesUsed = "merges_used", mergesMissing = "merges_missing", encodingEfficiencyRatios = "encoding_efficiency_ratios"
        case intervalsByResampling = "intervals_by_resampling"
        case bootstrapSolves = "bootstrap_solves"
    }
}

/// `experiment --json` trials (docs/results.md): seconds only with timings; `merges_missing`
/// is the solver's count of skipped steps.
extension TrialResult {
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        trial = try container.decode(Int.self, forKey: .trial)
        categories = try container.decode([String].self, forKey: .categories)
        truth = try container.decode([Double].self, forKey: .truth)
        estimates = try container.decode([String: [Double]].self, forKey: .estimates)
        mse = try container.decode([String: Double].self, forKey: .mse)
        seconds = try container.decodeIfPresent([String: Double].self, forKey: .seconds) ?? [:]
        mergesUsed = try container.decode(Int.self, forKey: .mergesUsed)
        solver = try container.decodeIfPresent(SolverReport.self, forKey: .solver)
        encodingEfficiencyRatios = try container.decodeIfPresent([Double].self, forKey: .encodingEfficiencyRatios)
        failures = try container.decodeIfPresent([String: String].self, forKey: .failures) ?? [:]
        intervals = try container.decodeIfPresent([[Double]].self, forKey: .intervals)
        intervalsByResampling = try container.decodeIfPresent([String: [[Double]]].self, forKey: .intervalsByResampling)
        bootstrapSolves = try container.decodeIfPresent(BootstrapSolves.self, forKey: .bootstrapSolves)
        fit = try container.decodeIfPresent(FitQuality.self, forKey: .fit)
        withheld = try container.decodeIfPresent(WithheldRun.self, forKey: .withheld)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(trial, forKey: .trial)
        try container.encode(categories, forKey: .categories)
        try container.encode(truth, forKey: .truth)
        try container.encode(estimates, forKey: .estimates)
        try container.encode(mse, forKey: .mse)
        if encoder.includesTimings { try container.encode(seconds, forKey: .seconds) }
        try container.encode(mergesUsed, forKey: .mergesUsed)
        try container.encodeIfPresent(solver, forKey: .solver)
        if let solver { try container.encode(solver.missingSteps.count, forKey: .mergesMissing) }
        try container.encodeIfPresent(encodingEfficiencyRatios, forKey: .encodingEfficiencyRatios)
        try container.encode(failures, forKey: .failures)
        try container.encodeIfPresent(intervals, forKey: .intervals)
        try container.encodeIfPresent(intervalsByResampling, forKey: .intervalsByResampling)
        try container.encodeIfPresent(bootstrapSolves, forKey: .bootstrapSolves)
        try container.encodeIfPresent(fit, forKey: .fit)
        try container.encodeIfPresent(withheld, forKey: .withheld)
    }
}

/// An attack over fewer categories than the tokenizer was trained on.
public struct WithheldRun: Sendable, Codable {
    /// The categories left out.
    public var categories: [String]
    /// Their true share of the training bytes: what the unexplained share should estimate.
    public var share: Double
    /// Estimates for the categories kept (in the trial's order without the withheld ones).
    public var estimates: [Double]
    /// MSE of `estimates` against the kept categories' true shares renormalised to 1.
    public var mse: Double
    public var fit: FitQuality
}

/// Runs trials: draw a mixture, train a tokenizer on it, infer the mixture back.
public struct ExperimentRunner {
    public var config: ExperimentConfig

    public init(config: ExperimentConfig) { self.config = config }

    /// Runs all trials; `progress` gets each finished trial.
    public func run(progress: ((TrialResult) -> Void)? = nil) throws -> [TrialResult] {
        let trainSources = try Categories.discover(in: config.categoriesFolder, role: .train)
        guard trainSources.count >= config.categoriesPerTrial else {
            throw InferenceError("\(config.categoriesFolder) has \(trainSources.count) categories, fewer than --n \(config.categoriesPerTrial)")
        }
        guard config.categoriesPerTrial >= 2 else { throw InferenceError("--n must be at least 2") }
        guard config.merges > 0 else { throw InferenceError("--merges must be positive") }
        let sampleSources = try Categories.discover(in: config.sampleFolder ?? config.categoriesFolder, role: .sample)
        let sampleByName = Dictionary(uniqueKeysWithValues: sampleSources.map { ($0.name, $0) })
        var trainCache: [String: Corpus] = [:]
        var sampleCache: [String: Corpus] = [:]
        var results: [TrialResult] = []
        for trial in 0..<config.trials {
            var generator = SeededGenerator(seed: config.seed &* 1_000_003 &+ UInt64(trial))
            var chosen = Array(trainSources.shuffled(using: &generator).prefix(config.categoriesPerTrial))
            chosen.sort { $0.name < $1.name }
            let weights = generator.simplexPoint(chosen.count)
            var seconds: [String: Double] = [:]
            var clock = Date()
            func lap(_ stage: String) {
                seconds[stage, default: 0] += Date().timeIntervalSince(clock)
                clock = Date()
            }
            var trainTexts: [Corpus] = []
            for source in chosen {
                if trainCache[source.name] == nil { trainCache[source.name] = try source.read() }
                trainTexts.append(trainCache[source.name]!)
            }
            let (mixture, portions) = MixtureCorpus.build(sources: trainTexts, weights: weights, totalBytes: config.trainBytes)
            let truthBytes = portions.map { Double($0.bytes.count) }
            let truth = truthBytes.map { $0 / truthBytes.reduce(0, +) }
            lap("mixture")
            let words = try WordCounts.count(text: mixture.bytes, sequenceEnds: mixture.sequenceEnds, pretokenizer: .gpt2Digits)
            let model = try BPETrainer(vocabularySize: config.merges + 256).train(words)
            let tokenizer = Tokenizer(model: model, pretokenizer: .gpt2Digits, format: .trained)
            lap("train")
            var samples: [Corpus] = []
            for (index, source) in chosen.enumerated() {
                if config.sameData {
                    samples.append(portions[index])
                    continue
                }
                guard let sampleSource = sampleByName[source.name] else {
                    throw InferenceError("no sample for category \(source.name) in \(config.sampleFolder ?? config.categoriesFolder)")
                }
                if sampleCache[source.name] == nil {
                    sampleCache[source.name] = try sampleSource.read(maxBytes: config.sampleBytes)
                }
                samples.append(sampleCache[source.name]!)
            }
            lap("read samples")
            let mergesUsed = min(config.merges, model.merges.count)
            var estimates: [String: [Double]] = [:]
            var solverReport: SolverReport?
            var teeRatios: [Double]?
            var failures: [String: String] = [:]
            var intervals: [[Double]]?
            var intervalsByResampling: [String: [[Double]]]?
            var bootstrapSolves: BootstrapSolves?
            var fit: FitQuality?
            var withheld: WithheldRun?
            let inputs = InferenceInputs(tokenizer: tokenizer, names: chosen.map(\.name), samples: samples,
                                         mergeCount: mergesUsed, cache: nil)
            for method in config.methods {
                switch method {
                case .attack:
                    let counts = try inputs.counts()
                    lap("count")
                    do {
                        let solver = try MixtureSolver(categories: counts, scale: config.solver.scale)
                        let solution = try solver.solve(options: config.solver)
                        estimates[method.rawValue] = solution.proportions
                        solverReport = solution.report
                        fit = solver.fitQuality(of: solution)
                        if config.withhold > 0 {
                            lap("solve")
                            withheld = try withholdRun(trial: trial, counts: counts, truth: truth, merges: model.merges.prefix(mergesUsed))
                            lap("withheld")
                        }
                        if config.bootstrap > 0 {
                            lap("solve")
                            var byResampling: [String: [[Double]]] = [:]
                            var replicates: [BootstrapReplicate] = []
                            for resampling in config.bootstrapResamplings {
                                let draws = try Bootstrap.replicates(tokenizer: tokenizer, names: chosen.map(\.name), samples: samples,
                                                                     mergeCount: mergesUsed, solver: config.solver, replicates: config.bootstrap,
                                                                     seed: config.seed &+ UInt64(trial), resampling: resampling)
                                replicates += draws
                                byResampling[resampling.rawValue] = Bootstrap.intervals(draws.map(\.proportions), level: config.bootstrapLevel,
                                                                                        estimates: solution.proportions,
                                                                                        trainingNoise: config.bootstrapTrainingNoise)
                                lap("bootstrap (\(resampling.rawValue))")
                            }
                            intervals = config.bootstrapResamplings.first.flatMap { byResampling[$0.rawValue] }
                            intervalsByResampling = byResampling
                            bootstrapSolves = BootstrapSolves(replicates)
                        }
                    } catch let error as InferenceError {
                        // One trial's numerical failure should not discard the other trials.
                        failures[method.rawValue] = error.description
                    }
                    lap("solve")
                case .random:
                    var baselineGenerator = SeededGenerator(seed: config.seed &* 7_919 &+ UInt64(trial) &+ 17)
                    estimates[method.rawValue] = baselineGenerator.simplexPoint(chosen.count)
                case .tee:
                    let ratios = try Baselines.encodingEfficiencyRatios(inputs: inputs, ownTrainingText: trainTexts)
                    teeRatios = ratios
                    estimates[method.rawValue] = Baselines.encodingEfficiencyEstimate(
                        ratios: ratios, exponent: Baselines.defaultEncodingEfficiencyExponent)
                    lap("tee")
                case .tc:
                    estimates[method.rawValue] = try Baselines.tokenClassification(inputs: inputs)
                    lap("tc")
                }
            }
            let mse = estimates.mapValues { meanSquaredError($0, truth) }
            let result = TrialResult(trial: trial, categories: chosen.map(\.name), truth: truth, estimates: estimates,
                                     mse: mse, seconds: seconds, mergesUsed: mergesUsed, solver: solverReport,
                                     encodingEfficiencyRatios: teeRatios, failures: failures, intervals: intervals,
                                     intervalsByResampling: intervalsByResampling, bootstrapSolves: bootstrapSolves, fit: fit, withheld: withheld)
            if let keep = config.keepFolder {
                try keepTrial(result, tokenizer: tokenizer, folder: keep)
            }
            results.append(result)
            progress?(result)
        }
        return ExperimentRunner.refitEncodingEfficiency(results)
    }

    /// Solves again without `config.withhold` randomly chosen categories of the trial.
    func withholdRun(trial: Int, counts: [CategoryCounts], truth: [Double], merges: ArraySlice<MergeRule>) throws -> WithheldRun {
        guard config.withhold < counts.count else {
            throw InferenceError("--withhold \(config.withhold) must be less than --n \(counts.count)")
        }
        var generator = SeededGenerator(seed: config.seed &* 104_729 &+ UInt64(trial) &+ 5)
        let left = Set(counts.indices.shuffled(using: &generator).prefix(config.withhold))
        let kept = counts.indices.filter { !left.contains($0) }
        let solver = try MixtureSolver(categories: kept.map { counts[$0] }, scale: config.solver.scale)
        let solution = try solver.solve(options: config.solver)
        let keptTruth = kept.map { truth[$0] }
        let keptTotal = keptTruth.reduce(0, +)
        return WithheldRun(categories: left.sorted().map { counts[$0].name }, share: left.map { truth[$0] }.reduce(0, +),
                           estimates: solution.proportions, mse: meanSquaredError(solution.proportions, keptTruth.map { $0 / keptTotal }),
                           fit: solver.fitQuality(of: solution))
    }

    /// Replaces each trial's TEE estimate by one whose exponent was fitted on the other trials
    /// (leave one trial out), as the paper fits TEE's log-log relation on known mixtures.
    static func refitEncodingEfficiency(_ results: [TrialResult]) -> [TrialResult] {
        guard results.count >= 2 else { return results }
        return results.map { result in
            guard let ratios = result.encodingEfficiencyRatios else { return result }
            let others = results.filter { $0.trial != result.trial }.compactMap { other in
                other.encodingEfficiencyRatios.map { (ratios: $0, truth: other.truth) }
            }
            var updated = result
            let estimate = Baselines.encodingEfficiencyEstimate(ratios: ratios,
                                                                exponent: Baselines.fitEncodingEfficiencyExponent(others))
            updated.estimates[InferenceMethod.tee.rawValue] = estimate
            updated.mse[InferenceMethod.tee.rawValue] = meanSquaredError(estimate, result.truth)
            return updated
        }
    }

    private func keepTrial(_ result: TrialResult, tokenizer: Tokenizer, folder: String) throws {
        let trialFolder = (folder as NSString).appendingPathComponent(String(format: "trial-%03d", result.trial))
        try FileManager.default.createDirectory(atPath: trialFolder, withIntermediateDirectories: true)
        try TokenizerLoader.write(tokenizer, to: (trialFolder as NSString).appendingPathComponent("tokenizer.json"))
        let encoder = ResultJSON.encoder()
        let truth = Dictionary(uniqueKeysWithValues: zip(result.categories, result.truth))
        try AtomicWrite.write([UInt8](try encoder.encode(truth)), to: (trialFolder as NSString).appendingPathComponent("mixture.json"))
        try AtomicWrite.write([UInt8](try encoder.encode(result)), to: (trialFolder as NSString).appendingPathComponent("result.json"))
    }
}
