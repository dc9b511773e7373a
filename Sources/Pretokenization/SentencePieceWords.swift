import CICUShim

/// How a SentencePiece trainer cut its sentences before counting pairs (`TrainerSpec`'s
/// `split_*` fields): where no piece it could learn may cross.
///
/// SentencePiece encodes a whole line without pretokenizing, but its trainer only ever merged
/// inside words split at `▁` and only formed pieces of one script, with digits alone when
/// `split_digits` is set (`TrainerInterface::SplitIntoWords` and `IsValidSentencePiece`).
/// Pair counting for mixture inference must see the same words, or pairs the trainer could
/// never have chosen would enter the LP as competitors.
public struct SentencePieceSplit: Sendable, Hashable, CustomStringConvertible {
    public var splitByUnicodeScript = true
    public var splitByNumber = true
    public var splitDigits = false
    public var splitByWhitespace = true
    public var treatWhitespaceAsSuffix = false
    public var allowWhitespaceOnlyPieces = false

    public init() {}

    public var description: String {
        var flags: [String] = []
        if splitByUnicodeScript { flags.append("script") }
        if splitByNumber { flags.append("number") }
        if splitDigits { flags.append("digits") }
        if splitByWhitespace { flags.append("whitespace") }
        if treatWhitespaceAsSuffix { flags.append("ws-suffix") }
        if allowWhitespaceOnlyPieces { flags.append("ws-only-pieces") }
        return "sentencepiece(" + flags.joined(separator: ",") + ")"
    }

    static let metaspace: UInt32 = 0x2581
    private static let anyScript: Int16 = -1

    /// Appends the end of every word of `base[start..<end]` (normalized text, spaces already `▁`).
    func split(_ base: UnsafePointer<UInt8>, start: Int, end: Int, offset: Int, into ends: inout [Int]) {
        let buffer = UnsafeBufferPointer(start: base, count: end)
        let scripts = UnicodeTable.scripts
        let categories = UnicodeTable.categories
        var i = start
        var previousWasSpace = false
        var spaceRun = 0
        var lastSpace = start
        var previousScript = SentencePieceSplit.anyScript
        var previousWasDigit = false
        while i < end {
            let (scalar, length) = UTF8Scalar.decode(buffer, at: i)
            let isSpace = scalar == SentencePieceSplit.metaspace
            var boundary = false
            if i > start {
                if isSpace {
                    if treatWhitespaceAsSuffix {
                        boundary = !previousWasSpace
                    } else {
                        boundary = splitByWhitespace && !(allowWhitespaceOnlyPieces && previousWasSpace)
                    }
                } else if previousWasSpace {
                    if treatWhitespaceAsSuffix {
                        boundary = true
                    } else if allowWhitespaceOnlyPieces && spaceRun > 1 && splitByWhitespace {
                        // `▁▁▁x`: pieces are all-space or start with one `▁`, so cut before the last.
                        ends.append(lastSpace + offset)
                    }
                }
            }
            var script = SentencePieceSplit.anyScript
            var isDigit = false
            if !isSpace {
                isDigit = scalar < UInt32(categories.count) && categories[Int(scalar)] & 0x1F == 9  // Nd
                var raw = scalar < UInt32(scripts.count) ? Int16(scripts[Int(scalar)]) : 0
                if raw == 20 || raw == 22 || scalar == 0x30FC { raw = 17 }  // Hiragana, Katakana -> Han
                script = raw == 1 ? previousScript : raw  // Inherited continues the script before it
                if !splitByNumber && isDigit { script = SentencePieceSplit.anyScript }
                if i > start && !previousWasSpace && !boundary {
                    if splitDigits && (isDigit || previousWasDigit) { boundary = true }
                    if splitByUnicodeScript && script != SentencePieceSplit.anyScript
                        && previousScript != SentencePieceSplit.anyScript && script != previousScript {
                        boundary = true
                    }
                }
            }
            if boundary {
                ends.append(i + offset)
                if !isSpace { previousScript = SentencePieceSplit.anyScript }
            }
            if isSpace {
                spaceRun = previousWasSpace ? spaceRun + 1 : 1
                lastSpace = i
                previousScript = SentencePieceSplit.anyScript
            } else {
                spaceRun = 0
                previousScript = script
            }
            previousWasSpace = isSpace
            previousWasDigit = isDigit
            i += length
        }
        ends.append(end + offset)
    }
}

extension UnicodeTable {
    /// ICU's Script property per code point (`UScriptCode`, 255 unknown), read once on first use.
    public static let scripts: [UInt8] = {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            tsk_icu_fill_script_table(buffer.baseAddress!, UInt32(count))
            initialized = count
        }
    }()
}

extension UnicodeTable {
    /// The long name of an ICU script code ("Latin", "Han").
    public static func scriptName(_ code: UInt8) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        tsk_icu_script_name(Int32(code), &buffer, 64)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
