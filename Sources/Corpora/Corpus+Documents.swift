import Foundation

extension Corpus {
    /// The sequence ranges of the documents, in order, covering every sequence: runs of lines
    /// that a blank line (kept with the document before it) or the end of a file ends, and
    /// JSON Lines records, one document each.
    ///
    /// For the text `"a\n\nb\nc\n"` the sequences are `a\n`, `\n`, `b\n`, `c\n` and the
    /// documents `0..<2` and `2..<4`.
    public var documents: [Range<Int>] {
        var start = 0
        return documentEnds.map { end in
            defer { start = end }
            return start..<end
        }
    }

    /// The text of each document without its leading and trailing newlines; documents that
    /// hold nothing else (runs of blank lines) are left out.
    public var documentTexts: [String] {
        documents.compactMap { range in
            guard !range.isEmpty else { return nil }
            let bytes = self.bytes[sequenceRange(range.lowerBound).lowerBound..<sequenceRange(range.upperBound - 1).upperBound]
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
            return text.isEmpty ? nil : text
        }
    }
}
