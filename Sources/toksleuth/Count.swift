import ArgumentParser
import Foundation
import MixtureInference
import Support

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count one category's pairs under a merge list, or a shard of them, or sum shards: sharded counting.",
        discussion: """
            Pair counts under a fixed merge list add up over documents, so a category's sample can
            be split into N shards at document boundaries, each counted anywhere, and the shards
            summed: the sum is byte-identical to counting the whole sample. `infer --counts FOLDER`
            then solves from the summed files without reading text.

            Example (two shards, then their sum, then the LP):
              toksleuth count --tokenizer T.json --category corpora/languages/en --shard 0/2 --output shards/en.0.tscount
              toksleuth count --tokenizer T.json --category corpora/languages/en --shard 1/2 --output shards/en.1.tscount
              toksleuth count --merge shards/en.0.tscount shards/en.1.tscount --output counts/en.tscount
              toksleuth infer --tokenizer T.json --counts counts
            """
    )

    @Option(name: .long, help: "A tokenizer file or a folder holding one.")
    var tokenizer: String?

    @Option(name: .long, help: "The category: a folder (its sample.txt, or all its text files) or a text file; its name is the entry's name.")
    var category: String?

    @Option(name: .long, help: "Count under the first T merges (default 30,000, or all the tokenizer has when fewer), after --skip-merges.")
    var merges: Int?

    @Option(name: .long, help: "Merges applied before the counted ones (as infer --skip-merges).")
    var skipMerges = 0

    @Option(name: .long, help: "Bytes of sample read (as infer --max-bytes; every shard reads the same cut).")
    var maxBytes = 1_000_000

    @Option(name: .long, help: "Count shard i of N (documents i*D/N ..< (i+1)*D/N of the sample's D), e.g. 3/8.")
    var shard = "0/1"

    @Option(name: .long, parsing: .upToNextOption, help: "Sum these shard files (all N shards of one category) instead of counting.")
    var merge: [String] = []

    @Option(name: .long, help: "The count file to write (atomically).")
    var output: String

    @OptionGroup var tokenizerOptions: TokenizerOptions

    func validate() throws {
        if merge.isEmpty && (tokenizer == nil || category == nil) {
            throw ValidationError("give --tokenizer and --category to count, or --merge FILES to sum shards")
        }
        if !merge.isEmpty && (tokenizer != nil || category != nil) { throw ValidationError("--merge sums count files: it takes no --tokenizer or --category") }
        guard shardIndex != nil else { throw ValidationError("--shard must be i/N with 0 <= i < N, e.g. 3/8") }
        if let merges, merges <= 0 { throw ValidationError("--merges must be positive") }
        guard skipMerges >= 0, maxBytes > 0 else { throw ValidationError("--skip-merges must not be negative, --max-bytes must be positive") }
    }

    /// `--shard i/N` as (i, N).
    var shardIndex: (Int, Int)? {
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else { return nil }
        return (parts[0], parts[1])
    }

    func run() throws {
        if !merge.isEmpty {
            try CountFile.merge(try merge.map(CountFile.read), paths: merge).write(to: output)
            return
        }
        let loaded = try tokenizerOptions.load(tokenizer!)
        let path = (category! as NSString).standardizingPath
        let name = Categories.categoryName(fileName: (path as NSString).lastPathComponent)
        guard let source = try Categories.discover(in: (path as NSString).deletingLastPathComponent, only: [name]).first else {
            throw InputError(path: path, problem: "not a category")
        }
        let available = loaded.inferenceMerges.count - skipMerges
        guard available > 0 else { throw InputError(path: tokenizer!, problem: "the tokenizer has \(loaded.inferenceMerges.count) merges, not more than --skip-merges \(skipMerges)") }
        let mergeCount = merges ?? min(30_000, available)
        guard mergeCount <= available else {
            throw InputError(path: tokenizer!, problem: "the tokenizer has \(loaded.inferenceMerges.count) merges, fewer than --skip-merges \(skipMerges) + --merges \(mergeCount)")
        }
        let counter = PairCounter(tokenizer: loaded, mergeCount: skipMerges + mergeCount, cache: nil)
        let (index, shards) = shardIndex!
        try CountFile.count(category: source.name, sample: try source.read(maxBytes: maxBytes), shard: index, of: shards, counter: counter)
            .write(to: output)
    }
}
