import Foundation
import Support

/// A JSON reader for one scores-file line, straight from bytes to the fields a
/// ``ScoredText`` needs: Foundation's `JSONSerialization` boxes every number in an `NSNumber`,
/// far too slow for scores files of many texts. It accepts any valid JSON object (unknown
/// keys are skipped) and rejects anything else.
struct ScoresLineParser {
    /// A number array's entries; `nil` entries are JSON `null`.
    typealias Numbers = [Double?]

    enum Value {
        case string(String)
        case number(Double)
        case null
        case numbers(Numbers)
        case other
    }

    struct Failure: Error { let message: String }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Arrays and objects open around the cursor; bounded so that a hostile line cannot
    /// overflow the stack through the recursion (Foundation's JSON reader allows 512 too).
    private var depth = 0
    private static let maxDepth = 512

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The top-level object's fields, in order of appearance (a repeated key: the last wins).
    mutating func parseObject() throws -> [String: Value] {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        var fields: [String: Value] = [:]
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipSpace()
                let key = try parseString()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                fields[key] = try parseValue()
                skipSpace()
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                break
            }
        }
        skipSpace()
        guard position == bytes.count else { throw Failure(message: "unexpected text after the JSON object") }
        return fields
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else {
            throw Failure(message: "expected '\(Character(Unicode.Scalar(byte)))' at column \(position + 1)")
        }
        position += 1
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func parseValue() throws -> Value {
        switch peek() {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["): return try nested { try $0.parseArray() }
        case UInt8(ascii: "{"): try nested { try $0.skipObject() }; return .other
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "t"): try literal("true"); return .other
        case UInt8(ascii: "f"): try literal("false"); return .other
        default: return .number(try parseNumber())
        }
    }

    /// Runs `parse` one nesting level deeper, refusing past ``maxDepth``.
    private mutating func nested<T>(_ parse: (inout ScoresLineParser) throws -> T) throws -> T {
        guard depth < Self.maxDepth else { throw Failure(message: "nested deeper than \(Self.maxDepth) levels at column \(position + 1)") }
        depth += 1
        defer { depth -= 1 }
        return try parse(&self)
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw Failure(message: "invalid value at column \(position + 1)") }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] {
            throw Failure(message: "invalid value at column \(position + 1)")
        }
        position += count
    }

    /// An array: `.numbers` when every entry is a number or null, else `.other`.
    private mutating func parseArray() throws -> Value {
        try expect(UInt8(ascii: "["))
        var numbers: Numbers = []
        var allNumbers = true
        skipSpace()
        if peek() == UInt8(ascii: "]") { position += 1; return .numbers([]) }
        while true {
            skipSpace()
            switch try parseValue() {
            case .number(let value): numbers.append(value)
            case .null: numbers.append(nil)
            default: allNumbers = false
            }
            skipSpace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"))
            break
        }
        return allNumbers ? .numbers(numbers) : .other
    }

    private mutating func skipObject() throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") { position += 1; return }
        while true {
            skipSpace()
            _ = try parseString()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            _ = try parseValue()
            skipSpace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    /// A JSON number (strict grammar), converted by `strtod`.
    private mutating func parseNumber() throws -> Double {
        let start = position
        func digits() -> Int {
            let begin = position
            while let byte = peek(), byte >= 0x30, byte <= 0x39 { position += 1 }
            return position - begin
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        guard digits() > 0 else { throw Failure(message: "invalid value at column \(start + 1)") }
        if bytes[integerStart] == 0x30, position - integerStart > 1 { throw Failure(message: "invalid number at column \(start + 1)") }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw Failure(message: "invalid number at column \(start + 1)") }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw Failure(message: "invalid number at column \(start + 1)") }
        }
        let length = position - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: bytes[start + offset]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// A JSON string with its escapes decoded (surrogate pairs joined; lone surrogates and raw
    /// control characters rejected).
    private mutating func parseString() throws -> String {
        try expect(UInt8(ascii: "\""))
        let output: [UInt8]
        do {
            output = try JSONString.decode(bytes, at: &position)
        } catch {
            throw Failure(message: "\(error.message) at column \(error.offset + 1)")
        }
        guard let text = String(validating: output, as: UTF8.self) else { throw Failure(message: "invalid UTF-8 in a string") }
        return text
    }
}
