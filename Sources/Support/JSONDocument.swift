import Foundation

/// Foundation's JSON reader with its refusals turned into errors that name the file and say why.
///
///     try JSONDocument.parse(Data("[[".utf8), path: "bad.json")
///     // throws "bad.json: not valid JSON (Unexpected end of file around character 2.)"
public enum JSONDocument {
    /// The value `data` holds (objects as `[String: Any]`, arrays as `[Any]`).
    /// - Parameter context: put before the problem, e.g. `"line 7: "` for JSON Lines.
    /// - Throws: ``InputError`` for `path` with Foundation's reason: nesting past 512 levels,
    ///   numbers beyond `Double` (`1e999`), `NaN`, invalid UTF-8, lone surrogates, syntax.
    public static func parse(_ data: Data, path: String, context: String = "") throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw InputError(path: path, problem: "\(context)not valid JSON (\(reason(error)))")
        }
    }

    /// The top-level object of `data`.
    /// - Throws: as ``parse(_:path:context:)``, and when the value is not an object.
    public static func object(_ data: Data, path: String, context: String = "", expected: String = "a JSON object") throws -> [String: Any] {
        guard let object = try parse(data, path: path, context: context) as? [String: Any] else {
            throw InputError(path: path, problem: "\(context)not \(expected)")
        }
        return object
    }

    /// Foundation's one-line explanation of a JSON error.
    static func reason(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
