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
        if json {
            print(try ResultJSON.text(DemoSummary(trial, seconds: timings ? Date().timeIntervalSince(started) : nil)))
            return
        }
        print(DemoSummary(trial, seconds: nil).table(solver: trial.solver))
        print(String(format: "\n(%.1f s; the attack reads only the merge list and the samples. Other seeds (--seed) give\n other mixtures: see README, \"Quick start\", for the spread.)",
                     Date().timeIntervalSince(started)))
    }
}
