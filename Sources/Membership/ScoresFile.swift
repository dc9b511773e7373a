import Foundation
import Support
import TokenizerFormats

/// The scores file: JSON Lines, one text per line, as written by `toksleuth lm score` and by
/// `scripts/export-scores.py` for any causal language model:
///
///     {"id": "...", "text": "...", "label": 1, "tokens": [ids], "logprobs": [...],
///      "mu": [...], "sigma": [...], "lowercase_logprobs": [...]}
///
/// - `logprobs[i]`: natural log of p(tokens[i] | tokens[..<i]); the first may be `null` (a model
///   without a begin-of-text token cannot score it). Required.
/// - `id` (string or number; default: the line number), `text`, `label` (1 member, 0 non-member),
///   `tokens` (same length as `logprobs`), `mu` and `sigma` (mean and standard deviation of
///   log p under the model's next-token distribution at each position, same length; Min-K%++),
///   `lowercase_logprobs` (the lowercased text scored by the same model; lowercase ratio).
///   Optional; a method whose input is missing is left out.
public enum ScoresFile {
    /// Reads and validates a scores file; any problem is an ``InputError`` naming `path:line`.
    public static func read(_ path: String) throws -> [ScoredText] {
        guard let data = FileBytes.contents(atPath: path) else {
            throw InputError(path: path, problem: "cannot read file")
        }
        var lines: [(number: Int, range: Range<Int>)] = []
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var number = 1
            for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A {
                var end = index
                if end > start, bytes[end - 1] == 0x0D { end -= 1 }
                if bytes[start..<end].contains(where: { $0 != 0x20 && $0 != 0x09 }) { lines.append((number, start..<end)) }
                start = index + 1
                number += 1
            }
        }
        guard !lines.isEmpty else { throw InputError(path: path, problem: "no texts (the file is empty)") }
        // Lines parse independently: spread them over the cores in contiguous chunks.
        let found = lines
        let parsed = try parallelMapChunks(count: found.count) { range in
            try range.map { index in try parse(data.subdata(in: found[index].range), path: path, line: found[index].number) }
        }
        return parsed.flatMap { $0 }
    }

    /// Writes texts as a scores file (atomically).
    public static func write(_ texts: [ScoredText], to path: String) throws {
        var output = ""
        for text in texts { output += line(for: text) + "\n" }
        try AtomicWrite.write(output, to: path)
    }

    /// One JSON line (keys in a fixed order; shortest round-trip numbers).
    public static func line(for text: ScoredText) -> String {
        func numbers(_ values: [Double]) -> String {
            "[" + values.map { $0.isNaN ? "null" : "\($0)" }.joined(separator: ",") + "]"
        }
        var fields = ["\"id\":" + jsonString(text.id)]
        if let body = text.text { fields.append("\"text\":" + jsonString(body)) }
        if let label = text.label { fields.append("\"label\":\(label)") }
        fields.append("\"tokens\":[" + text.tokens.map(String.init).joined(separator: ",") + "]")
        fields.append("\"logprobs\":" + numbers(text.logProbabilities))
        if let means = text.means { fields.append("\"mu\":" + numbers(means)) }
        if let deviations = text.deviations { fields.append("\"sigma\":" + numbers(deviations)) }
        if let lower = text.lowercaseLogProbabilities { fields.append("\"lowercase_logprobs\":" + numbers(lower)) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    static func jsonString(_ value: String) -> String {
        var out = ""
        OrderedJSON.quote(value, into: &out)
        return out
    }

    static func parse(_ data: Data, path: String, line: Int) throws -> ScoredText {
        func fail(_ problem: String) -> InputError { InputError(path: "\(path):\(line)", problem: problem) }
        let fields: [String: ScoresLineParser.Value]
        do {
            fields = try data.withUnsafeBytes { raw in
                var parser = ScoresLineParser(raw.bindMemory(to: UInt8.self))
                return try parser.parseObject()
            }
        } catch let error as ScoresLineParser.Failure {
            throw fail("not a JSON object: \(error.message)")
        }
        let id: String
        switch fields["id"] {
        case nil, .null?: id = String(line)
        case .string(let text)?: id = text
        case .number(let number)?: id = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        default: throw fail("\"id\" must be a string or a number")
        }
        var text: String?
        switch fields["text"] {
        case nil, .null?: break
        case .string(let string)?: text = string
        default: throw fail("\"text\" must be a string")
        }
        var label: Int?
        switch fields["label"] {
        case nil, .null?: break
        case .number(let number)? where number == 0 || number == 1: label = Int(number)
        default: throw fail("\"label\" must be 1 (member) or 0 (non-member)")
        }
        func numbers(_ key: String, logProbabilities: Bool) throws -> [Double]? {
            switch fields[key] {
            case nil, .null?: return nil
            case .numbers(let entries)?:
                var result = [Double](repeating: 0, count: entries.count)
                for (index, entry) in entries.enumerated() {
                    guard var value = entry else {
                        // Only the first token may lack a score (no begin-of-text token).
                        guard index == 0 else { throw fail("\"\(key)\"[\(index)] is null (only the first entry may be)") }
                        result[0] = .nan
                        continue
                    }
                    guard value.isFinite else { throw fail("\"\(key)\"[\(index)] is not finite") }
                    if logProbabilities {
                        // A log-probability above 0 is impossible; allow float rounding of p = 1.
                        guard value <= 1e-6 else { throw fail("\"\(key)\"[\(index)] = \(value) is positive (not a log-probability)") }
                        value = min(value, 0)
                    }
                    result[index] = value
                }
                return result
            default:
                throw fail("\"\(key)\" must be an array of numbers")
            }
        }
        guard let logProbabilities = try numbers("logprobs", logProbabilities: true) else { throw fail("\"logprobs\" is missing") }
        var tokens: [UInt32] = []
        switch fields["tokens"] {
        case nil, .null?: break
        case .numbers(let entries)?:
            tokens.reserveCapacity(entries.count)
            for (index, entry) in entries.enumerated() {
                guard let value = entry, value >= 0, value < 4_294_967_296, value == value.rounded() else {
                    throw fail("\"tokens\"[\(index)] is not a token id")
                }
                tokens.append(UInt32(value))
            }
            guard tokens.count == logProbabilities.count else {
                throw fail("\"tokens\" has \(tokens.count) entries but \"logprobs\" has \(logProbabilities.count)")
            }
        default: throw fail("\"tokens\" must be an array of ids")
        }
        let means = try numbers("mu", logProbabilities: true)
        let deviations = try numbers("sigma", logProbabilities: false)
        for (key, values) in [("mu", means), ("sigma", deviations)] {
            if let values, values.count != logProbabilities.count {
                throw fail("\"\(key)\" has \(values.count) entries but \"logprobs\" has \(logProbabilities.count)")
            }
        }
        if (means == nil) != (deviations == nil) { throw fail("\"mu\" and \"sigma\" must be given together") }
        if let deviations, let negative = deviations.indices.dropFirst().first(where: { deviations[$0] < 0 }) {
            throw fail("\"sigma\"[\(negative)] is negative")
        }
        let lower = try numbers("lowercase_logprobs", logProbabilities: true)
        return ScoredText(id: id, text: text, label: label, tokens: tokens, logProbabilities: logProbabilities,
                          means: means, deviations: deviations, lowercaseLogProbabilities: lower)
    }
}
