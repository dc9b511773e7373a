import Pretokenization

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
