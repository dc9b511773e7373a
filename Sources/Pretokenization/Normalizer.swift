import CICUShim

/// Unicode normalization applied to text before pretokenization (HF `tokenizers`' NFC, NFKC,
/// NFD, NFKD and Sequence normalizers), computed by ICU.
public indirect enum Normalizer: Sendable, Hashable, CustomStringConvertible {
    case nfc, nfkc, nfd, nfkd
    case sequence([Normalizer])

    public var description: String {
        switch self {
        case .nfc: return "NFC"
        case .nfkc: return "NFKC"
        case .nfd: return "NFD"
        case .nfkd: return "NFKD"
        case .sequence(let items): return items.map(\.description).joined(separator: " + ")
        }
    }

    /// The normalized form of valid UTF-8 `text`.
    public func apply(_ text: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        switch self {
        case .sequence(let items):
            var current = Array(text)
            for item in items { current = try current.withUnsafeBufferPointer { try item.apply($0) } }
            return current
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

    /// The normalized form of a string.
    public func apply(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        return String(decoding: try bytes.withUnsafeBufferPointer { try apply($0) }, as: UTF8.self)
    }
}
