import Foundation

/// How toksleuth's results are written and read as JSON: snake_case keys, sorted, pretty
/// printed; wall-clock seconds only when asked for (``CodingUserInfoKey/includeTimings``), so that
/// identical inputs print identical bytes. The same types serve `--json`, the result cache, the
/// files `--keep-dir` writes and `report`.
public enum ResultJSON {
    /// An encoder of results; `timings` includes the seconds each stage took.
    public static func encoder(timings: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.userInfo[.includeTimings] = timings
        return encoder
    }

    /// `value` as JSON text.
    public static func text<Value: Encodable>(_ value: Value, timings: Bool = false) throws -> String {
        String(decoding: try encoder(timings: timings).encode(value), as: UTF8.self)
    }

    /// A decoder of results.
    public static var decoder: JSONDecoder { JSONDecoder() }

    /// `value` as a JSON object tree, for outputs still assembled by hand around typed parts.
    public static func object<Value: Encodable>(_ value: Value, timings: Bool = false) -> Any {
        (try? JSONSerialization.jsonObject(with: encoder(timings: timings).encode(value))) ?? NSNull()
    }
}

extension CodingUserInfoKey {
    /// Whether results encode their wall-clock seconds (a `Bool`; absent: no).
    public static let includeTimings = CodingUserInfoKey(rawValue: "toksleuth.includeTimings")!
}

extension Encoder {
    /// Whether this encoding includes wall-clock seconds.
    public var includesTimings: Bool { userInfo[.includeTimings] as? Bool ?? false }
}
