/// Decoding one JSON string literal from bytes, exactly: the one decoder of the hand-written
/// JSON readers (scores-file lines, which Foundation reads too slowly, and vocabulary objects,
/// whose keys Foundation merges when they are canonically equivalent).
///
///     var position = 1  // just past the opening quote
///     let bytes = Array(#""caf\u00e9" tail"#.utf8)
///     let text = try bytes.withUnsafeBufferPointer { try JSONString.decode($0, at: &position) }
///     // text == Array("café".utf8), position == 12 (just past the closing quote)
public enum JSONString {
    /// A malformed string: what is wrong and the byte offset where it was found.
    public struct Failure: Error, Sendable {
        public let message: String
        public let offset: Int
    }

    /// The UTF-8 bytes of the string whose opening quote is just before `position`, escapes
    /// decoded (the bytes are not validated as UTF-8); `position` ends just past the closing quote.
    /// - Complexity: O(length of the literal).
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) throws(Failure) -> [UInt8] {
        var output: [UInt8] = []
        let start = position
        // Fast path: the run without escapes.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            guard bytes[position] >= 0x20 else { throw Failure(message: "control character in a string", offset: position) }
            position += 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw Failure(message: "unterminated string", offset: position) }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return output }
            guard byte == UInt8(ascii: "\\") else {
                guard byte >= 0x20 else { throw Failure(message: "control character in a string", offset: position - 1) }
                output.append(byte)
                continue
            }
            guard position < bytes.count else { throw Failure(message: "unterminated string", offset: position) }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(bytes, at: &position)
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw Failure(message: "lone surrogate in a string", offset: position)
                    }
                    position += 2
                    let low = try hex4(bytes, at: &position)
                    guard (0xDC00..<0xE000).contains(low) else { throw Failure(message: "lone surrogate in a string", offset: position) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw Failure(message: "lone surrogate in a string", offset: position)
                }
                output.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
            default:
                throw Failure(message: "invalid escape in a string", offset: position - 1)
            }
        }
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw Failure(message: "invalid \\u escape", offset: position) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw Failure(message: "invalid \\u escape", offset: position)
            }
            position += 1
            value = value << 4 | digit
        }
        return value
    }
}
