import Foundation
import Membership
import MixtureInference
import ProxyRuns
import Support
import TestSupport
import TokenizerFormats
import XCTest

/// The schema page (docs/results.md) and the JSON the result types write cannot drift apart.
final class ResultSchemaTests: XCTestCase {
    /// Objects whose keys are data (stage names, family names), not schema.
    private let maps: Set<String> = ["seconds", "families", "unavailable", "methods[].tpr_at_fpr", "blind_baseline.tpr_at_fpr", "withheld.fit",
                                           "bootstrap_solves.not_optimal"]

    /// Key paths of a JSON value: `a`, `a.b`, `a[].b` (arrays of objects), in any order.
    private func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
        var paths = Set<String>()
        if let object = value as? [String: Any], !maps.contains(prefix) {
            for (key, child) in object {
                let path = prefix.isEmpty ? key : prefix + "." + key
                paths.insert(path)
                paths.formUnion(keyPaths(child, prefix: path))
            }
        } else if let array = value as? [Any] {
            for element in array where element is [String: Any] { paths.formUnion(keyPaths(element, prefix: prefix + "[]")) }
        }
        return paths
    }

    /// The keys the page documents in the table of `heading` (e.g. "infer --json").
    private func documentedKeys(_ heading: String = "infer --json") throws -> Set<String> {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/results.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let after = try XCTUnwrap(text.components(separatedBy: "## `\(heading)`").dropFirst().first)
        let section = after.components(separatedBy: "\n## ").first ?? after
        var keys = Set<String>()
        for line in section.components(separatedBy: "\n") where line.hasPrefix("| `") {
            keys.insert(String(line.dropFirst(3).prefix { $0 != "`" }))
        }
        return keys
    }

    func testInferSchemaMatchesThePage() throws {
        var report = SolverReport()
        report.converged = true
        report.lowerBound = 1
        report.gap = 0
        var result = InferenceResult(
            categories: [CategoryShare(name: "de", proportion: 1, interval: [0.9, 1], weight: 1)], method: "attack",
            mergesUsed: 10, mergesMissing: 0, solver: report,
            fit: FitQuality(shortfalls: [0, 0.5, 1]), bootstrapResampling: .both, seconds: ["solve": 1])
        result.command = "toksleuth infer"
        result.bootstrapSolves = BootstrapSolves([BootstrapReplicate(proportions: [1], optimal: true, stopReason: "optimal"),
                                                  BootstrapReplicate(proportions: [1], optimal: false, stopReason: "time limit")])
        result.families = ["languages": ["de"]]
        let written = try JSONSerialization.jsonObject(with: ResultJSON.encoder(timings: true).encode(result))
        XCTAssertEqual(keyPaths(written), try documentedKeys())
        // Without timings the seconds are left out, and the result reads back as it was.
        let plain = try ResultJSON.encoder().encode(result)
        let paths = keyPaths(try JSONSerialization.jsonObject(with: plain))
        XCTAssertFalse(paths.contains("seconds") || paths.contains("solver.lp_seconds") || paths.contains("solver.separation_seconds")
                       || paths.contains("solver.flow_seconds"))
        let back = try ResultJSON.decoder.decode(InferenceResult.self, from: plain)
        XCTAssertEqual(back.categories, result.categories)
        XCTAssertEqual(back.fit, result.fit)
        XCTAssertEqual(back.solver?.gap, 0)
        XCTAssertEqual(back.families?["languages"], ["de"])
        XCTAssertEqual(back.bootstrapSolves, result.bootstrapSolves)
        XCTAssertEqual(back.bootstrapSolves?.notOptimal, ["time limit": 1])
        // An unproven bound is written as null and read back as such.
        result.solver?.lowerBound = -.infinity
        result.solver?.gap = .infinity
        let unproven = try ResultJSON.decoder.decode(InferenceResult.self, from: try ResultJSON.encoder().encode(result))
        XCTAssertEqual(unproven.solver?.lowerBound, -.infinity)
        XCTAssertEqual(unproven.solver?.gap, .infinity)
        // Results written before the count got its name (reports/data, caches) read it back.
        result.solver?.relaxationViolatedSteps = 7
        let current = try XCTUnwrap(String(data: try ResultJSON.encoder().encode(result), encoding: .utf8))
        XCTAssertTrue(current.contains("\"relaxation_violated_steps\" : 7"), current)
        let legacy = current.replacingOccurrences(of: "\"relaxation_violated_steps\"", with: "\"remaining_violations\"")
        XCTAssertEqual(try ResultJSON.decoder.decode(InferenceResult.self, from: Data(legacy.utf8)).solver?.relaxationViolatedSteps, 7)
    }

    func testInspectSchemaMatchesThePage() throws {
        var facts = TokenizerInspection(try TokenizerLoader.load(Fixtures.path("reference/gguf/ggml-vocab-deepseek-coder.gguf")))
        facts.base = BaseDetection.Match(name: "cl100k_base", sharedMerges: 10, droppedFromBase: 1, span: 11)
        facts.health = try TokenizerHealth(try TokenizerLoader.load(Fixtures.path("reference/gguf/ggml-vocab-deepseek-coder.gguf")))
        XCTAssertFalse(facts.specialTokens.isEmpty)
        let written = try JSONSerialization.jsonObject(with: ResultJSON.encoder().encode(facts))
        XCTAssertEqual(keyPaths(written).subtracting(["training_pretokenizer"]), try documentedKeys("inspect --json").subtracting(["training_pretokenizer"]))
        let back = try ResultJSON.decoder.decode(TokenizerInspection.self, from: try ResultJSON.encoder().encode(facts))
        XCTAssertEqual(back.byLength.map(\.tokens), facts.byLength.map(\.tokens))
        XCTAssertEqual(back.mergesForInference, facts.mergesForInference)
    }

    func testMembershipSchemaMatchesThePage() throws {
        let metrics = ROC.metrics(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, true, false, true], resamples: 20)
        let method = MembershipSummary.Method(name: "loss", metrics: metrics)
        var blind = method
        blind.name = "blind baseline"
        blind.classifier = "naive Bayes"
        blind.separable = false
        let summary = MembershipSummary(methods: [method], blindBaseline: blind, unavailable: ["zlib": "no texts"], skipped: 0, warnings: [])
        let written = try JSONSerialization.jsonObject(with: ResultJSON.encoder().encode(summary))
        XCTAssertEqual(keyPaths(written), try documentedKeys("membership --json"))
        let back = try ResultJSON.decoder.decode(MembershipSummary.self, from: try ResultJSON.encoder().encode(summary))
        XCTAssertEqual(back.methods.first?.auc, metrics.auc)
        XCTAssertEqual(back.blindBaseline?.separable, false)
    }

    func testProxyModelSchemaMatchesThePage() throws {
        let run = ProxyModelRun(order: 3, trainTokens: 10, categories: [.init(name: "de", weight: 1, bitsPerByte: 2)])
        let written = try JSONSerialization.jsonObject(with: ResultJSON.encoder().encode(run))
        XCTAssertEqual(keyPaths(written), try documentedKeys("proxy train --json"))
    }

    func testExperimentTrialSchemaMatchesThePage() throws {
        let fit = #"{"steps": 2, "mean_shortfall": 0.5, "unexplained_share": 0.5, "histogram": [1, 1], "profile": [0, 1]}"#
        let json = """
            {"trial": 0, "categories": ["de", "fr"], "truth": [0.5, 0.5], "estimates": {"attack": [0.4, 0.6]}, "mse": {"attack": 0.01},
             "seconds": {"solve": 1}, "merges_used": 10, "merges_missing": 0, "solver": {"rounds": 3, "optimal": true},
             "encoding_efficiency_ratios": [1, 2], "failures": {}, "intervals": [[0, 1], [0, 1]],
             "intervals_by_resampling": {"both": [[0, 1], [0, 1]]}, "fit": \(fit),
             "bootstrap_solves": {"replicates": 2, "optimal": 1, "not_optimal": {"time limit": 1}},
             "withheld": {"categories": ["fr"], "share": 0.5, "estimates": [1], "mse": 0, "fit": \(fit)}}
            """
        let trial = try ResultJSON.decoder.decode(TrialResult.self, from: Data(json.utf8))
        let written = try XCTUnwrap(try JSONSerialization.jsonObject(with: ResultJSON.encoder(timings: true).encode(trial)) as? [String: Any])
        let topLevel = Set(written.keys).union(keyPaths(written["withheld"]!, prefix: "withheld"))
            .union(keyPaths(written["bootstrap_solves"]!, prefix: "bootstrap_solves"))
        XCTAssertEqual(topLevel, try documentedKeys("experiment --json"))
        let report = ExperimentReport(results: [trial], methods: [.attack])
        let back = try ResultJSON.decoder.decode(ExperimentReport.self, from: try ResultJSON.encoder().encode(report))
        XCTAssertEqual(back.rows.first?.method, "attack")
        XCTAssertEqual(back.rows.first?.mean ?? 0, -2, accuracy: 1e-12)
        XCTAssertEqual(back.trials.first?.withheld?.share, 0.5)
        XCTAssertEqual(back.bootstrapSolves?.notOptimal, ["time limit": 1], "the summary sums the trials' replicates")
        XCTAssertNil(try XCTUnwrap(try JSONSerialization.jsonObject(with: ResultJSON.encoder().encode(trial)) as? [String: Any])["seconds"])
    }
}
