/// Minimal UTF-8 decoding for text already validated.
public enum UTF8Scalar {
    /// The scalar starting at `i` and its length in bytes (a stray byte decodes as itself, length 1).
    @inline(__always)
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let lead = UInt32(bytes[i])
        if lead < 0x80 { return (lead, 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= bytes.count else { return (lead, 1) }
        var scalar = lead & (0x7F >> UInt32(length))
        for k in 1..<length { scalar = scalar << 6 | (UInt32(bytes[i + k]) & 0x3F) }
        return (scalar, length)
    }

    /// Length in bytes of the character whose lead byte is `lead`.
    @inline(__always)
    public static func length(lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
    }
}
