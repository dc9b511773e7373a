import Foundation
import Support

/// Report files: one page pair per result, and the comparison index.
extension ReportWriter {
    /// Writes `pages` as `name.html` and `name.md` (and `extra` files named by extension) into
    /// `folder` (created when missing), all or none (``AtomicWrite/write(files:)``); returns their paths.
    @discardableResult
    public static func write(_ pages: (html: String, markdown: String), name: String, folder: String,
                             extra: [(fileExtension: String, text: String)] = []) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = [("html", pages.html), ("md", pages.markdown)] + extra.map { ($0.fileExtension, $0.text) }
        let paths = files.map { (folder as NSString).appendingPathComponent(name + "." + $0.0) }
        try AtomicWrite.write(files: zip(paths, files).map { ($0, Array($1.1.utf8)) })
        return paths
    }

    /// The pages of the result file at `path`, whichever command wrote it (told by its keys,
    /// read through its type), and, for an inferred mixture, its report input (for the index).
    /// `families` maps category names to their family.
    public static func pages(ofResultAt path: String, families: [String: String], threshold: Double) throws
        -> (pages: (html: String, markdown: String), mixture: MixtureReportInput?) {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        guard let kind = ResultKind.detect(try JSONDocument.object(data, path: path)) else {
            throw InputError(path: path, problem: "not a toksleuth JSON result (infer, membership, validate, proxy train, regmix or inspect --json)")
        }
        switch kind {
        case .mixture:
            let input = try MixtureReportInput.parse(data, source: path, families: families)
            return (mixture(input, threshold: threshold), input)
        case .membership: return (membership(try MembershipReportInput.parse(data, source: path, title: name)), nil)
        case .validation: return (try validation(data, source: path, title: name), nil)
        case .regmix: return (try regmix(data, source: path, title: name), nil)
        case .inspection: return (try inspection(data, source: path, title: name), nil)
        case .proxyModel: return (try proxyModel(data, source: path, title: name), nil)
        }
    }

    /// Writes the comparison page of `inputs` (linking to the pages `links`) as `name.html`,
    /// `name.md` and the chart `name.svg` into `folder`; returns their paths.
    public static func writeIndex(_ inputs: [MixtureReportInput], links: [String], name: String, folder: String) throws -> [String] {
        try write(index(inputs, links: links, comparisonName: name), name: name, folder: folder, extra: [("svg", comparisonChart(inputs))])
    }

    /// What a decoding error says, in one line.
    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "bad \"\(path)\""
        default: return "\(error)"
        }
    }
}
