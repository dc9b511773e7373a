import ArgumentParser
import Reports
import Corpora
import Foundation
import MixtureInference
import Support
import TokenizerFormats

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
    var categories: [String] = []

    @Option(name: .long, help: "Solve from count files instead of text: a folder of `toksleuth count` files, one per category (shards summed with count --merge).")
    var counts: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Only these categories (space- or comma-separated).")
    var only: [String] = []

    @Option(name: .long, help: "Use the first T merges (default 30,000, or all the tokenizer has when fewer).")
    var merges: Int?

    @Option(name: .long, help: "Bytes of sample read per category.")
    var maxBytes: Int = 1_000_000

    @Option(name: .long, help: "Apply the first K merges but attack only those after them.")
    var skipMerges: Int?

    @Option(name: .long, help: "Skip the leading merges this other tokenizer shares (e.g. cl100k under Llama 3); `auto`: the known base sharing the most (see --bases).")
    var base: String?

    @Option(name: .long, help: "Folder of known base tokenizers for --base auto (default: $TOKSLEUTH_BASES or ~/.cache/toksleuth/bases, filled by scripts/fetch-bases).")
    var bases: String?

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

    @OptionGroup var bootstrapOptions: BootstrapArguments

    @OptionGroup var solver: SolverArguments
    @OptionGroup var tokenizerOptions: TokenizerOptions

    func validate() throws {
        if categories.isEmpty == (counts == nil) { throw ValidationError("give --categories (text to count) or --counts (counted files), not both") }
        guard InferenceMethod(rawValue: method) != nil else {
            throw ValidationError("unknown method '\(method)' (choose attack, random, tee, tc)")
        }
        if let merges, merges <= 0 { throw ValidationError("--merges must be positive") }
        guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
        if let skipMerges, skipMerges < 0 { throw ValidationError("--skip-merges must not be negative") }
        if skipMerges != nil && base != nil { throw ValidationError("give --skip-merges or --base, not both") }
        if mixture != nil && bootstrapOptions.bootstrap > 0 { throw ValidationError("--mixture evaluates a given mixture: it has no bootstrap") }
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
        for warning in result.warnings { ProgressReporter.note(warning, quiet: quiet) }
    }

    /// The request the options describe: the tokenizer, the categories, the merges to attack
    /// (after any shared with --base) and the solver and bootstrap settings.
    private func makeRequest() throws -> InferenceRequest {
        let loaded = try tokenizerOptions.load(tokenizer)
        let names = only.flatMap { $0.split(separator: ",").map(String.init) }
        let countFiles = try counts.map { try Infer.countFiles(in: $0, only: names) }
        let sources = try countFiles.map { $0.map { CategorySource(name: $0.file.header.category, files: [$0.path]) } }
            ?? Categories.discover(inFolders: categories, role: .sample, only: names.isEmpty ? nil : names)
        var skip = skipMerges ?? 0
        if let base {
            let match = try BaseDetection.match(loaded, base: base, bases: bases ?? BaseDetection.defaultFolder)
            skip = match.span
            ProgressReporter.note("skipping the \(skip) leading merges that hold the \(match.sharedMerges) shared with \(match.name)"
                                  + (match.droppedFromBase > 0 ? " (after dropping \(match.droppedFromBase) of its merges this pretokenizer can never apply)" : ""), quiet: quiet)
        }
        var mergeCount = merges ?? countFiles.map { $0[0].file.header.steps - skip } ?? 30_000
        if merges == nil, countFiles == nil, loaded.inferenceMerges.count - skip < mergeCount, loaded.inferenceMerges.count > skip {
            mergeCount = loaded.inferenceMerges.count - skip
            ProgressReporter.note("using all \(mergeCount) merges the tokenizer has\(skip > 0 ? " after the skipped ones" : "")", quiet: quiet)
        }
        var request = try InferenceRequest(tokenizer: loaded, categories: sources, mergeCount: mergeCount, maxBytes: maxBytes,
                                           method: InferenceMethod(rawValue: method)!,
                                           cache: noCache || counts != nil ? nil : CountCache(folder: cacheDir ?? CountCache.defaultFolder))
        (request.seed, request.solver, request.useResultCache, request.skipMerges) = (seed, solver.options, !noResultCache, skip)
        if solver.lpTrace { request.roundTrace = { FileHandle.standardError.write(Data(($0.line + "\n").utf8)) } }
        let b = bootstrapOptions
        (request.bootstrap, request.bootstrapLevel) = (b.bootstrap, b.bootstrapLevel)
        (request.bootstrapResampling, request.bootstrapTrainingNoise) = (b.bootstrapResampling, b.bootstrapTrainingNoise)
        if let mixture { request.givenMixture = try MixtureFile.read(mixture, over: sources.map(\.name)) }
        request.countFiles = countFiles
        return request
    }

    /// The count files (`*.tscount`) of `folder`, in category-name order as `--categories` would
    /// list them; `only` keeps the named categories.
    static func countFiles(in folder: String, only: [String]) throws -> [(path: String, file: CountFile)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw InputError(path: folder, problem: "no such folder")
        }
        var files = try entries.filter { $0.hasSuffix(".tscount") && !$0.hasPrefix(".") }.sorted().map { entry in
            let path = (folder as NSString).appendingPathComponent(entry)
            return (path: path, file: try CountFile.read(path))
        }
        if !only.isEmpty {
            let missing = only.filter { name in !files.contains { $0.file.header.category == name } }
            if !missing.isEmpty { throw InputError(path: folder, problem: "no count file for \(missing.joined(separator: ", "))") }
            files = files.filter { only.contains($0.file.header.category) }
        }
        guard !files.isEmpty else { throw InputError(path: folder, problem: "holds no .tscount files (toksleuth count writes them)") }
        files.sort { $0.file.header.category < $1.file.header.category }
        for (a, b) in zip(files, files.dropFirst()) where a.file.header.category == b.file.header.category {
            throw InputError(path: b.path, problem: "category \(b.file.header.category) is also counted in \(a.path)")
        }
        return files
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
