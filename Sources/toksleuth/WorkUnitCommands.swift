import ArgumentParser
import Foundation
import MixtureInference
import Membership
import ProxyRuns
import Support
import WorkUnits

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Cut a job into work units for a cluster: a Slurm job array or a Kubernetes indexed job.",
        subcommands: [PlanInfer.self, PlanRegMix.self, PlanScore.self]
    )
}

/// The Slurm options of every plan.
struct SlurmArguments: ParsableArguments {
    @Flag(name: .long, help: "Also write Slurm batch scripts: units.sbatch (an array job), gather.sbatch and submit.sh.")
    var slurm = false

    @Option(name: .long, help: "CPUs per array task (--slurm).")
    var slurmCpus = 1

    @Option(name: .long, help: "Memory per array task, e.g. 4G (--slurm).")
    var slurmMemory: String?

    @Option(name: .long, help: "Time limit per array task, e.g. 01:00:00 (--slurm).")
    var slurmTime: String?

    @Option(name: .long, help: "Partition (--slurm).")
    var slurmPartition: String?

    /// Writes `plan` to FOLDER/plan.json, and the batch scripts with --slurm; prints what to run next.
    func write(_ plan: WorkPlan) throws {
        let folder = plan.folder
        let planPath = (folder as NSString).appendingPathComponent("plan.json")
        try AtomicWrite.write(try plan.encoded(), to: planPath)
        var written = [planPath]
        if slurm {
            var resources = WorkPlan.SlurmResources()
            (resources.cpusPerTask, resources.memory, resources.time, resources.partition) = (slurmCpus, slurmMemory, slurmTime, slurmPartition)
            let binary = absolutePath(CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "toksleuth")
            let scripts = plan.slurmScripts(binary: binary, planPath: planPath, resources: resources)
            try AtomicWrite.write(files: scripts.map { ((folder as NSString).appendingPathComponent($0.name), Array($0.text.utf8)) })
            written += scripts.map { (folder as NSString).appendingPathComponent($0.name) }
        }
        let kinds = Dictionary(grouping: plan.units, by: \.kind).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        print("\(plan.units.count) units (\(kinds)); wrote " + written.joined(separator: ", "))
        print(slurm ? "submit: sh \((folder as NSString).appendingPathComponent("submit.sh"))"
                    : "run: toksleuth run-unit \(planPath) INDEX   (INDEX 0...\(plan.units.count - 1)), then: toksleuth gather \(planPath)")
    }
}

/// `path` made absolute against the current folder (plans run from anywhere).
func absolutePath(_ path: String) -> String {
    ((path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)) as NSString).standardizingPath
}

struct PlanScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Plan scoring texts with a language model: each share of the texts a unit; gather joins the scores.",
        discussion: """
            Takes `toksleuth lm score`'s options; the gathered scores file is the one `lm score`
            writes, byte for byte.

            Example:
              toksleuth plan score --work /shared/sc --shards 16 --slurm -- --model M.gguf --texts texts.jsonl --output scores.jsonl
            """
    )

    @Option(name: .long, help: "The work folder (created): the plan, the parts, logs; a path every node sees.")
    var work: String

    @Option(name: .long, help: "Units: the texts are split into this many contiguous shares.")
    var shards = 4

    @OptionGroup var slurmOptions: SlurmArguments

    @Argument(parsing: .postTerminator, help: "toksleuth lm score's options, after --.")
    var scoreArguments: [String] = []

    func run() throws {
        guard shards >= 1 else { throw ValidationError("--shards must be positive") }
        let command = try LanguageModelScore.parse(scoreArguments)
        _ = try LabelledText.read(command.input, label: command.label)  // the texts are readable before any unit runs
        let folder = absolutePath(work)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try slurmOptions.write(WorkPlan.score(arguments: command.commandLine, shards: shards, folder: folder))
    }
}

struct PlanRegMix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regmix",
        abstract: "Plan a RegMix regression: each proxy run a unit; gather fits the regression.",
        discussion: """
            Takes `toksleuth regmix`'s options (its --output becomes the work folder).

            Example:
              toksleuth plan regmix --work /shared/rm --slurm -- --tokenizer T.json --categories corpora/languages --target en --runs 96
            """
    )

    @Option(name: .long, help: "The work folder (created): the plan, the runs, logs; a path every node sees.")
    var work: String

    @OptionGroup var slurmOptions: SlurmArguments

    @Argument(parsing: .postTerminator, help: "toksleuth regmix's options, after --.")
    var regmixArguments: [String] = []

    func run() throws {
        let folder = absolutePath(work)
        var command = try RegMixCommand.parse(regmixArguments + ["--output", folder])
        command.tokenizer = absolutePath(command.tokenizer)
        command.categories = command.categories.map(absolutePath)
        command.prior = command.prior.map(absolutePath)
        if FileManager.default.fileExists(atPath: command.target) { command.target = absolutePath(command.target) }
        _ = try command.configuration()  // the inputs exist and agree before any unit runs
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try slurmOptions.write(WorkPlan.regmix(arguments: command.commandLine, runs: command.runs, folder: folder))
    }
}

struct PlanInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Plan an inference: counting shards per category and bootstrap replicates as units.",
        discussion: """
            Writes WORK/plan.json (and with --slurm the batch scripts). Then every unit runs with
            `toksleuth run-unit WORK/plan.json INDEX` (INDEX defaults to $SLURM_ARRAY_TASK_ID or
            $JOB_COMPLETION_INDEX), anywhere WORK and the inputs are reachable, and
            `toksleuth gather WORK/plan.json` gives what `infer` with the same options gives.

            Example (4 shards per category, 20 replicates, on a Slurm cluster):
              toksleuth plan infer --tokenizer T.json --categories corpora/languages --merges 3000 --shards 4 --bootstrap 20 --work /shared/run1 --slurm
              sh /shared/run1/submit.sh
            """
    )

    @Option(name: .long, help: "A tokenizer file or a folder holding one.")
    var tokenizer: String

    @Option(name: .long, help: "Folder of categories; repeat to pool several.")
    var categories: [String]

    @Option(name: .long, parsing: .upToNextOption, help: "Only these categories (space- or comma-separated).")
    var only: [String] = []

    @Option(name: .long, help: "Use the first T merges (default 30,000, or all the tokenizer has when fewer).")
    var merges: Int?

    @Option(name: .long, help: "Apply the first K merges but attack only those after them.")
    var skipMerges = 0

    @Option(name: .long, help: "Bytes of sample read per category.")
    var maxBytes = 1_000_000

    @Option(name: .long, help: "Counting shards per category (documents split evenly).")
    var shards = 1

    /// Each replicate is a unit.
    @OptionGroup var bootstrapOptions: BootstrapArguments

    @Option(name: .long, help: "Seed of the bootstrap.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "The work folder (created): the plan, the units' outputs, logs; a path every node sees.")
    var work: String

    @OptionGroup var slurmOptions: SlurmArguments

    @OptionGroup var tokenizerOptions: TokenizerOptions

    /// Every LP of the plan (the replicates' and gather's) is solved with these.
    @OptionGroup var solverOptions: SolverArguments

    func run() throws {
        let absolute = absolutePath
        let loaded = try tokenizerOptions.load(tokenizer)
        let available = loaded.inferenceMerges.count - skipMerges
        guard available > 0 else { throw CommandError("the tokenizer has \(loaded.inferenceMerges.count) merges, not more than --skip-merges \(skipMerges)") }
        var options = InferPlan(tokenizer: absolute(tokenizer), pretokenizer: tokenizerOptions.pretokenizer, categories: categories.map(absolute),
                                only: only.flatMap { $0.split(separator: ",").map(String.init) }, merges: merges ?? min(30_000, available),
                                skipMerges: skipMerges, maxBytes: maxBytes, shards: shards, bootstrap: bootstrapOptions.bootstrap)
        (options.bootstrapResampling, options.bootstrapLevel, options.bootstrapTrainingNoise, options.seed) =
            (bootstrapOptions.bootstrapResampling, bootstrapOptions.bootstrapLevel, bootstrapOptions.bootstrapTrainingNoise, seed)
        try solverOptions.refuseSingleSolveDiagnostics("a plan's LPs run elsewhere")
        let solver = solverOptions.options
        options.solver = solver == SolverOptions() ? nil : solver
        let folder = absolute(work)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try slurmOptions.write(try WorkPlan.infer(options, folder: folder))
    }
}

struct RunUnit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-unit",
        abstract: "Run one unit of a plan (skipped when its output is already complete)."
    )

    @Argument(help: "The plan (toksleuth plan writes it).")
    var plan: String

    @Argument(help: "The unit's index (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX).")
    var index: Int?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let index = index ?? environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) ?? environment["JOB_COMPLETION_INDEX"].flatMap(Int.init) else {
            throw ValidationError("give the unit's INDEX (or run inside a Slurm array task or a Kubernetes indexed job)")
        }
        let workPlan = try WorkPlan.read(plan)
        let started = Date()
        let unit = try workPlan.unit(index)
        let ran: Bool
        if let arguments = workPlan.regmix {
            ran = try RegMix(try RegMixCommand.parse(arguments).configuration()).runOnly([index]) > 0
        } else if let arguments = workPlan.score {
            let part = workPlan.path(of: unit)
            ran = !FileManager.default.fileExists(atPath: part)
            if ran {
                let command = try LanguageModelScore.parse(arguments)
                let texts = try LabelledText.read(command.input, label: command.label)
                try FileManager.default.createDirectory(atPath: (part as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                _ = try command.score(Array(texts[workPlan.textRange(of: unit, count: texts.count)]), into: part)
            }
        } else {
            ran = try workPlan.run(unit: index)
        }
        FileHandle.standardError.write(Data(String(format: "unit %d (%@): %@ in %.2fs -> %@\n", index, unit.label,
                                                   ran ? "done" : "already complete", Date().timeIntervalSince(started), unit.output).utf8))
    }
}

struct Gather: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that every unit of a plan has its output and finish the job (infer: the LP and the intervals)."
    )

    @Argument(help: "The plan.")
    var plan: String

    @Flag(name: .long, help: "Print JSON (as infer --json).")
    var json = false

    @Option(name: .long, help: "Write the output to this file (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        let workPlan = try WorkPlan.read(plan)
        if let arguments = workPlan.regmix {
            try workPlan.checkComplete()
            // regmix itself on the work folder: every run is reused, the regression fitted.
            let text = try RegMixCommand.parse(arguments + ["--json", "--quiet"]).result()
            if let output { try AtomicWrite.write(text + "\n", to: output) } else { print(text) }
            return
        }
        if let arguments = workPlan.score {
            try workPlan.checkComplete()
            // The parts in order are the scores file `lm score` writes.
            let command = try LanguageModelScore.parse(arguments)
            var joined: [UInt8] = []
            for unit in workPlan.units { joined += [UInt8](FileBytes.contents(atPath: workPlan.path(of: unit)) ?? Data()) }
            try AtomicWrite.write(joined, to: command.output)
            try command.print(summary: ScoringSummary(try ScoresFile.read(command.output), output: command.output))
            return
        }
        let progress = ProgressReporter(quiet: quiet)
        let result = try workPlan.gather { progress.update($0) }
        progress.finish()
        let text = json ? try ResultJSON.text(result, timings: false) : result.table
        if let output { try AtomicWrite.write(text + "\n", to: output) } else { print(text) }
        for warning in result.warnings { ProgressReporter.note(warning, quiet: quiet) }
    }
}
