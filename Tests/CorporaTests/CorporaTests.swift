@testable import Corpora
import Foundation
import Support
import TestSupport
import XCTest

final class CorporaTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testTextIsCutAfterEveryNewline() throws {
        let path = try write("a.txt", Array("one\n\ntwo\r\nlast".utf8))
        let corpus = try Corpus(paths: [path])
        XCTAssertEqual(corpus.sequenceEnds, [4, 5, 10, 14])
        XCTAssertEqual(corpus.bytes.count, 14)
    }

    /// Documents end at blank lines (kept with the document before), at the end of each file
    /// and after each JSON Lines record; a resample of whole documents keeps them.
    func testDocuments() throws {
        let a = try write("a.txt", Array("one\ntwo\n\nthree\n\n\nfour".utf8))
        let b = try write("b.txt", Array("five\nsix\n".utf8))
        let c = try write("c.jsonl", Array("{\"text\": \"x\\n\\ny\"}\n{\"text\": \"z\"}\n".utf8))
        let corpus = try Corpus(paths: [a, b, c])
        // Sequences: one two (blank) three (blank) (blank) four | five six | "x\n\ny" | "z".
        XCTAssertEqual(corpus.documents, [0..<3, 3..<5, 5..<6, 6..<7, 7..<9, 9..<10, 10..<11])
        XCTAssertEqual(corpus.documentTexts, ["one\ntwo", "three", "four", "five\nsix", "x\n\ny", "z"])
        // The same split as cutting the text of one file at "\n\n" (the testbed's old rule).
        let text = try String(contentsOfFile: a, encoding: .utf8)
        XCTAssertEqual(try Corpus(paths: [a]).documentTexts,
                       text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty })
        var copy = Corpus()
        copy.append(sequences: 3..<9, of: corpus)
        XCTAssertEqual(copy.documents, [0..<2, 2..<3, 3..<4, 4..<6])
        copy.append(sequences: 0..<2, of: corpus)  // part of a document is a document
        XCTAssertEqual(copy.documents.last, 6..<8)
        XCTAssertEqual(Corpus(bytes: Array("a\n\nb".utf8), sequenceEnds: [2, 3, 4]).documents, [0..<2, 2..<3])
    }

    func testInvalidUTF8IsRejectedWithItsOffset() throws {
        let cases: [([UInt8], Int)] = [
            ([0x61, 0xFF], 1), ([0x61, 0x62, 0xC0, 0x80], 2), ([0xED, 0xA0, 0x80], 0),
            ([0x61, 0xE2, 0x82], 1), ([0xF4, 0x90, 0x80, 0x80], 0), ([0x80], 0),
            (Array("valid text, then".utf8) + [0xC3], 16),
        ]
        for (bytes, offset) in cases {
            XCTAssertEqual(UTF8Validation.firstInvalidOffset(bytes), offset, "\(bytes)")
        }
        XCTAssertNil(UTF8Validation.firstInvalidOffset(Array("héllo wörld 😀 ascii only".utf8)))
        let path = try write("bad.txt", [0x61, 0x0A, 0xFE])
        XCTAssertThrowsError(try Corpus(paths: [path])) { error in
            XCTAssertEqual("\(error)", "\(path): invalid UTF-8 at byte offset 2")
        }
    }

    func testJSONLinesAndGzip() throws {
        let jsonl = Array("{\"text\": \"a\\nb\"}\n\n{\"text\": \"c\", \"id\": 1}\n".utf8)
        let path = try write("d.jsonl", jsonl)
        let corpus = try Corpus(paths: [path])
        XCTAssertEqual(corpus.bytes, Array("a\nbc".utf8))
        XCTAssertEqual(corpus.sequenceEnds, [3, 4])
        // gzip made by the system's gzip, as users would make it.
        let gzPath = try write("d.txt", Array("x\ny\n".utf8))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-k", gzPath]
        try gzip.run()
        gzip.waitUntilExit()
        let unzipped = try Corpus(paths: [gzPath + ".gz"])
        XCTAssertEqual(unzipped.bytes, Array("x\ny\n".utf8))
        var damaged = try [UInt8](Data(contentsOf: URL(fileURLWithPath: gzPath + ".gz")))
        damaged.removeLast(12)
        let damagedPath = try write("e.txt.gz", damaged)
        XCTAssertThrowsError(try Corpus(paths: [damagedPath])) { XCTAssertTrue("\($0)".contains("gzip")) }
        let fake = try write("f.gz", Array("plain".utf8))
        XCTAssertThrowsError(try Corpus(paths: [fake])) { XCTAssertTrue("\($0)".contains("not gzip")) }
    }

    func testJSONLinesErrorsNameTheLine() throws {
        let path = try write("bad.jsonl", Array("{\"text\": \"ok\"}\n{\"body\": 1}\n".utf8))
        XCTAssertThrowsError(try Corpus(paths: [path])) { error in
            XCTAssertEqual("\(error)", "\(path): line 2: no string field \"text\"")
        }
        let broken = try write("broken.jsonl", Array("{\"text\": \n".utf8))
        XCTAssertThrowsError(try Corpus(paths: [broken])) { XCTAssertTrue("\($0)".contains("line 1: not valid JSON")) }
    }

    func testFoldersAreReadRecursivelyInNameOrder() throws {
        _ = try write("dir/b.txt", Array("b\n".utf8))
        _ = try write("dir/sub/a.txt", Array("a\n".utf8))
        _ = try write("dir/ignored.bin", [0xFF])
        let corpus = try Corpus(paths: [folder.appendingPathComponent("dir").path])
        XCTAssertEqual(String(decoding: corpus.bytes, as: UTF8.self), "b\na\n")
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Corpus(paths: [empty.path]))
        XCTAssertThrowsError(try Corpus(paths: [folder.appendingPathComponent("missing").path])) {
            XCTAssertTrue("\($0)".hasSuffix("no such file or folder"))
        }
    }

    func testMaxBytesCutsAtALineEnd() throws {
        let path = try write("m.txt", Array("abc\ndef\nghi\n".utf8))
        let corpus = try Corpus(paths: [path], maxBytes: 9)
        XCTAssertEqual(String(decoding: corpus.bytes, as: UTF8.self), "abc\ndef\n")
    }

    /// Files are read in blocks (16 MB, inflated gzip 1 MB at a time); the text, its
    /// sequences and documents must not depend on where the blocks fall, with or without a
    /// byte limit, and streaming in pieces must hand on the same text.
    func testReadingInBlocksChangesNothing() throws {
        let text = Array("first line\nzweite Zeile: ü\n\nthird 日本語\n\n\nlast without newline".utf8)
        let textPath = try write("set/a.txt", text)
        _ = try write("set/b.jsonl", Array("{\"text\": \"record one\"}\n\n{\"text\": \"r\\u00e9cord two\\n\"}\n{\"text\": \"x\"}".utf8))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-k", textPath]
        try gzip.run()
        gzip.waitUntilExit()
        try FileManager.default.moveItem(atPath: textPath + ".gz", toPath: folder.appendingPathComponent("set/c.txt.gz").path)
        let paths = [folder.appendingPathComponent("set").path]
        // The oracle for plain text: whole lines while they fit, the file stopped at the first that does not.
        func lines(_ bytes: [UInt8]) -> [[UInt8]] {
            var result: [[UInt8]] = [], start = 0
            for (index, byte) in bytes.enumerated() where byte == 0x0A { result.append(Array(bytes[start...index])); start = index + 1 }
            if start < bytes.count { result.append(Array(bytes[start...])) }
            return result
        }
        for maxBytes in [nil, 1, 11, 12, 40, 64, 70, 95, 1000] as [Int?] {
            let whole = try Corpus(paths: paths, maxBytes: maxBytes)
            if let maxBytes {
                XCTAssertLessThanOrEqual(whole.bytes.count, maxBytes)
                var expected: [UInt8] = []
                for line in lines(text) { if expected.count + line.count > maxBytes { break }; expected += line }
                XCTAssertEqual(Array(whole.bytes.prefix(expected.count)), expected, "maxBytes \(maxBytes)")
            }
            for blockBytes in [1, 2, 3, 5, 8, 64] {
                var reader = Corpus.Reader(maxBytes: maxBytes, blockBytes: blockBytes)
                try reader.read(paths: paths) { _ in }
                XCTAssertEqual(reader.corpus.bytes, whole.bytes, "maxBytes \(String(describing: maxBytes)), blocks of \(blockBytes)")
                XCTAssertEqual(reader.corpus.sequenceEnds, whole.sequenceEnds)
                XCTAssertEqual(reader.corpus.documentEnds, whole.documentEnds)
                XCTAssertEqual(reader.corpus.files, whole.files)
                for pieceBytes in [1, 10, 30] {
                    var joined: [UInt8] = [], ends: [Int] = []
                    let total = try Corpus.forEachPiece(paths: paths, maxBytes: maxBytes, pieceBytes: pieceBytes,
                                                        reader: Corpus.Reader(maxBytes: maxBytes, blockBytes: blockBytes)) { piece in
                        ends += piece.sequenceEnds.map { $0 + joined.count }
                        joined += piece.bytes
                    }
                    XCTAssertEqual(joined, whole.bytes)
                    XCTAssertEqual(ends, whole.sequenceEnds)
                    XCTAssertEqual(total, whole.bytes.count)
                }
            }
        }
        // Invalid UTF-8 is found at its file offset whatever the blocks; past the limit it is never read.
        let bad = try write("bad.txt", Array("0123456789\nab".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        for blockBytes in [1, 4, 1 << 20] {
            var reader = Corpus.Reader(maxBytes: nil, blockBytes: blockBytes)
            XCTAssertThrowsError(try reader.read(paths: [bad]) { _ in }) { XCTAssertEqual("\($0)", "\(bad): invalid UTF-8 at byte offset 13") }
        }
        XCTAssertEqual(try Corpus(paths: [bad], maxBytes: 12).bytes, Array("0123456789\n".utf8))
    }

    func testAtomicWriteLeavesNoTemporaryFiles() throws {
        let target = folder.appendingPathComponent("out.txt").path
        try AtomicWrite.write("first", to: target)
        try AtomicWrite.write("second", to: target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.txt"])
        XCTAssertThrowsError(try AtomicWrite.write("x", to: folder.appendingPathComponent("no/such/dir.txt").path))
    }
}
