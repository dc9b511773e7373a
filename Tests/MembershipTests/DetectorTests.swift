import Foundation
import Membership
import Support
import TestSupport
import XCTest

/// Detector scores against an independent implementation of the published formulas (plain
/// Python, scripts/make-membership-fixtures.py) and the metrics against brute force.
final class DetectorTests: XCTestCase {
    struct Expected: Decodable {
        let k: Double
        let vocabulary_size: Int
        let scores: [String: [String: Double]]
    }

    func testEveryMethodEqualsThePublishedFormula() throws {
        let expected = try Fixtures.json("reference/membership/expected.json", as: Expected.self)
        let texts = try ScoresFile.read(Fixtures.path("reference/membership/scores.jsonl"))
        let references = try ScoresFile.read(Fixtures.path("reference/membership/reference.jsonl"))
        let frequencyIDs = try Fixtures.text("reference/membership/frequency-ids.txt").split(separator: "\n").map {
            $0.split(separator: " ").map { UInt32($0)! }
        }
        var context = DetectorContext(k: expected.k)
        context.referenceFrequencies = TokenFrequencies(texts: frequencyIDs, vocabularySize: expected.vocabulary_size)
        XCTAssertEqual(texts.count, 41)
        var compared = 0
        for (text, reference) in zip(texts, references) {
            XCTAssertEqual(text.id, reference.id)
            guard let values = expected.scores[text.id] else {
                XCTAssertFalse(text.isScorable, "\(text.id) has no expected scores but is scorable")
                continue
            }
            for method in MembershipMethod.allCases {
                let ours = try XCTUnwrap(Detectors.score(method, text: text, reference: reference, context: context))
                let theirs = try XCTUnwrap(values[method.rawValue])
                XCTAssertEqual(ours, theirs, accuracy: 1e-9 * max(1, abs(theirs)), "\(method.rawValue) of \(text.id)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 40 * 7)
    }

    func testMissingInputsMakeAMethodUnavailable() throws {
        let bare = ScoredText(id: "a", text: nil, label: 1, tokens: [], logProbabilities: [.nan, -1, -2, -3])
        let context = DetectorContext()
        XCTAssertEqual(Detectors.score(.loss, text: bare, reference: nil, context: context)!, -2, accuracy: 1e-12)
        XCTAssertEqual(Detectors.score(.minK, text: bare, reference: nil, context: context)!, -3, accuracy: 1e-12)
        for method in [MembershipMethod.zlib, .lowercase, .reference, .minKPlusPlus, .dcPDD] {
            XCTAssertNil(Detectors.score(method, text: bare, reference: nil, context: context), method.rawValue)
        }
        // Evaluation leaves unavailable methods out by default, and refuses them when asked for.
        let texts = (0..<20).map { index in
            ScoredText(id: "\(index)", text: nil, label: index % 2, tokens: [], logProbabilities: [.nan, -Double(index % 7) - 1, -2])
        }
        let report = try MembershipEvaluation.evaluate(texts: texts, resamples: 10)
        XCTAssertEqual(report.methods.map(\.method), [.loss, .minK])
        XCTAssertEqual(report.unavailable.count, 5)
        XCTAssertNil(report.blindBaseline)
        XCTAssertThrowsError(try MembershipEvaluation.evaluate(texts: texts, methods: [.zlib], resamples: 10))
    }

    /// AUC, TPR at low FPR and the interval against brute force on random scores with ties.
    func testMetricsAgainstBruteForce() {
        var generator = SeededGenerator(seed: 9)
        for trial in 0..<20 {
            let count = Int.random(in: 4...300, using: &generator)
            var labels = (0..<count).map { _ in Bool.random(using: &generator) }
            labels[0] = true
            labels[1] = false
            // Coarse scores so that ties happen, shifted for members so the AUC varies.
            let scores = labels.map { Double(Int.random(in: 0...20, using: &generator)) + ($0 ? Double(trial % 5) : 0) }
            let metrics = ROC.metrics(scores: scores, labels: labels, resamples: 200, seed: 3)
            var wins = 0.0
            let members = labels.indices.filter { labels[$0] }
            let others = labels.indices.filter { !labels[$0] }
            for i in members {
                for j in others { wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0) }
            }
            XCTAssertEqual(metrics.auc, wins / Double(members.count * others.count), accuracy: 1e-12)
            for (key, rate) in ROC.lowFalsePositiveRates {
                // Largest TPR over thresholds (every distinct score) whose FPR is below the rate.
                var best = 0.0
                for threshold in Set(scores) {
                    let fpr = Double(others.filter { scores[$0] >= threshold }.count) / Double(others.count)
                    let tpr = Double(members.filter { scores[$0] >= threshold }.count) / Double(members.count)
                    if fpr < rate { best = max(best, tpr) }
                }
                XCTAssertEqual(metrics.tprAtFPR[key]!, best, accuracy: 1e-12)
            }
            XCTAssertLessThanOrEqual(metrics.aucInterval[0], metrics.aucInterval[1])
            XCTAssertEqual(metrics.curve.first?.truePositiveRate, 0)
            XCTAssertEqual(metrics.curve.last?.truePositiveRate, 1)
            XCTAssertEqual(metrics.curve.last?.falsePositiveRate, 1)
            // Same seed, same interval; another seed, (almost always) another.
            let again = ROC.metrics(scores: scores, labels: labels, resamples: 200, seed: 3)
            XCTAssertEqual(again.aucInterval, metrics.aucInterval)
        }
        // A perfect separation has a degenerate interval at 1; an interval widens with few texts.
        let perfect = ROC.metrics(scores: [3, 4, 1, 2], labels: [true, true, false, false], resamples: 100, seed: 1)
        XCTAssertEqual(perfect.auc, 1)
        XCTAssertEqual(perfect.aucInterval, [1, 1])
        XCTAssertEqual(perfect.tprAtFPR["0.001"], 1)
    }

    func testBlindBaselineSeparatesLanguagesButNotHalvesOfOneSource() throws {
        let english = try Fixtures.text("corpora/languages/en/train.txt").split(separator: "\n").filter { $0.split(separator: " ").count >= 8 }
        let german = try Fixtures.text("corpora/languages/de/train.txt").split(separator: "\n").filter { $0.split(separator: " ").count >= 8 }
        var generator = SeededGenerator(seed: 4)
        let sameSource = Array(english.prefix(300)).map(String.init).shuffled(using: &generator)
        let iid = BlindBaseline.evaluate(texts: sameSource, labels: sameSource.indices.map { $0 % 2 == 0 }, resamples: 200)
        XCTAssertFalse(iid.separable)
        XCTAssertLessThan(abs(iid.metrics.auc - 0.5), 0.1)
        let shifted = Array(english.prefix(100)).map(String.init) + Array(german.prefix(100)).map(String.init)
        let result = BlindBaseline.evaluate(texts: shifted, labels: shifted.indices.map { $0 < 100 }, resamples: 200)
        XCTAssertTrue(result.separable)
        XCTAssertGreaterThan(result.metrics.auc, 0.95)
        // Deterministic.
        XCTAssertEqual(BlindBaseline.evaluate(texts: shifted, labels: shifted.indices.map { $0 < 100 }, resamples: 200).metrics.auc,
                       result.metrics.auc)
    }
}
