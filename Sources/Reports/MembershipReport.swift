import Foundation
import Membership
import Support

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

    /// The splits of `membership testbed --json` (its other facts are not reported).
    private struct TestbedParts: Decodable {
        var iid: MembershipSummary
        var shifted: MembershipSummary?
    }

    /// Whether a parsed JSON object is a membership result.
    static func isMembership(_ object: [String: Any]) -> Bool { object["methods"] != nil || object["iid"] != nil }

    /// Reads `membership --json` or `membership testbed --json` (through ``MembershipSummary``
    /// and ``TestbedSummary``).
    public static func parse(_ data: Data, source: String, title: String) throws -> MembershipReportInput {
        let object = try JSONDocument.object(data, path: source)
        guard isMembership(object) else {
            throw InputError(path: source, problem: "not a `membership --json` or `membership testbed --json` result")
        }
        func split(_ summary: MembershipSummary, title: String) throws -> Split {
            var methods = summary.methods
            if let blind = summary.blindBaseline { methods.append(blind) }
            let parsed = try methods.map { method -> Method in
                guard method.aucInterval.count == 2 else { throw InputError(path: source, problem: "\(title): method \(method.name) lacks auc or auc_ci") }
                return Method(name: method.name, auc: method.auc, interval: method.aucInterval,
                              tpr: method.tprAtFPR.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                              curve: method.roc.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
            }
            return Split(title: title, methods: parsed, warnings: summary.warnings)
        }
        var splits: [Split] = []
        do {
            if object["iid"] != nil {
                let testbed = try ResultJSON.decoder.decode(TestbedParts.self, from: data)
                splits.append(try split(testbed.iid, title: "IID split (members and non-members from one source)"))
                if let shifted = testbed.shifted { splits.append(try split(shifted, title: "Shifted split (non-members from another source)")) }
            } else {
                splits.append(try split(try ResultJSON.decoder.decode(MembershipSummary.self, from: data), title: "Members against non-members"))
            }
        } catch let error as DecodingError {
            throw InputError(path: source, problem: "not a `membership --json` result (\(ReportWriter.reason(error)))")
        }
        var fingerprint = Fingerprint()
        fingerprint.update(data)
        return MembershipReportInput(title: title, source: source, sourceHash: fingerprint.hex, splits: splits)
    }
}

extension ReportWriter {
    static let methodColours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// ROC curves on linear axes, square, with the chance diagonal; the blind baseline dashed.
    static func rocChart(_ methods: [MembershipReportInput.Method]) -> String {
        let series: [Series] = methods.enumerated().filter { !$0.element.curve.isEmpty }.map { index, method in
            let isBaseline = method.name == "blind baseline"
            return (name: String(format: "%@ %.1f%%", method.name, 100 * method.auc), points: method.curve,
                    colour: isBaseline ? "#777" : methodColours[index % methodColours.count], dashed: isBaseline)
        }
        return lineChart(series, xLabel: "false-positive rate", yLabel: "true-positive rate", xRange: 0...1, yRange: 0...1,
                         diagonal: true, plotWidth: 360, plotHeight: 360)
    }

    /// The HTML and Markdown of a membership evaluation.
    public static func membership(_ input: MembershipReportInput) -> (html: String, markdown: String) {
        var html = "<h1>\(escape(input.title)): membership detection</h1>\n"
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
        html += "<p class=\"small\">From <code>\(escape(input.source))</code> (fingerprint \(input.sourceHash)). Scores: higher means member; AUC in percent. Written by <code>toksleuth report</code>.</p>\n"
        markdown += "From `\(input.source)` (fingerprint \(input.sourceHash)).\n"
        return (page(title: input.title, body: html), markdown)
    }
}
