import BPE
import Foundation
import Pretokenization

/// What in a vocabulary no text can bring out, found from the tokenizer alone (no model
/// weights): the checks magikarp-style tools make before looking at a model.
public struct TokenizerHealth: Codable, Sendable, Equatable {
    /// Ordinary tokens whose own text does not encode to them: a merge earlier in the list
    /// takes their parts elsewhere ("shadowed"), so ordinary text never produces them (tokens
    /// that are not whole UTF-8, pieces of a character, are left out: they have no text).
    public var unreachable: [Int]
    /// Tokens holding a byte that never occurs in UTF-8 (0xC0, 0xC1, 0xF5-0xFF).
    public var undecodable: [Int]
    /// Groups of ordinary tokens that spell the same bytes (all ids but the first are dead).
    public var duplicates: [[Int]]
    /// User-defined (added, non-special) tokens the pretokenizer cuts into several pieces:
    /// only matching them in raw text can produce them.
    public var unformableAdded: [Int]

    enum CodingKeys: String, CodingKey {
        case unreachable, undecodable, duplicates
        case unformableAdded = "unformable_added"
    }

    /// Checks every token of `tokenizer`.
    ///
    /// - Complexity: one encoding of every token's text.
    public init(_ tokenizer: Tokenizer) throws {
        let tokens = tokenizer.model.tokens
        // Token texts are what reaches the pieces after normalization (SentencePiece's "▁the"),
        // so they are encoded without the normalizer.
        let encoder = try BPEEncoder(model: tokenizer.model, pretokenizer: tokenizer.pretokenizer, normalizer: nil,
                                     userDefinedTokens: tokenizer.userDefinedTokens)
        let userDefined = Set(tokenizer.userDefinedTokens.map { Int($0.id) })
        unreachable = []
        undecodable = []
        var byBytes: [[UInt8]: [Int]] = [:]
        for (id, token) in tokens.enumerated() where !token.bytes.isEmpty {
            if token.bytes.contains(where: { $0 == 0xC0 || $0 == 0xC1 || $0 >= 0xF5 }) { undecodable.append(id) }
            guard !token.isSpecial, !userDefined.contains(id) else { continue }
            byBytes[token.bytes, default: []].append(id)
            guard let text = String(validating: token.bytes, as: UTF8.self) else { continue }
            let ids = encoder.encode(text)
            if ids != [UInt32(id)] && !(ids.count == 1 && tokens[Int(ids[0])].bytes == token.bytes) { unreachable.append(id) }
        }
        duplicates = byBytes.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        let splitter = try tokenizer.pretokenizer.makeSplitter()
        var ends: [Int] = []
        unformableAdded = tokenizer.userDefinedTokens.compactMap { added in
            ends.removeAll(keepingCapacity: true)
            added.bytes.withUnsafeBufferPointer { splitter.split($0, into: &ends) }
            return ends.count > 1 ? Int(added.id) : nil
        }.sorted()
    }

    /// The findings in a few lines (counts, and the first ids of each list).
    public var summary: String {
        func list(_ ids: [Int]) -> String { ids.prefix(8).map(String.init).joined(separator: " ") + (ids.count > 8 ? " ..." : "") }
        return ["health        \(unreachable.count) tokens their own text does not encode to\(unreachable.isEmpty ? "" : ": " + list(unreachable))",
                "              \(undecodable.count) tokens with bytes no UTF-8 text has\(undecodable.isEmpty ? "" : ": " + list(undecodable))",
                "              \(duplicates.count) spellings held by several tokens\(duplicates.isEmpty ? "" : ": " + list(duplicates.flatMap { $0 }))",
                "              \(unformableAdded.count) added tokens the pretokenizer cuts apart\(unformableAdded.isEmpty ? "" : ": " + list(unformableAdded))"]
            .joined(separator: "\n")
    }
}
