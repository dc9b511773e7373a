import Corpora
import Foundation
import MixtureInference
import Support
import TokenizerFormats

/// Running one unit, and gathering all of them.
extension WorkPlan {
    /// One bootstrap replicate's output: the replicate (its proportions and how its LP ended;
    /// an output from before replicates said so does not decode and is run again).
    struct ReplicateOutput: Codable, Equatable {
        var key: String
        var replicate: Int
        var draw: BootstrapReplicate
    }

    /// Runs unit `index` unless its output is already there and valid; says which.
    /// - Returns: true when the unit ran, false when its output was already complete.
    @discardableResult
    public func run(unit index: Int) throws -> Bool {
        let unit = try self.unit(index)
        guard let infer else { throw WorkPlanError("a \(kind) plan's units are run by `toksleuth run-unit`") }
        let output = path(of: unit)
        try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let tokenizer = try infer.loadTokenizer()
        let counter = PairCounter(tokenizer: tokenizer, mergeCount: infer.skipMerges + infer.merges, cache: nil)
        guard tokenizer.inferenceMerges.count >= infer.skipMerges + infer.merges else {
            throw InputError(path: infer.tokenizer, problem: "the tokenizer has \(tokenizer.inferenceMerges.count) merges, fewer than the plan's \(infer.skipMerges + infer.merges)")
        }
        switch unit.kind {
        case "count":
            if let done = try? CountFile.read(output), done.header.category == unit.category, done.header.shard == unit.shard,
               done.header.tokenizerKey == counter.tokenizerKey { return false }
            guard let source = try infer.sources().first(where: { $0.name == unit.category }), let shard = unit.shard else {
                throw WorkPlanError("unit \(index): category \(unit.category ?? "?") is not among the plan's categories")
            }
            try CountFile.count(category: source.name, sample: try source.read(maxBytes: infer.maxBytes), shard: shard[0], of: shard[1],
                                counter: counter).write(to: output)
        case "bootstrap":
            let key = self.key
            if let data = FileBytes.contents(atPath: output), let done = try? JSONDecoder().decode(ReplicateOutput.self, from: data),
               done.key == key, done.replicate == unit.replicate { return false }
            let sources = try infer.sources()
            let samples = try sources.map { try $0.read(maxBytes: infer.maxBytes) }
            let replicate = try Bootstrap.replicate(unit.replicate ?? 0, tokenizer: tokenizer, names: sources.map(\.name), samples: samples,
                                                      mergeCount: infer.merges, skipMerges: infer.skipMerges, solver: infer.solverOptions,
                                                      seed: infer.seed, resampling: infer.bootstrapResampling)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicWrite.write([UInt8](try encoder.encode(ReplicateOutput(key: key, replicate: unit.replicate ?? 0, draw: replicate))), to: output)
        default:
            throw WorkPlanError("unit \(index) is of unknown kind \(unit.kind)")
        }
        return true
    }

    /// The units whose output is missing or invalid.
    public func missingUnits() -> [WorkUnit] {
        let key = self.key
        return units.filter { unit in
            let output = path(of: unit)
            // regmix checks its runs' keys itself; a part of scores exists only once complete.
            if unit.kind == "regmix" || unit.kind == "score" { return !FileManager.default.fileExists(atPath: output) }
            if unit.kind == "count" {
                guard let file = try? CountFile.read(output) else { return true }
                return file.header.category != unit.category || file.header.shard != unit.shard
            }
            guard let data = FileBytes.contents(atPath: output), let done = try? JSONDecoder().decode(ReplicateOutput.self, from: data) else { return true }
            return done.key != key || done.replicate != unit.replicate
        }
    }

    /// Throws naming every unit whose output is missing (the first ten).
    public func checkComplete() throws {
        let missing = missingUnits()
        guard missing.isEmpty else {
            let shown = missing.prefix(10).map { "\($0.index) (\($0.label): \($0.output))" }.joined(separator: ", ")
            throw WorkPlanError("\(missing.count) of \(units.count) units have no output yet: \(shown)\(missing.count > 10 ? ", ..." : "")"
                                + " (run them: toksleuth run-unit PLAN INDEX)")
        }
    }

    /// Finishes the job: sums each category's shards into `counts/CATEGORY.tscount`, solves the
    /// LP from them and puts the bootstrap replicates' intervals around it: the result `infer`
    /// gives on the same options in one process, byte for byte.
    /// - Throws: naming every unit whose output is missing.
    public func gather(progress: ((String) -> Void)? = nil) throws -> InferenceResult {
        try checkComplete()
        guard let infer else { throw WorkPlanError("a \(kind) plan is gathered by `toksleuth gather`") }
        progress?("summing \(infer.shards) shards for each category")
        let countsFolder = (folder as NSString).appendingPathComponent("counts")
        try FileManager.default.createDirectory(atPath: countsFolder, withIntermediateDirectories: true)
        var countFiles: [(path: String, file: CountFile)] = []
        for source in try infer.sources() {
            let shards = units.filter { $0.kind == "count" && $0.category == source.name }
            let paths = shards.map(path(of:))
            let merged = try CountFile.merge(try paths.map(CountFile.read), paths: paths)
            let output = (countsFolder as NSString).appendingPathComponent("\(source.name).tscount")
            try merged.write(to: output)
            countFiles.append((output, merged))
        }
        let draws = try units.filter { $0.kind == "bootstrap" }.map { unit in
            try JSONDecoder().decode(ReplicateOutput.self, from: FileBytes.contents(atPath: path(of: unit)) ?? Data()).draw
        }
        progress?("solving the LP")
        let tokenizer = try infer.loadTokenizer()
        var request = try InferenceRequest(tokenizer: tokenizer, categories: countFiles.map { CategorySource(name: $0.file.header.category, files: [$0.path]) },
                                           mergeCount: infer.merges, maxBytes: infer.maxBytes, method: .attack, cache: nil)
        (request.skipMerges, request.seed) = (infer.skipMerges, infer.seed)
        (request.bootstrap, request.bootstrapLevel) = (infer.bootstrap, infer.bootstrapLevel)
        (request.bootstrapResampling, request.bootstrapTrainingNoise) = (infer.bootstrapResampling, infer.bootstrapTrainingNoise)
        request.solver = infer.solverOptions
        request.countFiles = countFiles
        request.bootstrapDraws = infer.bootstrap > 0 ? draws : nil
        return try request.run().result
    }
}
