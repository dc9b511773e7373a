import ArgumentParser
import Foundation
import Support
import MixtureInference

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Controlled experiment: train tokenizers on random known mixtures and infer them back.",
        discussion: """
            Per trial: draw a mixture uniformly from the simplex over N randomly chosen categories,
            train a gpt2-digits tokenizer (vocabulary T + 256) on that mixture of the categories'
            train.txt (a short category is repeated), infer the mixture from their sample.txt, and
            score every method by log10 MSE. Deterministic for a given --seed.

            --bootstrap B adds the attack's 90% bootstrap intervals per trial and reports how many
            true proportions they cover, per resampling named in --bootstrap-resampling.
            --withhold K infers each trial a second time without K of its categories and reports,
            per trial, the fit quality (mean relative shortfall) and the unexplained-share
            estimate of the complete and the withheld run, the estimate's mean absolute error,
            and the AUC of each figure at telling withheld runs from complete ones. --json adds
            "fit", "withheld" and "intervals_by_resampling" per trial and "withhold" and
            "bootstrap_coverage" to the summary.

            Examples:
              toksleuth experiment --categories fixtures/corpora/languages --n 5 --trials 3 --merges 3000 --train-bytes 2000000
              toksleuth experiment --categories fixtures/corpora/languages --n 4 --trials 3 --merges 1000 --withhold 1 --bootstrap 10
            """
    )

    @Option(name: .long, help: "Folder of categories (each with train.txt and sample.txt).")
    var categories: String

    @Option(name: .customLong("n"), help: "Categories per trial.")
    var categoriesPerTrial: Int = 5

    @Option(name: .long, help: "Number of trials.")
    var trials: Int = 10

    @Option(name: .long, help: "Merges to train and to use (T).")
    var merges: Int = 30_000

    @Option(name: .long, help: "Bytes of training text per trial.")
    var trainBytes: Int = 10_000_000

    @Option(name: .long, help: "Bytes of sample read per category for counting.")
    var maxBytes: Int = 1_000_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Count on the training text itself (no sampling noise: a correctness check).")
    var sameData = false

    @Option(name: .long, help: "Take samples from this folder (same category names): distribution shift.")
    var sampleCategories: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Methods: attack, random, tee, tc, space- or comma-separated (default all).")
    var methods: [String] = InferenceMethod.allCases.map(\.rawValue)

    @Option(name: .long, help: "Keep each trial's tokenizer, true mixture and result here.")
    var keepDir: String?

    @Option(name: .long, help: "Bootstrap replicates per trial for the attack's 90% intervals; reports their coverage of the truth.")
    var bootstrap = 0

    @Option(name: .long, help: "What the bootstrap resamples: documents, steps, both; several (comma-separated) are compared on the same trials.")
    var bootstrapResampling = BootstrapResampling.both.rawValue

    @Option(name: .long, help: "Variance of the tokenizer's training draw relative to the samples': the intervals widen by sqrt(1 + this) about the estimate (1: trained on as much text per category as the samples hold; 0: on far more).")
    var bootstrapTrainingNoise = 1.0

    @Option(name: .long, help: "Also infer each trial with K of its categories withheld: calibrates the fit-quality figure and the unexplained-share estimate.")
    var withhold = 0

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Include wall-clock seconds in --json (they differ run to run).")
    var timings = false

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    @OptionGroup var solver: SolverArguments

    /// `--methods attack,tee` and `--methods attack tee` mean the same.
    private var methodNames: [String] {
        methods.flatMap { $0.split(separator: ",").map(String.init) }
    }

    private var resamplingNames: [String] { bootstrapResampling.split(separator: ",").map(String.init) }

    func validate() throws {
        guard categoriesPerTrial >= 2 else { throw ValidationError("--n must be at least 2") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard merges >= 1 else { throw ValidationError("--merges must be positive") }
        guard trainBytes >= 1000 else { throw ValidationError("--train-bytes must be at least 1000") }
        guard maxBytes >= 1 else { throw ValidationError("--max-bytes must be positive") }
        guard bootstrapTrainingNoise >= 0 else { throw ValidationError("--bootstrap-training-noise must not be negative") }
        // An experiment solves many LPs (trials, methods, replicates): one trace would mix them,
        // and each would overwrite the one MPS file.
        try solver.refuseSingleSolveDiagnostics("an experiment solves many LPs")
        guard withhold >= 0, withhold < categoriesPerTrial else { throw ValidationError("--withhold must be between 0 and --n - 1") }
        if withhold > 0 && !methodNames.contains(InferenceMethod.attack.rawValue) {
            throw ValidationError("--withhold needs the attack among --methods")
        }
        for name in resamplingNames where BootstrapResampling(rawValue: name) == nil {
            throw ValidationError("unknown --bootstrap-resampling '\(name)' (choose documents, steps, both)")
        }
        for method in methodNames where InferenceMethod(rawValue: method) == nil {
            throw ValidationError("unknown method '\(method)' (choose attack, random, tee, tc)")
        }
    }

    func run() throws {
        var config = ExperimentConfig(categoriesFolder: categories)
        config.sampleFolder = sampleCategories
        config.categoriesPerTrial = categoriesPerTrial
        config.trials = trials
        config.merges = merges
        config.trainBytes = trainBytes
        config.sampleBytes = maxBytes
        config.seed = seed
        config.sameData = sameData
        config.methods = methodNames.compactMap(InferenceMethod.init(rawValue:))
        config.keepFolder = keepDir
        config.solver = solver.options
        config.bootstrap = bootstrap
        config.withhold = withhold
        config.bootstrapTrainingNoise = bootstrapTrainingNoise
        config.bootstrapResamplings = resamplingNames.compactMap(BootstrapResampling.init(rawValue:))
        let progress = ProgressReporter(quiet: quiet)
        let results = try ExperimentRunner(config: config).run { trial in
            progress.update("trials", done: trial.trial + 1, total: trials)
        }
        progress.finish()
        let report = ExperimentReport(results: results, methods: config.methods)
        print(json ? try ResultJSON.text(report, timings: timings) : report.table(config: config))
    }
}

