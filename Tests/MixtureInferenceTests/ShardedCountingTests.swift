import BPE
import Corpora
import Foundation
@testable import MixtureInference
import Support
import TestSupport
import TokenizerFormats
import XCTest

/// Sharded counting: the shards of a sample, split at document boundaries and summed, give the
/// whole sample's count file byte for byte.
final class ShardedCountingTests: XCTestCase {
    func counter(merges: Int = 800) throws -> PairCounter {
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
        return PairCounter(tokenizer: tokenizer, mergeCount: merges, cache: nil)
    }

    func testShardsSumToTheWholeSampleByteForByte() throws {
        let counter = try counter()
        for name in ["de", "ja"] {
            let sample = try Corpus(paths: [Fixtures.path("corpora/languages/\(name)/sample.txt")], maxBytes: 120_000)
            let whole = try CountFile.count(category: name, sample: sample, shard: 0, of: 1, counter: counter)
            // 20 and more documents: 2 and 7 shards split them, 64 leave some shards empty.
            XCTAssertGreaterThan(sample.documents.count, 7)
            // The whole file's trace is the trace the cache and the LP use.
            XCTAssertEqual(whole.trace, try counter.trace(of: sample))
            for shards in [1, 2, 7, 64] {
                let parts = try (0..<shards).map { try CountFile.count(category: name, sample: sample, shard: $0, of: shards, counter: counter) }
                XCTAssertEqual(parts.map(\.header.shardBytes).reduce(0, +), sample.bytes.count)
                // In any order: the sum does not depend on where the shards were counted.
                let summed = try CountFile.merge(parts.reversed(), paths: (0..<shards).map { "shard-\($0)" })
                XCTAssertEqual(try summed.encoded(), try whole.encoded(), "\(name), \(shards) shards")
            }
        }
    }

    /// More shards than documents: the empty shards count nothing and change nothing.
    func testShardsThatSplitNothing() throws {
        let counter = try counter(merges: 300)
        let sample = Corpus(bytes: Array("one document here\n\nand a second\n\nthird and last\n".utf8), sequenceEnds: [18, 19, 32, 33, 48])
        XCTAssertEqual(sample.documents.count, 3)
        let whole = try CountFile.count(category: "tiny", sample: sample, shard: 0, of: 1, counter: counter)
        let parts = try (0..<7).map { try CountFile.count(category: "tiny", sample: sample, shard: $0, of: 7, counter: counter) }
        XCTAssertEqual(parts.filter { $0.header.shardBytes == 0 }.count, 4)
        XCTAssertEqual(try CountFile.merge(parts, paths: (0..<7).map { "s\($0)" }).encoded(), try whole.encoded())
    }

    /// Files round-trip; shards of another split, sample or tokenizer, missing or repeated
    /// shards and damaged files are refused naming the file.
    func testCountFilesAreCheckedOnReadingAndMerging() throws {
        let counter = try counter(merges: 300)
        let sample = try Corpus(paths: [Fixtures.path("corpora/languages/fr/sample.txt")], maxBytes: 40_000)
        let parts = try (0..<3).map { try CountFile.count(category: "fr", sample: sample, shard: $0, of: 3, counter: counter) }
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try parts.enumerated().map { index, part in
            let path = folder.appendingPathComponent("fr.\(index).tscount").path
            try part.write(to: path)
            XCTAssertEqual(try CountFile.read(path), part)
            return path
        }
        func refused(_ files: [CountFile], _ names: [String], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try CountFile.merge(files, paths: names), line: line) { XCTAssertTrue("\($0)".contains(fragment), "\($0)", line: line) }
        }
        refused(Array(parts.prefix(2)), Array(paths.prefix(2)), "shard 2/3 of fr is missing")
        refused([parts[0], parts[1], parts[1]], [paths[0], paths[1], "again"], "shard 1/3 is also in")
        let other = try CountFile.count(category: "fr", sample: sample, shard: 0, of: 3, counter: try self.counter(merges: 200))
        refused([other, parts[1], parts[2]], ["other", paths[1], paths[2]], "tokenizer or merges differs")
        let cut = try Corpus(paths: [Fixtures.path("corpora/languages/fr/sample.txt")], maxBytes: 30_000)
        refused([try CountFile.count(category: "fr", sample: cut, shard: 0, of: 3, counter: counter), parts[1], parts[2]], ["cut", paths[1], paths[2]], "sample differs")
        var damaged = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths[0])))
        damaged[damaged.count - 40] ^= 1
        try Data(damaged).write(to: URL(fileURLWithPath: paths[0]))
        XCTAssertThrowsError(try CountFile.read(paths[0])) { XCTAssertEqual("\($0)", "\(paths[0]): count file is damaged (its counts do not match its header)") }
        try Data("not a count file".utf8).write(to: URL(fileURLWithPath: paths[1]))
        XCTAssertThrowsError(try CountFile.read(paths[1])) { XCTAssertTrue("\($0)".hasSuffix("not a toksleuth count file (`toksleuth count` writes them)")) }
    }

    /// The trace sum on its own: traces of two halves of a word list, summed, equal the trace of
    /// all the words (canonical), and traces of different lengths are refused.
    func testTraceSumIsTheTraceOfTheUnion() throws {
        let counter = try counter(merges: 400)
        let text = try Corpus(paths: [Fixtures.path("corpora/code/python/sample.txt")], maxBytes: 60_000)
        var a = Corpus(), b = Corpus()
        a.append(sequences: 0..<(text.sequenceCount / 3), of: text)
        b.append(sequences: (text.sequenceCount / 3)..<text.sequenceCount, of: text)
        XCTAssertEqual(try PairCountTrace.sum([try counter.trace(of: b), try counter.trace(of: a)]), try counter.trace(of: text))
        XCTAssertThrowsError(try PairCountTrace.sum([try counter.trace(of: a), try self.counter(merges: 10).trace(of: a)]))
    }
}
