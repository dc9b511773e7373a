/// Hand-written scanners that split text exactly as the published pretokenizer regexes do.
///
/// Each scanner returns the end of the piece that starts at a given offset, following the
/// regex's alternatives in order with the same backtracking outcome (leftmost-first, as in
/// Python `regex`, Rust `regex`, Oniguruma and ICU). They read UTF-8 bytes and look classes up
/// in ``UnicodeTable``; every one is tested against the ICU regex path on real text.

private let letter = UnicodeTable.Flags.letter.rawValue
private let number = UnicodeTable.Flags.number.rawValue
private let space = UnicodeTable.Flags.whitespace.rawValue
private let letterNumberSpace = letter | number | space
/// o200k's `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`.
private let o200kUpper = UnicodeTable.Flags([.upperOrTitle, .modifierOrOtherLetter, .mark]).rawValue
/// o200k's `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
private let o200kLower = UnicodeTable.Flags([.lower, .modifierOrOtherLetter, .mark]).rawValue

/// Reads scalars and their class flags from a UTF-8 buffer.
struct ScalarReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    let table: UnsafePointer<UInt8>

    /// The scalar starting at `i` and its length in bytes. Malformed bytes (which validated input
    /// never has) are read as one-byte scalars so that no read goes past `end`.
    @inline(__always)
    func scalar(at i: Int) -> (value: UInt32, length: Int) {
        let b0 = base[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 >= 0xC0 && b0 < 0xE0 && i + 1 < end {
            return ((UInt32(b0 & 0x1F) << 6) | UInt32(base[i + 1] & 0x3F), 2)
        }
        if b0 >= 0xE0 && b0 < 0xF0 && i + 2 < end {
            return ((UInt32(b0 & 0x0F) << 12) | (UInt32(base[i + 1] & 0x3F) << 6) | UInt32(base[i + 2] & 0x3F), 3)
        }
        if b0 >= 0xF0 && i + 3 < end {
            let value = (UInt32(b0 & 0x07) << 18) | (UInt32(base[i + 1] & 0x3F) << 12)
                | (UInt32(base[i + 2] & 0x3F) << 6) | UInt32(base[i + 3] & 0x3F)
            return (value < 0x110000 ? value : 0xFFFD, 4)
        }
        return (0xFFFD, 1)
    }

    @inline(__always)
    func flags(at i: Int) -> (flags: UInt8, length: Int) {
        let b0 = base[i]
        if b0 < 0x80 { return (table[Int(b0)], 1) }
        let (value, length) = scalar(at: i)
        return (table[Int(value)], length)
    }

    /// End of the run of scalars having any of `mask`'s flags.
    @inline(__always)
    func scan(from start: Int, anyOf mask: UInt8) -> Int {
        var i = start
        while i < end {
            let (f, length) = flags(at: i)
            if f & mask == 0 { break }
            i += length
        }
        return i
    }

    /// End of the run of `[^\s\p{L}\p{N}]`.
    @inline(__always)
    func scanOther(from start: Int) -> Int {
        var i = start
        while i < end {
            let (f, length) = flags(at: i)
            if f & letterNumberSpace != 0 { break }
            i += length
        }
        return i
    }

    /// End of at most `limit` scalars of `\p{N}`.
    @inline(__always)
    func scanNumbers(from start: Int, limit: Int) -> Int {
        var i = start
        var taken = 0
        while i < end && taken < limit {
            let (f, length) = flags(at: i)
            if f & number == 0 { break }
            i += length
            taken += 1
        }
        return i
    }

    @inline(__always)
    func isNewline(_ i: Int) -> Bool { base[i] == 0x0A || base[i] == 0x0D }

    /// The contraction `'s|'t|'re|'ve|'m|'ll|'d` at `i` (which holds `'`), optionally
    /// case-insensitive as in `(?i:...)`, where `s` also matches `ſ` (U+017F) by case folding.
    @inline(__always)
    func contraction(at i: Int, caseInsensitive: Bool) -> Int? {
        guard i + 1 < end else { return nil }
        let fold: UInt8 = caseInsensitive ? 0x20 : 0
        let c1 = base[i + 1] | fold
        switch c1 {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            if !caseInsensitive && base[i + 1] != c1 { return nil }
            return i + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"), UInt8(ascii: "l"):
            if !caseInsensitive && base[i + 1] != c1 { return nil }
            guard i + 2 < end else { return nil }
            let expected = c1 == UInt8(ascii: "l") ? UInt8(ascii: "l") : UInt8(ascii: "e")
            let c2 = base[i + 2]
            if c2 == expected || (caseInsensitive && c2 | 0x20 == expected) { return i + 3 }
            return nil
        default:
            if caseInsensitive && base[i + 1] == 0xC5 && i + 2 < end && base[i + 2] == 0xBF { return i + 3 }
            return nil
        }
    }

    /// Whitespace alternatives shared by all patterns, starting at a whitespace scalar:
    /// `\s++$` (when `endRule`: whitespace that runs to the end of the text is one piece, as
    /// tiktoken's cl100k pattern says before anything else), `\s*[\r\n]+` (when
    /// `newlineRule`), then `\s+(?!\S)`, then `\s+`.
    @inline(__always)
    func whitespace(at start: Int, newlineRule: Bool, endRule: Bool = false) -> Int {
        var i = start
        var lastStart = start
        var scalars = 0
        var afterLastNewline = -1
        while i < end {
            let (f, length) = flags(at: i)
            if f & space == 0 { break }
            if newlineRule && isNewline(i) { afterLastNewline = i + 1 }
            lastStart = i
            i += length
            scalars += 1
        }
        if endRule && i == end { return i }
        if afterLastNewline >= 0 { return afterLastNewline }
        if i == end { return i }
        return scalars >= 2 ? lastStart : i
    }

    // MARK: GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+

    @inline(__always)
    func gpt2Piece(at i: Int) -> Int {
        let b = base[i]
        if b == 0x27, let e = contraction(at: i, caseInsensitive: false) { return e }
        if b == 0x20 && i + 1 < end {
            let (f, _) = flags(at: i + 1)
            if f & letter != 0 { return scan(from: i + 1, anyOf: letter) }
            if f & number != 0 { return scan(from: i + 1, anyOf: number) }
            if f & space == 0 { return scanOther(from: i + 1) }
        }
        let (f, _) = flags(at: i)
        if f & letter != 0 { return scan(from: i, anyOf: letter) }
        if f & number != 0 { return scan(from: i, anyOf: number) }
        if f & space == 0 { return scanOther(from: i) }
        return whitespace(at: i, newlineRule: false)
    }

    // MARK: cl100k (tiktoken): '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
    //   ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
    // and its HF form (Llama 3's tokenizer.json), the same without `\s++$` (`endRule` false).

    @inline(__always)
    func cl100kPiece(at i: Int, endRule: Bool) -> Int {
        let b = base[i]
        if b == 0x27, let e = contraction(at: i, caseInsensitive: true) { return e }
        let (f, length) = flags(at: i)
        if f & letter != 0 { return scan(from: i, anyOf: letter) }
        if f & number != 0 { return scanNumbers(from: i, limit: 3) }
        if !isNewline(i) && i + length < end && flags(at: i + length).flags & letter != 0 {
            return scan(from: i + length, anyOf: letter)
        }
        if let e = punctuationRun(at: i, flags: f, trailing: false) { return e }
        return whitespace(at: i, newlineRule: true, endRule: endRule)
    }

    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*` (cl100k) or ` ?[^\s\p{L}\p{N}]+[\r\n/]*` (o200k, `trailing`).
    @inline(__always)
    func punctuationRun(at i: Int, flags f: UInt8, trailing slash: Bool) -> Int? {
        var j = i
        if base[i] == 0x20 && i + 1 < end && flags(at: i + 1).flags & letterNumberSpace == 0 {
            j = i + 1
        } else if f & letterNumberSpace != 0 {
            return nil
        }
        var e = scanOther(from: j)
        while e < end && (isNewline(e) || (slash && base[e] == UInt8(ascii: "/"))) { e += 1 }
        return e
    }

    // MARK: o200k (tiktoken's o200k_base)

    /// `[Upper]*[Lower]+` from `p`, with the backtracking outcome of the greedy star.
    @inline(__always)
    func o200kLowerWord(from p: Int) -> Int? {
        var e1 = p
        var lastLowerEnd = -1
        while e1 < end {
            let (f, length) = flags(at: e1)
            if f & o200kUpper == 0 { break }
            e1 += length
            if f & o200kLower != 0 { lastLowerEnd = e1 }
        }
        let e2 = scan(from: e1, anyOf: o200kLower)
        if e2 > e1 { return e2 }
        // Give back scalars of the upper run until one also counts as lower.
        return lastLowerEnd >= 0 ? lastLowerEnd : nil
    }

    /// `[Upper]+[Lower]*` from `p`.
    @inline(__always)
    func o200kUpperWord(from p: Int) -> Int? {
        let e1 = scan(from: p, anyOf: o200kUpper)
        if e1 == p { return nil }
        return scan(from: e1, anyOf: o200kLower)
    }

    @inline(__always)
    func withContraction(_ e: Int) -> Int {
        if e < end && base[e] == 0x27, let c = contraction(at: e, caseInsensitive: true) { return c }
        return e
    }

    @inline(__always)
    func o200kPiece(at i: Int) -> Int {
        let (f, length) = flags(at: i)
        // [^\r\n\p{L}\p{N}]? as an optional prefix, tried taken first, then not taken.
        let prefixable = f & (letter | number) == 0 && !isNewline(i) && i + length < end
        if prefixable, let e = o200kLowerWord(from: i + length) { return withContraction(e) }
        if let e = o200kLowerWord(from: i) { return withContraction(e) }
        if prefixable, let e = o200kUpperWord(from: i + length) { return withContraction(e) }
        if let e = o200kUpperWord(from: i) { return withContraction(e) }
        if f & number != 0 { return scanNumbers(from: i, limit: 3) }
        if let e = punctuationRun(at: i, flags: f, trailing: true) { return e }
        return whitespace(at: i, newlineRule: true)
    }
}
