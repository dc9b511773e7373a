import CICUShim

/// Character classes of every Unicode scalar, read once from ICU at start-up.
///
/// The scanners test membership in regex classes such as `\p{L}` or `\s` millions of times a
/// second; a flat table indexed by code point answers in one load, where the standard
/// library's `generalCategory` costs tens of nanoseconds a call.
public enum UnicodeTable {
    /// Class bits stored per code point in ``flags``.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// `\p{L}`: any letter.
        public static let letter = Flags(rawValue: 0x01)
        /// `\p{N}`: any number (Nd, Nl, No).
        public static let number = Flags(rawValue: 0x02)
        /// `\s`: the White_Space property, as ICU, Python `regex`, Rust `regex` and Oniguruma use it.
        public static let whitespace = Flags(rawValue: 0x04)
        /// Lu or Lt.
        public static let upperOrTitle = Flags(rawValue: 0x08)
        /// Ll.
        public static let lower = Flags(rawValue: 0x10)
        /// Lm or Lo.
        public static let modifierOrOtherLetter = Flags(rawValue: 0x20)
        /// `\p{M}`: Mn, Mc, Me.
        public static let mark = Flags(rawValue: 0x40)
        /// `\p{P}`: any punctuation.
        public static let punctuation = Flags(rawValue: 0x80)
    }

    /// Number of code points covered (all of Unicode).
    public static let count = 0x110000

    /// ICU's general category (`UCharCategory`, 0..29) in the low 5 bits, 0x80 for White_Space.
    public static let categories: [UInt8] = {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            tsk_icu_fill_category_table(buffer.baseAddress!, UInt32(count))
            initialized = count
        }
    }()

    /// ``Flags`` bits per code point.
    public static let flags: [UInt8] = {
        categories.map { flagsFor(category: $0 & 0x1F, whitespace: $0 & 0x80 != 0).rawValue }
    }()

    /// The Unicode version of the linked ICU data.
    public static var unicodeVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        tsk_icu_unicode_version(&buffer, 32)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Flags of one scalar.
    @inlinable
    public static func flags(of scalar: UInt32) -> Flags {
        scalar < count ? Flags(rawValue: flags[Int(scalar)]) : []
    }

    static func flagsFor(category: UInt8, whitespace: Bool) -> Flags {
        var result: Flags = whitespace ? .whitespace : []
        switch category {
        case 1, 3: result.formUnion([.letter, .upperOrTitle])
        case 2: result.formUnion([.letter, .lower])
        case 4, 5: result.formUnion([.letter, .modifierOrOtherLetter])
        case 6, 7, 8: result.insert(.mark)
        case 9, 10, 11: result.insert(.number)
        case 19, 20, 21, 22, 23, 28, 29: result.insert(.punctuation)
        default: break
        }
        return result
    }
}
