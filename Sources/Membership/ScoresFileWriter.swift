import Foundation
import Support

/// Writes a scores file one text at a time, so that an interrupted run resumes where it
/// stopped: lines go to `OUTPUT.partial` (flushed as written, beside `OUTPUT.partial.settings`,
/// which names what produced them); ``finish()`` renames it to `OUTPUT`. A new run over the
/// same texts with the same settings keeps the complete lines already there (a torn last
/// line is dropped) and scores only the rest.
public final class ScoresFileWriter {
    /// The final path.
    public let output: String
    /// Texts already scored (from an earlier run), in input order.
    public private(set) var done: [ScoredText]
    private let partial: String
    private let settingsPath: String
    private let handle: FileHandle

    /// Opens `output.partial`, resuming from it when it was written for `texts` with `settings`.
    /// - Throws: an ``InputError`` when the partial file belongs to other texts or settings.
    public init(output: String, texts: [LabelledText], settings: String) throws {
        self.output = output
        partial = output + ".partial"
        settingsPath = partial + ".settings"
        let manager = FileManager.default
        var kept: [ScoredText] = []
        if manager.fileExists(atPath: partial) {
            let previous = (try? String(contentsOfFile: settingsPath, encoding: .utf8)) ?? ""
            guard previous == settings else {
                throw InputError(path: partial, problem: "left by a run with other settings (\(previous.isEmpty ? "unknown" : previous)): delete it to start again")
            }
            kept = try Self.completeLines(of: partial)
            if let index = kept.indices.first(where: { $0 >= texts.count || texts[$0].id != kept[$0].id || texts[$0].text != kept[$0].text }) {
                throw InputError(path: partial, problem: "its text \(index + 1) (id \(kept[index].id)) is not input text \(index + 1): delete it to start again")
            }
        } else {
            try AtomicWrite.write(settings, to: settingsPath)
            guard manager.createFile(atPath: partial, contents: nil) else { throw InputError(path: partial, problem: "cannot create file") }
        }
        done = kept
        guard let handle = FileHandle(forWritingAtPath: partial) else { throw InputError(path: partial, problem: "cannot write file") }
        self.handle = handle
        _ = try handle.seekToEnd()
    }

    /// The complete lines of a partial scores file, truncating it after the last one.
    private static func completeLines(of path: String) throws -> [ScoredText] {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        let complete = data.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        if complete < data.count {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(complete))
            try handle.close()
        }
        return complete == 0 ? [] : try ScoresFile.read(path)
    }

    /// Appends one scored text (written through to the file).
    public func append(_ text: ScoredText) throws {
        try handle.write(contentsOf: Data((ScoresFile.line(for: text) + "\n").utf8))
        done.append(text)
    }

    /// Renames the finished file into place.
    public func finish() throws {
        try handle.synchronize()
        try handle.close()
        guard rename(partial, output) == 0 else { throw InputError(path: output, problem: "cannot rename \(partial) to it") }
        try? FileManager.default.removeItem(atPath: settingsPath)
    }
}
