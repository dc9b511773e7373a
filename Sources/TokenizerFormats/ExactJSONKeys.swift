import Foundation
import Support

/// The members of one JSON object with their keys exactly as written.
///
/// Foundation's `JSONSerialization` and `JSONDecoder` key objects by Swift `String`, whose
/// equality is canonical equivalence: `"\u00e9"` and `"e\u0301"` become one key and one of
/// the two tokens is silently lost. Character-level vocabularies (Gemma's, for one) hold such
/// pairs as distinct tokens, so the vocabulary object is read here, byte-exact.
///
///     let members = try ExactJSONKeys.members(at: ["model", "vocab"], in: Array(#"{"model": {"vocab": {"é": 1}}}"#.utf8))
///     // members == [(key: [0xC3, 0xA9], value: 1)]
enum ExactJSONKeys {
    /// A syntax error at a byte offset.
    struct SyntaxError: Error {
        let offset: Int
        let problem: String
    }

    /// The members (key bytes, integer value) of the object reached by following `path` from the
    /// top-level object; nil when the path does not lead to an object or a value is not an integer.
    /// - Complexity: O(n) in the document's length.
    static func members(at path: [String], in bytes: [UInt8]) throws -> [(key: [UInt8], value: Int)]? {
        var scanner = Scanner(bytes: bytes)
        var depth = 0
        while depth < path.count {
            guard try scanner.enterObject() else { return nil }
            var found = false
            while let key = try scanner.nextKey() {
                if key == Array(path[depth].utf8) { found = true; break }
                try scanner.skipValue()
            }
            guard found else { return nil }
            depth += 1
        }
        guard try scanner.enterObject() else { return nil }
        var members: [(key: [UInt8], value: Int)] = []
        while let key = try scanner.nextKey() {
            guard let value = try scanner.integer() else { return nil }
            members.append((key, value))
        }
        return members
    }

    /// A cursor over JSON text that decodes strings and skips values.
    struct Scanner {
        let bytes: [UInt8]
        var position = 0
        /// Whether the current object has yielded a member yet (a comma comes before the next).
        var started: [Bool] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ problem: String) -> SyntaxError { SyntaxError(offset: position, problem: problem) }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else {
                throw error("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        /// Enters the object at the cursor; false (cursor unmoved past space) if the value is not one.
        mutating func enterObject() throws -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return false }
            position += 1
            started.append(false)
            return true
        }

        /// The next key of the current object (cursor then at its value), or nil at its end.
        mutating func nextKey() throws -> [UInt8]? {
            skipSpace()
            guard position < bytes.count else { throw error("unterminated object") }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                started.removeLast()
                return nil
            }
            if started[started.count - 1] { try expect(UInt8(ascii: ",")) }
            started[started.count - 1] = true
            let key = try string()
            try expect(UInt8(ascii: ":"))
            return key
        }

        /// An integer value (cursor past it), or nil if the value is another kind or not integral.
        mutating func integer() throws -> Int? {
            skipSpace()
            let start = position
            try skipValue()
            guard let text = String(bytes: bytes[start..<position], encoding: .ascii)?.trimmingCharacters(in: .whitespaces) else { return nil }
            if let value = Int(text) { return value }
            if let value = Double(text), value == value.rounded(), abs(value) < 1e15 { return Int(value) }
            return nil
        }

        /// A string's UTF-8 bytes, escapes decoded (``JSONString``); JSON text is UTF-8, so
        /// other bytes are an error.
        mutating func string() throws -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            let start = position
            let decoded: [UInt8]
            do {
                decoded = try bytes.withUnsafeBufferPointer { try JSONString.decode($0, at: &position) }
            } catch let failure as JSONString.Failure {
                throw SyntaxError(offset: failure.offset, problem: failure.message)
            }
            guard String(validating: decoded, as: UTF8.self) != nil else { throw SyntaxError(offset: start, problem: "invalid UTF-8 in a string") }
            return decoded
        }

        /// Deepest nesting skipped: Foundation's JSON reader allows 512 levels, and a limit keeps a
        /// hostile document from overflowing the stack through this recursion.
        static let maxDepth = 512

        /// Moves past one value of any kind, nested `depth` levels below the object being read.
        mutating func skipValue(depth: Int = 0) throws {
            guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
            skipSpace()
            guard position < bytes.count else { throw error("missing value") }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                _ = try string()
            case UInt8(ascii: "{"):
                _ = try enterObject()
                while try nextKey() != nil { try skipValue(depth: depth + 1) }
            case UInt8(ascii: "["):
                position += 1
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
                while true {
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    guard position < bytes.count else { throw error("unterminated array") }
                    position += 1
                    if bytes[position - 1] == UInt8(ascii: "]") { return }
                    guard bytes[position - 1] == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
                }
            default:
                // A number or a literal: the run of bytes up to the next delimiter.
                let start = position
                while position < bytes.count, !",}] \t\n\r".utf8.contains(bytes[position]) { position += 1 }
                guard position > start else { throw error("missing value") }
            }
        }
    }
}
