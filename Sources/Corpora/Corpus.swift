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
    public private(set) var bytes: [UInt8] = []
    /// End offset of each sequence in ``bytes``.
    public private(set) var sequenceEnds: [Int] = []
    /// One past the last sequence of each document, ascending (see ``documents``).
    public private(set) var documentEnds: [Int] = []
    /// The files read, in order.
    public private(set) var files: [String] = []

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

    /// Reads every path (a file or a folder of `.txt`, `.jsonl`, `.gz` files, searched
    /// recursively in name order). Stops reading a file once `maxBytes` is reached in total.
    public init(paths: [String], maxBytes: Int? = nil) throws {
        for path in paths {
            for file in try Corpus.files(at: path) {
                if let maxBytes, bytes.count >= maxBytes { return }
                try append(file: file, maxBytes: maxBytes)
            }
        }
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

    /// Appends one file.
    public mutating func append(file path: String, maxBytes: Int? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path: path, problem: "cannot read file")
        }
        var raw = [UInt8](data)
        var name = path.lowercased()
        if Gzip.isGzip(raw) {
            raw = try Gzip.decompress(raw, path: path)
            if name.hasSuffix(".gz") { name.removeLast(3) }
        } else if name.hasSuffix(".gz") {
            throw InputError(path: path, problem: "not gzip data (no gzip magic number)")
        }
        if name.hasSuffix(".jsonl") {
            try appendJSONLines(raw, path: path, maxBytes: maxBytes)
        } else {
            try appendText(raw, path: path, maxBytes: maxBytes)
        }
        files.append(path)
    }

    /// Appends plain text, one sequence per line.
    public mutating func appendText(_ raw: [UInt8], path: String, maxBytes: Int? = nil) throws {
        if let offset = UTF8Validation.firstInvalidOffset(raw) {
            throw InputError(path: path, problem: "invalid UTF-8 at byte offset \(offset)")
        }
        var text = raw[...]
        if let maxBytes {
            let room = max(0, maxBytes - bytes.count)
            if text.count > room {
                // Cut after the last newline that fits (never inside a line, so never inside a scalar).
                var cut = room
                while cut > 0 && text[text.startIndex + cut - 1] != 0x0A { cut -= 1 }
                text = text.prefix(cut)
            }
        }
        let base = bytes.count
        bytes.append(contentsOf: text)
        text.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            var i = 0
            while i < buffer.count {
                if let hit = memchr(start + i, 0x0A, buffer.count - i) {
                    let newline = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - start
                    sequenceEnds.append(base + newline + 1)
                    if i == newline { documentEnds.append(sequenceCount) }  // a blank line ends a document
                    i = newline + 1
                } else {
                    sequenceEnds.append(base + buffer.count)
                    i = buffer.count
                }
            }
        }
        endDocument()  // a file ends its last document
    }

    /// Appends JSON Lines, one sequence per record's `text` field.
    public mutating func appendJSONLines(_ raw: [UInt8], path: String, maxBytes: Int? = nil) throws {
        var lineNumber = 0
        var start = 0
        while start < raw.count {
            var end = start
            while end < raw.count && raw[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = raw[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object = try JSONDocument.parse(Data(line), path: path, context: "line \(lineNumber): ")
            guard let record = object as? [String: Any], let text = record["text"] as? String else {
                throw InputError(path: path, problem: "line \(lineNumber): no string field \"text\"")
            }
            let utf8 = Array(text.utf8)
            if let maxBytes, bytes.count + utf8.count > maxBytes { return }
            bytes.append(contentsOf: utf8)
            sequenceEnds.append(bytes.count)
            endDocument()  // a record is a document
        }
    }
}
