import ArgumentParser
import Foundation
import Support
import MixtureInference
import Membership

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
        let summary = ExperimentSummary(results: results, methods: config.methods)
        if json {
            print(summary.json(results: results))
        } else {
            print(summary.table(results: results, config: config))
        }
    }
}

/// Mean and standard deviation of log10 MSE per method.
struct ExperimentSummary {
    var rows: [(method: String, mean: Double, sd: Double, failed: Int)] = []

    init(results: [TrialResult], methods: [InferenceMethod]) {
        for method in methods {
            let logs = results.compactMap { $0.mse[method.rawValue] }.map { log10(max($0, 1e-300)) }
            guard !logs.isEmpty else { continue }
            let mean = logs.reduce(0, +) / Double(logs.count)
            let variance = logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count)
            rows.append((method.rawValue, mean, variance.squareRoot(), results.filter { $0.failures[method.rawValue] != nil }.count))
        }
    }

    /// Per resampling, how many true proportions fall inside the attack's bootstrap intervals,
    /// of how many, and the intervals' mean width.
    static func coverages(_ results: [TrialResult]) -> [(resampling: String, inside: Int, total: Int, width: Double)] {
        let names = Set(results.flatMap { $0.intervalsByResampling?.keys.map { $0 } ?? [] })
        return BootstrapResampling.allCases.map(\.rawValue).filter(names.contains).compactMap { name in
            coverage(results.map { $0.intervalsByResampling?[name] }, truths: results.map(\.truth)).map { (name, $0.0, $0.1, $0.2) }
        }
    }

    static func coverage(_ intervalSets: [[[Double]]?], truths: [[Double]]) -> (Int, Int, Double)? {
        var inside = 0, total = 0, width = 0.0
        for (intervals, truth) in zip(intervalSets, truths) {
            guard let intervals else { continue }
            for (truth, interval) in zip(truth, intervals) {
                total += 1
                if truth >= interval[0] && truth <= interval[1] { inside += 1 }
                width += interval[1] - interval[0]
            }
        }
        return total > 0 ? (inside, total, width / Double(total)) : nil
    }

    func json(results: [TrialResult]) -> String {
        var summary: [String: Any] = [:]
        for row in rows { summary[row.method] = ["mean_log10_mse": row.mean, "sd": row.sd, "failed_trials": row.failed] }
        var coverage: [String: Any] = [:]
        for row in ExperimentSummary.coverages(results) {
            coverage[row.resampling] = ["inside": row.inside, "total": row.total, "fraction": Double(row.inside) / Double(row.total),
                                        "mean_width": row.width]
        }
        if !coverage.isEmpty { summary["bootstrap_coverage"] = coverage }
        if let withheld = WithholdSummary(results) {
            summary["withhold"] = ["runs": withheld.runs, "unexplained_share_mae": withheld.estimateError,
                                   "unexplained_share_mae_complete": withheld.completeEstimateError,
                                   "fit_auc": withheld.fitAUC, "unexplained_share_auc": withheld.shareAUC,
                                   "mean_log10_mse_kept": withheld.keptLogMSE]
        }
        let trials: [[String: Any]] = results.map { result in
            var entry: [String: Any] = [
                "trial": result.trial, "categories": result.categories, "truth": result.truth,
                "estimates": result.estimates, "mse": result.mse, "seconds": result.seconds, "merges_used": result.mergesUsed,
                "failures": result.failures,
            ]
            if let intervals = result.intervals { entry["intervals"] = intervals }
            if let byResampling = result.intervalsByResampling { entry["intervals_by_resampling"] = byResampling }
            if let fit = result.fit { entry["fit"] = ResultJSON.object(fit) }
            if let withheld = result.withheld {
                entry["withheld"] = ["categories": withheld.categories, "share": withheld.share, "estimates": withheld.estimates,
                                     "mse": withheld.mse, "fit": ResultJSON.object(withheld.fit)]
            }
            if let solver = result.solver {
                entry["solver"] = ResultJSON.object(solver, timings: true)
                entry["merges_missing"] = solver.missingSteps.count
            }
            return entry
        }
        let data = try! JSONSerialization.data(withJSONObject: ["summary": summary, "trials": trials], options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    func table(results: [TrialResult], config: ExperimentConfig) -> String {
        var out = "\(results.count) trials, n = \(config.categoriesPerTrial), T = \(config.merges), \(config.trainBytes) training bytes"
        out += config.sameData ? ", counted on the training text\n\n" : ", samples of \(config.sampleBytes) bytes\n\n"
        out += "method   mean log10 MSE   sd\n"
        for row in rows {
            out += row.method.padding(toLength: 9, withPad: " ", startingAt: 0)
            out += String(format: "%14.2f %6.2f", row.mean, row.sd)
            out += row.failed > 0 ? "   (\(row.failed) trials failed: see --json)\n" : "\n"
        }
        var stages: [String: Double] = [:]
        for result in results { for (stage, seconds) in result.seconds { stages[stage, default: 0] += seconds } }
        out += "\nseconds per trial: " + stages.sorted { $0.key < $1.key }
            .map { String(format: "%@ %.2f", $0.key, $0.value / Double(max(results.count, 1))) }.joined(separator: ", ")
        for row in ExperimentSummary.coverages(results) {
            out += String(format: "\nbootstrap %.0f%% intervals of the attack, resampling %@: %d of %d true proportions inside (%.0f%%), mean width %.4f",
                          100 * config.bootstrapLevel, row.resampling, row.inside, row.total, 100 * Double(row.inside) / Double(row.total), row.width)
        }
        if let withheld = WithholdSummary(results) { out += "\n\n" + withheld.table(results) }
        let solves = results.compactMap(\.solver)
        if !solves.isEmpty {
            let optimal = solves.filter(\.converged).count
            let reasons = Dictionary(grouping: solves, by: \.stopReason).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", ")
            out += String(format: "\nLP: %.1f rounds, %.0f constraints per trial on average; %d of %d solved to proven optimality (stop reasons: %@; largest gap %.2g, largest violation %.2g)",
                          Double(solves.map(\.rounds).reduce(0, +)) / Double(solves.count),
                          Double(solves.map(\.constraints).reduce(0, +)) / Double(solves.count), optimal, solves.count,
                          reasons, solves.map(\.gap).max() ?? 0, solves.map(\.largestViolation).max() ?? 0)
            if optimal < solves.count {
                let reasons = Set(solves.filter { !$0.converged }.map(\.stopReason)).sorted().joined(separator: ", ")
                out += "\nwarning: \(solves.count - optimal) LP solves stopped before optimality (\(reasons)): their estimates are not optima"
            }
        }
        return out
    }
}

/// What `experiment --withhold` measures: how the fit figure and the unexplained-share estimate
/// move with the withheld share.
struct WithholdSummary {
    var runs: Int
    /// Mean absolute error of the unexplained-share estimate on the withheld runs, and on the
    /// complete runs (where the truth is 0).
    var estimateError: Double
    var completeEstimateError: Double
    /// AUC of the mean shortfall (and of the unexplained-share estimate) at telling withheld runs
    /// from complete ones.
    var fitAUC: Double
    var shareAUC: Double
    /// Mean log10 MSE of the kept categories' estimates against their renormalised truth.
    var keptLogMSE: Double

    init?(_ results: [TrialResult]) {
        let pairs = results.compactMap { result in result.fit.flatMap { fit in result.withheld.map { (fit, $0) } } }
        guard !pairs.isEmpty else { return nil }
        runs = pairs.count
        estimateError = pairs.map { abs($0.1.fit.unexplainedShare - $0.1.share) }.reduce(0, +) / Double(runs)
        completeEstimateError = pairs.map { $0.0.unexplainedShare }.reduce(0, +) / Double(runs)
        let labels = pairs.map { _ in false } + pairs.map { _ in true }
        fitAUC = ROC.metrics(scores: pairs.map(\.0.meanShortfall) + pairs.map(\.1.fit.meanShortfall), labels: labels, resamples: 0).auc
        shareAUC = ROC.metrics(scores: pairs.map(\.0.unexplainedShare) + pairs.map(\.1.fit.unexplainedShare), labels: labels, resamples: 0).auc
        keptLogMSE = pairs.map { log10(max($0.1.mse, 1e-300)) }.reduce(0, +) / Double(runs)
    }

    func table(_ results: [TrialResult]) -> String {
        var out = "withheld categories: per trial, complete run | withheld run\n"
        out += "trial  withheld             share  | shortfall  unexplained | shortfall  unexplained\n"
        for result in results {
            guard let fit = result.fit, let withheld = result.withheld else { continue }
            out += String(format: "%5d  %@ %6.3f  | %9.4f  %11.3f | %9.4f  %11.3f\n", result.trial,
                          withheld.categories.joined(separator: ",").padding(toLength: 20, withPad: " ", startingAt: 0),
                          withheld.share, fit.meanShortfall, fit.unexplainedShare, withheld.fit.meanShortfall, withheld.fit.unexplainedShare)
        }
        out += String(format: "unexplained-share estimate: mean absolute error %.3f on withheld runs, %.3f on complete runs (truth 0)\n",
                      estimateError, completeEstimateError)
        out += String(format: "AUC at telling withheld runs from complete ones: mean shortfall %.3f, unexplained share %.3f\n",
                      fitAUC, shareAUC)
        out += String(format: "kept categories (renormalised truth): mean log10 MSE %.2f", keptLogMSE)
        return out
    }
}
