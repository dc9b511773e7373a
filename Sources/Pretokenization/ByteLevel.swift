/// GPT-2's byte-level alphabet: every byte is shown as one printable Unicode character, so that
/// byte sequences can be written as strings in `vocab.json`, `merges.txt` and `tokenizer.json`.
///
/// Printable Latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) stand for themselves; the other 68
/// bytes are mapped, in byte order, to U+0100 onwards (space becomes `Ġ`, LF becomes `Ċ`).
public enum ByteLevel {
    /// The character (as a scalar value) that stands for each byte.
    public static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 encoding of each byte's character (1 or 2 bytes).
    public static let utf8ForByte: [[UInt8]] = scalarForByte.map { Array(String(Unicode.Scalar($0)!).utf8) }

    /// The byte a character stands for, or nil for a character outside the alphabet.
    public static func byte(for scalar: UInt32) -> UInt8? {
        if scalar < 0x144, let index = byteForScalarTable[Int(scalar)] { return index }
        return nil
    }

    private static let byteForScalarTable: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = UInt8(byte) }
        return table
    }()

    /// The 256 bytes in the order of their characters' code points: HF's trainer assigns the
    /// alphabet's vocabulary ids in this order.
    public static let bytesInCharacterOrder: [UInt8] = (0..<256).map { UInt8($0) }
        .sorted { scalarForByte[Int($0)] < scalarForByte[Int($1)] }

    /// Renders bytes as a byte-level string (`" the"` -> `"Ġthe"`).
    public static func render<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var utf8: [UInt8] = []
        for byte in bytes { utf8.append(contentsOf: utf8ForByte[Int(byte)]) }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Decodes a byte-level string back to bytes; nil when a character is outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(for: scalar.value) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
