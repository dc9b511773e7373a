import Foundation

extension ReportWriter {
    /// One series of a line chart or scatter plot.
    typealias Series = (name: String, points: [(Double, Double)], colour: String, dashed: Bool)

    /// Lines (or, with `markers`, dots) on linear axes with five ticks each and a legend on the
    /// right; ranges default to the data's.
    static func lineChart(_ series: [Series], xLabel: String, yLabel: String, xRange: ClosedRange<Double>? = nil,
                          yRange: ClosedRange<Double>? = nil, markers: Bool = false, diagonal: Bool = false,
                          plotWidth: Double = 420, plotHeight: Double = 240) -> String {
        let left = 62.0, top = 10.0, legendWidth = 210.0
        let xs = series.flatMap { $0.points.map(\.0) }, ys = series.flatMap { $0.points.map(\.1) }
        func padded(_ values: [Double]) -> ClosedRange<Double> {
            let low = values.min() ?? 0, high = values.max() ?? 1
            let margin = high > low ? (high - low) * 0.05 : max(abs(low) * 0.05, 1e-9)
            return (low - margin)...(high + margin)
        }
        // With the diagonal (predicted against measured), both axes share one range so that it is y = x.
        let common = padded(xs + ys)
        let xr = xRange ?? (diagonal ? common : padded(xs)), yr = yRange ?? (diagonal ? common : padded(ys))
        func x(_ value: Double) -> Double { left + plotWidth * (value - xr.lowerBound) / (xr.upperBound - xr.lowerBound) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (value - yr.lowerBound) / (yr.upperBound - yr.lowerBound)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + plotWidth + legendWidth))\" height=\"\(Int(top + plotHeight + 45))\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#888\"/>\n", left, top, plotWidth, plotHeight)
        if diagonal {
            let low = max(xr.lowerBound, yr.lowerBound), high = min(xr.upperBound, yr.upperBound)
            svg += String(format: "<path d=\"M%.1f %.1f L%.1f %.1f\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>\n", x(low), y(low), x(high), y(high))
        }
        for step in 0...4 {
            let fraction = Double(step) / 4
            let xv = xr.lowerBound + fraction * (xr.upperBound - xr.lowerBound)
            let yv = yr.lowerBound + fraction * (yr.upperBound - yr.lowerBound)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", x(xv), top + plotHeight + 15, tick(xv))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>\n", left - 5, y(yv) + 4, tick(yv))
        }
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%@</text>\n", left + plotWidth / 2, top + plotHeight + 34, escape(xLabel))
        svg += String(format: "<text x=\"12\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.0f)\">%@</text>\n",
                      top + plotHeight / 2, top + plotHeight / 2, escape(yLabel))
        for (index, line) in series.enumerated() {
            if markers {
                for point in line.points {
                    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\" fill-opacity=\"0.75\"/>", x(point.0), y(point.1), line.colour)
                }
                svg += "\n"
            } else {
                let points = line.points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
                svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"1.8\"\(line.dashed ? " stroke-dasharray=\"6 3\"" : "")/>\n"
            }
            let legendY = top + 14 + 18 * Double(index)
            svg += String(format: "<path d=\"M%.0f %.0f h18\" stroke=\"%@\" stroke-width=\"3\"/>", left + plotWidth + 12, legendY - 4, line.colour)
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\">%@</text>\n", left + plotWidth + 36, legendY, escape(line.name))
        }
        return svg + "</svg>"
    }

    /// A tick label: integers plain, else three significant digits.
    static func tick(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int64(value)) }
        return String(format: "%.3g", value)
    }

    /// Horizontal bars of arbitrary values (not shares), one row each, value text on the right.
    static func valueBars(_ rows: [(label: String, value: Double, text: String, colour: String)]) -> String {
        let labelWidth = 210.0, barWidth = 400.0, valueWidth = 140.0, rowHeight = 24.0, top = 8.0
        let height = top * 2 + rowHeight * Double(rows.count)
        let maximum = max(rows.map { abs($0.value) }.max() ?? 1, 1e-12)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barWidth + valueWidth))\" height=\"\(Int(height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"13\">\n"
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 16)\" text-anchor=\"end\">\(escape(row.label))</text>\n"
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%@\"/>\n",
                          labelWidth, y + 4, max(barWidth * abs(row.value) / maximum, 0.5), row.colour)
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 16)\" font-size=\"12\">\(escape(row.text))</text>\n"
        }
        return svg + "</svg>"
    }

    /// One table in both forms; columns from the second on are numbers (right-aligned).
    static func table(_ header: [String], _ rows: [[String]]) -> (html: String, markdown: String) {
        var html = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        var markdown = "| " + header.joined(separator: " | ") + " |\n|---|" + String(repeating: "---:|", count: max(header.count - 1, 0)) + "\n"
        for row in rows {
            html += "<tr>" + row.enumerated().map { $0.offset == 0 ? "<td>\(escape($0.element))</td>" : "<td class=\"n\">\(escape($0.element))</td>" }.joined() + "</tr>\n"
            markdown += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return (html + "</table>\n", markdown)
    }

    /// The page around a report's body.
    static func page(title: String, body: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title)) — toksleuth</title><style>\(style)</style></head><body>\n"
            + body + "</body></html>\n"
    }
}
