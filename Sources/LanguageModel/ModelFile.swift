import Foundation
import Support

/// What a model file says about how it was made.
public struct ModelProvenance: Codable, Sendable, Equatable {
    /// Fingerprint of the tokenizer whose ids the model predicts.
    public var tokenizerFingerprint: String
    /// Where that tokenizer was read from.
    public var tokenizerSource: String
    /// The training files, as given.
    public var corpus: [String]

    public init(tokenizerFingerprint: String, tokenizerSource: String, corpus: [String]) {
        self.tokenizerFingerprint = tokenizerFingerprint
        self.tokenizerSource = tokenizerSource
        self.corpus = corpus
    }
}

/// The `.tslm` file: a Kneser-Ney model's adjusted counts (probabilities are recomputed on
/// load, exactly as after training), little-endian:
///
///     "TSLM" u32 version=1 u32 order u32 vocabularySize u64 texts u64 tokens
///     u32 n + n bytes of provenance JSON
///     level 1:  (vocabularySize + 1) x u32 count        (the last is the begin-of-text marker)
///     level m:  u64 n, n x u32 word, n x u32 parent, n x u32 count     (m = 2...order)
///     16 bytes: fingerprint of everything before
///
/// 12 bytes per n-gram; every field is checked on reading, so a damaged file is an error that
/// names it, never a crash.
public enum ModelFile {
    static let magic: [UInt8] = Array("TSLM".utf8)

    /// Writes `model` to `path` atomically.
    public static func write(_ model: KneserNeyModel, provenance: ModelProvenance, to path: String) throws {
        var bytes = magic
        func put32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func put64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func putArray(_ values: [UInt32]) {
            #if _endian(little)
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            #else
            for value in values { put32(value) }
            #endif
        }
        put32(1)
        put32(UInt32(model.order))
        put32(UInt32(model.vocabularySize))
        put64(UInt64(model.textCount))
        put64(UInt64(model.tokenCount))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try [UInt8](encoder.encode(provenance))
        put32(UInt32(json.count))
        bytes.append(contentsOf: json)
        let counts = model.counts
        putArray(counts.counts[0])
        for level in 1..<model.order {
            put64(UInt64(counts.words[level].count))
            putArray(counts.words[level])
            putArray(counts.parents[level])
            putArray(counts.counts[level])
        }
        var fingerprint = Fingerprint()
        fingerprint.update(bytes)
        let (a, b) = fingerprint.value
        put64(a)
        put64(b)
        try AtomicWrite.write(bytes, to: path)
    }

    /// Reads a model file; any damage is an ``InputError`` naming `path`.
    public static func read(_ path: String) throws -> (model: KneserNeyModel, provenance: ModelProvenance) {
        guard let data = FileBytes.contents(atPath: path) else {
            throw InputError(path: path, problem: "cannot read file")
        }
        let bytes = [UInt8](data)
        func fail(_ problem: String) -> InputError { InputError(path: path, problem: problem) }
        guard bytes.count >= 4 + 16, Array(bytes[0..<4]) == magic else {
            throw fail("not a toksleuth language model (.tslm) file")
        }
        var fingerprint = Fingerprint()
        fingerprint.update(bytes[0..<(bytes.count - 16)])
        var reader = ByteReader(bytes: bytes, offset: bytes.count - 16)
        let (a, b) = fingerprint.value
        guard try reader.u64() == a, try reader.u64() == b else {
            throw fail("model file is damaged (checksum mismatch)")
        }
        reader = ByteReader(bytes: bytes, offset: 4, end: bytes.count - 16)
        do {
            guard try reader.u32() == 1 else { throw fail("unsupported model file version") }
            let order = Int(try reader.u32())
            let vocabularySize = Int(try reader.u32())
            guard (1...NGramKey.maximumOrder).contains(order) else { throw fail("order \(order) is not supported") }
            guard vocabularySize > 0, vocabularySize < Int(UInt32.max) else { throw fail("bad vocabulary size") }
            let textCount = Int(clamping: try reader.u64())
            let tokenCount = Int(clamping: try reader.u64())
            let jsonLength = Int(try reader.u32())
            let json = try reader.bytes(jsonLength)
            guard let provenance = try? JSONDecoder().decode(ModelProvenance.self, from: Data(json)) else {
                throw fail("model file's provenance is not valid JSON")
            }
            var counts = [try reader.u32Array(vocabularySize + 1)]
            var words: [[UInt32]] = [[]]
            var parents: [[UInt32]] = [[]]
            var previousCount = vocabularySize + 1
            for level in 2..<(order + 1) {
                let n = try reader.u64()
                guard n <= UInt64(reader.remaining / 12) else { throw fail("level \(level) is truncated") }
                let levelWords = try reader.u32Array(Int(n))
                let levelParents = try reader.u32Array(Int(n))
                let levelCounts = try reader.u32Array(Int(n))
                for index in 0..<Int(n) {
                    guard levelWords[index] < UInt32(vocabularySize), Int(levelParents[index]) < previousCount,
                          levelCounts[index] > 0 else { throw fail("level \(level) n-gram \(index) is invalid") }
                    if index > 0 {
                        let (p0, p1) = (levelParents[index - 1], levelParents[index])
                        guard p0 < p1 || (p0 == p1 && levelWords[index - 1] < levelWords[index]) else {
                            throw fail("level \(level) is not sorted at n-gram \(index)")
                        }
                    }
                }
                words.append(levelWords)
                parents.append(levelParents)
                counts.append(levelCounts)
                previousCount = Int(n)
            }
            guard reader.remaining == 0 else { throw fail("unexpected bytes after the last level") }
            let ngramCounts = NGramCounts(order: order, vocabularySize: vocabularySize, counts: counts, words: words,
                                          parents: parents, textCount: textCount, tokenCount: tokenCount)
            do {
                return (try KneserNeyModel(counts: ngramCounts), provenance)
            } catch let error as LanguageModelError {
                throw fail(error.description)
            }
        } catch is ByteReader.Truncated {
            throw fail("model file is truncated")
        }
    }
}

/// Bounds-checked little-endian reads.
struct ByteReader {
    struct Truncated: Error {}
    let bytes: [UInt8]
    var offset: Int
    var end: Int

    init(bytes: [UInt8], offset: Int, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - offset }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw Truncated() }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func u32() throws -> UInt32 {
        let slice = try bytes(4)
        var value: UInt32 = 0
        for (shift, byte) in slice.enumerated() { value |= UInt32(byte) << (8 * shift) }
        return value
    }

    mutating func u64() throws -> UInt64 {
        let slice = try bytes(8)
        var value: UInt64 = 0
        for (shift, byte) in slice.enumerated() { value |= UInt64(byte) << (8 * shift) }
        return value
    }

    mutating func u32Array(_ count: Int) throws -> [UInt32] {
        guard count >= 0, count <= remaining / 4 else { throw Truncated() }
        var result = [UInt32](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            result.withUnsafeMutableBytes { target in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 * count)]))
            }
        }
        for index in 0..<count { result[index] = UInt32(littleEndian: result[index]) }
        offset += 4 * count
        return result
    }
}
