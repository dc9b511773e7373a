import Foundation
import MixtureInference
import Support

/// An inferred mixture as a report reads it: `infer --json` output, optionally with the
/// category families and the command that made it (as `scripts/real-analyses.py` stores them).
public struct MixtureReportInput: Sendable {
    public struct Share: Sendable {
        public var name: String
        public var proportion: Double
        public var interval: [Double]?
        public var family: String
        /// The LP weight in pair units (the paper's unit for published tokenizers), when known.
        public var weight: Double? = nil
    }

    public var title: String
    public var source: String
    public var sourceHash: String
    public var shares: [Share]
    public var mergesUsed: Int?
    public var mergesMissing: Int?
    public var command: String?
    /// Solver facts, as key/value text.
    public var solver: [(String, String)]
    /// The fit quality (`infer` of the attack): mean relative shortfall, fraction of steps
    /// unexplained, the estimated unexplained share, and the shortfall along the merge list.
    public var fit: Fit?
    /// Whether the LP was solved to proven optimality, and why it stopped otherwise (nil: no
    /// solver facts, e.g. a baseline).
    public var optimal: Bool?
    public var stopReason: String?
    /// How the LPs of the bootstrap replicates behind the intervals ended (nil: no intervals).
    public var bootstrapSolves: BootstrapSolves? = nil

    public struct Fit: Sendable {
        public var steps: Int
        public var meanShortfall: Double
        public var unexplainedShare: Double
        public var profile: [Double]
        public var isReliable: Bool { meanShortfall <= FitQuality.reliableMeanShortfall }
    }

    /// Reads an `infer --json` result; `families` maps category names to a family name
    /// (categories not in it: the JSON's own "families" when present, else "other").
    public static func read(_ path: String, title: String? = nil, families: [String: String] = [:]) throws -> MixtureReportInput {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        return try parse(data, source: path, title: title, families: families)
    }

    /// Reads an `infer --json` result from `data` (errors name `source`).
    public static func parse(_ data: Data, source path: String, title: String? = nil, families: [String: String] = [:]) throws -> MixtureReportInput {
        let result: InferenceResult
        do {
            result = try ResultJSON.decoder.decode(InferenceResult.self, from: data)
        } catch {
            throw InputError(path: path, problem: "not an `infer --json` result (\(ReportWriter.reason(error)))")
        }
        return try MixtureReportInput(result, data: data, source: path, title: title, families: families)
    }


    /// A JSON value as a reader wants it: yes/no, integers plain, other numbers to 4 digits.
    static func describe(_ value: Any) -> String {
        if let number = value as? NSNumber {
            if String(cString: number.objCType) == "c" { return number.boolValue ? "yes" : "no" }
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
            return String(format: "%.4g", double)
        }
        if let array = value as? [Any] { return "\(array.count) entries" }
        return "\(value)"
    }

    /// Total share per family, largest first.
    public var families: [(name: String, share: Double)] {
        var totals: [String: Double] = [:]
        for share in shares { totals[share.family, default: 0] += share.proportion }
        return totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Categories at or above `threshold`, then one "other (N categories)" row for the rest.
    public func rows(threshold: Double) -> [(label: String, share: Double, interval: [Double]?, family: String)] {
        weightedRows(threshold: threshold).map { ($0.label, $0.share, $0.interval, $0.family) }
    }

    /// ``rows(threshold:)`` with each row's weight in pair units (nil when the result has none).
    public func weightedRows(threshold: Double) -> [(label: String, share: Double, interval: [Double]?, family: String, weight: Double?)] {
        var result: [(String, Double, [Double]?, String, Double?)] = []
        var rest = 0.0, restWeight: Double? = 0, restCount = 0
        for share in shares {
            if share.proportion >= threshold {
                result.append((share.name, share.proportion, share.interval, share.family, share.weight))
            } else {
                rest += share.proportion
                restWeight = restWeight.flatMap { total in share.weight.map { total + $0 } }
                restCount += 1
            }
        }
        if restCount > 0 { result.append(("other (\(restCount) categories)", rest, nil, "other", restWeight)) }
        return result
    }
}

extension MixtureReportInput {
    /// The report input of a result; `data` is its JSON (fingerprinted to name the source).
    public init(_ result: InferenceResult, data: Data, source path: String, title: String? = nil, families: [String: String] = [:]) throws {
        var familyOf = families
        for (family, names) in result.families ?? [:] { for name in names where familyOf[name] == nil { familyOf[name] = family } }
        var shares: [Share] = []
        for entry in result.categories {
            guard entry.proportion.isFinite, entry.proportion >= 0 else {
                throw InputError(path: path, problem: "category \(entry.name) has no valid proportion")
            }
            shares.append(Share(name: entry.name, proportion: entry.proportion, interval: entry.interval, family: familyOf[entry.name] ?? "other",
                                weight: entry.weight.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }))
        }
        guard !shares.isEmpty else { throw InputError(path: path, problem: "the result names no category") }
        var solver: [(String, String)] = []
        if let report = result.solver, let facts = ResultJSON.object(report) as? [String: Any] {
            for key in facts.keys.sorted() { solver.append((key.replacingOccurrences(of: "_", with: " "), MixtureReportInput.describe(facts[key]!))) }
        }
        var fingerprint = Fingerprint()
        fingerprint.update(data)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        self.init(title: title ?? name, source: path, sourceHash: fingerprint.hex,
                  shares: shares.sorted { $0.proportion != $1.proportion ? $0.proportion > $1.proportion : $0.name < $1.name },
                  mergesUsed: result.mergesUsed, mergesMissing: result.mergesMissing, command: result.command, solver: solver,
                  fit: result.fit.map { Fit(steps: $0.steps, meanShortfall: $0.meanShortfall, unexplainedShare: $0.unexplainedShare, profile: $0.profile) },
                  optimal: result.solver?.converged, stopReason: result.solver?.stopReason)
        bootstrapSolves = result.bootstrapSolves
    }
}
