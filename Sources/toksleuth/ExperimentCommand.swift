import ArgumentParser
import Foundation
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

            Example:
              toksleuth experiment --categories fixtures/corpora/languages --n 5 --trials 3 --merges 3000 --train-bytes 2000000
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

    @Option(name: .long, help: "Bootstrap replicates per trial (resampled sample documents) for the attack's 90% intervals; reports their coverage of the truth.")
    var bootstrap = 0

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    @OptionGroup var solver: SolverArguments

    /// `--methods attack,tee` and `--methods attack tee` mean the same.
    private var methodNames: [String] {
        methods.flatMap { $0.split(separator: ",").map(String.init) }
    }

    func validate() throws {
        guard categoriesPerTrial >= 2 else { throw ValidationError("--n must be at least 2") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard merges >= 1 else { throw ValidationError("--merges must be positive") }
        guard trainBytes >= 1000 else { throw ValidationError("--train-bytes must be at least 1000") }
        guard maxBytes >= 1 else { throw ValidationError("--max-bytes must be positive") }
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

    /// How many true proportions fall inside the attack's bootstrap intervals, of how many, and
    /// the intervals' mean width.
    static func coverage(_ results: [TrialResult]) -> (Int, Int, Double)? {
        var inside = 0, total = 0, width = 0.0
        for result in results {
            guard let intervals = result.intervals else { continue }
            for (truth, interval) in zip(result.truth, intervals) {
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
        if let (inside, total, width) = ExperimentSummary.coverage(results) {
            summary["bootstrap_coverage"] = ["inside": inside, "total": total, "fraction": Double(inside) / Double(total), "mean_width": width]
        }
        let trials: [[String: Any]] = results.map { result in
            var entry: [String: Any] = [
                "trial": result.trial, "categories": result.categories, "truth": result.truth,
                "estimates": result.estimates, "mse": result.mse, "seconds": result.seconds, "merges_used": result.mergesUsed,
                "failures": result.failures,
            ]
            if let intervals = result.intervals { entry["intervals"] = intervals }
            if let solver = result.solver {
                entry["solver"] = ["rounds": solver.rounds, "constraints": solver.constraints, "objective": solver.objective,
                                   "converged": solver.converged, "stop_reason": solver.stopReason, "lp_seconds": solver.lpSeconds,
                                   "separation_seconds": solver.separationSeconds, "merges_missing": solver.missingSteps.count]
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
        if let (inside, total, width) = ExperimentSummary.coverage(results) {
            out += String(format: "\nbootstrap 90%% intervals of the attack: %d of %d true proportions inside (%.0f%%), mean width %.4f",
                          inside, total, 100 * Double(inside) / Double(total), width)
        }
        let rounds = results.compactMap { $0.solver?.rounds }
        if !rounds.isEmpty {
            out += String(format: "\nLP: %.1f rounds, %.0f constraints per trial on average",
                          Double(rounds.reduce(0, +)) / Double(rounds.count),
                          Double(results.compactMap { $0.solver?.constraints }.reduce(0, +)) / Double(rounds.count))
        }
        return out
    }
}
