import Corpora
import Foundation
import Pretokenization
import MixtureInference
import Support
import TokenizerFormats

/// A job cut into independent work units, for a cluster's scheduler to run (a Slurm job array,
/// a Kubernetes indexed job) instead of one process: `toksleuth plan` writes it, `toksleuth
/// run-unit PLAN INDEX` runs unit INDEX anywhere the work folder is reachable, and `toksleuth
/// gather PLAN` checks that every unit's output is there and finishes the job.
///
/// Every unit has a stable output path in the work folder, written atomically, and running a
/// unit whose output is already there and valid does nothing: a failed or preempted array task
/// is simply run again.
///
///     let plan = try WorkPlan.infer(InferPlan(tokenizer: "t.json", categories: ["corpora/languages"], merges: 3000,
///                                             shards: 4, bootstrap: 20), folder: "work")
///     // plan.units: 4 count units per category, then 20 bootstrap replicates
public struct WorkPlan: Codable, Sendable, Equatable {
    public var format = "toksleuth plan v1"
    /// The job: `infer` (counting shards and bootstrap replicates, gathered into the LP's
    /// result) or `regmix` (proxy runs, gathered into the regression).
    public var kind: String
    /// The work folder: unit outputs are relative to it.
    public var folder: String
    /// An `infer` plan's options.
    public var infer: InferPlan?
    /// A `regmix` plan's command line (`toksleuth regmix` arguments, `--output` the work
    /// folder, paths absolute): the command itself reads them, so a unit is exactly one of its runs.
    public var regmix: [String]?
    /// A `score` plan's command line (`toksleuth lm score` arguments, paths absolute): each unit
    /// scores a contiguous share of the texts into a part file; gather joins the parts in order.
    public var score: [String]?
    public var units: [WorkUnit]

    enum CodingKeys: String, CodingKey { case format, kind, folder, infer, regmix, score, units }
}

/// What an `infer` plan infers: the options of `toksleuth infer` it supports.
public struct InferPlan: Codable, Sendable, Equatable {
    /// The tokenizer (an absolute path, so units run from any folder).
    public var tokenizer: String
    /// A pretokenizer override by name (`--pretokenizer`), if any.
    public var pretokenizer: String?
    /// Category folders (absolute) and the categories kept (empty: all).
    public var categories: [String]
    public var only: [String] = []
    public var merges: Int
    public var skipMerges = 0
    public var maxBytes = 1_000_000
    /// Counting shards per category.
    public var shards = 1
    public var bootstrap = 0
    public var bootstrapLevel = 0.9
    public var bootstrapResampling = BootstrapResampling.both
    public var bootstrapTrainingNoise = 1.0
    public var seed: UInt64 = 0
    /// How every LP of the plan is solved (nil: the defaults, as in plans written before it).
    public var solver: SolverOptions?
    /// The options every LP of the plan solves with.
    var solverOptions: SolverOptions { solver ?? SolverOptions() }

    public init(tokenizer: String, pretokenizer: String? = nil, categories: [String], only: [String] = [], merges: Int,
                skipMerges: Int = 0, maxBytes: Int = 1_000_000, shards: Int = 1, bootstrap: Int = 0) {
        (self.tokenizer, self.pretokenizer, self.categories, self.only) = (tokenizer, pretokenizer, categories, only)
        (self.merges, self.skipMerges, self.maxBytes, self.shards, self.bootstrap) = (merges, skipMerges, maxBytes, shards, bootstrap)
    }

    enum CodingKeys: String, CodingKey {
        case tokenizer, pretokenizer, categories, only, merges, shards, bootstrap, seed, solver
        case skipMerges = "skip_merges", maxBytes = "max_bytes", bootstrapLevel = "bootstrap_level"
        case bootstrapResampling = "bootstrap_resampling", bootstrapTrainingNoise = "bootstrap_training_noise"
    }
}

/// One unit of a plan.
public struct WorkUnit: Codable, Sendable, Equatable {
    public var index: Int
    /// `count` (one shard of one category) or `bootstrap` (one replicate).
    public var kind: String
    public var category: String?
    /// `[i, N]` for a count unit.
    public var shard: [Int]?
    /// The bootstrap replicate or the regmix run.
    public var replicate: Int?
    /// The unit's output, relative to the work folder.
    public var output: String

    /// A one-line description for messages.
    public var label: String {
        switch kind {
        case "count": return "count \(category ?? "?") shard \(shard?[0] ?? 0)/\(shard?[1] ?? 1)"
        case "regmix": return "regmix run \(replicate ?? 0)"
        case "score": return "score texts, share \(shard?[0] ?? 0)/\(shard?[1] ?? 1)"
        default: return "bootstrap replicate \(replicate ?? 0)"
        }
    }
}

/// A plan's error: a missing unit, a plan that does not match its inputs.
public struct WorkPlanError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension WorkPlan {
    /// The plan of an inference: `shards` count units per category, then `bootstrap` replicates.
    public static func infer(_ options: InferPlan, folder: String) throws -> WorkPlan {
        guard options.shards >= 1, options.bootstrap >= 0, options.merges > 0 else {
            throw WorkPlanError("--shards and --merges must be positive, --bootstrap not negative")
        }
        let sources = try options.sources()
        var units: [WorkUnit] = []
        for source in sources {
            for shard in 0..<options.shards {
                units.append(WorkUnit(index: units.count, kind: "count", category: source.name, shard: [shard, options.shards],
                                      output: "shards/\(source.name).\(shard)-of-\(options.shards).tscount"))
            }
        }
        for replicate in 0..<options.bootstrap {
            units.append(WorkUnit(index: units.count, kind: "bootstrap", replicate: replicate, output: String(format: "bootstrap/replicate-%05d.json", replicate)))
        }
        return WorkPlan(kind: "infer", folder: folder, infer: options, units: units)
    }

    /// The plan of a RegMix regression: one unit per proxy run (`runs/run-NNNN.json`), gathered
    /// by `regmix` itself on the work folder, which reuses every run.
    public static func regmix(arguments: [String], runs: Int, folder: String) -> WorkPlan {
        let units = (0..<runs).map { WorkUnit(index: $0, kind: "regmix", replicate: $0, output: String(format: "runs/run-%04d.json", $0)) }
        return WorkPlan(kind: "regmix", folder: folder, regmix: arguments, units: units)
    }

    /// The plan of scoring texts with a language model: `shards` units, each the texts
    /// `i * n / shards ..< (i + 1) * n / shards` of the n, scored into `scores/part-I-of-N.jsonl`.
    public static func score(arguments: [String], shards: Int, folder: String) -> WorkPlan {
        let units = (0..<shards).map { WorkUnit(index: $0, kind: "score", shard: [$0, shards], output: "scores/part-\($0)-of-\(shards).jsonl") }
        return WorkPlan(kind: "score", folder: folder, score: arguments, units: units)
    }

    /// The texts a `score` unit scores, of `count`.
    public func textRange(of unit: WorkUnit, count: Int) -> Range<Int> {
        let (index, shards) = (unit.shard?[0] ?? 0, unit.shard?[1] ?? 1)
        return (index * count / shards)..<((index + 1) * count / shards)
    }

    /// Reads a plan file.
    public static func read(_ path: String) throws -> WorkPlan {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        guard let plan = try? JSONDecoder().decode(WorkPlan.self, from: data), plan.format == "toksleuth plan v1",
              (plan.kind == "infer" && plan.infer != nil) || (plan.kind == "regmix" && plan.regmix != nil)
                || (plan.kind == "score" && plan.score != nil) else {
            throw InputError(path: path, problem: "not a toksleuth plan (`toksleuth plan` writes them)")
        }
        for (position, unit) in plan.units.enumerated() where unit.index != position {
            throw InputError(path: path, problem: "unit \(position) is numbered \(unit.index)")
        }
        return plan
    }

    /// The plan as JSON (keys sorted).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self)) + [0x0A]
    }

    /// The absolute path of a unit's output.
    public func path(of unit: WorkUnit) -> String { (folder as NSString).appendingPathComponent(unit.output) }

    /// Unit `index` of the plan.
    /// - Throws: naming the plan's range when there is no such unit.
    public func unit(_ index: Int) throws -> WorkUnit {
        guard units.indices.contains(index) else {
            throw WorkPlanError("unit \(index) does not exist: the plan has units 0...\(units.count - 1)")
        }
        return units[index]
    }

    /// Fingerprint of what the bootstrap replicates depend on (they carry it).
    var key: String {
        var fingerprint = Fingerprint()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        fingerprint.update((try? encoder.encode(infer)).map { [UInt8]($0) } ?? [])
        if let tokenizer = infer?.tokenizer, let bytes = FileBytes.contents(atPath: tokenizer) { fingerprint.update([UInt8](bytes)) }
        return fingerprint.hex
    }
}

extension InferPlan {
    /// The categories, as `infer --categories` finds them.
    func sources() throws -> [CategorySource] {
        try Categories.discover(inFolders: categories, role: .sample, only: only.isEmpty ? nil : only)
    }

    func loadTokenizer() throws -> Tokenizer {
        var override: Pretokenizer?
        if let pretokenizer {
            guard let found = Pretokenizer(named: pretokenizer) else { throw WorkPlanError("unknown pretokenizer '\(pretokenizer)' in the plan") }
            override = found
        }
        return try TokenizerLoader.load(tokenizer, pretokenizer: override)
    }
}
