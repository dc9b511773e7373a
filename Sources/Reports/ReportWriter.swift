import Foundation
import MixtureInference

/// Self-contained reports: HTML with inline SVG (no scripts, no network) and a Markdown twin.
public enum ReportWriter {
    /// Colours by family (colour-blind safe palette, Okabe-Ito).
    static let colours = ["languages": "#0072B2", "code": "#D55E00", "domains": "#009E73", "other": "#999999"]
    static func colour(_ family: String) -> String { colours[family] ?? "#CC79A7" }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func percent(_ value: Double) -> String { String(format: value >= 0.1 ? "%.1f%%" : "%.2f%%", 100 * value) }

    /// A horizontal bar chart, one row per category (sorted), whiskers for intervals.
    static func barChart(_ rows: [(label: String, share: Double, interval: [Double]?, family: String)]) -> String {
        let labelWidth = 210.0, barWidth = 400.0, valueWidth = 180.0, rowHeight = 24.0, top = 8.0
        let width = labelWidth + barWidth + valueWidth
        let height = top * 2 + rowHeight * Double(rows.count) + 20
        let maximum = max(rows.map { max($0.share, $0.interval?[1] ?? 0) }.max() ?? 1, 1e-9)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"13\">\n"
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let length = barWidth * row.share / maximum
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 16)\" text-anchor=\"end\">\(escape(row.label))</text>\n"
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%@\"><title>%@: %@</title></rect>\n",
                          labelWidth, y + 4, max(length, 0.5), colour(row.family), escape(row.label), percent(row.share))
            if let interval = row.interval {
                let low = labelWidth + barWidth * interval[0] / maximum, high = labelWidth + barWidth * interval[1] / maximum
                svg += String(format: "<path d=\"M%.1f %.1f H%.1f M%.1f %.1f V%.1f M%.1f %.1f V%.1f\" stroke=\"#222\" stroke-width=\"1.5\"/>\n",
                              low, y + 12, high, low, y + 7, y + 17, high, y + 7, y + 17)
            }
            let valueText = percent(row.share) + (row.interval.map { " [\(percent($0[0])), \(percent($0[1]))]" } ?? "")
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 16)\" font-size=\"12\">\(escape(valueText))</text>\n"
        }
        // Legend.
        let legendY = top + rowHeight * Double(rows.count) + 12
        var x = labelWidth
        for family in ["languages", "code", "domains", "other"] where rows.contains(where: { $0.family == family }) {
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%@\"/>", x, legendY - 10, colour(family))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%@</text>\n", x + 16, legendY, family)
            x += 100
        }
        return svg + "</svg>"
    }

    /// One stacked bar per report, by family: the side-by-side comparison.
    public static func comparisonChart(_ inputs: [MixtureReportInput]) -> String {
        let labelWidth = 230.0, barWidth = 480.0, rowHeight = 26.0, top = 8.0
        let families = ["languages", "code", "domains", "other"]
        let height = top * 2 + rowHeight * Double(inputs.count) + 24
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barWidth + 20))\" height=\"\(Int(height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"13\">\n"
        for (index, input) in inputs.enumerated() {
            let y = top + rowHeight * Double(index)
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\">\(escape(input.title))</text>\n"
            var x = labelWidth
            let totals = Dictionary(uniqueKeysWithValues: input.families.map { ($0.name, $0.share) })
            for family in families {
                let share = totals[family] ?? 0
                guard share > 0 else { continue }
                let length = barWidth * share
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%@\"><title>%@ %@: %@</title></rect>\n",
                              x, y + 4, length, colour(family), escape(input.title), family, percent(share))
                if length > 34 {
                    svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"white\" text-anchor=\"middle\">%.0f%%</text>\n",
                                  x + length / 2, y + 17, 100 * share)
                }
                x += length
            }
        }
        let legendY = top + rowHeight * Double(inputs.count) + 16
        let present = families.filter { family in inputs.contains { $0.families.contains { $0.name == family && $0.share > 0 } } }
        for (index, family) in present.enumerated() {
            let x = labelWidth + 110 * Double(index)
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%@\"/>", x, legendY - 10, colour(family))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%@</text>\n", x + 16, legendY, family)
        }
        return svg + "</svg>"
    }

    static let style = """
        body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
        h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
        table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
        td.n{text-align:right}code,pre{background:#f5f5f5;padding:1px 4px}pre{padding:8px;white-space:pre-wrap}
        .small{color:#666;font-size:0.9em}
        """

    /// The HTML and Markdown of one mixture report.
    public static func mixture(_ input: MixtureReportInput, threshold: Double = 0.01) -> (html: String, markdown: String) {
        let rows = input.rows(threshold: threshold)
        var html = ""
        html += "<h1>\(escape(input.title)): inferred training-data mixture</h1>\n"
        var summary = "\(input.shares.count) categories"
        if let merges = input.mergesUsed { summary += ", the first \(merges) merges" }
        if let missing = input.mergesMissing { summary += " (\(missing) occur in no sample and were skipped)" }
        html += "<p>\(escape(summary)). Categories below \(percent(threshold)) are grouped. "
        html += input.shares.contains { $0.interval != nil } ? "Whiskers: bootstrap intervals.</p>\n" : "No intervals (run <code>infer --bootstrap</code> for them).</p>\n"
        if let sentence = optimality(input) { html += "<p><strong>\(escape(sentence))</strong></p>\n" }
        if let fit = input.fit { html += "<p>\(headline(fit, html: true))</p>\n" }
        html += "<h2>Mixture</h2>\n<p class=\"small\">Bars: share of training bytes.</p>\n" + barChart(rows) + "\n"
        let weighted = input.weightedRows(threshold: threshold)
        if weighted.contains(where: { $0.weight != nil }) {
            html += "<h2>Both units</h2>\n<p class=\"small\">Share of bytes: the LP weights converted by each sample's bytes per pair. "
                + "Weight in pair units: the LP's own weights, the unit of the paper's table of published tokenizers.</p>\n"
                + "<table><tr><th>category</th><th>share of bytes</th><th>weight (pair units)</th></tr>\n"
            for row in weighted {
                html += "<tr><td>\(escape(row.label))</td><td class=\"n\">\(percent(row.share))</td><td class=\"n\">\(row.weight.map(percent) ?? "")</td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<h2>By family</h2>\n<table><tr><th>family</th><th>share</th></tr>\n"
        for family in input.families { html += "<tr><td>\(escape(family.name))</td><td class=\"n\">\(percent(family.share))</td></tr>\n" }
        html += "</table>\n"
        if let fit = input.fit {
            html += "<h2>Fit quality and the unexplained share</h2>\n<p>\(escape(fitSentence(fit)))</p>\n"
            if fit.profile.count > 1 {
                html += lineChart([(name: "mean relative shortfall", points: fit.profile.enumerated().map {
                    (Double($0.offset) + 0.5) / Double(fit.profile.count) * Double(fit.steps)
                }.enumerated().map { ($0.element, fit.profile[$0.offset]) }, colour: "#0072B2", dashed: false)],
                                  xLabel: "merge step", yLabel: "relative shortfall", xRange: 0...Double(fit.steps), yRange: 0...1) + "\n"
            }
        }
        if !input.solver.isEmpty {
            html += "<h2>Solver</h2>\n<table>\n"
            for (key, value) in input.solver { html += "<tr><td>\(escape(key))</td><td>\(escape(value))</td></tr>\n" }
            html += "</table>\n"
        }
        html += "<h2>Reproduce</h2>\n"
        if let command = input.command { html += "<pre>\(escape(command))</pre>\n" }
        html += "<p class=\"small\">From <code>\(escape(input.source))</code> (fingerprint \(input.sourceHash)). Written by <code>toksleuth report</code>.</p>\n"

        var markdown = "# \(input.title): inferred training-data mixture\n\n\(summary). Categories below \(percent(threshold)) are grouped.\n\n"
        if let sentence = optimality(input) { markdown += "**\(sentence)**\n\n" }
        if let fit = input.fit { markdown += headline(fit, html: false) + "\n\n" }
        markdown += "| category | family | share of bytes | weight (pair units) | interval (bytes) |\n|---|---|---:|---:|---|\n"
        for row in weighted {
            markdown += "| \(row.label) | \(row.family) | \(percent(row.share)) | \(row.weight.map(percent) ?? "") | \(row.interval.map { "\(percent($0[0])) – \(percent($0[1]))" } ?? "") |\n"
        }
        markdown += "\n## By family\n\n| family | share |\n|---|---:|\n"
        for family in input.families { markdown += "| \(family.name) | \(percent(family.share)) |\n" }
        if let fit = input.fit { markdown += "\n## Fit quality and the unexplained share\n\n\(fitSentence(fit))\n" }
        if !input.solver.isEmpty {
            markdown += "\n## Solver\n\n"
            for (key, value) in input.solver { markdown += "- \(key): \(value)\n" }
        }
        markdown += "\n## Reproduce\n\n"
        if let command = input.command { markdown += "```\n\(command)\n```\n\n" }
        markdown += "From `\(input.source)` (fingerprint \(input.sourceHash)).\n"
        return (page(title: input.title, body: html), markdown)
    }

    /// Whether the LP behind the mixture was solved to proven optimality, in one sentence.
    static func optimality(_ input: MixtureReportInput) -> String? {
        guard let optimal = input.optimal else { return nil }
        let bootstrap = input.bootstrapSolves.map { " Bootstrap intervals: \($0.description)." } ?? ""
        if optimal { return "The LP was solved to proven optimality (the solver facts below give the lower bound, the gap and the largest violation)." + bootstrap }
        return "NOT OPTIMAL: the LP was stopped (\(input.stopReason ?? "unknown reason")) before optimality was proven; these proportions are the best feasible point found." + bootstrap
    }

    /// What the fit figures mean, in one paragraph.
    static func fitSentence(_ fit: MixtureReportInput.Fit) -> String {
        var text = String(format: "Mean relative shortfall %.3f over %d merge steps (how far each merge falls below the most frequent "
                          + "other pair under this mixture, that pair's LP slack taken off; 0 = every merge explained). ",
                          fit.meanShortfall, fit.steps)
        text += String(format: "%@ of the steps fall short by %.2f or more: merges these categories cannot have made, ",
                       percent(fit.unexplainedShare), FitQuality.unexplainedThreshold)
            + "standing for the estimated share of training data the categories offered do not explain. "
        if !fit.isReliable {
            text += String(format: "Above a mean shortfall of %.1f the samples cannot judge most merges (too small for this many merges, "
                           + "or unlike the training text), so this is not an estimate of missing categories. ", FitQuality.reliableMeanShortfall)
        }
        return text + "README \"Uncertainty and the unexplained share\" has the calibration of both figures."
    }

    /// The line under the title: the unexplained share, or why there is none.
    static func headline(_ fit: MixtureReportInput.Fit, html: Bool) -> String {
        let strong = html ? ("<strong>", "</strong>") : ("**", "**")
        if fit.isReliable {
            return "\(strong.0)An estimated \(percent(fit.unexplainedShare)) of the training data is not explained by these categories\(strong.1) "
                + "(see \"Fit quality\" below); the shares are shares of the rest."
        }
        return "\(strong.0)The samples explain few of the merges\(strong.1) (mean relative shortfall "
            + String(format: "%.2f", fit.meanShortfall) + "): read the shares with care, and the unexplained share "
            + "(\(percent(fit.unexplainedShare))) as a sign of too little or too different sample text, not as an estimate (see \"Fit quality\" below)."
    }

    /// The index page: one comparison chart and a link per report.
    public static func index(_ inputs: [MixtureReportInput], links: [String], comparisonName: String) -> (html: String, markdown: String) {
        var html = "<h1>Inferred training-data mixtures, side by side</h1>\n" + comparisonChart(inputs) + "\n<h2>Reports</h2>\n<ul>\n"
        for (input, link) in zip(inputs, links) {
            let top = input.shares.prefix(3).map { "\($0.name) \(percent($0.proportion))" }.joined(separator: ", ")
            html += "<li><a href=\"\(escape(link)).html\">\(escape(input.title))</a> — \(escape(top))</li>\n"
        }
        html = page(title: "Inferred mixtures", body: html + "</ul>\n")
        var markdown = "# Inferred training-data mixtures\n\n![Mixtures by family, side by side](\(comparisonName).svg)\n\n| tokenizer | languages | code | domains | largest categories | report |\n|---|---:|---:|---:|---|---|\n"
        for (input, link) in zip(inputs, links) {
            let totals = Dictionary(uniqueKeysWithValues: input.families.map { ($0.name, $0.share) })
            let top = input.shares.prefix(3).map { "\($0.name) \(percent($0.proportion))" }.joined(separator: ", ")
            markdown += "| \(input.title) | \(percent(totals["languages"] ?? 0)) | \(percent(totals["code"] ?? 0)) | \(percent(totals["domains"] ?? 0)) | \(top) | [\(link)](\(link).md) |\n"
        }
        return (html, markdown)
    }
}
