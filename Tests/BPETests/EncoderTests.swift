import BPE
import Pretokenization
import TestSupport
import TokenizerFormats
import XCTest

final class EncoderTests: XCTestCase {
    /// GPT-2's own files (encoder.json + vocab.bpe) give the reference ids of HF tokenizers.
    func testGPT2IdsEqualReference() throws {
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/gpt2"))
        XCTAssertEqual(tokenizer.model.merges.count, 50000)
        let encoder = try tokenizer.makeEncoder()
        for name in ["en", "ja", "python", "tricky"] {
            let text = try Fixtures.bytes("reference/gpt2/\(name).txt")
            let expected: [UInt32] = try Fixtures.json("reference/gpt2/\(name).gpt2.json")
            var ids: [UInt32] = []
            text.withUnsafeBufferPointer { encoder.encode($0, appendingTo: &ids) }
            XCTAssertEqual(ids, expected, name)
            XCTAssertEqual(encoder.decode(ids), text, "\(name) round trip")
        }
    }

    /// A tokenizer trained by HF encodes the reference texts to the ids HF gives.
    func testTrainedTokenizerIdsEqualHuggingFace() throws {
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/training/en-bytelevel-2000.tokenizer.json"))
        let expected: [String: [UInt32]] = try Fixtures.json("reference/training/en-bytelevel-2000.ids.json")
        let encoder = try tokenizer.makeEncoder()
        for name in ["en", "ja", "python", "tricky"] {
            let text = try Fixtures.bytes("reference/gpt2/\(name).txt")
            var ids: [UInt32] = []
            text.withUnsafeBufferPointer { encoder.encode($0, appendingTo: &ids) }
            XCTAssertEqual(ids, expected[name], name)
        }
    }

    func testCacheGivesTheSameIdsTwice() throws {
        let tokenizer = try TokenizerLoader.load(Fixtures.path("reference/gpt2"))
        let encoder = try tokenizer.makeEncoder()
        let first = encoder.encode("tokenization tokenization")
        XCTAssertEqual(first, encoder.encode("tokenization tokenization"))
        XCTAssertEqual(first.count, 4)
        XCTAssertEqual(encoder.encode(""), [])
    }
}
