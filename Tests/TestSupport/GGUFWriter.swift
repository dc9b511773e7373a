import Foundation

/// Writes GGUF v3 headers for tests, including hostile ones: keys and strings are raw bytes
/// (invalid UTF-8 allowed), and the header and array counts can claim more than is written.
///
///     var gguf = GGUFWriter()
///     gguf.add("tokenizer.ggml.model", string: "gpt2")
///     gguf.add("tokenizer.ggml.tokens", strings: ["a", "b"], claimedCount: 1 << 62)
///     let bytes = gguf.bytes()  // a header whose token array claims 2^62 elements
public struct GGUFWriter {
    private var entries: [[UInt8]] = []
    /// The tensor count written into the header (no tensor is written).
    public var tensorCount: UInt64 = 0
    /// The key count written into the header; nil writes the true count.
    public var claimedKeyCount: UInt64?

    public init() {}

    /// Little-endian bytes of `v`.
    public static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    /// Little-endian bytes of `v`.
    public static func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    static func string(_ bytes: [UInt8], claimedLength: UInt64? = nil) -> [UInt8] { u64(claimedLength ?? UInt64(bytes.count)) + bytes }

    /// A string value.
    public mutating func add(_ key: String, string value: String) { add(Array(key.utf8), string: Array(value.utf8)) }
    /// A string value, key and value as raw bytes; `claimedLength` replaces the value's length field.
    public mutating func add(_ key: [UInt8], string value: [UInt8], claimedLength: UInt64? = nil) {
        entries.append(Self.string(key) + Self.u32(8) + Self.string(value, claimedLength: claimedLength))
    }
    /// An array of strings; `claimedCount` replaces its element count.
    public mutating func add(_ key: String, strings values: [String], claimedCount: UInt64? = nil) {
        add(key, byteStrings: values.map { Array($0.utf8) }, claimedCount: claimedCount)
    }
    /// An array of raw byte strings.
    public mutating func add(_ key: String, byteStrings values: [[UInt8]], claimedCount: UInt64? = nil) {
        entries.append(Self.string(Array(key.utf8)) + Self.u32(9) + Self.u32(8) + Self.u64(claimedCount ?? UInt64(values.count))
                       + values.flatMap { Self.string($0) })
    }
    /// An array of int32 values.
    public mutating func add(_ key: String, int32s values: [Int32]) {
        entries.append(Self.string(Array(key.utf8)) + Self.u32(9) + Self.u32(5) + Self.u64(UInt64(values.count))
                       + values.flatMap { Self.u32(UInt32(bitPattern: $0)) })
    }
    /// An array of float32 values.
    public mutating func add(_ key: String, float32s values: [Float]) {
        entries.append(Self.string(Array(key.utf8)) + Self.u32(9) + Self.u32(6) + Self.u64(UInt64(values.count))
                       + values.flatMap { Self.u32($0.bitPattern) })
    }
    /// The file's bytes.
    public func bytes() -> [UInt8] {
        Array("GGUF".utf8) + Self.u32(3) + Self.u64(tensorCount) + Self.u64(claimedKeyCount ?? UInt64(entries.count)) + entries.flatMap { $0 }
    }
}
