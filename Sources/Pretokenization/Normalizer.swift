import CICUShim

/// Unicode normalization applied to text before pretokenization (HF `tokenizers`' NFC, NFKC,
/// NFD, NFKD and Sequence normalizers), computed by ICU.
public indirect enum Normalizer: Sendable, Hashable, CustomStringConvertible {
    case nfc, nfkc, nfd, nfkd
    case sequence([Normalizer])
    /// HF `Lowercase`: full Unicode lower-casing.
    case lowercase
    /// HF `Prepend`: puts the string before a non-empty text.
    case prepend(String)
    /// HF `Replace` with a literal pattern: every occurrence, left to right.
    case replace(String, with: String)
    /// HF `Metaspace` (as a normalizer: the split is the pretokenizer's): spaces become `▁`,
    /// and with `prepend` a text not starting with `▁` gets one.
    case metaspace(prepend: Bool)
    /// SentencePiece's normalizer with the identity rule set: optionally drops leading,
    /// trailing and repeated spaces, adds the dummy prefix `▁`, writes spaces as `▁`.
    case sentencePiece(addDummyPrefix: Bool, removeExtraWhitespaces: Bool, escapeWhitespaces: Bool)

    public var description: String {
        switch self {
        case .nfc: return "NFC"
        case .nfkc: return "NFKC"
        case .nfd: return "NFD"
        case .nfkd: return "NFKD"
        case .sequence(let items): return items.map(\.description).joined(separator: " + ")
        case .lowercase: return "Lowercase"
        case .prepend(let text): return "Prepend(\(text))"
        case .replace(let pattern, let content): return "Replace(\(pattern) -> \(content))"
        case .metaspace(let prepend): return prepend ? "Metaspace(prepend)" : "Metaspace"
        case .sentencePiece(let prefix, let remove, let escape):
            return "SentencePiece(" + [prefix ? "dummy-prefix" : nil, remove ? "remove-extra-spaces" : nil,
                                       escape ? "escape-spaces" : nil].compactMap { $0 }.joined(separator: ",") + ")"
        }
    }

    /// The normalized form of valid UTF-8 `text`.
    public func apply(_ text: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        switch self {
        case .sequence(let items):
            var current = Array(text)
            for item in items { current = try current.withUnsafeBufferPointer { try item.apply($0) } }
            return current
        case .lowercase:
            return Array(String(decoding: text, as: UTF8.self).lowercased().utf8)
        case .prepend(let prefix):
            return text.isEmpty ? [] : Array(prefix.utf8) + Array(text)
        case .replace(let pattern, let content):
            return Normalizer.replacing(Array(pattern.utf8), with: Array(content.utf8), in: text)
        case .metaspace(let prepend):
            let replaced = Normalizer.replacing([0x20], with: Normalizer.metaspace, in: text)
            if prepend && !replaced.isEmpty && !replaced.starts(with: Normalizer.metaspace) {
                return Normalizer.metaspace + replaced
            }
            return replaced
        case .sentencePiece(let addDummyPrefix, let removeExtra, let escape):
            return Normalizer.sentencePiece(text, addDummyPrefix: addDummyPrefix, removeExtraWhitespaces: removeExtra,
                                            escapeWhitespaces: escape)
        case .nfc, .nfkc, .nfd, .nfkd:
            guard let base = text.baseAddress, !text.isEmpty else { return [] }
            guard text.count < Int(Int32.max) / 4 else { throw PretokenizerError("text too large to normalize at once") }
            let form: Int32 = [.nfc: Int32(TSK_NFC), .nfkc: Int32(TSK_NFKC), .nfd: Int32(TSK_NFD), .nfkd: Int32(TSK_NFKD)][self]!
            // NFKC expands by at most a factor of 18 per UTF-8 byte in pathological cases; retry
            // with the size ICU reports when the first guess is short.
            var capacity = text.count * 3 + 16
            for _ in 0..<2 {
                var output = [UInt8](repeating: 0, count: capacity)
                let length = tsk_normalize(form, base, Int64(text.count), &output, Int64(capacity))
                if length < 0 { throw PretokenizerError("ICU could not normalize the text (\(self))") }
                if length <= capacity {
                    output.removeLast(capacity - Int(length))
                    return output
                }
                capacity = Int(length)
            }
            throw PretokenizerError("ICU normalization did not settle on a size")
        }
    }

    /// `▁` (U+2581), SentencePiece's visible space.
    public static let metaspace: [UInt8] = [0xE2, 0x96, 0x81]

    static func replacing(_ pattern: [UInt8], with content: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard !pattern.isEmpty else { return Array(text) }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if text[i] == pattern[0] && i + pattern.count <= text.count
                && (1..<pattern.count).allSatisfy({ text[i + $0] == pattern[$0] }) {
                output.append(contentsOf: content)
                i += pattern.count
            } else {
                output.append(text[i])
                i += 1
            }
        }
        return output
    }

    /// `Normalizer::Normalize` of SentencePiece for models without a character map: only the
    /// ASCII space counts as whitespace there.
    static func sentencePiece(_ text: UnsafeBufferPointer<UInt8>, addDummyPrefix: Bool, removeExtraWhitespaces: Bool,
                              escapeWhitespaces: Bool) -> [UInt8] {
        guard !text.isEmpty else { return [] }
        let space: [UInt8] = escapeWhitespaces ? metaspace : [0x20]
        var output: [UInt8] = []
        output.reserveCapacity(text.count + 3)
        var i = 0
        if removeExtraWhitespaces { while i < text.count && text[i] == 0x20 { i += 1 } }
        if i == text.count { return [] }
        if addDummyPrefix { output.append(contentsOf: space) }
        var previousWasSpace = removeExtraWhitespaces
        while i < text.count {
            let byte = text[i]
            i += 1
            if byte == 0x20 {
                if removeExtraWhitespaces && previousWasSpace { continue }
                output.append(contentsOf: space)
                previousWasSpace = removeExtraWhitespaces
            } else {
                output.append(byte)
                previousWasSpace = false
            }
        }
        if removeExtraWhitespaces {
            while output.count >= space.count && Array(output.suffix(space.count)) == space { output.removeLast(space.count) }
        }
        return output
    }

    /// The normalized form of a string.
    public func apply(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        return String(decoding: try bytes.withUnsafeBufferPointer { try apply($0) }, as: UTF8.self)
    }
}
