import BPE
import Foundation
import Membership
import Support
import TokenizerFormats

/// Scores texts with a GGUF causal language model for the membership detectors: tokens,
/// log p of each token given its prefix, the mean and deviation of log p over the whole
/// next-token distribution (Min-K%++), and the lowercased text's log-probabilities.
///
/// Texts are tokenized by toksleuth's own reader of the model's GGUF vocabulary and checked
/// equal to llama.cpp's tokenization: a mismatch is an error, never silently used.
///
/// Texts longer than the context are scored in windows: the first window scores its tokens
/// with everything before them; each later window starts half a context back from the first
/// token not yet scored, so every token is scored with at least half a context of the tokens
/// just before it (or all of them).
public final class CausalScorer {
    /// The model.
    public let model: CausalLanguageModel
    /// toksleuth's reading of the model's vocabulary.
    public let tokenizer: Tokenizer
    /// Holds mutable caches: a scorer is used from one thread at a time.
    private let encoder: BPEEncoder

    /// A scorer for the model at `path` (its GGUF vocabulary read by toksleuth).
    /// - Parameters:
    ///   - contextSize: tokens per pass (nil: the model's training context).
    public convenience init(modelPath: String, contextSize: Int? = nil, threads: Int? = nil) throws {
        let tokenizer = try TokenizerLoader.load(modelPath)
        let model = try CausalLanguageModel(path: modelPath, contextSize: contextSize, threads: threads)
        try self.init(model: model, tokenizer: tokenizer)
    }

    /// A scorer over a loaded model and a tokenizer of the same vocabulary.
    public init(model: CausalLanguageModel, tokenizer: Tokenizer) throws {
        guard tokenizer.model.vocabularySize <= model.vocabularySize else {
            throw InputError(path: model.path, problem: "its vocabulary has \(model.vocabularySize) tokens, the tokenizer \(tokenizer.model.vocabularySize)")
        }
        guard model.contextSize >= 2 else { throw InputError(path: model.path, problem: "a context of \(model.contextSize) tokens cannot score anything") }
        self.model = model
        self.tokenizer = tokenizer
        encoder = try tokenizer.makeEncoder()
    }

    /// The tokens of `text`, toksleuth's and llama.cpp's alike.
    /// - Throws: a ``TokenizationMismatch`` naming the text and the first differing position.
    public func tokens(of text: String, id: String) throws -> [UInt32] {
        let ours = encoder.encode(text)
        let theirs = model.tokenize(text)
        guard ours == theirs else {
            let position = (0..<min(ours.count, theirs.count)).first { ours[$0] != theirs[$0] } ?? min(ours.count, theirs.count)
            throw TokenizationMismatch(id: id, position: position, ours: Array(ours.dropFirst(position).prefix(5)),
                                       theirs: Array(theirs.dropFirst(position).prefix(5)))
        }
        return ours
    }

    /// Scores one text (and its lowercased form when `lowercase`).
    public func score(_ item: LabelledText, lowercase: Bool = true) throws -> ScoredText {
        let tokens = try tokens(of: item.text, id: item.id)
        let scores = try score(tokens: tokens)
        var lower: [Double]?
        if lowercase { lower = try score(tokens: try self.tokens(of: item.text.lowercased(), id: item.id + " (lowercased)")).logProbabilities }
        return ScoredText(id: item.id, text: item.text, label: item.label, tokens: tokens, logProbabilities: scores.logProbabilities,
                          means: scores.means, deviations: scores.deviations, lowercaseLogProbabilities: lower)
    }

    /// Scores of a token sequence, one per token: the first is NaN (unscored) when the model
    /// puts no begin-of-text token before a text.
    /// - Complexity: about `tokens.count / (contextSize / 2)` passes beyond the first.
    public func score(tokens: [UInt32]) throws -> CausalLanguageModel.PassScores {
        let sequence = (model.beginToken.map { [$0] } ?? []) + tokens
        let offset = sequence.count - tokens.count  // 1 with a begin token: every text token is scored
        var result = CausalLanguageModel.PassScores(logProbabilities: [], means: [], deviations: [])
        if offset == 0, !tokens.isEmpty {
            result.logProbabilities.append(.nan)
            result.means.append(.nan)
            result.deviations.append(.nan)
        }
        let window = model.contextSize
        var scored = 1  // sequence[..<scored] is done
        while scored < sequence.count {
            let start = scored == 1 ? 0 : scored - window / 2
            let end = min(start + window, sequence.count)
            let pass = try model.score(tokens: Array(sequence[start..<end]), first: scored - start)
            result.logProbabilities += pass.logProbabilities
            result.means += pass.means
            result.deviations += pass.deviations
            scored = end
        }
        return result
    }
}

/// toksleuth's tokenization of a text differs from llama.cpp's.
public struct TokenizationMismatch: UserFacingError {
    /// The text's id.
    public let id: String
    /// The first token position where they differ.
    public let position: Int
    /// toksleuth's and llama.cpp's tokens from there (up to five).
    public let ours: [UInt32], theirs: [UInt32]
    public var description: String {
        "text \(id): toksleuth's tokenization differs from llama.cpp's at token \(position) (toksleuth \(ours), llama.cpp \(theirs)); not scored"
    }
}

extension CausalScorer {
    /// Scores every text in order, skipping those `writer` already holds from an interrupted
    /// run and appending each new one to it as it is done; `progress(done, total)` after each.
    /// - Returns: every text's scores, the earlier run's included.
    public func scoreAll(_ items: [LabelledText], lowercase: Bool = true, writer: ScoresFileWriter? = nil,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> [ScoredText] {
        var scored = writer?.done ?? []
        for item in items.dropFirst(scored.count) {
            let text = try score(item, lowercase: lowercase)
            try writer?.append(text)
            scored.append(text)
            progress(scored.count, items.count)
        }
        return scored
    }

    /// What a resumed run must match: the model file (path and size), the context and whether
    /// lowercased texts are scored.
    public func settings(lowercase: Bool) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int) ?? 0
        return "model \(model.path) (\(size) bytes), context \(model.contextSize), lowercase \(lowercase)"
    }
}
