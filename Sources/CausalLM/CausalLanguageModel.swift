import Foundation
import Support

/// A GGUF causal language model loaded by llama.cpp for scoring on the CPU.
///
///     let model = try CausalLanguageModel(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
///     let scored = try model.score(tokens: [28120, 905, 314], first: 1)
///     // scored.logProbabilities[0] == log p(905 | 28120), and so on
///
/// One context, used by one thread at a time (llama.cpp spreads each batch over `threads`).
public final class CausalLanguageModel {
    private let library: LlamaCppLibrary
    private let handle: OpaquePointer
    /// The model file.
    public let path: String
    /// Tokens in the vocabulary (the length of every next-token distribution).
    public let vocabularySize: Int
    /// Tokens one pass can hold (the model's training context unless a smaller one was asked for).
    public let contextSize: Int
    /// The begin-of-text token llama.cpp puts before a text, or nil when the model adds none.
    public let beginToken: UInt32?

    /// Loads a model.
    /// - Parameters:
    ///   - contextSize: tokens per pass (nil or 0: the model's training context).
    ///   - threads: CPU threads (nil: every core).
    /// - Throws: ``LlamaCppUnavailable`` without the library; an ``InputError`` naming `path` when
    ///   it is not a causal LM llama.cpp can load.
    public init(path: String, contextSize: Int? = nil, threads: Int? = nil) throws {
        guard FileManager.default.isReadableFile(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        library = try LlamaCppLibrary.shared()
        var message = [CChar](repeating: 0, count: 512)
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard let opened = library.open(path, Int32(contextSize ?? 0), Int32(cores), &message, message.count) else {
            throw InputError(path: path, problem: String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        handle = opened
        self.path = path
        vocabularySize = Int(library.vocabularySize(opened))
        self.contextSize = Int(library.contextSize(opened))
        let bos = library.beginToken(opened)
        beginToken = bos >= 0 ? UInt32(bos) : nil
    }

    deinit { library.close(handle) }

    /// llama.cpp's own tokenization of `text` (no begin-of-text token; special tokens not parsed).
    public func tokenize(_ text: String) -> [UInt32] {
        var bytes = Array(text.utf8CString.dropLast())
        var out = [Int32](repeating: 0, count: max(16, bytes.count + 2))
        var count = library.tokenize(handle, &bytes, Int32(bytes.count), &out, Int32(out.count))
        if count < 0 {
            out = [Int32](repeating: 0, count: Int(-count))
            count = library.tokenize(handle, &bytes, Int32(bytes.count), &out, Int32(out.count))
        }
        return out.prefix(Int(max(count, 0))).map { UInt32(bitPattern: $0) }
    }

    /// Per-token scores of one pass.
    public struct PassScores: Sendable {
        /// Natural log of p(token | the tokens before it in the pass).
        public var logProbabilities: [Double]
        /// Mean of log p under the whole next-token distribution at each scored position.
        public var means: [Double]
        /// Standard deviation of log p under that distribution.
        public var deviations: [Double]
    }

    /// Runs `tokens` (at most ``contextSize``) in one pass from an empty context and scores
    /// `tokens[first...]` (first >= 1: a token needs a prefix).
    /// - Complexity: one batched forward pass, plus O(vocabulary) per scored token.
    public func score(tokens: [UInt32], first: Int) throws -> PassScores {
        let count = max(0, tokens.count - first)
        var scores = PassScores(logProbabilities: .init(repeating: 0, count: count), means: .init(repeating: 0, count: count),
                                deviations: .init(repeating: 0, count: count))
        try pass(tokens, first: first) { ids in
            library.score(handle, ids, Int32(ids.count), Int32(first), &scores.logProbabilities, &scores.means, &scores.deviations)
        }
        return scores
    }

    /// The raw next-token logits (``vocabularySize`` floats per scored position) of the same
    /// pass as ``score(tokens:first:)``: for checking its statistics.
    public func logits(tokens: [UInt32], first: Int) throws -> [Float] {
        var out = [Float](repeating: 0, count: max(0, tokens.count - first) * vocabularySize)
        try pass(tokens, first: first) { ids in library.logits(handle, ids, Int32(ids.count), Int32(first), &out) }
        return out
    }

    /// Checks a pass's bounds, then runs `call` on its ids (a llama.cpp status, 0 for success).
    private func pass(_ tokens: [UInt32], first: Int, _ call: ([Int32]) -> Int32) throws {
        guard tokens.count <= contextSize else {
            throw InputError(path: path, problem: "a pass of \(tokens.count) tokens exceeds the context of \(contextSize)")
        }
        guard first >= 1, first <= tokens.count else { throw InputError(path: path, problem: "nothing to score in a pass of \(tokens.count) tokens from \(first)") }
        if let bad = tokens.first(where: { Int($0) >= vocabularySize }) {
            throw InputError(path: path, problem: "token \(bad) is outside the vocabulary of \(vocabularySize)")
        }
        let status = call(tokens.map { Int32(bitPattern: $0) })
        guard status == 0 else { throw InputError(path: path, problem: "llama.cpp could not decode a pass of \(tokens.count) tokens (status \(status))") }
    }
}
