import Foundation
import Support

/// Reading corpus files in blocks: a file is never held whole, only what is kept of it (up to
/// `maxBytes`), and ``Corpus/forEachPiece(paths:maxBytes:pieceBytes:_:)`` does not even keep that.
extension Corpus {
    /// Reads every path (a file or a folder of `.txt`, `.jsonl`, `.gz` files, searched
    /// recursively in name order). Stops reading once `maxBytes` is reached in total: a 2 GB
    /// file read with `maxBytes: 1_000_000` costs about one block of memory, not 2 GB.
    public init(paths: [String], maxBytes: Int? = nil) throws {
        var reader = Reader(maxBytes: maxBytes)
        try reader.read(paths: paths) { _ in }
        self = reader.corpus
    }

    /// Reads `paths` as ``init(paths:maxBytes:)`` does, handing the text to `body` in pieces
    /// of whole sequences of about `pieceBytes` each (the last may be smaller), so that text of
    /// any size can be counted in the memory of one piece. Documents are not tracked across
    /// pieces (a piece's last document may continue in the next).
    /// - Returns: the number of bytes read in all.
    @discardableResult
    public static func forEachPiece(paths: [String], maxBytes: Int? = nil, pieceBytes: Int = 64 << 20,
                                    _ body: (Corpus) throws -> Void) throws -> Int {
        try forEachPiece(paths: paths, maxBytes: maxBytes, pieceBytes: pieceBytes,
                         reader: Reader(maxBytes: maxBytes, blockBytes: min(16 << 20, max(1, pieceBytes))), body)
    }

    /// ``forEachPiece(paths:maxBytes:pieceBytes:_:)`` with a given reader (tests vary its block size).
    static func forEachPiece(paths: [String], maxBytes: Int?, pieceBytes: Int, reader: Reader,
                             _ body: (Corpus) throws -> Void) throws -> Int {
        var reader = reader
        try reader.read(paths: paths) { reader in
            guard reader.corpus.bytes.count >= pieceBytes else { return }
            try body(reader.corpus)
            reader.flush()
        }
        if !reader.corpus.bytes.isEmpty { try body(reader.corpus) }
        return reader.flushed + reader.corpus.bytes.count
    }

    /// Appends one file (plain text, JSON Lines, or either gzipped).
    public mutating func append(file path: String, maxBytes: Int? = nil) throws {
        var reader = Reader(corpus: self, maxBytes: maxBytes)
        try reader.read(file: path) { _ in }
        self = reader.corpus
    }

    /// The reading loop: blocks of a file become runs of whole lines, which become sequences.
    struct Reader {
        /// The text read since the last flush.
        var corpus = Corpus()
        /// Bytes handed on by earlier flushes (they count toward `maxBytes`).
        var flushed = 0
        let maxBytes: Int?
        /// Bytes read from disk (or inflated) at a time; the result does not depend on it.
        let blockBytes: Int

        init(corpus: Corpus = Corpus(), maxBytes: Int?, blockBytes: Int = 16 << 20) {
            self.corpus = corpus
            self.maxBytes = maxBytes
            self.blockBytes = blockBytes
        }

        /// Room left under `maxBytes` in the current corpus's terms (nil: unlimited).
        var limit: Int? { maxBytes.map { $0 - flushed } }

        mutating func flush() {
            flushed += corpus.bytes.count
            corpus = Corpus()
        }

        /// Reads `paths` in order, calling `afterBlock` after every block (where a piece may be flushed).
        mutating func read(paths: [String], afterBlock: (inout Reader) throws -> Void) throws {
            for path in paths {
                for file in try Corpus.files(at: path) {
                    // A file cut by the limit may leave room for short lines of the next.
                    if let limit, corpus.bytes.count >= limit { return }
                    try read(file: file, afterBlock: afterBlock)
                }
            }
        }

        /// Reads one file, up to the first line (or record) that does not fit under `maxBytes`.
        mutating func read(file path: String, afterBlock: (inout Reader) throws -> Void) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(path: path, problem: "cannot read file") }
            defer { try? handle.close() }
            func next() throws -> [UInt8] {
                do { return [UInt8](try handle.read(upToCount: blockBytes) ?? Data()) } catch {
                    throw InputError(path: path, problem: "cannot read file: \(error.localizedDescription)")
                }
            }
            var first = try next()
            while first.count < 2, case let more = try next(), !more.isEmpty { first += more }  // room for the magic number
            var name = path.lowercased()
            let gzip = Gzip.isGzip(first)
            if gzip {
                if name.hasSuffix(".gz") { name.removeLast(3) }
            } else if name.hasSuffix(".gz") {
                throw InputError(path: path, problem: "not gzip data (no gzip magic number)")
            }
            var lines = LineRuns(path: path, jsonLines: name.hasSuffix(".jsonl"))
            var going = true
            if gzip {
                // The compressed file is read whole (it is the smaller); the text is inflated block by block.
                while true {
                    let more = try next()
                    if more.isEmpty { break }
                    first += more
                }
                var failure: Error?
                try Gzip.decompress(first, path: path, blockBytes: blockBytes) { block in
                    do {
                        going = try lines.feed(block, final: false, into: &self)
                        if going { try afterBlock(&self) }
                    } catch { failure = error; return false }
                    return going
                }
                if let failure { throw failure }
            } else {
                var block = first
                while going && !block.isEmpty {
                    going = try lines.feed(block[...], final: false, into: &self)
                    if going { try afterBlock(&self) }
                    block = going ? try next() : []
                }
            }
            if going { going = try lines.feed([], final: true, into: &self) }
            corpus.endDocument()  // a file ends its last document
            corpus.files.append(path)
        }
    }

    /// Cuts a file's successive blocks into runs of whole lines (a line is never split across
    /// two runs, so never inside a UTF-8 scalar) and appends them to a reader's corpus.
    struct LineRuns {
        let path: String
        let jsonLines: Bool
        /// The unfinished last line of the blocks so far.
        var carry: [UInt8] = []
        /// File offset of `carry`'s first byte, and the number of lines before it.
        var offset = 0
        var lineNumber = 0

        /// Appends the whole lines of `carry + block` (all of it when `final`); false once the
        /// reader's `maxBytes` is reached.
        mutating func feed(_ block: ArraySlice<UInt8>, final: Bool, into reader: inout Reader) throws -> Bool {
            carry.append(contentsOf: block)
            let end = final ? carry.count : (carry.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0)
            guard end > 0 else { return true }
            let going = jsonLines ? try reader.corpus.appendJSONLines(carry[..<end], path: path, firstLine: lineNumber + 1, limit: reader.limit)
                                  : try reader.corpus.appendText(carry[..<end], path: path, offset: offset, limit: reader.limit)
            lineNumber += carry[..<end].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            offset += end
            carry.removeFirst(end)
            return going
        }
    }

    /// Appends whole lines of plain text, one sequence per line, as many as fit under `limit`
    /// bytes in all; false once the limit cut the text. `offset` is the text's place in its
    /// file (for error messages).
    mutating func appendText(_ text: ArraySlice<UInt8>, path: String, offset: Int, limit: Int?) throws -> Bool {
        var kept = text
        if let limit {
            let room = max(0, limit - bytes.count)
            if kept.count > room {
                // Cut after the last newline that fits (never inside a line, so never inside a scalar).
                var cut = room
                while cut > 0 && kept[kept.startIndex + cut - 1] != 0x0A { cut -= 1 }
                kept = kept.prefix(cut)
            }
        }
        if let invalid = kept.withUnsafeBufferPointer(UTF8Validation.firstInvalidOffset) {
            throw InputError(path: path, problem: "invalid UTF-8 at byte offset \(offset + invalid)")
        }
        let base = bytes.count
        bytes.append(contentsOf: kept)
        kept.withUnsafeBufferPointer { buffer in
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
        return kept.count == text.count && (limit.map { bytes.count < $0 } ?? true)
    }

    /// Appends JSON Lines, one sequence (and one document) per record's `text` field, until a
    /// record would pass `limit` bytes in all (then false). `firstLine` numbers the first line.
    mutating func appendJSONLines(_ raw: ArraySlice<UInt8>, path: String, firstLine: Int, limit: Int?) throws -> Bool {
        var lineNumber = firstLine - 1
        var start = raw.startIndex
        while start < raw.endIndex {
            let end = raw[start...].firstIndex(of: 0x0A) ?? raw.endIndex
            lineNumber += 1
            let line = raw[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object = try JSONDocument.parse(Data(line), path: path, context: "line \(lineNumber): ")
            guard let record = object as? [String: Any], let text = record["text"] as? String else {
                throw InputError(path: path, problem: "line \(lineNumber): no string field \"text\"")
            }
            let utf8 = Array(text.utf8)
            if let limit, bytes.count + utf8.count > limit { return false }
            bytes.append(contentsOf: utf8)
            sequenceEnds.append(bytes.count)
            endDocument()  // a record is a document
        }
        return true
    }
}
