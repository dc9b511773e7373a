import Corpora
import Foundation
import LanguageModel
import Support
import TokenizerFormats

/// A text to be scored, before any model has seen it.
public struct LabelledText: Sendable {
    public var id: String
    public var text: String
    public var label: Int?
    public init(id: String, text: String, label: Int?) {
        self.id = id
        self.text = text
        self.label = label
    }

    /// Texts of a file: each record's `text` (and `id`, `label` when present) of a `.jsonl`
    /// file, otherwise every non-empty line. Invalid UTF-8 or an empty file is an error.
    public static func read(_ path: String, label: Int?) throws -> [LabelledText] {
        guard let data = FileBytes.contents(atPath: path) else {
            throw InputError(path: path, problem: "cannot read file")
        }
        let bytes = [UInt8](data)
        if let offset = UTF8Validation.firstInvalidOffset(bytes) {
            throw InputError(path: path, problem: "invalid UTF-8 at byte \(offset)")
        }
        let body = String(decoding: bytes, as: UTF8.self)
        var texts: [LabelledText] = []
        let isJSONLines = path.lowercased().hasSuffix(".jsonl")
        for (index, line) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line[...]
            guard trimmed.contains(where: { !$0.isWhitespace }) else { continue }
            if isJSONLines {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any],
                      let text = object["text"] as? String else {
                    throw InputError(path: "\(path):\(index + 1)", problem: "not a JSON object with a \"text\" string")
                }
                let id = (object["id"] as? String) ?? (object["id"] as? NSNumber)?.stringValue ?? "\(path):\(index + 1)"
                var recordLabel = label
                if let value = object["label"] as? NSNumber, label == nil { recordLabel = value.intValue }
                texts.append(LabelledText(id: id, text: text, label: recordLabel))
            } else {
                texts.append(LabelledText(id: "\((path as NSString).lastPathComponent):\(index + 1)", text: String(trimmed), label: label))
            }
        }
        guard !texts.isEmpty else { throw InputError(path: path, problem: "no texts (the file is empty)") }
        return texts
    }
}

/// Scores texts with toksleuth's proxy model: tokens, log-probabilities, the distribution's
/// mean and deviation per position, and the lowercased text's log-probabilities.
public struct ProxyScorer: Sendable {
    public let tokenizer: Tokenizer
    public let model: KneserNeyModel

    /// Throws when the tokenizer's ids do not fit the model's vocabulary.
    public init(tokenizer: Tokenizer, model: KneserNeyModel) throws {
        guard tokenizer.model.vocabularySize <= model.vocabularySize else {
            throw MembershipError("the tokenizer has \(tokenizer.model.vocabularySize) tokens but the model only \(model.vocabularySize)")
        }
        self.tokenizer = tokenizer
        self.model = model
    }

    /// Scores every text (on all cores; the result is the same whatever the core count).
    public func score(_ texts: [LabelledText], lowercase: Bool = true) throws -> [ScoredText] {
        let scored = try parallelMapChunks(count: texts.count) { range in
            let encoder = try tokenizer.makeEncoder()
            return range.map { index -> ScoredText in
                let item = texts[index]
                let tokens = encoder.encode(item.text)
                let scores = model.score(tokens)
                var lower: [Double]?
                if lowercase { lower = model.score(encoder.encode(item.text.lowercased())).logProbabilities }
                return ScoredText(id: item.id, text: item.text, label: item.label, tokens: tokens,
                                  logProbabilities: scores.logProbabilities, means: scores.means, deviations: scores.deviations,
                                  lowercaseLogProbabilities: lower)
            }
        }
        return scored.flatMap { $0 }
    }
}
