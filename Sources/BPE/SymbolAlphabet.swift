/// How the bytes of a word become the symbols BPE starts from.
///
/// Byte-level models (GPT-2 and its descendants) start from one token per byte. Character-level
/// models (SentencePiece, HF `tokenizer.json` files converted from it) start from one token per
/// character; a character without a token of its own can never take part in a merge.
public struct SymbolAlphabet: Sendable, Hashable {
    /// The token of each byte: the start symbols of byte-level models, the byte-fallback
    /// tokens (`<0x41>`) of character-level ones.
    public var byteTokens: [UInt32]
    /// Character-level models: the token of each Unicode scalar that has one. Nil: byte-level.
    public var characterTokens: [UInt32: UInt32]?

    /// Marks a character that has no token, in ``appendSymbols(of:to:)``'s output.
    public static let noToken = UInt32.max

    public init(byteTokens: [UInt32], characterTokens: [UInt32: UInt32]? = nil) {
        precondition(byteTokens.count == 256)
        self.byteTokens = byteTokens
        self.characterTokens = characterTokens
    }

    /// Appends the start symbols of valid UTF-8 `bytes`; a character without a token appends
    /// ``noToken`` once.
    @inline(__always)
    public func appendSymbols(of bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt32]) {
        guard let characterTokens else {
            for byte in bytes { output.append(byteTokens[Int(byte)]) }
            return
        }
        var i = 0
        while i < bytes.count {
            let (scalar, length) = UTF8Scalar.decode(bytes, at: i)
            output.append(characterTokens[scalar] ?? SymbolAlphabet.noToken)
            i += length
        }
    }
}

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
