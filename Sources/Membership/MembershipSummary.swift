import Foundation
import Support

/// `membership --json`: every detector's metrics, the blind baseline, and what was left out
/// (snake_case keys, docs/results.md). `report` reads it back through the same type.
public struct MembershipSummary: Codable, Sendable {
    /// One detector's metrics as written: AUC with its 95% interval, TPR at low FPR, the class
    /// sizes and the ROC curve thinned to at most 201 `[fpr, tpr]` points.
    public struct Method: Codable, Sendable {
        public var name: String
        public var auc: Double
        public var aucInterval: [Double]
        public var tprAtFPR: [String: Double]
        public var members: Int
        public var nonMembers: Int
        public var roc: [[Double]]
        /// Blind baseline only: the classifier, and whether the sets are separable without the model.
        public var classifier: String?
        public var separable: Bool?

        enum CodingKeys: String, CodingKey {
            case name, auc, members, roc, classifier, separable
            case aucInterval = "auc_ci", tprAtFPR = "tpr_at_fpr", nonMembers = "non_members"
        }

        public init(name: String, metrics: DetectionMetrics) {
            self.name = name
            auc = metrics.auc
            aucInterval = metrics.aucInterval
            tprAtFPR = Dictionary(uniqueKeysWithValues: ROC.lowFalsePositiveRates.map { ($0.key, metrics.tprAtFPR[$0.key] ?? 0) })
            members = metrics.members
            nonMembers = metrics.nonMembers
            roc = MembershipReport.thinned(metrics.curve).map { [$0.falsePositiveRate, $0.truePositiveRate] }
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? "blind baseline"
            auc = try container.decode(Double.self, forKey: .auc)
            aucInterval = try container.decode([Double].self, forKey: .aucInterval)
            tprAtFPR = try container.decodeIfPresent([String: Double].self, forKey: .tprAtFPR) ?? [:]
            members = try container.decodeIfPresent(Int.self, forKey: .members) ?? 0
            nonMembers = try container.decodeIfPresent(Int.self, forKey: .nonMembers) ?? 0
            roc = try container.decodeIfPresent([[Double]].self, forKey: .roc) ?? []
            classifier = try container.decodeIfPresent(String.self, forKey: .classifier)
            separable = try container.decodeIfPresent(Bool.self, forKey: .separable)
        }
    }

    public var methods: [Method]
    public var blindBaseline: Method?
    /// Methods left out for lack of input, with the reason.
    public var unavailable: [String: String]
    public var skipped: Int
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case methods, unavailable, skipped, warnings
        case blindBaseline = "blind_baseline"
    }

    public init(methods: [Method], blindBaseline: Method?, unavailable: [String: String], skipped: Int, warnings: [String]) {
        self.methods = methods
        self.blindBaseline = blindBaseline
        self.unavailable = unavailable
        self.skipped = skipped
        self.warnings = warnings
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        methods = try container.decode([Method].self, forKey: .methods)
        blindBaseline = try container.decodeIfPresent(Method.self, forKey: .blindBaseline)
        unavailable = try container.decodeIfPresent([String: String].self, forKey: .unavailable) ?? [:]
        skipped = try container.decodeIfPresent(Int.self, forKey: .skipped) ?? 0
        warnings = try container.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(methods, forKey: .methods)
        // null, not absent: a reader sees that there is no baseline (the reason is in the warnings).
        if let blindBaseline { try container.encode(blindBaseline, forKey: .blindBaseline) } else { try container.encodeNil(forKey: .blindBaseline) }
        try container.encode(unavailable, forKey: .unavailable)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(warnings, forKey: .warnings)
    }
}

extension MembershipReport {
    /// What `membership --json` writes.
    public var summary: MembershipSummary {
        var blind: MembershipSummary.Method?
        if let baseline = blindBaseline {
            blind = MembershipSummary.Method(name: "blind baseline", metrics: baseline.metrics)
            blind?.classifier = baseline.classifier
            blind?.separable = baseline.separable
        }
        return MembershipSummary(methods: methods.map { MembershipSummary.Method(name: $0.method.rawValue, metrics: $0.metrics) },
                                 blindBaseline: blind,
                                 unavailable: Dictionary(uniqueKeysWithValues: unavailable.map { ($0.method.rawValue, $0.reason) }),
                                 skipped: skipped, warnings: warnings)
    }
}

/// `membership testbed --json`: the testbed's facts and the summary of each split.
public struct TestbedSummary: Codable, Sendable {
    public var documents: Int
    public var members: Int
    public var nonMembers: Int
    public var memberBytes: Int
    public var dilutionBytes: Int
    public var referenceBytes: Int
    /// The proxy model's n-gram order, and the words each text keeps.
    public var order: Int
    public var words: Int
    public var iid: MembershipSummary
    public var shifted: MembershipSummary?

    enum CodingKeys: String, CodingKey {
        case documents, members, order, words, iid, shifted
        case nonMembers = "non_members", memberBytes = "member_bytes", dilutionBytes = "dilution_bytes", referenceBytes = "reference_bytes"
    }

    public init(_ result: Testbed.Result, order: Int, words: Int) {
        documents = result.documents
        members = result.members
        nonMembers = result.nonMembers
        memberBytes = result.memberBytes
        dilutionBytes = result.dilutionBytes
        referenceBytes = result.referenceBytes
        self.order = order
        self.words = words
        iid = result.iid.summary
        shifted = result.shifted?.summary
    }
}

/// The plain-text and CSV forms of a testbed run (`membership testbed`).
extension Testbed.Result {
    /// Both splits' ROC curves as one CSV with a `split` column.
    public var rocCSV: String {
        var csv = iid.rocCSV.split(separator: "\n").enumerated().map { $0.offset == 0 ? "split,\($0.element)" : "iid,\($0.element)" }
        if let shifted { csv += shifted.rocCSV.split(separator: "\n").dropFirst().map { "shifted,\($0)" } }
        return csv.joined(separator: "\n") + "\n"
    }

    /// The testbed's facts, each split's table, and (with a shift) how much the shift inflates
    /// every detector's AUC; `shiftSource` names where the shifted non-members came from.
    public func table(order: Int, shiftSource: String) -> String {
        var lines = [String(format: "%d documents; proxy (order %d) trained on %d member documents (%d bytes) + %d bytes of others "
                            + "(dilution %.2fx); reference model on %d bytes; n-grams %@",
                            documents, order, members, memberBytes, dilutionBytes,
                            Double(dilutionBytes) / Double(max(memberBytes, 1)), referenceBytes,
                            proxyNGrams.map(String.init).joined(separator: "/"))]
        lines += ["", "IID split (members and non-members from one source):", iid.table]
        guard let shifted else { return lines.joined(separator: "\n") }
        lines += ["", "Shifted split (non-members from \(shiftSource)):", shifted.table, "", "AUC inflation from the shift (shifted - IID, points):"]
        func row(_ name: String, _ before: Double, _ after: Double) -> String {
            name.padding(toLength: 15, withPad: " ", startingAt: 0) + String(format: "  %+6.1f", 100 * (after - before))
        }
        for method in iid.methods {
            guard let other = shifted.methods.first(where: { $0.method == method.method }) else { continue }
            lines.append(row(method.method.rawValue, method.metrics.auc, other.metrics.auc))
        }
        if let a = iid.blindBaseline, let b = shifted.blindBaseline { lines.append(row("blind baseline", a.metrics.auc, b.metrics.auc)) }
        return lines.joined(separator: "\n")
    }
}
