import Foundation
import ProxyRuns
import Support
import TokenizerFormats

/// Which command wrote a result file, told from its keys.
public enum ResultKind: String, Sendable {
    case mixture, membership, validation, regmix, inspection, proxyModel

    /// The kind of a parsed JSON result, nil when toksleuth does not write such files.
    public static func detect(_ object: [String: Any]) -> ResultKind? {
        if let categories = object["categories"] as? [[String: Any]] {
            if categories.first?["bits_per_byte"] != nil { return .proxyModel }
            return .mixture
        }
        if MembershipReportInput.isMembership(object) { return .membership }
        if object["candidates"] != nil, object["beats_every_perturbation"] != nil { return .validation }
        if object["held_out_spearman"] != nil, object["runs"] != nil { return .regmix }
        if object["vocabulary_size"] != nil, object["format"] != nil { return .inspection }
        return nil
    }
}

extension ReportWriter {
    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, source: String, command: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw InputError(path: source, problem: "not a `\(command) --json` result (\(reason(error)))")
        }
    }

    static func footer(source: String, data: Data) -> (html: String, markdown: String) {
        var fingerprint = Fingerprint()
        fingerprint.update(data)
        return ("<p class=\"small\">From <code>\(escape(source))</code> (fingerprint \(fingerprint.hex)). Written by <code>toksleuth report</code>.</p>\n",
                "\nFrom `\(source)` (fingerprint \(fingerprint.hex)).\n")
    }

    /// The report of `validate --json`: how the given mixture's proxy tokenizer compares with
    /// the target against the other candidates, and the round trip.
    public static func validation(_ data: Data, source: String, title: String) throws -> (html: String, markdown: String) {
        let result = try decode(TokenizerValidation.Result.self, data, source: source, command: "validate")
        guard let given = result.candidates.first else { throw InputError(path: source, problem: "the result has no candidates") }
        let verdict = "The given mixture ranks \(result.rank) of \(result.candidates.count) candidate mixtures by the rank correlation "
            + "of the merges its proxy tokenizer shares with the target (\(result.merges) merges); "
            + (result.beatsEveryPerturbation ? "it beats every perturbation of itself." : "some perturbation of it comes closer to the target.")
        var html = "<h1>\(escape(title)): mixture validated by proxy tokenizers</h1>\n<p>\(escape(verdict))</p>\n<h2>Candidates</h2>\n"
        html += valueBars(result.candidates.map { candidate in
            (candidate.label, candidate.comparison.rankCorrelation, String(format: "%.4f", candidate.comparison.rankCorrelation),
             candidate.label == given.label ? "#0072B2" : "#999999")
        }) + "\n"
        var markdown = "# \(title): mixture validated by proxy tokenizers\n\n\(verdict)\n\n## Candidates\n\n"
        let depths = MergeComparison.depths.map(\.key)
        let candidates = table(["candidate"] + depths.map { "overlap@\($0)" } + ["rank corr.", "vocab Jaccard"],
                               result.candidates.map { candidate in
            let c = candidate.comparison
            return [candidate.label] + depths.map { c.overlap[$0].map { String(format: "%.3f", $0) } ?? "–" }
                + [String(format: "%.4f", c.rankCorrelation), String(format: "%.4f", c.vocabularyJaccard)]
        })
        html += candidates.html + "<h2>The given mixture</h2>\n"
        html += valueBars(zip(result.names, given.mixture).map { ($0.0, $0.1, percent($0.1), "#0072B2") }) + "\n"
        markdown += candidates.markdown + "\n## The given mixture\n\n"
            + table(["category", "share"], zip(result.names, given.mixture).map { [$0.0, percent($0.1)] }).markdown
        if let trip = result.roundTrip {
            let sentence = String(format: "The given mixture's proxy tokenizer, inferred back over %d merges: log10 MSE %.2f", trip.merges, trip.log10MSE)
                + (trip.sameText ? " (counted on the proxy's own training text: this checks the solver, not the data)." : ".")
            html += "<h2>Round trip</h2>\n<p>\(escape(sentence))</p>\n"
            html += lineChart([(name: "categories", points: Array(zip(trip.truth, trip.estimate)), colour: "#0072B2", dashed: false)],
                              xLabel: "share the proxy was trained on", yLabel: "share inferred back",
                              xRange: 0...1, yRange: 0...1, markers: true, diagonal: true) + "\n"
            let rows = result.names.enumerated().filter { $0.offset < min(trip.truth.count, trip.estimate.count) }
                .map { [$0.element, percent(trip.truth[$0.offset]), percent(trip.estimate[$0.offset])] }
            let shares = table(["category", "trained", "inferred"], rows)
            html += shares.html
            markdown += "\n## Round trip\n\n\(sentence)\n\n" + shares.markdown
        }
        let end = footer(source: source, data: data)
        return (page(title: title, body: html + end.html), markdown + end.markdown)
    }

    /// The report of `regmix`'s `regmix.json`: how well the regression predicts held-out runs,
    /// and the mixture it proposes.
    public static func regmix(_ data: Data, source: String, title: String) throws -> (html: String, markdown: String) {
        let result = try decode(RegMix.Result.self, data, source: source, command: "regmix")
        guard !result.runs.isEmpty, result.bestRun < result.runs.count, result.heldOutPredictions.count == result.runs.count else {
            throw InputError(path: source, problem: "the result's runs and predictions do not match")
        }
        let best = result.runs[result.bestRun]
        let summary = String(format: "%d proxy runs over %d categories, target %@. Held-out Spearman correlation of predicted and "
                             + "measured bits per byte (5-fold): %.3f. Best run %d: %.4f bits/byte; the proposal is predicted at %.4f.",
                             result.runs.count, result.names.count, result.target, result.heldOutSpearman, best.index,
                             best.targetBitsPerByte, result.proposalPredicted)
        var html = "<h1>\(escape(title)): RegMix proxy runs</h1>\n<p>\(escape(summary))</p>\n<h2>Held-out predictions</h2>\n"
        html += lineChart([(name: "runs", points: zip(result.runs, result.heldOutPredictions).map { ($0.0.targetBitsPerByte, $0.1) },
                            colour: "#0072B2", dashed: false)],
                          xLabel: "measured bits per byte on the target", yLabel: "predicted (out of fold)", markers: true, diagonal: true) + "\n"
        html += "<h2>Proposed mixture</h2>\n"
        html += valueBars(zip(result.names, result.proposal).sorted { $0.1 > $1.1 }.map { ($0.0, $0.1, percent($0.1), "#0072B2") }) + "\n"
        let shares = table(["category", "proposal", "best run"],
                           result.names.enumerated().map { [$0.element, percent(result.proposal[$0.offset]), percent(best.mixture[$0.offset])] })
        html += shares.html
        var markdown = "# \(title): RegMix proxy runs\n\n\(summary)\n\n## Proposed mixture\n\n" + shares.markdown
        html += "<h2>Regression</h2>\n<p>\(escape(result.regression.kind)), lambda \(result.regression.lambda) (leave-one-out).</p>\n"
        markdown += "\n## Regression\n\n\(result.regression.kind), lambda \(result.regression.lambda) (leave-one-out).\n"
        let end = footer(source: source, data: data)
        return (page(title: title, body: html + end.html), markdown + end.markdown)
    }

    /// The report of `proxy train --json`: the proxy model's held-out loss per category.
    public static func proxyModel(_ data: Data, source: String, title: String) throws -> (html: String, markdown: String) {
        let run = try decode(ProxyModelRun.self, data, source: source, command: "proxy train")
        let rows = run.categories.map { ($0.name, $0.weight, $0.bitsPerByte) }
        let order = "order-\(run.order) "
        let tokens = " on \(run.trainTokens) training tokens"
        let summary = "A \(order)proxy language model trained on the mixture\(tokens); its loss on each category's held-out text "
            + "(bits per byte, lower is better)."
        var html = "<h1>\(escape(title)): proxy model losses</h1>\n<p>\(escape(summary))</p>\n"
        html += valueBars(rows.map { ($0.0, $0.2, String(format: "%.4f bits/byte (weight %@)", $0.2, percent($0.1)), "#0072B2") }) + "\n"
        var markdown = "# \(title): proxy model losses\n\n\(summary)\n\n| category | weight | bits per byte |\n|---|---:|---:|\n"
        for row in rows { markdown += String(format: "| %@ | %@ | %.4f |\n", row.0, percent(row.1), row.2) }
        let end = footer(source: source, data: data)
        return (page(title: title, body: html + end.html), markdown + end.markdown)
    }

    /// The report of `inspect --json`: the tokenizer's facts and its vocabulary by token
    /// length and by script.
    public static func inspection(_ data: Data, source: String, title: String) throws -> (html: String, markdown: String) {
        let inspection = try decode(TokenizerInspection.self, data, source: source, command: "inspect")
        guard let object = ResultJSON.object(inspection) as? [String: Any] else { throw InputError(path: source, problem: "not an `inspect --json` result") }
        var facts: [(String, String)] = []
        for key in object.keys.sorted() where !(object[key] is [Any]) {
            if let nested = object[key] as? [String: Any] {
                for inner in nested.keys.sorted() { facts.append(("\(key) \(inner)".replacingOccurrences(of: "_", with: " "), MixtureReportInput.describe(nested[inner]!))) }
            } else {
                facts.append((key.replacingOccurrences(of: "_", with: " "), MixtureReportInput.describe(object[key]!)))
            }
        }
        var html = "<h1>\(escape(title)): tokenizer facts</h1>\n<table>\n"
        var markdown = "# \(title): tokenizer facts\n\n| fact | value |\n|---|---|\n"
        for (key, value) in facts {
            html += "<tr><td>\(escape(key))</td><td>\(escape(value))</td></tr>\n"
            markdown += "| \(key) | \(value.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        html += "</table>\n"
        for (key, label, heading) in [("by_length", "bytes", "Tokens by length in bytes"), ("by_script", "script", "Tokens by script")] {
            guard let rows = object[key] as? [[String: Any]] else { continue }
            let values = rows.compactMap { row -> (String, Double)? in
                guard let name = row[label].map({ "\($0)" }), let tokens = (row["tokens"] as? NSNumber)?.doubleValue else { return nil }
                return (name, tokens)
            }
            html += "<h2>\(heading)</h2>\n" + valueBars(values.map { ($0.0, $0.1, String(Int($0.1)), "#0072B2") }) + "\n"
            markdown += "\n## \(heading)\n\n| \(label) | tokens |\n|---|---:|\n" + values.map { "| \($0.0) | \(Int($0.1)) |\n" }.joined()
        }
        let end = footer(source: source, data: data)
        return (page(title: title, body: html + end.html), markdown + end.markdown)
    }
}
