import Foundation
import Support

/// Text to train or count on: UTF-8 bytes cut into sequences, each pretokenized on its own.
///
/// Plain text files are cut after every `\n` (each line keeps its newline), exactly as HF
/// `tokenizers`' `train(files)` feeds a file to its trainer; each JSON Lines record's `text`
/// is one sequence, as `train_from_iterator` would see it.
///
/// Documents (what a bootstrap resamples and the membership testbed draws) are the runs of
/// lines a blank line or the end of a file ends, and the JSON Lines records.
public struct Corpus: Sendable {
    /// All text, back to back.
    public internal(set) var bytes: [UInt8] = []
    /// End offset of each sequence in ``bytes``.
    public internal(set) var sequenceEnds: [Int] = []
    /// One past the last sequence of each document, ascending (see ``documents``).
    public internal(set) var documentEnds: [Int] = []
    /// The files read, in order.
    public internal(set) var files: [String] = []

    /// Creates an empty corpus.
    public init() {}

    /// A corpus of valid UTF-8 `bytes` cut into sequences ending at `sequenceEnds`, and into
    /// documents after the sequences `documentEnds` gives (nil: after every blank line).
    public init(bytes: [UInt8], sequenceEnds: [Int], documentEnds: [Int]? = nil) {
        precondition(sequenceEnds.last ?? 0 == bytes.count, "sequences must cover the bytes")
        self.bytes = bytes
        self.sequenceEnds = sequenceEnds
        if let documentEnds {
            precondition(documentEnds.last ?? 0 == sequenceEnds.count, "documents must cover the sequences")
            self.documentEnds = documentEnds
        } else {
            for index in 0..<sequenceCount where isBlankLine(index) { self.documentEnds.append(index + 1) }
            endDocument()
        }
    }

    /// Whether sequence `index` is a lone newline: the end of a document in a text file.
    func isBlankLine(_ index: Int) -> Bool {
        let range = sequenceRange(index)
        return range.count == 1 && bytes[range.lowerBound] == 0x0A
    }

    /// Ends the current document after the last sequence (nothing when it is ended already).
    mutating func endDocument() {
        if sequenceCount > (documentEnds.last ?? 0) { documentEnds.append(sequenceCount) }
    }

    /// Number of sequences.
    public var sequenceCount: Int { sequenceEnds.count }

    /// The byte range of sequence `index`.
    public func sequenceRange(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : sequenceEnds[index - 1])..<sequenceEnds[index]
    }

    /// Appends whole sequences of another corpus.
    public mutating func append(sequences range: Range<Int>, of other: Corpus) {
        guard !range.isEmpty else { return }
        let start = other.sequenceRange(range.lowerBound).lowerBound
        let shift = bytes.count - start
        bytes.append(contentsOf: other.bytes[start..<other.sequenceEnds[range.upperBound - 1]])
        let firstSequence = sequenceCount
        for index in range { sequenceEnds.append(other.sequenceEnds[index] + shift) }
        for end in other.documentEnds where end > range.lowerBound && end < range.upperBound {
            documentEnds.append(end - range.lowerBound + firstSequence)
        }
        endDocument()
    }

    /// Text files under `path`, or `path` itself.
    public static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(path: path, problem: "no such file or folder")
        }
        guard isDirectory.boolValue else { return [path] }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw InputError(path: path, problem: "cannot list folder")
        }
        var found: [String] = []
        for case let relative as String in enumerator {
            let name = (relative as NSString).lastPathComponent
            guard !name.hasPrefix("."), isCorpusFileName(name) else { continue }
            let full = (path as NSString).appendingPathComponent(relative)
            var childIsDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &childIsDirectory), !childIsDirectory.boolValue {
                found.append(full)
            }
        }
        if found.isEmpty { throw InputError(path: path, problem: "folder holds no .txt, .jsonl or .gz files") }
        return found.sorted()
    }

    /// Whether a file name has a corpus extension.
    public static func isCorpusFileName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return [".txt", ".jsonl", ".txt.gz", ".jsonl.gz", ".gz"].contains { lower.hasSuffix($0) }
    }
}
