import ArgumentParser
import Foundation
import MixtureInference
import Support

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on the bundled fixtures: hide a mixture in a tokenizer, then infer it back.",
        discussion: """
            Draws a random mixture of five of the six bundled languages (1 MB of training text and
            a disjoint 1 MB sample each, gzipped in fixtures/demo), trains a byte-level BPE tokenizer
            with 3,000 merges on 5 MB of that mixture, and infers the mixture from the merge list and
            the samples, LP solved to proven optimality, beside the paper's baselines. Run it from
            the repository root (or pass --fixtures).

            Example:
              swift run -c release toksleuth demo
            """
    )

    @Option(name: .long, help: "The repository's fixtures folder.")
    var fixtures: String = "fixtures"

    @Option(name: .long, help: "Random seed of the mixture.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "Print JSON: {categories, truth, estimates (per method), log10_mse (per method), seconds}.")
    var json = false

    @Flag(name: .long, help: "Include wall-clock seconds in --json.")
    var timings = false

    func run() throws {
        let folder = (fixtures as NSString).appendingPathComponent("demo/languages")
        guard FileManager.default.fileExists(atPath: folder) else {
            throw CommandError("\(folder) not found: run from the repository root or pass --fixtures")
        }
        var config = ExperimentConfig(categoriesFolder: folder)
        config.categoriesPerTrial = 5
        config.trials = 1
        config.merges = 3000
        config.trainBytes = 5_000_000
        config.seed = seed
        if !json {
            print("Training a tokenizer (gpt2-digits, \(config.merges) merges) on a secret mixture of 5 languages from \(folder),")
            print("then inferring the mixture from its merge list and disjoint 1 MB samples (LP solved to proven optimality with GLPK)...\n")
        }
        let started = Date()
        guard let trial = try ExperimentRunner(config: config).run().first else { return }
        let methods = ["attack", "tee", "tc", "random"]
        if json {
            print(try ResultJSON.text(DemoSummary(trial, seconds: Date().timeIntervalSince(started)), timings: timings))
            return
        }
        print("category      true   " + methods.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
        for (index, name) in trial.categories.enumerated() {
            var line = name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "%8.1f%%  ", trial.truth[index] * 100)
            for method in methods {
                line += String(format: "%6.1f%%  ", (trial.estimates[method]?[index] ?? .nan) * 100)
            }
            print(line)
        }
        print("\nlog10 MSE  " + methods.map { String(format: "%@ %.2f", $0, log10(trial.mse[$0] ?? .nan)) }.joined(separator: "   "))
        if let solver = trial.solver {
            print(solver.converged ? String(format: "LP: proven optimal (%d rounds, gap %.1g)", solver.rounds, solver.gap)
                                   : "LP: NOT optimal (stopped by \(solver.stopReason))")
        }
        print(String(format: "\n(%.1f s; the attack reads only the merge list and the samples. Other seeds (--seed) give\n other mixtures: see README, \"Quick start\", for the spread.)",
                     Date().timeIntervalSince(started)))
    }
}
