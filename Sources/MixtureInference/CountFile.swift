import BPE
import Corpora
import Foundation
import Support

/// One category's pair-count trace in a file of its own (`toksleuth count`): the unit of
/// sharded counting. A category's sample is split at document boundaries into N shards, each
/// counted anywhere (`--shard i/N`), and the shards' traces summed (`count --merge`) give a
/// file byte-identical to the one counted from the whole sample; `infer --counts` solves from
/// such files without reading text.
///
/// Layout: one line of JSON (the ``Header``, keys sorted), then the trace in the count cache's
/// binary form (``CountCache``) keyed by the header, so a file whose header and counts do not
/// belong together is refused.
public struct CountFile: Sendable, Equatable {
    /// What the counts are of, and under what.
    public struct Header: Codable, Sendable, Equatable {
        public var format = "toksleuth count trace v1"
        /// The category's name.
        public var category: String
        /// The tokenizer part of the key: merges, alphabet, pretokenizer, normalizer, T
        /// (``PairCounter``).
        public var tokenizerKey: String
        /// Merge steps the trace replays (skipped base merges included).
        public var steps: Int
        /// Fingerprint and size of the whole sample the shards split (after `--max-bytes`).
        public var sampleKey: String
        public var sampleBytes: Int
        /// `[i, N]`: shard i of N; `[0, 1]`: the whole sample (and a sum of all shards).
        public var shard: [Int]
        /// Bytes of sample text in this shard.
        public var shardBytes: Int

        enum CodingKeys: String, CodingKey {
            case format, category, steps, shard
            case tokenizerKey = "tokenizer_key", sampleKey = "sample_key", sampleBytes = "sample_bytes", shardBytes = "shard_bytes"
        }
    }

    public var header: Header
    public var trace: PairCountTrace

    public init(header: Header, trace: PairCountTrace) {
        self.header = header
        self.trace = trace
    }

    /// Counts shard `index` of `shards` of a category's sample: documents
    /// `index * D / shards ..< (index + 1) * D / shards` of its D documents (a shard may hold none).
    public static func count(category name: String, sample: Corpus, shard index: Int, of shards: Int, counter: PairCounter) throws -> CountFile {
        guard shards >= 1, (0..<shards).contains(index) else { throw InputError(path: name, problem: "shard \(index)/\(shards) does not exist") }
        let documents = sample.documents
        let first = index * documents.count / shards, last = (index + 1) * documents.count / shards
        var part = Corpus()
        if first == 0 && last == documents.count {
            part = sample  // the whole sample: no copy
        } else if first < last {
            part.append(sequences: documents[first].lowerBound..<documents[last - 1].upperBound, of: sample)
        }
        let header = Header(category: name, tokenizerKey: counter.tokenizerKey, steps: counter.merges.count, sampleKey: sampleKey(sample),
                            sampleBytes: sample.bytes.count, shard: [index, shards], shardBytes: part.bytes.count)
        return CountFile(header: header, trace: try counter.trace(of: part))
    }

    /// The fingerprint of a sample's text and sequence boundaries.
    static func sampleKey(_ sample: Corpus) -> String {
        var fingerprint = Fingerprint()
        fingerprint.update(sample.bytes)
        for end in sample.sequenceEnds { fingerprint.update(UInt64(end)) }
        return fingerprint.hex
    }

    /// Sums the shards of one category: all N of one split of one sample under one tokenizer.
    /// - Throws: naming the file at fault (`paths` in the order of `files`), or the shard missing.
    public static func merge(_ files: [CountFile], paths: [String]) throws -> CountFile {
        guard let first = files.first else { throw InputError(path: "count --merge", problem: "no count files given") }
        for (file, path) in zip(files, paths) {
            for (field, same) in [("category", file.header.category == first.header.category),
                                  ("tokenizer or merges", file.header.tokenizerKey == first.header.tokenizerKey && file.header.steps == first.header.steps),
                                  ("sample", file.header.sampleKey == first.header.sampleKey), ("number of shards", file.header.shard[1] == first.header.shard[1])]
            where !same {
                throw InputError(path: path, problem: "its \(field) differs from \(paths[0])'s: shards of different counts cannot be summed")
            }
        }
        let shards = first.header.shard[1]
        var seen = [String?](repeating: nil, count: shards)
        for (file, path) in zip(files, paths) {
            if let other = seen[file.header.shard[0]] { throw InputError(path: path, problem: "shard \(file.header.shard[0])/\(shards) is also in \(other)") }
            seen[file.header.shard[0]] = path
        }
        if let missing = seen.firstIndex(where: { $0 == nil }) {
            throw InputError(path: paths[0], problem: "shard \(missing)/\(shards) of \(first.header.category) is missing")
        }
        var header = first.header
        header.shard = [0, 1]
        header.shardBytes = files.reduce(0) { $0 + $1.header.shardBytes }
        guard header.shardBytes == header.sampleBytes else {
            throw InputError(path: paths[0], problem: "the shards hold \(header.shardBytes) bytes, the sample \(header.sampleBytes)")
        }
        return CountFile(header: header, trace: try PairCountTrace.sum(files.map(\.trace)))
    }

    /// The file's bytes.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(header)
        return [UInt8](json) + [0x0A] + CountCache.encode(trace, sampleBytes: header.shardBytes, key: String(decoding: json, as: UTF8.self))
    }

    /// Writes the file atomically.
    public func write(to path: String) throws { try AtomicWrite.write(try encoded(), to: path) }

    /// Reads a count file; any damage is an error naming `path`.
    public static func read(_ path: String) throws -> CountFile {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        let bytes = [UInt8](data)
        guard let newline = bytes.firstIndex(of: 0x0A),
              let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[..<newline])), header.format == Header().format else {
            throw InputError(path: path, problem: "not a toksleuth count file (`toksleuth count` writes them)")
        }
        guard header.shard.count == 2, header.shard[1] >= 1, (0..<header.shard[1]).contains(header.shard[0]) else {
            throw InputError(path: path, problem: "shard \(header.shard) is not i/N")
        }
        guard let (trace, shardBytes) = CountCache.decode(Array(bytes[(newline + 1)...]), key: String(decoding: bytes[..<newline], as: UTF8.self)),
              shardBytes == header.shardBytes, trace.steps == header.steps else {
            throw InputError(path: path, problem: "count file is damaged (its counts do not match its header)")
        }
        return CountFile(header: header, trace: trace)
    }
}

extension CountFile.Header {
    /// An empty header (for the format's name).
    init() { self.init(category: "", tokenizerKey: "", steps: 0, sampleKey: "", sampleBytes: 0, shard: [0, 1], shardBytes: 0) }
}
