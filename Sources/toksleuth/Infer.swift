import ArgumentParser
import Reports
import Corpora
import Foundation
import MixtureInference
import Support
import TokenizerFormats

/// Options of the LP solve shared by `infer` and `experiment`.
struct SolverArguments: ParsableArguments {
    @Option(name: .long, help: "Heuristic early stop (opt-in, labelled in the output): stop when no proportion moved more than this over the last 5 LP rounds (0: solve to proven optimality).")
    var lpStability: Double = 0

    @Option(name: .long, help: "LP algorithm: row-generation (the whole LP, the paper's method) or decomposition (in the weights, an exact matching per query, finished by row generation).")
    var lpMethod: String = SolverOptions().method.rawValue

    @Option(name: .long, help: "Optimal when the relative gap between the best feasible point and the proven lower bound is at most this.")
    var lpGap: Double = SolverOptions().gapTolerance

    @Option(name: .long, help: "Violated constraints taken per merge step and round (the most violated pairs).")
    var lpPairsPerStep: Int = SolverOptions().pairsPerStep

    @Option(name: .long, help: "Constraints of one pair taken per round at most (its most violated steps).")
    var lpCutsPerPair: Int = SolverOptions().maxCutsPerPair

    @Option(name: .long, help: "Delete a constraint after it has not bound for more than this many rounds in a row (-1: never).")
    var lpCutAge: Int = SolverOptions().cutAge ?? -1

    @Option(name: .long, help: "In-out stabilisation: look for violated constraints at this share of the best feasible point plus the rest of the relaxation's solution (0: at the solution itself).")
    var lpStabilization: Double = SolverOptions().stabilization

    @Flag(name: .long, help: "Print one line per LP round on standard error (diagnosis).")
    var lpTrace = false

    @Option(name: .long, help: "Write the restricted LP of round --lp-write-mps-round to this MPS file (diagnosis: solve it with another solver).")
    var lpWriteMps: String?

    @Option(name: .long, help: "The round whose restricted LP --lp-write-mps writes.")
    var lpWriteMpsRound = 10

    @Option(name: .long, help: "At most this many LP rounds (a solve stopped here is labelled, not optimal).")
    var lpMaxRounds: Int = SolverOptions().maxRounds

    @Option(name: .long, help: "LP form GLPK solves: primal (dual simplex) or dual (primal simplex).")
    var lpForm: String = "dual"

    @Option(name: .long, help: "Stop the LP after the round that passes this many seconds (default: no limit).")
    var lpTimeLimit: Double?

    @Option(name: .long, help: "At most this many violated constraints (the most violated) join the LP per round.")
    var lpRowsPerRound: Int = SolverOptions().maxRowsPerRound

    var options: SolverOptions {
        var options = SolverOptions()
        options.form = LPForm(rawValue: lpForm) ?? .dual
        options.stabilityTolerance = lpStability
        options.maxRounds = lpMaxRounds
        options.maxRowsPerRound = lpRowsPerRound
        options.timeLimit = lpTimeLimit
        options.method = SolverOptions.Method(rawValue: lpMethod) ?? .rowGeneration
        options.mps = lpWriteMps.map { (path: $0, round: lpWriteMpsRound) }
        options.gapTolerance = lpGap
        options.pairsPerStep = lpPairsPerStep
        options.maxCutsPerPair = lpCutsPerPair
        options.cutAge = lpCutAge < 0 ? nil : lpCutAge
        options.stabilization = lpStabilization
        return options
    }

    func validate() throws {
        guard lpStability >= 0 else { throw ValidationError("--lp-stability must not be negative") }
        guard lpMaxRounds >= 1 else { throw ValidationError("--lp-max-rounds must be at least 1") }
        guard SolverOptions.Method(rawValue: lpMethod) != nil else { throw ValidationError("--lp-method is decomposition or row-generation") }
        guard lpGap >= 0 else { throw ValidationError("--lp-gap must not be negative") }
        guard lpPairsPerStep >= 1 else { throw ValidationError("--lp-pairs-per-step must be at least 1") }
        guard lpCutsPerPair >= 1 else { throw ValidationError("--lp-cuts-per-pair must be at least 1") }
        guard lpRowsPerRound >= 1 else { throw ValidationError("--lp-rows-per-round must be at least 1") }
        guard (0..<1).contains(lpStabilization) else { throw ValidationError("--lp-stabilization must be in [0, 1)") }
        guard LPForm(rawValue: lpForm) != nil else { throw ValidationError("--lp-form is primal or dual") }
    }
}

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Infer the category proportions of a tokenizer's training data from its merge list.",
        discussion: """
            CATEGORIES is a folder whose entries are categories: a sub-folder (its sample.txt, or all
            its text files) or a single text file; the entry name is the category name. Pair counts
            are cached (see --cache-dir), so a second identical run is fast and prints the same.

            Example:
              toksleuth infer --tokenizer /tmp/mix.json --categories fixtures/corpora/languages --merges 3000
            """
    )

    @Option(name: .long, help: "A tokenizer file or a folder holding one.")
    var tokenizer: String

    @Option(name: .long, help: "Folder of categories; repeat to pool several (languages, code, domains).")
    var categories: [String]

    @Option(name: .long, parsing: .upToNextOption, help: "Only these categories (space- or comma-separated).")
    var only: [String] = []

    @Option(name: .long, help: "Use the first T merges (default 30,000, or all the tokenizer has when fewer).")
    var merges: Int?

    @Option(name: .long, help: "Bytes of sample read per category.")
    var maxBytes: Int = 1_000_000

    @Option(name: .long, help: "Apply the first K merges but attack only those after them.")
    var skipMerges: Int?

    @Option(name: .long, help: "Skip the leading merges this other tokenizer shares (e.g. cl100k under Llama 3).")
    var base: String?

    @Option(name: .long, help: "attack (the LP), random, tee or tc.")
    var method: String = "attack"

    @Option(name: .long, help: "Seed of the random baseline.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Cache folder (default $TOKSLEUTH_CACHE, $XDG_CACHE_HOME/toksleuth or ~/.cache/toksleuth).")
    var cacheDir: String?

    @Flag(name: .long, help: "Neither read nor write the cache.")
    var noCache = false

    @Flag(name: .long, help: "Solve again even when the cache holds this whole result (pair counts still come from the cache).")
    var noResultCache = false

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Include wall-clock seconds in the JSON (they differ run to run; without them identical inputs print identical bytes).")
    var timings = false

    @Option(name: .long, help: "Also write an HTML report and its Markdown twin into this folder (named after the tokenizer).")
    var report: String?

    @Option(name: .long, help: "Write the output to this file (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    @Option(name: .long, help: "Evaluate this mixture ({\"name\": weight} or an `infer --json` result) instead of inferring one: prints its fit quality and unexplained share.")
    var mixture: String?

    @Option(name: .long, help: "Bootstrap replicates (resampled, pairs counted and the LP solved again) for an interval per category.")
    var bootstrap = 0

    @Option(name: .long, help: "What the bootstrap resamples: documents (of each category sample), steps (of the merge list) or both.")
    var bootstrapResampling = BootstrapResampling.both

    @Option(name: .long, help: "Variance of the tokenizer's training draw relative to the samples': the intervals widen by sqrt(1 + this) about the estimate (1: trained on as much text per category as the samples hold; 0: on far more).")
    var bootstrapTrainingNoise = 1.0

    @Option(name: .long, help: "Central probability of the bootstrap intervals.")
    var bootstrapLevel = 0.9

    @OptionGroup var solver: SolverArguments
    @OptionGroup var tokenizerOptions: TokenizerOptions

    func validate() throws {
        guard InferenceMethod(rawValue: method) != nil else {
            throw ValidationError("unknown method '\(method)' (choose attack, random, tee, tc)")
        }
        if let merges, merges <= 0 { throw ValidationError("--merges must be positive") }
        guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
        if let skipMerges, skipMerges < 0 { throw ValidationError("--skip-merges must not be negative") }
        if skipMerges != nil && base != nil { throw ValidationError("give --skip-merges or --base, not both") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must not be negative") }
        guard bootstrapTrainingNoise >= 0 else { throw ValidationError("--bootstrap-training-noise must not be negative") }
        if mixture != nil && bootstrap > 0 { throw ValidationError("--mixture evaluates a given mixture: it has no bootstrap") }
        guard bootstrapLevel > 0, bootstrapLevel < 1 else { throw ValidationError("--bootstrap-level must be between 0 and 1") }
    }

    func run() throws {
        let progress = ProgressReporter(quiet: quiet)
        let request = try makeRequest()
        let (result, cacheUse) = try request.run { stage, done, total in
            if let done, let total { progress.update(stage, done: done, total: total) } else { progress.update(stage) }
        }
        progress.finish()
        let text = json ? try ResultJSON.text(result, timings: timings) : result.table
        if let output { try AtomicWrite.write(text + "\n", to: output) } else { print(text) }
        if let report { try writeReport(result, to: report) }
        if cacheUse == .result || cacheUse == .counts {
            ProgressReporter.note("(served from the cache: \(cacheUse == .result ? "the whole result" : "pair counts"))", quiet: quiet)
        }
        if let warning = result.solver?.notOptimalWarning { ProgressReporter.note(warning, quiet: quiet) }
    }

    /// The request the options describe: the tokenizer, the categories, the merges to attack
    /// (after any shared with --base) and the solver and bootstrap settings.
    private func makeRequest() throws -> InferenceRequest {
        let loaded = try tokenizerOptions.load(tokenizer)
        let names = only.flatMap { $0.split(separator: ",").map(String.init) }
        let sources = try Categories.discover(inFolders: categories, role: .sample, only: names.isEmpty ? nil : names)
        var skip = skipMerges ?? 0
        if let base {
            skip = InferenceRequest.sharedMergePrefix(loaded, try TokenizerLoader.load(base))
            ProgressReporter.note("skipping the \(skip) leading merges shared with \(base)", quiet: quiet)
        }
        var mergeCount = merges ?? 30_000
        if merges == nil, loaded.inferenceMerges.count - skip < mergeCount, loaded.inferenceMerges.count > skip {
            mergeCount = loaded.inferenceMerges.count - skip
            ProgressReporter.note("using all \(mergeCount) merges the tokenizer has\(skip > 0 ? " after the skipped ones" : "")", quiet: quiet)
        }
        var request = try InferenceRequest(tokenizer: loaded, categories: sources, mergeCount: mergeCount, maxBytes: maxBytes,
                                           method: InferenceMethod(rawValue: method)!,
                                           cache: noCache ? nil : CountCache(folder: cacheDir ?? CountCache.defaultFolder))
        (request.seed, request.solver, request.useResultCache, request.skipMerges) = (seed, solver.options, !noResultCache, skip)
        if solver.lpTrace { request.roundTrace = { FileHandle.standardError.write(Data(($0.line + "\n").utf8)) } }
        (request.bootstrap, request.bootstrapLevel) = (bootstrap, bootstrapLevel)
        (request.bootstrapResampling, request.bootstrapTrainingNoise) = (bootstrapResampling, bootstrapTrainingNoise)
        if let mixture { request.givenMixture = try MixtureFile.read(mixture, over: sources.map(\.name)) }
        return request
    }

    /// Writes the HTML and Markdown report of `result` (with the command and the families of the
    /// categories) into `folder`.
    private func writeReport(_ result: InferenceResult, to folder: String) throws {
        var reported = result
        reported.command = (["toksleuth"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        reported.families = try Categories.families(of: categories)
        let name = ((tokenizer as NSString).lastPathComponent as NSString).deletingPathExtension
        let input = try MixtureReportInput(reported, data: try ResultJSON.encoder().encode(reported),
                                           source: "infer --tokenizer \(tokenizer)", title: name)
        try ReportWriter.write(ReportWriter.mixture(input), name: name, folder: folder)
        ProgressReporter.note("wrote \(folder)/\(name).html and \(name).md", quiet: quiet)
    }
}

extension BootstrapResampling: ExpressibleByArgument {}
