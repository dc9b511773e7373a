import BPE
import Corpora
import Foundation
import Support
import TokenizerFormats

/// One category's estimated share.
public struct CategoryShare: Sendable, Codable, Equatable {
    public var name: String
    /// Share of the training *bytes* (alpha_i x bytes_i / pairs_i, renormalised).
    public var proportion: Double
    /// The bootstrap interval [low, high] of the proportion (with `--bootstrap`).
    public var interval: [Double]? = nil
    /// The LP weight alpha_i in *pair units* (each category's counts per pair of its sample),
    /// the unit of the paper's table of published tokenizers. Nil for the baselines.
    public var weight: Double? = nil

    public init(name: String, proportion: Double, interval: [Double]? = nil, weight: Double? = nil) {
        self.name = name
        self.proportion = proportion
        self.interval = interval
        self.weight = weight
    }
}

/// What `infer` reports.
public struct InferenceResult: Sendable, Codable {
    /// Sorted by proportion, largest first.
    public var categories: [CategoryShare]
    public var method: String
    public var mergesUsed: Int
    /// Steps skipped because their merge occurs in no sample at that point.
    public var mergesMissing: Int
    public var solver: SolverReport?
    /// How well the mixture explains the merges, and the share it leaves unexplained (attack).
    public var fit: FitQuality?
    /// What the bootstrap resampled (with intervals).
    public var bootstrapResampling: BootstrapResampling?
    /// How the bootstrap replicates' LPs ended (with intervals).
    public var bootstrapSolves: BootstrapSolves? = nil
    /// Seconds per stage (reading, counting, solving) of the run that computed the result
    /// (written only with timings: ``ResultJSON/encoder(timings:)``).
    public var seconds: [String: Double]
    /// Provenance a report shows: the command that made the result, and the family (folder
    /// name) of each category.
    public var command: String? = nil
    public var families: [String: [String]]? = nil
}

/// Everything `infer` needs, read and checked.
public struct InferenceRequest: Sendable {
    public var tokenizer: Tokenizer
    public var categories: [CategorySource]
    public var mergeCount: Int
    /// Merges applied before the attacked ones (they give no constraints).
    public var skipMerges = 0
    public var maxBytes: Int
    public var method: InferenceMethod
    public var seed: UInt64 = 0
    public var solver = SolverOptions()
    public var cache: CountCache?
    /// Bootstrap replicates for intervals (0: none), their level and what they resample.
    public var bootstrap = 0
    public var bootstrapLevel = 0.9
    public var bootstrapResampling = BootstrapResampling.both
    /// Variance of the tokenizer's training draw relative to the samples' (see
    /// ``Bootstrap/intervals(_:level:estimates:trainingNoise:)``).
    public var bootstrapTrainingNoise = 1.0
    /// A mixture to evaluate instead of inferring one (byte proportions in category order):
    /// the result carries these proportions and their fit quality, method "given".
    public var givenMixture: [Double]?
    /// Whether a stored whole result may be served (pair counts are cached either way).
    public var useResultCache = true
    /// Called after every LP round of the main solve (diagnosis).
    public var roundTrace: (@Sendable (RoundTrace) -> Void)?
    /// Pair counts counted elsewhere (`toksleuth count`, whole or summed shards), one file per
    /// category, with their paths: the LP is solved from them and no text is read. Only the
    /// attack (and a given mixture) can run from counts alone.
    public var countFiles: [(path: String, file: CountFile)]?
    /// Bootstrap replicates computed elsewhere (work units, ``Bootstrap/replicate(_:tokenizer:names:samples:mergeCount:skipMerges:solver:seed:resampling:fixedCounts:)``),
    /// in replicate order: used instead of computing `bootstrap` replicates here.
    public var bootstrapDraws: [BootstrapReplicate]?

    public init(tokenizer: Tokenizer, categories: [CategorySource], mergeCount: Int, maxBytes: Int,
                method: InferenceMethod, cache: CountCache?) throws {
        guard mergeCount > 0 else { throw InferenceError("--merges must be positive") }
        guard tokenizer.inferenceMerges.count >= mergeCount else {
            throw InferenceError("the tokenizer has \(tokenizer.inferenceMerges.count) merges, fewer than --merges \(mergeCount)")
        }
        self.tokenizer = tokenizer
        self.categories = categories
        self.mergeCount = mergeCount
        self.maxBytes = maxBytes
        self.method = method
        self.cache = cache
    }

    /// How the cache served a run.
    public enum CacheUse: String, Sendable {
        case disabled, miss, counts, result
    }

    /// Runs the chosen method. `progress` gets a description of the current stage, and for
    /// counted stages (bootstrap replicates) how many of how many are done.
    public func run(progress: ((_ stage: String, _ done: Int?, _ total: Int?) -> Void)? = nil) throws -> (result: InferenceResult, cache: CacheUse) {
        let notify = progress
        func stage(_ description: String) { notify?(description, nil, nil) }
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ stage: String) {
            seconds[stage, default: 0] += Date().timeIntervalSince(clock)
            clock = Date()
        }
        guard skipMerges >= 0, tokenizer.inferenceMerges.count >= skipMerges + mergeCount else {
            throw InferenceError("the tokenizer has \(tokenizer.inferenceMerges.count) merges, fewer than --skip-merges \(skipMerges) + --merges \(mergeCount)")
        }
        if countFiles != nil {
            guard method == .attack || givenMixture != nil, bootstrap == 0 || bootstrapDraws?.count == bootstrap else {
                throw InferenceError("from count files only the attack runs, without --bootstrap (the baselines and the bootstrap read the text)")
            }
        }
        stage("reading \(categories.count) category samples")
        let samples: [Corpus] = countFiles != nil ? [] : try parallelMap(categories) { try $0.read(maxBytes: maxBytes) }
        lap("read")
        let inputs = InferenceInputs(tokenizer: tokenizer, names: categories.map(\.name), samples: samples,
                                     mergeCount: skipMerges + mergeCount, cache: cache)
        let resultKey = countFiles != nil ? nil : try self.resultKey(samples: samples)
        if useResultCache, let cache, let resultKey, let cached = ResultCache(folder: cache.folder).load(key: resultKey) {
            return (cached, .result)
        }
        var proportions: [Double]
        var weights: [Double]?
        var report: SolverReport?
        var cacheUse: CacheUse = cache == nil ? .disabled : .miss
        var intervals: [[Double]]?
        var bootstrapSolves: BootstrapSolves?
        var fit: FitQuality?
        /// The pair counts of every sample (from the cache when it has them) and the LP over them.
        func countedSolver() throws -> (MixtureSolver, fromCache: Bool) {
            stage("counting pairs under \(mergeCount) merges")
            let counts = try countFiles.map(precounted) ?? inputs.counts()
            lap("count")
            let mixtureSolver = try MixtureSolver(categories: counts, firstStep: skipMerges, scale: solver.scale)
            return (mixtureSolver, counts.allSatisfy(\.fromCache))
        }
        if let givenMixture {
            guard givenMixture.count == categories.count else { throw InferenceError("the mixture has \(givenMixture.count) weights for \(categories.count) categories") }
            let (mixtureSolver, _) = try countedSolver()
            stage("measuring the fit of the given mixture")
            // The LP with the weights fixed: its pair slacks, and what it charges this mixture.
            let fixed = try mixtureSolver.solve(options: solver, fixedAlpha: mixtureSolver.alpha(fromProportions: givenMixture)) { round, constraints in
                stage("solving the slacks of the given mixture: round \(round), \(constraints) constraints")
            }
            let fit = mixtureSolver.fitQuality(of: fixed)
            lap("fit")
            let weights = mixtureSolver.alpha(fromProportions: givenMixture)
            let shares = categories.indices.map { CategoryShare(name: categories[$0].name, proportion: givenMixture[$0], weight: weights[$0]) }
                .sorted { $0.proportion != $1.proportion ? $0.proportion > $1.proportion : $0.name < $1.name }
            return (InferenceResult(categories: shares, method: "given", mergesUsed: mergeCount,
                                    mergesMissing: fixed.report.missingSteps.count, solver: fixed.report,
                                    fit: fit, bootstrapResampling: nil, seconds: seconds), .disabled)
        }
        switch method {
        case .attack:
            let (mixtureSolver, fromCache) = try countedSolver()
            if fromCache { cacheUse = .counts }
            stage("solving the LP")
            let solution = try mixtureSolver.solve(options: solver, progress: { round, constraints in
                stage("solving the LP: round \(round), \(constraints) constraints")
            }, trace: roundTrace)
            proportions = solution.proportions
            weights = solution.alpha
            report = solution.report
            fit = mixtureSolver.fitQuality(of: solution)
            lap("solve")
            if bootstrap > 0 {
                let draws = try bootstrapDraws ?? Bootstrap.replicates(tokenizer: tokenizer, names: categories.map(\.name), samples: samples,
                                                     mergeCount: mergeCount, skipMerges: skipMerges, solver: solver,
                                                     replicates: bootstrap, seed: seed, resampling: bootstrapResampling) { done, total in
                    notify?("bootstrap (\(bootstrapResampling.rawValue))", done, total)
                }
                intervals = Bootstrap.intervals(draws.map(\.proportions), level: bootstrapLevel, estimates: proportions,
                                                trainingNoise: bootstrapTrainingNoise)
                bootstrapSolves = BootstrapSolves(draws)
                lap("bootstrap")
            }
        case .random:
            var generator = SeededGenerator(seed: seed)
            proportions = generator.simplexPoint(categories.count)
        case .tee:
            let ratios = try Baselines.encodingEfficiencyRatios(inputs: inputs, ownTrainingText: nil)
            proportions = Baselines.encodingEfficiencyEstimate(ratios: ratios, exponent: Baselines.defaultEncodingEfficiencyExponent)
            lap("tee")
        case .tc:
            proportions = try Baselines.tokenClassification(inputs: inputs)
            lap("tc")
        }
        let shares = categories.indices.map {
            CategoryShare(name: categories[$0].name, proportion: proportions[$0], interval: intervals?[$0], weight: weights?[$0])
        }
            .sorted { $0.proportion != $1.proportion ? $0.proportion > $1.proportion : $0.name < $1.name }
        var result = InferenceResult(categories: shares, method: method.rawValue, mergesUsed: mergeCount,
                                     mergesMissing: report?.missingSteps.count ?? 0, solver: report, fit: fit,
                                     bootstrapResampling: intervals == nil ? nil : bootstrapResampling, seconds: seconds)
        result.bootstrapSolves = bootstrapSolves
        // A result cut short by the clock (its own LP or a replicate's) depends on the machine: never reuse it.
        let timedOut = report?.stopReason == "time limit" || bootstrapSolves?.notOptimal["time limit"] != nil
        if let cache, let resultKey, !timedOut { ResultCache(folder: cache.folder).store(result, key: resultKey) }
        return (result, cacheUse)
    }

    /// The counts of `files`, checked against this request's tokenizer and merges.
    func precounted(_ files: [(path: String, file: CountFile)]) throws -> [CategoryCounts] {
        let counter = PairCounter(tokenizer: tokenizer, mergeCount: skipMerges + mergeCount, cache: nil)
        return try files.map { path, file in
            guard file.header.shard == [0, 1] else {
                throw InputError(path: path, problem: "shard \(file.header.shard[0])/\(file.header.shard[1]) of \(file.header.category): sum the shards first (toksleuth count --merge)")
            }
            guard file.header.tokenizerKey == counter.tokenizerKey, file.trace.steps == counter.merges.count else {
                throw InputError(path: path, problem: "counted under other merges (\(file.header.steps) steps) than this tokenizer's first \(counter.merges.count) (--merges, --skip-merges)")
            }
            return CategoryCounts(name: file.header.category, sampleBytes: file.header.sampleBytes, trace: file.trace, merges: counter.merges)
        }
    }

    /// Key of the whole result: tokenizer, merges, every sample's content, method and options.
    func resultKey(samples: [Corpus]) throws -> String {
        var fingerprint = Fingerprint()
        // v2: GLPK runs on a scaled problem; v3: fit quality; v4: certified solves, weights in pair
        // units; v5: exact matching in the decomposition; v6: in-out separation in the row generation;
        // v7: stored in the snake_case schema of `--json`; v8: says how the bootstrap replicates' LPs ended;
        // v9: the slack flow prefers the LP's constraints, and runs every round near the optimum;
        // v10: where the slack flow runs; v11: lone slacks' rows left out, the flow beside the LP,
        // the tail after two flow rounds
        fingerprint.update("toksleuth infer result v11")
        fingerprint.update(solver.form.rawValue)
        fingerprint.update(solver.method.rawValue)
        // Every merge the counts replay, the skipped ones included: two tokenizers on the same base
        // that differ after it must not share a result.
        fingerprint.update(PairCounter(tokenizer: tokenizer, mergeCount: skipMerges + mergeCount, cache: nil).tokenizerKey)
        fingerprint.update(method.rawValue)
        fingerprint.update(seed)
        fingerprint.update(UInt64(skipMerges))
        for value in [solver.scale, solver.tolerance, solver.stabilityTolerance, solver.gapTolerance, solver.stabilization, solver.crossoverGap,
                      solver.tailGap] {
            fingerprint.update(value.bitPattern)
        }
        for value in [solver.pairsPerStep, solver.maxRowsPerRound, solver.maxRounds, solver.stabilityWindow, solver.maxCutsPerPair, solver.cutAge ?? -1,
                      solver.oracleRepeats, solver.flowInterval, solver.flowStart, solver.flowPrefersHeldEdges ? 1 : 0, solver.flowAtSolution ? 1 : 0,
                      solver.tailAfterFlows] {
            fingerprint.update(UInt64(value))
        }
        if bootstrap > 0 {
            fingerprint.update("bootstrap")
            fingerprint.update(UInt64(bootstrap))
            fingerprint.update(bootstrapLevel.bitPattern)
            fingerprint.update(bootstrapResampling.rawValue)
            fingerprint.update(bootstrapTrainingNoise.bitPattern)
        }
        if let givenMixture {
            fingerprint.update("given")
            for weight in givenMixture { fingerprint.update(weight.bitPattern) }
        }
        for (source, sample) in zip(categories, samples) {
            fingerprint.update(source.name)
            fingerprint.update(UInt64(sample.bytes.count))
            fingerprint.update(sample.bytes)
        }
        return fingerprint.hex
    }
}

/// Whole `infer` results, stored as JSON behind a line holding the key and a fingerprint of the
/// JSON; anything that does not check out is ignored (and overwritten by the next run).
struct ResultCache {
    let folder: String

    func path(_ key: String) -> String { (folder as NSString).appendingPathComponent("result-\(key).json") }

    func load(key: String) -> InferenceResult? {
        guard let data = FileBytes.contents(atPath: path(key)),
              let newline = data.firstIndex(of: 0x0A) else { return nil }
        let header = String(decoding: data[..<newline], as: UTF8.self)
        let body = data[(newline + 1)...]
        var fingerprint = Fingerprint()
        fingerprint.update(body)
        guard header == "\(key) \(fingerprint.hex)" else { return nil }
        return try? ResultJSON.decoder.decode(InferenceResult.self, from: Data(body))
    }

    func store(_ result: InferenceResult, key: String) {
        let encoder = ResultJSON.encoder(timings: true)
        guard let body = try? encoder.encode(result) else { return }
        var fingerprint = Fingerprint()
        fingerprint.update(body)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicWrite.write(Array("\(key) \(fingerprint.hex)\n".utf8) + [UInt8](body), to: path(key))
        } catch {
            // Only the cache is lost.
        }
    }
}
