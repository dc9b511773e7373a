import ArgumentParser
import Corpora
import Foundation
import LanguageModel
import Membership
import MixtureInference
import ProxyRuns
import Support
import TokenizerFormats

/// Categories named by a mixture file, found in the category folders.
private func mixtureCategories(folders: [String], mixturePath: String, role: CategoryRole) throws
    -> (names: [String], weights: [Double], sources: [CategorySource]) {
    let mixture = try MixtureFile.read(mixturePath)
    let sources = try Categories.discover(inFolders: folders, role: role, only: mixture.map(\.name))
    let byName = Dictionary(uniqueKeysWithValues: sources.map { ($0.name, $0) })
    return (mixture.map(\.name), mixture.map(\.weight), mixture.map { byName[$0.name]! })
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Test an inferred mixture: retrain proxy tokenizers on it and on its neighbours, compare their merges with the target's, infer the proxy back.",
        discussion: """
            Proxies are trained (HF-exact byte-level BPE, the target's pretokenizer and number of
            merges) on --train-bytes of the categories' sample.txt texts mixed in each candidate's
            proportions: the mixture given, uniform, the largest category alone, and
            --alternatives random perturbations (each weight times exp(N(0, s^2)), s =
            --perturbation). Each is compared with the target: overlap of the first 100, 1k, 10k
            and all merges, Spearman correlation of the ranks of shared merges, vocabulary
            Jaccard; candidates are ranked by the rank correlation. The round trip infers the
            mixture of the given mixture's proxy from the categories' train.txt texts (another
            half; the same text when a category has only one, which the output says).

            Example:
              toksleuth validate --tokenizer /tmp/trial-000/tokenizer.json --categories ../shared/corpora/languages --mixture /tmp/trial-000/mixture.json
            """
    )

    @Option(name: .long, help: "The target tokenizer.")
    var tokenizer: String

    @Option(name: .long, help: "Category folder (repeat to pool folders).")
    var categories: [String]

    @Option(name: .long, help: "The mixture: an `infer --json` result or {\"name\": weight}.")
    var mixture: String

    @Option(name: .long, help: "Random perturbations of the mixture to compare against.")
    var alternatives = 10

    @Option(name: .long, help: "Standard deviation of the log-normal perturbation of each weight.")
    var perturbation = 0.5

    @Option(name: .long, help: "Bytes of mixed text each proxy trains on.")
    var trainBytes = 10_000_000

    @Option(name: .long, help: "Merges the round trip constrains (at most the proxy's).")
    var merges = 30_000

    @Option(name: .long, help: "Bytes per category the round trip counts pairs on.")
    var maxBytes = 1_000_000

    @Option(name: .long, help: "Stop the round trip's LP after this many seconds.")
    var lpTimeLimit: Double?

    @Flag(name: .long, help: "Skip the round trip.")
    var noRoundTrip = false

    @Option(name: .long, help: "Seed of the perturbations.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "No progress messages.")
    var quiet = false

    func validate() throws {
        guard alternatives >= 0 else { throw ValidationError("--alternatives must not be negative") }
        guard perturbation > 0 else { throw ValidationError("--perturbation must be positive") }
        guard trainBytes > 0, merges > 0, maxBytes > 0 else { throw ValidationError("sizes must be positive") }
    }

    func run() throws {
        let progress = ProgressReporter(quiet: quiet)
        let result = try TokenizerValidation(try configuration()).run { label, done, total in progress.update(label, done: done, total: total) }
        progress.finish()
        print(json ? try ResultJSON.text(result) : result.table(target: tokenizer, trainBytes: trainBytes))
    }

    /// The validation the options describe: proxies trained on the sample texts, the round trip
    /// counted on the training texts.
    private func configuration() throws -> TokenizerValidation.Configuration {
        let (names, weights, proxyText) = try mixtureCategories(folders: categories, mixturePath: mixture, role: .sample)
        var configuration = TokenizerValidation.Configuration(tokenizer: try TokenizerLoader.load(tokenizer), proxyText: proxyText,
                                                              names: names, mixture: weights)
        if !noRoundTrip {
            let counting = try Categories.discover(inFolders: categories, role: .train, only: names)
            let byName = Dictionary(uniqueKeysWithValues: counting.map { ($0.name, $0) })
            configuration.countingText = names.map { byName[$0]! }
        }
        (configuration.alternatives, configuration.perturbation, configuration.trainBytes) = (alternatives, perturbation, trainBytes)
        (configuration.roundTripMerges, configuration.countingBytes) = (merges, maxBytes)
        (configuration.solver.timeLimit, configuration.seed) = (lpTimeLimit, seed)
        return configuration
    }
}

struct ProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Proxy language models trained on a mixture.",
        discussion: """
            Example:
              toksleuth proxy train --tokenizer fixtures/reference/gpt2 --categories fixtures/corpora/languages --mixture mix.json
            """,
        subcommands: [ProxyTrain.self]
    )
}

struct ProxyTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a proxy language model on a mixture of the categories and report its held-out loss per category.",
        discussion: """
            The model trains on --train-bytes of the categories' train.txt documents mixed in the
            mixture's proportions (whole copies of a category first when it is short); the loss
            is measured on each category's sample.txt (up to --eval-bytes) in bits per UTF-8 byte,
            so that tokenizers compare.

            Example:
              toksleuth proxy train --tokenizer fixtures/reference/gpt2 --categories fixtures/corpora/languages --mixture mix.json
            """
    )

    @Option(name: .long, help: "The tokenizer whose ids the model predicts.")
    var tokenizer: String

    @Option(name: .long, help: "Category folder (repeat to pool folders).")
    var categories: [String]

    @Option(name: .long, help: "The mixture: an `infer --json` result or {\"name\": weight}.")
    var mixture: String

    @Option(name: .long, help: "Bytes of mixed text the model trains on.")
    var trainBytes = 2_000_000

    @Option(name: .long, help: "Bytes per category the loss is measured on.")
    var evalBytes = 300_000

    @Option(name: .long, help: "The n-gram order.")
    var order = 3

    @Option(name: .long, help: "Also write the model (.tslm).")
    var output: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...8).contains(order) else { throw ValidationError("--order must be between 1 and 8") }
        guard trainBytes > 0, evalBytes > 0 else { throw ValidationError("sizes must be positive") }
    }

    func run() throws {
        let loaded = try TokenizerLoader.load(tokenizer)
        let (names, weights, trainSources) = try mixtureCategories(folders: categories, mixturePath: mixture, role: .train)
        let sampleSources = try Categories.discover(inFolders: categories, role: .sample, only: names)
        let (model, run) = try ProxyModelRun.train(tokenizer: loaded, names: names, weights: weights, trainSources: trainSources,
                                                   heldOutSources: names.map { name in sampleSources.first { $0.name == name }! },
                                                   trainBytes: trainBytes, evalBytes: evalBytes, order: order)
        if let output {
            try ModelFile.write(model, provenance: ModelProvenance(tokenizerFingerprint: loaded.fingerprint, tokenizerSource: loaded.source,
                                                                   corpus: trainSources.flatMap(\.files)), to: output)
        }
        if json {
            print(try ResultJSON.text(run))
            return
        }
        print("proxy (order \(order)) trained on \(run.trainTokens) tokens; held-out loss per category:")
        for loss in run.categories {
            print(loss.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: "weight %6.2f%%   %.4f bits/byte", 100 * loss.weight, loss.bitsPerByte))
        }
    }
}

struct RegMixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regmix",
        abstract: "Mixture regression: proxy models on Dirichlet mixtures, a regression from weights to a target's loss, and the best predicted mixture.",
        discussion: """
            Candidates are the categories of --categories (minus the target, or --only). Run r
            draws a mixture from Dirichlet(concentration * k * prior), trains an order --order
            proxy model on --train-bytes of the candidates' train.txt documents in that mixture,
            and measures the target's loss (bits per byte). Ridge regression on each weight and
            log(weight + 0.01) is fitted (penalty by leave-one-out error); the output gives the
            Spearman correlation of out-of-fold (5-fold) predictions with the measured losses,
            and the proposal: the mean of the 100 mixtures with the lowest predicted loss among
            100,000 drawn from the prior. Each run is written to OUTPUT/runs/ as it finishes; a
            rerun reuses finished runs whose inputs are unchanged. Results: OUTPUT/regmix.csv,
            OUTPUT/regmix.json.

            Example:
              toksleuth regmix --tokenizer fixtures/reference/gpt2 --categories ../shared/corpora/languages --only de,en,es,fr,pt --target it --runs 48 --output /tmp/regmix
            """
    )

    @Option(name: .long, help: "The tokenizer whose ids the proxies predict.")
    var tokenizer: String

    @Option(name: .long, help: "Category folder (repeat to pool folders).")
    var categories: [String]

    @Option(name: .long, help: "Candidate categories, comma-separated (default: every category but the target).")
    var only: String?

    @Option(name: .long, help: "The target: a category name (its sample.txt) or a text file.")
    var target: String

    @Option(name: .long, help: "Number of proxy runs.")
    var runs = 48

    @Option(name: .long, help: "Prior mixture (JSON, the candidates' weights); default uniform.")
    var prior: String?

    @Option(name: .long, help: "Dirichlet concentration around the prior (1 with a uniform prior: uniform on the simplex).")
    var concentration = 1.0

    @Option(name: .long, help: "Bytes of mixed text each proxy trains on.")
    var trainBytes = 2_000_000

    @Option(name: .long, help: "Bytes of the target the loss is measured on.")
    var targetBytes = 300_000

    @Option(name: .long, help: "The proxies' n-gram order.")
    var order = 2

    @Option(name: .long, help: "Seed of the mixtures and folds.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Folder for the runs and results (created).")
    var output = "regmix-output"

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "No progress messages.")
    var quiet = false

    func validate() throws {
        guard runs >= 10 else { throw ValidationError("--runs must be at least 10") }
        guard concentration > 0 else { throw ValidationError("--concentration must be positive") }
        guard (1...8).contains(order) else { throw ValidationError("--order must be between 1 and 8") }
        guard trainBytes > 0, targetBytes > 0 else { throw ValidationError("sizes must be positive") }
    }

    func run() throws {
        print(try result())
    }

    /// Runs (or reuses) the proxy runs, fits the regression, writes regmix.json and regmix.csv
    /// into --output; returns what `run` prints.
    func result() throws -> String {
        let progress = LockedProgress(ProgressReporter(quiet: quiet))
        let result = try RegMix(try configuration()).run { done, total in progress.update("proxy runs", done: done, total: total) }
        progress.finish()
        let body = try ResultJSON.text(result)
        try AtomicWrite.write(files: [((output as NSString).appendingPathComponent("regmix.json"), Array((body + "\n").utf8)),
                                      ((output as NSString).appendingPathComponent("regmix.csv"), Array(RegMix.csv(result).utf8))])
        return json ? body : result.table(folder: output)
    }

    /// The options as a command line (for a plan: `run-unit` parses it back).
    var commandLine: [String] {
        var arguments = ["--tokenizer", tokenizer] + categories.flatMap { ["--categories", $0] } + ["--target", target, "--runs", "\(runs)"]
        if let only { arguments += ["--only", only] }
        if let prior { arguments += ["--prior", prior] }
        arguments += ["--concentration", "\(concentration)", "--train-bytes", "\(trainBytes)", "--target-bytes", "\(targetBytes)",
                      "--order", "\(order)", "--seed", "\(seed)", "--output", output]
        return arguments
    }

    /// The regression the options describe: the target (a category's sample or a file), the
    /// candidate categories and the Dirichlet prior.
    func configuration() throws -> RegMix.Configuration {
        let all = try Categories.discover(inFolders: categories, role: .train)
        let (targetName, targetFiles): (String, [String])
        if all.contains(where: { $0.name == target }) {
            (targetName, targetFiles) = (target, try Categories.discover(inFolders: categories, role: .sample, only: [target]).flatMap(\.files))
        } else {
            guard FileManager.default.fileExists(atPath: target) else {
                throw InputError(path: target, problem: "is neither a category of \(categories.joined(separator: ", ")) nor a file")
            }
            (targetName, targetFiles) = ((target as NSString).lastPathComponent, [target])
        }
        let onlyNames = only.map { $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
        let candidates = try onlyNames.map { try Categories.discover(inFolders: categories, role: .train, only: $0) } ?? all.filter { $0.name != targetName }
        var configuration = RegMix.Configuration(tokenizer: try TokenizerLoader.load(tokenizer), candidates: candidates,
                                                 targetName: targetName, targetFiles: targetFiles)
        if let prior { configuration.prior = try MixtureFile.read(prior, over: candidates.map(\.name), complete: true) }
        (configuration.runs, configuration.concentration, configuration.trainBytes) = (runs, concentration, trainBytes)
        (configuration.targetBytes, configuration.order, configuration.seed, configuration.folder) = (targetBytes, order, seed, output)
        return configuration
    }
}

/// A progress reporter that worker threads may call.
final class LockedProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let reporter: ProgressReporter
    init(_ reporter: ProgressReporter) { self.reporter = reporter }
    func update(_ label: String, done: Int, total: Int) {
        lock.lock()
        reporter.update(label, done: done, total: total)
        lock.unlock()
    }
    func finish() { reporter.finish() }
}
