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
        let families = try Categories.families(of: categories).reduce(into: [String: String]()) { map, entry in
            for name in entry.value { map[name] = entry.key }
        }
        var mixtures: [MixtureReportInput] = [], links: [String] = [], written: [String] = []
        for path in results {
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let (pages, mixture) = try ReportWriter.pages(ofResultAt: path, families: families, threshold: threshold)
            written += try ReportWriter.write(pages, name: name, folder: outputDir)
            if !json { print("wrote \(outputDir)/\(name).html and \(name).md") }
            if let mixture { (mixtures, links) = (mixtures + [mixture], links + [name]) }
        }
        if let index {
            written += try ReportWriter.writeIndex(mixtures, links: links, name: index, folder: outputDir)
            if !json { print("wrote \(outputDir)/\(index).html, \(index).md and \(index).svg") }
        }
        if json { print(try ResultJSON.text(ReportsWritten(written: written))) }
    }
}
