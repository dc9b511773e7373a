import CICUShim
import Support

/// How a tokenizer cuts text into "words" before BPE runs inside each word.
///
/// A pretokenizer is a sequence of steps, each applied to every piece the previous step
/// produced (HF `tokenizers`' `Sequence`, llama.cpp's list of regexes). Pieces always cover the
/// text without gaps: text a regex does not match becomes a piece of its own, as HF's `Split`
/// with the `Isolated` behaviour does.
public struct Pretokenizer: Sendable, Hashable, CustomStringConvertible {
    /// One splitting step.
    public enum Step: Sendable, Hashable {
        /// The GPT-2 regex (HF `ByteLevel(use_regex=True)`, tiktoken `r50k_base`).
        case gpt2
        /// tiktoken's `cl100k_base` regex.
        case cl100k
        /// The cl100k regex as HF `tokenizer.json` files carry it (Llama 3): without tiktoken's
        /// `\s++$`, so trailing whitespace holding a newline splits after the last newline.
        case llama3
        /// tiktoken's `o200k_base` regex.
        case o200k
        /// HF `Digits`: runs of `\p{N}` become pieces of their own (one per digit when `individual`).
        case digits(individual: Bool)
        /// Any other regex (ICU syntax, which accepts the Python/Rust patterns tokenizers carry):
        /// matches and the text between them become pieces.
        case regex(String)
        /// The words a SentencePiece trainer merged inside (see ``SentencePieceSplit``).
        case sentencePiece(SentencePieceSplit)

        /// The regex that defines this step, for the built-in scanners and `.regex`.
        public var pattern: String? {
            switch self {
            case .gpt2: return Pretokenizer.gpt2Pattern
            case .cl100k: return Pretokenizer.cl100kPattern
            case .llama3: return Pretokenizer.llama3Pattern
            case .o200k: return Pretokenizer.o200kPattern
            case .digits(let individual): return individual ? #"\p{N}"# : #"\p{N}+"#
            case .regex(let pattern): return pattern
            case .sentencePiece: return nil
            }
        }
    }

    /// The steps, applied in order.
    public var steps: [Step]

    /// Creates a pretokenizer from its steps.
    public init(steps: [Step]) { self.steps = steps }

    /// `ByteLevel(add_prefix_space=False, use_regex=True)`: the GPT-2 regex.
    public static let gpt2 = Pretokenizer(steps: [.gpt2])
    /// `Sequence([Digits(individual_digits=False), ByteLevel(...)])`: the setup of Hayase et al.
    public static let gpt2Digits = Pretokenizer(steps: [.digits(individual: false), .gpt2])
    /// tiktoken `cl100k_base` (GPT-3.5, GPT-4).
    public static let cl100k = Pretokenizer(steps: [.cl100k])
    /// The HF form of the cl100k regex (Llama 3).
    public static let llama3 = Pretokenizer(steps: [.llama3])
    /// tiktoken `o200k_base` (GPT-4o).
    public static let o200k = Pretokenizer(steps: [.o200k])

    /// The pretokenizers known by name on the command line.
    public static let named: [(name: String, pretokenizer: Pretokenizer)] = [
        ("gpt2", .gpt2), ("gpt2-digits", .gpt2Digits), ("cl100k", .cl100k), ("llama3", .llama3), ("o200k", .o200k),
    ]

    /// Looks up a pretokenizer by its command-line name.
    public init?(named name: String) {
        guard let found = Pretokenizer.named.first(where: { $0.name == name }) else { return nil }
        self = found.pretokenizer
    }

    /// The command-line name when this is one of ``named``, else a description of the steps.
    public var description: String {
        if let found = Pretokenizer.named.first(where: { $0.pretokenizer == self }) { return found.name }
        return steps.map { step -> String in
            switch step {
            case .gpt2: return "gpt2"
            case .cl100k: return "cl100k"
            case .llama3: return "llama3"
            case .o200k: return "o200k"
            case .digits(let individual): return individual ? "digits(individual)" : "digits"
            case .regex(let pattern): return "regex(\(pattern))"
            case .sentencePiece(let split): return split.description
            }
        }.joined(separator: " + ")
    }

    public static let gpt2Pattern =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    /// tiktoken's pattern, with Rust's `$` (end of text only) written as ICU's `\z`.
    public static let cl100kPattern =
        #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++\z|\s*[\r\n]|\s+(?!\S)|\s"#
    public static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    public static let o200kPattern = [
        #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
        #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
        #"\p{N}{1,3}"#,
        #" ?[^\s\p{L}\p{N}]+[\r\n/]*"#,
        #"\s*[\r\n]+"#,
        #"\s+(?!\S)"#,
        #"\s+"#,
    ].joined(separator: "|")

    /// Compiles the steps into a splitter for one thread.
    /// - Parameter forceRegexEngine: run every step through ICU's regex engine instead of the
    ///   hand-written scanners (slow; used to check the scanners).
    public func makeSplitter(forceRegexEngine: Bool = false) throws -> Splitter {
        try Splitter(steps: steps, forceRegexEngine: forceRegexEngine)
    }
}

/// An error in a pretokenizer's definition.
public struct PretokenizerError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A compiled ``Pretokenizer`` with its scratch space. Not thread-safe: make one per thread.
public final class Splitter {
    private enum CompiledStep {
        case scanner(Pretokenizer.Step)
        case regex(OpaquePointer)
    }

    private let steps: [CompiledStep]
    private var scratch: [Int] = []
    private var scratch2: [Int] = []
    private let table: [UInt8] = UnicodeTable.flags

    init(steps: [Pretokenizer.Step], forceRegexEngine: Bool) throws {
        var compiled: [CompiledStep] = []
        for step in steps {
            switch step {
            case .sentencePiece:
                compiled.append(.scanner(step))
            case .gpt2, .cl100k, .llama3, .o200k, .digits:
                if !forceRegexEngine {
                    compiled.append(.scanner(step))
                    continue
                }
                fallthrough
            case .regex:
                let pattern = Array(step.pattern!.utf8)
                var message = [CChar](repeating: 0, count: 256)
                guard let regex = tsk_regex_open(pattern, Int32(pattern.count), &message, 256) else {
                    let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    for case .regex(let other) in compiled { tsk_regex_close(other) }
                    throw PretokenizerError("invalid pretokenizer regex \(step.pattern!): \(text)")
                }
                compiled.append(.regex(regex))
            }
        }
        self.steps = compiled
    }

    deinit {
        for case .regex(let regex) in steps { tsk_regex_close(regex) }
    }

    /// Splits valid UTF-8 `text` into pieces and appends the end offset of each piece, plus
    /// `offset`, to `ends`. Pieces are contiguous and cover `text`; the first starts at 0.
    public func split(_ text: UnsafeBufferPointer<UInt8>, offset: Int = 0, into ends: inout [Int]) {
        guard let base = text.baseAddress, text.count > 0 else { return }
        if steps.count == 1 {
            apply(steps[0], base: base, start: 0, end: text.count, offset: offset, into: &ends)
            return
        }
        // Each later step splits every piece of the step before it.
        var current = scratch
        var next = scratch2
        current.removeAll(keepingCapacity: true)
        current.append(text.count)
        for step in steps {
            next.removeAll(keepingCapacity: true)
            var start = 0
            for end in current {
                apply(step, base: base, start: start, end: end, offset: 0, into: &next)
                start = end
            }
            swap(&current, &next)
        }
        for end in current { ends.append(end + offset) }
        scratch = current
        scratch2 = next
    }

    /// Convenience: the pieces of a string.
    public func pieces(of text: String) -> [String] {
        let utf8 = Array(text.utf8)
        var ends: [Int] = []
        utf8.withUnsafeBufferPointer { split($0, into: &ends) }
        var result: [String] = []
        var start = 0
        for end in ends {
            result.append(String(decoding: utf8[start..<end], as: UTF8.self))
            start = end
        }
        return result
    }

    private func apply(_ step: CompiledStep, base: UnsafePointer<UInt8>, start: Int, end: Int,
                       offset: Int, into ends: inout [Int]) {
        switch step {
        case .scanner(.sentencePiece(let split)):
            split.split(base, start: start, end: end, offset: offset, into: &ends)
        case .scanner(let kind):
            table.withUnsafeBufferPointer { table in
                let reader = ScalarReader(base: base, end: end, table: table.baseAddress!)
                var i = start
                switch kind {
                case .gpt2:
                    while i < end { i = reader.gpt2Piece(at: i); ends.append(i + offset) }
                case .cl100k:
                    while i < end { i = reader.cl100kPiece(at: i, endRule: true); ends.append(i + offset) }
                case .llama3:
                    while i < end { i = reader.cl100kPiece(at: i, endRule: false); ends.append(i + offset) }
                case .o200k:
                    while i < end { i = reader.o200kPiece(at: i); ends.append(i + offset) }
                case .digits(let individual):
                    let number = UnicodeTable.Flags.number.rawValue
                    while i < end {
                        let (f, length) = reader.flags(at: i)
                        if f & number != 0 {
                            i = individual ? i + length : reader.scan(from: i, anyOf: number)
                        } else {
                            while i < end && reader.flags(at: i).flags & number == 0 { i += reader.flags(at: i).length }
                        }
                        ends.append(i + offset)
                    }
                case .regex, .sentencePiece:
                    preconditionFailure("handled above")
                }
            }
        case .regex(let regex):
            _ = tsk_regex_set_text(regex, base + start, Int64(end - start))
            var matchStart: Int64 = 0
            var matchEnd: Int64 = 0
            var last = 0
            while tsk_regex_next(regex, &matchStart, &matchEnd) == 1 {
                if matchEnd == matchStart { continue }
                if Int(matchStart) > last { ends.append(start + Int(matchStart) + offset) }
                ends.append(start + Int(matchEnd) + offset)
                last = Int(matchEnd)
            }
            if last < end - start { ends.append(end + offset) }
        }
    }
}
