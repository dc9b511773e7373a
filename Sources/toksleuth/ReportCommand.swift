import ArgumentParser
import Foundation
import MixtureInference
import Reports
import Support

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write self-contained HTML reports (inline SVG, no scripts, no network) and Markdown twins from toksleuth's JSON results.",
        discussion: """
            Each result becomes OUTPUT-DIR/NAME.html and NAME.md (NAME: the result file's name):
            the mixture as a sorted bar chart coloured by family (languages, code, domains;
            categories below --threshold grouped into "other (N categories)"), bootstrap
            intervals as whiskers when the result has them, the share per family, the solver's
            fit facts, the command that made it and the input's fingerprint. --index NAME also
            writes one page comparing every mixture side by side. A `membership --json` or
            `membership testbed --json` result becomes ROC curves and the metrics table of every
            method beside the blind baseline, with its warnings. A `validate --json` result
            becomes the candidates' scores and the round trip; `regmix`'s regmix.json the
            held-out predictions and the proposed mixture; `proxy train --json` the loss per
            category; `inspect --json` the tokenizer's
            facts and its vocabulary by length and script. Families come from the result
            (as scripts/real-analyses.py stores them) or from --categories folders' names.

            Example:
              toksleuth report reports/data/*.json --index README-charts
            """
    )

    @Argument(help: "Result files: infer, membership, membership testbed, validate, proxy train or inspect --json, or regmix.json.")
    var results: [String]

    @Option(name: .long, help: "Folder the reports are written to (created).")
    var outputDir = "reports"

    @Option(name: .long, help: "Category folders whose names are the families (languages, code, domains).")
    var categories: [String] = []

    @Option(name: .long, help: "Also write a comparison page of all results under this name.")
    var index: String?

    @Option(name: .long, help: "Categories below this share are grouped into one row.")
    var threshold = 0.01

    @Flag(name: .long, help: "Print the files written as JSON ({\"written\": [paths]}).")
    var json = false

    func validate() throws {
        guard !results.isEmpty else { throw ValidationError("give at least one result file") }
        guard threshold >= 0, threshold < 1 else { throw ValidationError("--threshold must be in [0, 1)") }
    }

    func run() throws {
        var families: [String: String] = [:]
        for folder in categories {
            let family = (folder as NSString).lastPathComponent
            for source in try Categories.discover(in: folder) { families[source.name] = family }
        }
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        var inputs: [MixtureReportInput] = []
        var names: [String] = []
        var written: [String] = []
        func write(_ pages: (html: String, markdown: String), name: String) throws {
            try AtomicWrite.write(pages.html, to: (outputDir as NSString).appendingPathComponent(name + ".html"))
            try AtomicWrite.write(pages.markdown, to: (outputDir as NSString).appendingPathComponent(name + ".md"))
            written += [name + ".html", name + ".md"].map { (outputDir as NSString).appendingPathComponent($0) }
            if !json { print("wrote \(outputDir)/\(name).html and \(name).md") }
        }
        for path in results {
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            guard let data = FileManager.default.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let kind = ResultKind.detect(object) else {
                throw InputError(path: path, problem: "not a toksleuth JSON result (infer, membership, validate, proxy train, regmix or inspect --json)")
            }
            switch kind {
            case .mixture:
                let input = try MixtureReportInput.parse(data, source: path, families: families)
                try write(ReportWriter.mixture(input, threshold: threshold), name: name)
                inputs.append(input)
                names.append(name)
            case .membership:
                try write(ReportWriter.membership(try MembershipReportInput.parse(data, source: path, title: name)), name: name)
            case .validation:
                try write(try ReportWriter.validation(data, source: path, title: name), name: name)
            case .regmix:
                try write(try ReportWriter.regmix(data, source: path, title: name), name: name)
            case .inspection:
                try write(try ReportWriter.inspection(data, source: path, title: name), name: name)
            case .proxyModel:
                try write(try ReportWriter.proxyModel(data, source: path, title: name), name: name)
            }
        }
        if let index {
            let (html, markdown) = ReportWriter.index(inputs, links: names, comparisonName: index)
            try AtomicWrite.write(html, to: (outputDir as NSString).appendingPathComponent(index + ".html"))
            try AtomicWrite.write(markdown, to: (outputDir as NSString).appendingPathComponent(index + ".md"))
            try AtomicWrite.write(ReportWriter.comparisonChart(inputs), to: (outputDir as NSString).appendingPathComponent(index + ".svg"))
            written += [index + ".html", index + ".md", index + ".svg"].map { (outputDir as NSString).appendingPathComponent($0) }
            if !json { print("wrote \(outputDir)/\(index).html, \(index).md and \(index).svg") }
        }
        if json {
            let data = try ResultJSON.encoder().encode(ReportsWritten(written: written))
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
