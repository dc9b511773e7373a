import Pretokenization
import Support
import TestSupport
import XCTest

final class PretokenizationTests: XCTestCase {
    /// Reference pieces, made by HF `tokenizers` (gpt2, gpt2-digits) and by Python `regex`
    /// with tiktoken's patterns (cl100k, o200k): see scripts/make-reference-fixtures.py.
    func testScannersMatchReferenceImplementations() throws {
        let texts: [String: String] = try Fixtures.json("reference/pretokenization/texts.json")
        XCTAssertGreaterThan(texts.count, 400)
        for (name, pretokenizer) in Pretokenizer.named {
            let expected: [String: [String]] = try Fixtures.json("reference/pretokenization/\(name).json")
            let splitter = try pretokenizer.makeSplitter()
            var mismatches = 0
            for (key, text) in texts.sorted(by: { $0.key < $1.key }) {
                let pieces = splitter.pieces(of: text)
                if pieces != expected[key] {
                    mismatches += 1
                    if mismatches <= 3 {
                        XCTFail("\(name) on \(key) \(text.prefix(60).debugDescription): \(pieces.prefix(20)) != \(expected[key]?.prefix(20) ?? [])")
                    }
                }
            }
            XCTAssertEqual(mismatches, 0, "\(name): texts whose pieces differ from the reference")
        }
    }

    /// Every scanner agrees with ICU's regex engine running the pattern it implements, on the
    /// reference texts and on seeded random strings of the characters that decide boundaries.
    func testScannersMatchICURegexEngine() throws {
        let texts: [String: String] = try Fixtures.json("reference/pretokenization/texts.json")
        let alphabet: [String] = [" ", " ", "\n", "\r", "\t", "\u{0B}", "\u{85}", "\u{A0}", "\u{3000}", "a", "Z", "s",
                                  "S", "t", "l", "L", "e", "r", "v", "d", "m", "1", "٣", "½", "'", "’", "ſ", "\u{301}",
                                  "ǅ", "ʰ", "中", "é", "/", ".", "😀", "\u{200B}", "_", "ß", "İ", "\u{0903}", "\r\n"]
        var generator = Fixtures.SeededGenerator(seed: 42)
        var samples = Array(texts.values)
        for _ in 0..<3000 {
            let length = Int.random(in: 1...16, using: &generator)
            samples.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined())
        }
        for (name, pretokenizer) in Pretokenizer.named {
            let scanner = try pretokenizer.makeSplitter()
            let icu = try pretokenizer.makeSplitter(forceRegexEngine: true)
            var mismatches: [String] = []
            for text in samples where scanner.pieces(of: text) != icu.pieces(of: text) {
                mismatches.append(text)
            }
            XCTAssertEqual(mismatches.count, 0, "\(name) differs from ICU on \(mismatches.prefix(3).map(\.debugDescription))")
        }
    }

    func testKnownSplits() throws {
        let gpt2 = try Pretokenizer.gpt2.makeSplitter()
        XCTAssertEqual(gpt2.pieces(of: "Hello world's  123 \n\n foo"),
                       ["Hello", " world", "'s", " ", " 123", " \n\n", " foo"])
        let digits = try Pretokenizer.gpt2Digits.makeSplitter()
        // Digits are cut off first, so a number never carries the space before it.
        XCTAssertEqual(digits.pieces(of: "in 2024, a  12"), ["in", " ", "2024", ",", " a", "  ", "12"])
        let cl100k = try Pretokenizer.cl100k.makeSplitter()
        XCTAssertEqual(cl100k.pieces(of: "DON'T 1234567\r\n\r\n  x"), ["DON", "'T", " ", "123", "456", "7", "\r\n\r\n", " ", " x"])
        let o200k = try Pretokenizer.o200k.makeSplitter()
        XCTAssertEqual(o200k.pieces(of: "HelloWorld they're a/b//\n"), ["Hello", "World", " they're", " a", "/b", "//\n"])
    }

    func testSplitterOffsetsAndEmptyInput() throws {
        let splitter = try Pretokenizer.gpt2.makeSplitter()
        var ends: [Int] = []
        let text = Array("ab cd".utf8)
        text.withUnsafeBufferPointer { splitter.split($0, offset: 100, into: &ends) }
        XCTAssertEqual(ends, [102, 105])
        ends.removeAll()
        [UInt8]().withUnsafeBufferPointer { splitter.split($0, into: &ends) }
        XCTAssertEqual(ends, [])
    }

    func testCustomRegexKeepsUnmatchedTextAsPieces() throws {
        let splitter = try Pretokenizer(steps: [.regex(#"\p{N}+"#)]).makeSplitter()
        XCTAssertEqual(splitter.pieces(of: "ab12cd3"), ["ab", "12", "cd", "3"])
        XCTAssertThrowsError(try Pretokenizer(steps: [.regex("(unclosed")]).makeSplitter())
    }

    func testByteLevelAlphabet() {
        XCTAssertEqual(ByteLevel.render(Array(" the\n".utf8)), "Ġtheĉ".replacingOccurrences(of: "ĉ", with: "Ċ"))
        XCTAssertEqual(ByteLevel.render([0x00, 0x7F, 0xAD, 0xFF]), "ĀġŃÿ")
        for byte in 0..<256 {
            XCTAssertEqual(ByteLevel.decode(ByteLevel.render([UInt8(byte)])), [UInt8(byte)])
        }
        XCTAssertNil(ByteLevel.decode("Ω"))
        XCTAssertEqual(Set(ByteLevel.scalarForByte).count, 256)
    }

    /// HF's trainer gives the alphabet ids in code-point order of the byte symbols; the
    /// reference vocabulary shows which byte got which id.
    func testAlphabetOrderMatchesReferenceVocabulary() throws {
        struct File: Decodable { struct Model: Decodable { let vocab: [String: Int] }; let model: Model }
        let file: File = try Fixtures.json("reference/training/en-bytelevel-2000.tokenizer.json")
        for (id, byte) in ByteLevel.bytesInCharacterOrder.enumerated() {
            XCTAssertEqual(file.model.vocab[ByteLevel.render([byte])], id)
        }
    }

    func testUnicodeTableClasses() {
        XCTAssertTrue(UnicodeTable.flags(of: 0x41).contains([.letter, .upperOrTitle]))
        XCTAssertTrue(UnicodeTable.flags(of: 0x0663).contains(.number))
        XCTAssertTrue(UnicodeTable.flags(of: 0x85).contains(.whitespace))
        XCTAssertTrue(UnicodeTable.flags(of: 0x0B).contains(.whitespace))
        XCTAssertFalse(UnicodeTable.flags(of: 0x200B).contains(.whitespace))
        XCTAssertTrue(UnicodeTable.flags(of: 0x301).contains(.mark))
        XCTAssertEqual(UnicodeTable.flags(of: 0x110000), [])
    }

    func testNormalizers() throws {
        XCTAssertEqual(try Normalizer.nfkc.apply("ﬁ ½ ① Ｘ ㎡ \u{2126}"), "fi 1⁄2 1 X m2 \u{3A9}")
        XCTAssertEqual(try Normalizer.nfc.apply("e\u{301}"), "\u{E9}")
        XCTAssertEqual(try Normalizer.nfd.apply("\u{E9}"), "e\u{301}")
        XCTAssertEqual(try Normalizer.sequence([.nfd, .nfc]).apply("Å"), "Å")
        XCTAssertEqual(try Normalizer.nfkc.apply(""), "")
        // Expansions larger than the first buffer guess are handled.
        let expanding = String(repeating: "\u{FDFA}", count: 50)
        XCTAssertEqual(try Normalizer.nfkc.apply(expanding).unicodeScalars.count, 50 * 18)
    }
}
