import Corpora
import Foundation

/// A membership evaluation as a report reads it: `membership --json`, or the IID and shifted
/// halves of `membership testbed --json`.
public struct MembershipReportInput: Sendable {
    public struct Method: Sendable {
        public var name: String
        public var auc: Double
        public var interval: [Double]
        public var tpr: [(String, Double)]
        public var curve: [(Double, Double)]
    }

    public struct Split: Sendable {
        public var title: String
        public var methods: [Method]
        public var warnings: [String]
    }

    public var title: String
    public var source: String
    public var sourceHash: String
    public var splits: [Split]

    /// Whether a parsed JSON object is a membership result.
    static func isMembership(_ object: [String: Any]) -> Bool { object["methods"] != nil || object["iid"] != nil }

    public static func parse(_ data: Data, source: String, title: String) throws -> MembershipReportInput {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], isMembership(object) else {
            throw InputError(path: source, problem: "not a `membership --json` or `membership testbed --json` result")
        }
        func split(_ value: Any?, title: String) throws -> Split {
            guard let part = value as? [String: Any], let methods = part["methods"] as? [[String: Any]] else {
                throw InputError(path: source, problem: "\(title): no \"methods\" list")
            }
            var parsed: [Method] = []
            var entries = methods.map { ($0["name"] as? String ?? "?", $0) }
            if let blind = part["blind_baseline"] as? [String: Any] { entries.append(("blind baseline", blind)) }
            for (name, entry) in entries {
                guard let auc = (entry["auc"] as? NSNumber)?.doubleValue, let interval = (entry["auc_ci"] as? [NSNumber])?.map(\.doubleValue),
                      interval.count == 2 else { throw InputError(path: source, problem: "\(title): method \(name) lacks auc or auc_ci") }
                let tprs = (entry["tpr_at_fpr"] as? [String: NSNumber] ?? [:]).map { ($0.key, $0.value.doubleValue) }.sorted { $0.0 < $1.0 }
                let curve = (entry["roc"] as? [[NSNumber]] ?? []).compactMap { $0.count == 2 ? ($0[0].doubleValue, $0[1].doubleValue) : nil }
                parsed.append(Method(name: name, auc: auc, interval: interval, tpr: tprs, curve: curve))
            }
            return Split(title: title, methods: parsed, warnings: part["warnings"] as? [String] ?? [])
        }
        var splits: [Split] = []
        if object["iid"] != nil {
            splits.append(try split(object["iid"], title: "IID split (members and non-members from one source)"))
            if object["shifted"] != nil { splits.append(try split(object["shifted"], title: "Shifted split (non-members from another source)")) }
        } else {
            splits.append(try split(object, title: "Members against non-members"))
        }
        var fingerprint = Fingerprint()
        fingerprint.update(data)
        return MembershipReportInput(title: title, source: source, sourceHash: fingerprint.hex, splits: splits)
    }
}

extension ReportWriter {
    static let methodColours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// ROC curves on linear axes with the chance diagonal; the blind baseline dashed.
    static func rocChart(_ methods: [MembershipReportInput.Method]) -> String {
        let size = 360.0, left = 50.0, top = 10.0, legendWidth = 190.0
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + size + legendWidth))\" height=\"\(Int(top + size + 45))\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#888\"/>\n", left, top, size, size)
        svg += String(format: "<path d=\"M%.0f %.0f L%.0f %.0f\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>\n", left, top + size, left + size, top)
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2g</text>", left + size * tick, top + size + 15, tick)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2g</text>\n", left - 5, top + size * (1 - tick) + 4, tick)
        }
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">false-positive rate</text>\n", left + size / 2, top + size + 32)
        svg += String(format: "<text x=\"12\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.0f)\">true-positive rate</text>\n", top + size / 2, top + size / 2)
        for (index, method) in methods.enumerated() where !method.curve.isEmpty {
            let colour = method.name == "blind baseline" ? "#777" : methodColours[index % methodColours.count]
            let points = method.curve.map { String(format: "%.1f,%.1f", left + size * $0.0, top + size * (1 - $0.1)) }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\"\(method.name == "blind baseline" ? " stroke-dasharray=\"6 3\"" : "")/>\n"
            let y = top + 14 + 18 * Double(index)
            svg += String(format: "<path d=\"M%.0f %.0f h18\" stroke=\"%@\" stroke-width=\"3\"/>", left + size + 12, y - 4, colour)
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\">%@ %.1f%%</text>\n", left + size + 36, y, escape(method.name), 100 * method.auc)
        }
        return svg + "</svg>"
    }

    /// The HTML and Markdown of a membership evaluation.
    public static func membership(_ input: MembershipReportInput) -> (html: String, markdown: String) {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(input.title)) — toksleuth</title><style>\(style)</style></head><body>\n"
        html += "<h1>\(escape(input.title)): membership detection</h1>\n"
        var markdown = "# \(input.title): membership detection\n\n"
        for split in input.splits {
            html += "<h2>\(escape(split.title))</h2>\n"
            for warning in split.warnings { html += "<p><strong>Warning:</strong> \(escape(warning))</p>\n" }
            html += rocChart(split.methods) + "\n<table><tr><th>method</th><th>AUC</th><th>95% interval</th><th>TPR at 0.1% / 1% / 5% FPR</th></tr>\n"
            markdown += "## \(split.title)\n\n"
            for warning in split.warnings { markdown += "**Warning:** \(warning)\n\n" }
            markdown += "| method | AUC | 95% interval | TPR at 0.1% / 1% / 5% FPR |\n|---|---:|---|---|\n"
            for method in split.methods {
                let interval = String(format: "%.1f – %.1f", 100 * method.interval[0], 100 * method.interval[1])
                let tprs = method.tpr.map { String(format: "%.1f", 100 * $0.1) }.joined(separator: " / ")
                html += "<tr><td>\(escape(method.name))</td><td class=\"n\">\(String(format: "%.1f", 100 * method.auc))</td><td>\(interval)</td><td>\(tprs)</td></tr>\n"
                markdown += "| \(method.name) | \(String(format: "%.1f", 100 * method.auc)) | \(interval) | \(tprs) |\n"
            }
            html += "</table>\n"
            markdown += "\n"
        }
        html += "<p class=\"small\">From <code>\(escape(input.source))</code> (fingerprint \(input.sourceHash)). Scores: higher means member; AUC in percent. Written by <code>toksleuth report</code>.</p>\n</body></html>\n"
        markdown += "From `\(input.source)` (fingerprint \(input.sourceHash)).\n"
        return (html, markdown)
    }
}
