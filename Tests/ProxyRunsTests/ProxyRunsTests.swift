import BPE
import Corpora
import Foundation
import MixtureInference
@testable import ProxyRuns
import Support
import TestSupport
import TokenizerFormats
import XCTest

final class ProxyRunsTests: XCTestCase {
    func testMergeComparison() {
        let a: [[UInt8]] = (0..<200).map { [UInt8($0 % 256), UInt8($0 / 256)] }
        let same = MergeComparison(target: a, other: a)
        XCTAssertEqual(same.overlap["100"], 1)
        XCTAssertEqual(same.overlap["all"], 1)
        XCTAssertNil(same.overlap["1000"], "a depth beyond the target's merges is not reported")
        XCTAssertEqual(same.rankCorrelation, 1, accuracy: 1e-12)
        XCTAssertEqual(same.vocabularyJaccard, 1)
        // The second half replaced, the first reversed: overlap@100 is 1, overlap@all 1/2,
        // shared ranks perfectly anti-correlated.
        let b: [[UInt8]] = Array(a.prefix(100).reversed()) + (0..<100).map { [UInt8($0), 0xFF, 0xFF] }
        let mixed = MergeComparison(target: a, other: b)
        XCTAssertEqual(mixed.overlap["100"], 1)
        XCTAssertEqual(mixed.overlap["all"], 0.5)
        XCTAssertEqual(mixed.sharedMerges, 100)
        XCTAssertEqual(mixed.rankCorrelation, -1, accuracy: 1e-12)
        XCTAssertEqual(mixed.vocabularyJaccard, 100.0 / 300.0, accuracy: 1e-12)
    }

    func testSpearmanAndRidge() {
        var generator = SeededGenerator(seed: 2)
        let x = (0..<30).map { _ in Double.random(in: 0..<1, using: &generator) }
        let y = (0..<30).map { _ in Double.random(in: 0..<1, using: &generator) }
        // No ties: 1 - 6 sum d^2 / (n (n^2 - 1)).
        let rx = Statistics.ranks(x), ry = Statistics.ranks(y)
        let d2 = zip(rx, ry).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        XCTAssertEqual(Statistics.spearman(x, y), 1 - 6 * d2 / (30 * (900 - 1)), accuracy: 1e-12)
        XCTAssertEqual(Statistics.ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2])
        // Ridge recovers a linear function of two features with a small penalty.
        let features = (0..<40).map { _ in [Double.random(in: 0..<1, using: &generator), Double.random(in: 0..<1, using: &generator)] }
        let targets = features.map { 2 + 3 * $0[0] - 1.5 * $0[1] }
        let fit = Ridge.fit(features: features, targets: targets)
        XCTAssertLessThanOrEqual(fit.lambda, 1e-2)
        for row in features.prefix(5) { XCTAssertEqual(fit.predict(row), 2 + 3 * row[0] - 1.5 * row[1], accuracy: 1e-2) }
        // Dirichlet draws: on the simplex, mean alpha / sum(alpha).
        var sums = [0.0, 0.0, 0.0]
        for _ in 0..<4000 {
            let draw = Dirichlet.draw(alpha: [0.5, 1, 2.5], using: &generator)
            XCTAssertEqual(draw.reduce(0, +), 1, accuracy: 1e-12)
            for index in 0..<3 { sums[index] += draw[index] / 4000 }
        }
        for (mean, expected) in zip(sums, [0.125, 0.25, 0.625]) { XCTAssertEqual(mean, expected, accuracy: 0.02) }
    }

    /// A tokenizer trained on a known mixture of the fixture languages' sample halves (the text
    /// proxies train on): the proxy of its own mixture is the same tokenizer (every overlap 1)
    /// and beats every perturbation; the round trip, counted on the other halves, finds the
    /// proxy's mixture again. (With a target trained on other text than the proxies, the
    /// ranking is measured on ../shared/corpora in the note: the fixtures are too small.)
    func testValidationRanksTheTrueMixtureFirst() throws {
        let folder = Fixtures.path("corpora/languages")
        let names = ["de", "en", "es", "fr"]
        let train = try Categories.discover(in: folder, role: .train, only: names)
        let samples = try Categories.discover(in: folder, role: .sample, only: names)
        let truth = [0.1, 0.5, 0.15, 0.25]
        let (mixture, _) = MixtureCorpus.build(sources: try samples.map { try Corpus(paths: $0.files) }, weights: truth, totalBytes: 600_000)
        let words = try WordCounts.count(text: mixture.bytes, sequenceEnds: mixture.sequenceEnds, pretokenizer: .gpt2Digits)
        let target = Tokenizer(model: try BPETrainer(vocabularySize: 256 + 1500).train(words), pretokenizer: .gpt2Digits, format: .trained)
        var configuration = TokenizerValidation.Configuration(
            tokenizer: target, proxyText: samples, names: names, mixture: truth)
        configuration.countingText = train
        configuration.alternatives = 6
        configuration.trainBytes = 600_000
        configuration.roundTripMerges = 1500
        let result = try TokenizerValidation(configuration).run()
        XCTAssertEqual(result.candidates.count, 3 + 6)
        XCTAssertEqual(result.candidates[0].label, "given")
        XCTAssertTrue(result.beatsEveryPerturbation, "\(result.candidates.map { ($0.label, $0.comparison.score) })")
        XCTAssertEqual(result.rank, 1)
        XCTAssertEqual(result.candidates[0].comparison.overlap.values.sorted(), [1, 1, 1])
        XCTAssertEqual(result.candidates[0].comparison.rankCorrelation, 1, accuracy: 1e-12)
        XCTAssertLessThan(result.candidates[1].comparison.score, 1)
        let trip = try XCTUnwrap(result.roundTrip)
        XCTAssertFalse(trip.sameText)
        XCTAssertLessThan(trip.log10MSE, -2.5)
        XCTAssertEqual(trip.truth.reduce(0, +), 1, accuracy: 1e-9)
    }

    /// Runs are written as they finish and reused when their inputs are unchanged; a stale or
    /// damaged run file is run again; the result does not depend on what was reused.
    func testRegMixResumes() throws {
        let folder = try Fixtures.temporaryFolder().path
        let languages = Fixtures.path("corpora/languages")
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/gpt2"))
        var configuration = RegMix.Configuration(
            tokenizer: tokenizer, candidates: try Categories.discover(in: languages, role: .train, only: ["de", "en", "es", "fr"]),
            targetName: "en-sample", targetFiles: [Fixtures.path("corpora/languages/en/sample.txt")])
        configuration.runs = 12
        configuration.trainBytes = 200_000
        configuration.folder = folder
        configuration.proposalDraws = 2000
        let first = try RegMix(configuration).run()
        XCTAssertEqual(first.reused, 0)
        XCTAssertEqual(first.runs.count, 12)
        // The target is English: English-heavy mixtures have the lowest loss.
        XCTAssertGreaterThan(Statistics.spearman(first.runs.map { $0.mixture[1] }, first.runs.map(\.targetBitsPerByte)) * -1, 0.8)
        XCTAssertEqual(first.proposal.indices.max { first.proposal[$0] < first.proposal[$1] }, 1)
        let runs = (folder as NSString).appendingPathComponent("runs")
        try FileManager.default.removeItem(atPath: (runs as NSString).appendingPathComponent("run-0003.json"))
        try Data("{".utf8).write(to: URL(fileURLWithPath: (runs as NSString).appendingPathComponent("run-0004.json")))
        let second = try RegMix(configuration).run()
        XCTAssertEqual(second.reused, 10)
        XCTAssertEqual(second.runs.map(\.targetBitsPerByte), first.runs.map(\.targetBitsPerByte))
        XCTAssertEqual(second.heldOutSpearman, first.heldOutSpearman)
        // Other inputs, other keys: nothing reused.
        configuration.trainBytes = 150_000
        XCTAssertEqual(try RegMix(configuration).run().reused, 0)
    }
}
