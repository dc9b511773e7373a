import Foundation
import Support
import TokenizerFormats

/// A membership input that cannot be evaluated (a missing label, a single class, a method
/// asked for whose input is missing).
public struct MembershipError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Every requested detector's metrics on one set of labelled texts, and the blind baseline.
public struct MembershipReport: Sendable {
    /// One detector's result.
    public struct MethodResult: Sendable {
        public var method: MembershipMethod
        public var metrics: DetectionMetrics
        /// Per-text scores, in the order of the evaluated texts.
        public var scores: [Double]
    }

    public var methods: [MethodResult]
    /// Methods left out for lack of input, with the reason.
    public var unavailable: [(method: MembershipMethod, reason: String)]
    public var blindBaseline: BlindBaseline.Result?
    /// Why there is no blind baseline (texts missing), when there is none.
    public var blindBaselineMissing: String?
    /// Texts with fewer than two tokens (no scored position), left out of every method.
    public var skipped: Int
    public var members: Int
    public var nonMembers: Int
    /// Warnings a reader must see next to the table.
    public var warnings: [String]

    /// At most `limit` points of a curve, evenly spaced, first and last kept.
    static func thinned(_ curve: [ROCPoint], limit: Int = 201) -> [ROCPoint] {
        guard curve.count > limit else { return curve }
        return (0..<limit).map { curve[$0 * (curve.count - 1) / (limit - 1)] }
    }

    /// A plain-text table, one row per method, then the blind baseline and warnings.
    public var table: String {
        func percent(_ value: Double) -> String { String(format: "%5.1f", 100 * value) }
        func row(_ name: String, _ metrics: DetectionMetrics) -> String {
            let interval = "[\(percent(metrics.aucInterval[0])), \(percent(metrics.aucInterval[1]))]"
            let tprs = ROC.lowFalsePositiveRates.map { percent(metrics.tprAtFPR[$0.key] ?? 0) }.joined(separator: "  ")
            return name.padding(toLength: 15, withPad: " ", startingAt: 0) + "  " + percent(metrics.auc) + "  "
                + interval.padding(toLength: 15, withPad: " ", startingAt: 0) + "  " + tprs
        }
        var lines = ["\(members) members, \(nonMembers) non-members" + (skipped > 0 ? ", \(skipped) texts skipped (< 2 tokens)" : ""),
                     "method           AUC%  95% interval     TPR% at FPR 0.1%  1%  5%"]
        for result in methods { lines.append(row(result.method.rawValue, result.metrics)) }
        if let baseline = blindBaseline {
            lines.append(row("blind baseline", baseline.metrics))
            lines.append("  (\(baseline.classifier), no model)")
        } else if let missing = blindBaselineMissing {
            lines.append("blind baseline: not run (\(missing))")
        }
        for (method, reason) in unavailable { lines.append("\(method.rawValue): not run (\(reason))") }
        for warning in warnings { lines.append("WARNING: " + warning) }
        return lines.joined(separator: "\n")
    }

    /// The ROC curves as CSV: `method,threshold,fpr,tpr`.
    public var rocCSV: String {
        var lines = ["method,threshold,fpr,tpr"]
        var curves = methods.map { ($0.method.rawValue, $0.metrics.curve) }
        if let baseline = blindBaseline { curves.append(("blind-baseline", baseline.metrics.curve)) }
        for (name, curve) in curves {
            for point in curve {
                lines.append("\(name),\(point.threshold.map { "\($0)" } ?? "inf"),\(point.falsePositiveRate),\(point.truePositiveRate)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Runs detectors over labelled texts.
public enum MembershipEvaluation {
    /// Scores `texts` (all labelled) with `methods` (nil: every method whose input is present),
    /// `references` (the reference model's scores of the same texts, same order) for `ref`.
    public static func evaluate(texts: [ScoredText], references: [ScoredText]? = nil, methods requested: [MembershipMethod]? = nil,
                                context: DetectorContext = DetectorContext(), resamples: Int = 1000, seed: UInt64 = 0,
                                blindBaseline: Bool = true) throws -> MembershipReport {
        if let unlabelled = texts.first(where: { $0.label == nil }) {
            throw MembershipError("text \(unlabelled.id) has no label (1 = member, 0 = non-member)")
        }
        if let references, references.count != texts.count {
            throw MembershipError("the reference scores cover \(references.count) texts, not \(texts.count)")
        }
        let kept = texts.indices.filter { texts[$0].isScorable }
        let labels = kept.map { texts[$0].label == 1 }
        let members = labels.filter { $0 }.count
        guard members > 0, members < labels.count else {
            throw MembershipError(members == 0 ? "no members among the scorable texts (every label is 0)"
                                               : "no non-members among the scorable texts (every label is 1)")
        }

        var results: [MembershipReport.MethodResult] = []
        var unavailable: [(MembershipMethod, String)] = []
        for method in requested ?? MembershipMethod.allCases {
            var scores: [Double] = []
            scores.reserveCapacity(kept.count)
            var missing: String?
            for index in kept {
                guard let score = Detectors.score(method, text: texts[index], reference: references?[index], context: context) else {
                    missing = "\(reason(method, references: references)) (text \(texts[index].id))"
                    break
                }
                scores.append(score)
            }
            if let missing {
                if requested != nil { throw MembershipError("\(method.rawValue) cannot run: \(missing)") }
                unavailable.append((method, missing))
                continue
            }
            results.append(.init(method: method, metrics: ROC.metrics(scores: scores, labels: labels, resamples: resamples, seed: seed),
                                 scores: scores))
        }

        var report = MembershipReport(methods: results, unavailable: unavailable, blindBaseline: nil, blindBaselineMissing: nil,
                                      skipped: texts.count - kept.count, members: members, nonMembers: labels.count - members,
                                      warnings: [])
        if blindBaseline {
            let bodies = kept.compactMap { texts[$0].text }
            if bodies.count == kept.count {
                let baseline = BlindBaseline.evaluate(texts: bodies, labels: labels, seed: seed, resamples: resamples)
                report.blindBaseline = baseline
                if baseline.separable {
                    report.warnings.append(String(
                        format: "the blind baseline (no model) separates members from non-members with AUC %.1f%% [%.1f, %.1f]: "
                            + "the two sets differ in distribution, so the detectors' AUCs measure that shift, not membership "
                            + "(Das et al. 2024; Meeus et al. 2024). Draw members and non-members from one distribution.",
                        100 * baseline.metrics.auc, 100 * baseline.metrics.aucInterval[0], 100 * baseline.metrics.aucInterval[1]))
                }
            } else {
                report.blindBaselineMissing = "the scores do not include every text"
            }
        }
        if report.skipped > 0 {
            report.warnings.append("\(report.skipped) texts have fewer than two tokens and were left out of every method")
        }
        return report
    }

    static func reason(_ method: MembershipMethod, references: [ScoredText]?) -> String {
        switch method {
        case .loss, .minK: return "no log-probabilities"
        case .zlib: return "needs the text"
        case .lowercase: return "needs lowercase_logprobs (a proxy model re-scores lowercased text itself)"
        case .reference: return references == nil ? "needs a reference model or reference scores" : "the reference scores lack this text"
        case .minKPlusPlus: return "needs mu and sigma (the model's full next-token distribution)"
        case .dcPDD: return "needs token ids and reference-corpus frequencies (--frequencies with a tokenizer)"
        }
    }
}
