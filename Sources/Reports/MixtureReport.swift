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
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        return try parse(data, source: path, title: title, families: families)
    }

    /// Reads an `infer --json` result from `data` (errors name `source`).
    public static func parse(_ data: Data, source path: String, title: String? = nil, families: [String: String] = [:]) throws -> MixtureReportInput {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let categories = object["categories"] as? [[String: Any]] else {
            throw InputError(path: path, problem: "not an `infer --json` result (no \"categories\" list)")
        }
        var familyOf = families
        if let own = object["families"] as? [String: [String]] {
            for (family, names) in own { for name in names where familyOf[name] == nil { familyOf[name] = family } }
        }
        var shares: [Share] = []
        for entry in categories {
            guard let name = entry["name"] as? String, let proportion = (entry["proportion"] as? NSNumber)?.doubleValue,
                  proportion.isFinite, proportion >= 0 else {
                throw InputError(path: path, problem: "a category lacks a name or a proportion")
            }
            let interval = (entry["interval"] as? [NSNumber])?.map(\.doubleValue)
            let weight = (entry["weight"] as? NSNumber)?.doubleValue
            shares.append(Share(name: name, proportion: proportion, interval: interval, family: familyOf[name] ?? "other",
                                weight: weight.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }))
        }
        guard !shares.isEmpty else { throw InputError(path: path, problem: "the result names no category") }
        var solver: [(String, String)] = []
        if let facts = object["solver"] as? [String: Any] {
            for key in facts.keys.sorted() { solver.append((key.replacingOccurrences(of: "_", with: " "), describe(facts[key]!))) }
        }
        var fit: Fit?
        if let object = object["fit"] as? [String: Any] {
            func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
            if let steps = number("steps"), let mean = number("mean_shortfall"), let share = number("unexplained_share") {
                fit = Fit(steps: Int(steps), meanShortfall: mean, unexplainedShare: share,
                          profile: (object["profile"] as? [NSNumber])?.map(\.doubleValue) ?? [])
            }
        }
        var fingerprint = Fingerprint()
        fingerprint.update(data)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return MixtureReportInput(title: title ?? name, source: path, sourceHash: fingerprint.hex,
                                  shares: shares.sorted { $0.proportion != $1.proportion ? $0.proportion > $1.proportion : $0.name < $1.name },
                                  mergesUsed: (object["merges_used"] as? NSNumber)?.intValue,
                                  mergesMissing: (object["merges_missing"] as? NSNumber)?.intValue,
                                  command: object["command"] as? String, solver: solver, fit: fit,
                                  optimal: ((object["solver"] as? [String: Any])?["optimal"] ?? (object["solver"] as? [String: Any])?["converged"]) as? Bool,
                                  stopReason: (object["solver"] as? [String: Any])?["stop_reason"] as? String)
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

