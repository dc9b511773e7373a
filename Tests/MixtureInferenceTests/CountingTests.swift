import BPE
import Corpora
import Foundation
@testable import MixtureInference
import Pretokenization
import TestSupport
import TokenizerFormats
import XCTest

final class CountingTests: XCTestCase {
    /// Counts rebuilt from the initial counts and per-step deltas equal a brute-force recount
    /// of the merged words at every step.
    func testDeltasEqualBruteForceRecount() throws {
        let text = try Corpus(paths: [Fixtures.path("corpora/languages/de/sample.txt")], maxBytes: 30_000)
        let words = try WordCounts.count(text: text.bytes, sequenceEnds: text.sequenceEnds, pretokenizer: .gpt2Digits)
        let train = try Corpus(paths: [Fixtures.path("corpora/languages/de/train.txt")], maxBytes: 60_000)
        let model = try BPETrainer(vocabularySize: 256 + 150).train(
            try WordCounts.count(text: train.bytes, sequenceEnds: train.sequenceEnds, pretokenizer: .gpt2Digits))
        let trace = PairCountTrace.trace(words: words, alphabet: model.alphabet, merges: model.merges[...])
        XCTAssertEqual(trace.steps, 150)

        var symbols: [([UInt32], Int)] = (0..<words.count).map { index in
            (words.words.key(index).map { model.byteTokens[Int($0)] }, words.counts[index])
        }
        var counts = Dictionary(uniqueKeysWithValues: zip(trace.pairs, trace.initialCounts))
        for (step, merge) in model.merges.enumerated() {
            var recount: [UInt64: Int64] = [:]
            for (word, count) in symbols where word.count > 1 {
                for i in 0..<(word.count - 1) { recount[UInt64(word[i]) << 32 | UInt64(word[i + 1]), default: 0] += Int64(count) }
            }
            XCTAssertEqual(counts.filter { $0.value != 0 }, recount, "step \(step)")
            if counts.filter({ $0.value != 0 }) != recount { break }
            for k in trace.deltaStarts[step]..<trace.deltaStarts[step + 1] {
                counts[trace.pairs[Int(trace.deltaPairs[k])], default: 0] += trace.deltaValues[k]
            }
            symbols = symbols.map { word, count in
                var out: [UInt32] = []
                var i = 0
                while i < word.count {
                    if i + 1 < word.count && word[i] == merge.left && word[i + 1] == merge.right {
                        out.append(merge.result); i += 2
                    } else { out.append(word[i]); i += 1 }
                }
                return (out, count)
            }
        }
    }

    /// GPT-2 read from its rank file and from vocab.bpe share all 50,000 merges; a tokenizer
    /// trained elsewhere shares few.
    func testSharedMergePrefix() throws {
        let fromRanks = try TokenizerLoader.load(Fixtures.path("reference/gpt2/gpt2.tiktoken"))
        let fromMerges = try TokenizerLoader.load(Fixtures.path("reference/gpt2"))
        XCTAssertEqual(try BaseDetection.sharedPrefix(fromRanks, base: fromMerges).shared, 50_000)
        let english = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
        XCTAssertLessThan(try BaseDetection.sharedPrefix(english, base: fromMerges).shared, 10)
    }

    func testCacheStoresAndRejectsDamagedFiles() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = CountCache(folder: folder.path)
        let trace = PairCountTrace(pairs: [1, 2, 3], initialCounts: [5, 0, 7], deltaStarts: [0, 2, 3],
                                   deltaPairs: [0, 1, 2], deltaValues: [-5, 4, -1])
        cache.store(trace, sampleBytes: 99, key: "k")
        let loaded = try XCTUnwrap(cache.load(key: "k"))
        XCTAssertEqual(loaded.trace, trace)
        XCTAssertEqual(loaded.sampleBytes, 99)
        XCTAssertNil(cache.load(key: "other"))
        let path = cache.path(for: "k")
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for position in [0, 10, 40, original.count / 2, original.count - 1] {
            var damaged = original
            damaged[position] ^= 0x5A
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            XCTAssertNil(cache.load(key: "k"), "flip at \(position) was trusted")
        }
        for length in [0, 7, 30, original.count - 1] {
            try Data(original.prefix(length)).write(to: URL(fileURLWithPath: path))
            XCTAssertNil(cache.load(key: "k"), "truncation to \(length) was trusted")
        }
    }

    /// The counter uses the cache on the second run and recounts when the file is damaged or
    /// the sample changed.
    func testCounterUsesAndRebuildsTheCache() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
        let counter = PairCounter(tokenizer: tokenizer, mergeCount: 500, cache: CountCache(folder: folder.path))
        let sample = try Corpus(paths: [Fixtures.path("corpora/languages/en/sample.txt")])
        let first = try counter.count(name: "en", corpus: sample)
        XCTAssertFalse(first.fromCache)
        let second = try counter.count(name: "en", corpus: sample)
        XCTAssertTrue(second.fromCache)
        XCTAssertEqual(second.trace, first.trace)
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(file)
            var bytes = try [UInt8](Data(contentsOf: url))
            bytes[bytes.count / 3] ^= 1
            try Data(bytes).write(to: url)
        }
        let third = try counter.count(name: "en", corpus: sample)
        XCTAssertFalse(third.fromCache, "a damaged cache file was trusted")
        XCTAssertEqual(third.trace, first.trace)
        XCTAssertTrue(try counter.count(name: "en", corpus: sample).fromCache, "the damaged file was not rebuilt")
        var changed = sample
        changed.append(sequences: 0..<1, of: sample)
        XCTAssertFalse(try counter.count(name: "en", corpus: changed).fromCache)
        let fewer = PairCounter(tokenizer: tokenizer, mergeCount: 400, cache: CountCache(folder: folder.path))
        XCTAssertFalse(try fewer.count(name: "en", corpus: sample).fromCache)
    }

    func testCategoriesDiscovery() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try write("de/sample.txt", "Hallo\n")
        try write("de/train.txt", "Welt\n")
        try write("fr.txt", "Bonjour\n")
        try write("code/python/a.txt", "x = 1\n")
        try write("notes.md", "ignored\n")
        let found = try Categories.discover(in: folder.path)
        XCTAssertEqual(found.map(\.name), ["code", "de", "fr"])
        XCTAssertEqual(found[1].files, [folder.appendingPathComponent("de/sample.txt").path])
        XCTAssertEqual(try Categories.discover(in: folder.path, role: .train)[1].files, [folder.appendingPathComponent("de/train.txt").path])
        XCTAssertEqual(try Categories.discover(in: folder.path, only: ["fr"]).map(\.name), ["fr"])
        XCTAssertThrowsError(try Categories.discover(in: folder.path, only: ["xx"])) { XCTAssertTrue("\($0)".contains("no category named xx")) }
        XCTAssertThrowsError(try Categories.discover(in: folder.path, only: ["fr", "fr"])) { XCTAssertTrue("\($0)".contains("twice")) }
        try write("fr/sample.txt", "Salut\n")
        XCTAssertThrowsError(try Categories.discover(in: folder.path)) { XCTAssertTrue("\($0)".contains("two entries name category fr")) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("fr"))
        try write("empty.txt", "")
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
        let counter = PairCounter(tokenizer: tokenizer, mergeCount: 10, cache: nil)
        XCTAssertThrowsError(try counter.count(categories: try Categories.discover(in: folder.path), maxBytes: nil)) {
            XCTAssertTrue("\($0)".contains("category empty has no text"))
        }
    }

    func testMixtureCorpusRepeatsShortCategoriesAndKeepsLines() {
        let a = Corpus(bytes: Array("aa\nbb\n".utf8), sequenceEnds: [3, 6])
        let b = Corpus(bytes: Array("cccc\n".utf8), sequenceEnds: [5])
        let (corpus, portions) = MixtureCorpus.build(sources: [a, b], weights: [0.6, 0.4], totalBytes: 25)
        XCTAssertEqual(String(decoding: portions[0].bytes, as: UTF8.self), "aa\nbb\naa\nbb\naa\n")
        XCTAssertEqual(String(decoding: portions[1].bytes, as: UTF8.self), "cccc\ncccc\n")
        XCTAssertEqual(corpus.bytes.count, 25)
        XCTAssertEqual(corpus.sequenceEnds.last, 25)
        // The plan both mixtures (of lines here, of documents for proxy models) follow.
        XCTAssertTrue(MixtureCorpus.portion(sizes: [3, 4, 5], target: 30) == (2, 1))
        XCTAssertTrue(MixtureCorpus.portion(sizes: [3, 4, 5], target: 2) == (0, 0))
        XCTAssertTrue(MixtureCorpus.portion(sizes: [3, 4, 5], target: 19) == (1, 2))
        XCTAssertTrue(MixtureCorpus.portion(sizes: [], target: 10) == (0, 0))
    }

    /// Counting on the training text itself, the attack recovers the mixture exactly.
    func testSameDataExperimentIsExact() throws {
        var config = ExperimentConfig(categoriesFolder: Fixtures.path("corpora/languages"))
        config.categoriesPerTrial = 3
        config.trials = 2
        config.merges = 400
        config.trainBytes = 300_000
        config.sameData = true
        config.methods = [.attack, .random, .tc]
        let results = try ExperimentRunner(config: config).run()
        XCTAssertEqual(results.count, 2)
        for result in results {
            XCTAssertLessThan(result.mse["attack"]!, 1e-10, "\(result.categories) \(result.truth) \(result.estimates)")
            XCTAssertEqual(result.truth.reduce(0, +), 1, accuracy: 1e-12)
        }
        // Deterministic: the same seed gives the same trials.
        let again = try ExperimentRunner(config: config).run()
        XCTAssertEqual(again.map(\.categories), results.map(\.categories))
        XCTAssertEqual(again.map(\.truth), results.map(\.truth))
    }
}
