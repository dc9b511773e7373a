import BPE
import Foundation
import Pretokenization
import Support

/// tiktoken rank files (`.tiktoken`): one `base64(token bytes) rank` line per token, no merge
/// list. The merge list is reconstructed: the token of rank r is the merge of the two parts
/// that byte-pair merging over the ranks below r leaves of its bytes.
public enum Tiktoken {
    /// A known OpenAI encoding: its pattern and special tokens.
    public struct Encoding: Sendable {
        public var name: String
        public var pretokenizer: Pretokenizer
        public var specialTokens: [(String, Int)]
        /// Number of rank lines the published file has.
        public var ranks: Int
    }

    /// The encodings recognised by their number of ranks (or named with `encoding`).
    public static let encodings: [Encoding] = [
        Encoding(name: "r50k_base", pretokenizer: .gpt2, specialTokens: [("<|endoftext|>", 50256)], ranks: 50256),
        Encoding(name: "cl100k_base", pretokenizer: .cl100k, specialTokens: [
            ("<|endoftext|>", 100257), ("<|fim_prefix|>", 100258), ("<|fim_middle|>", 100259),
            ("<|fim_suffix|>", 100260), ("<|endofprompt|>", 100276)], ranks: 100256),
        Encoding(name: "o200k_base", pretokenizer: .o200k, specialTokens: [
            ("<|endoftext|>", 199999), ("<|endofprompt|>", 200018)], ranks: 199998),
        // Meta's Llama 3 `tokenizer.model` (a rank file despite its name): the 256 special tokens
        // of its reference `tokenizer.py` follow the ranks (Llama 3.1 renamed a few reserved ones).
        Encoding(name: "llama3", pretokenizer: .llama3, specialTokens: llama3SpecialTokens, ranks: 128_000),
    ]

    /// Llama 3's special tokens, at 128,000 and up.
    static let llama3SpecialTokens: [(String, Int)] = {
        let named = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
                     "<|reserved_special_token_2|>", "<|reserved_special_token_3|>", "<|start_header_id|>", "<|end_header_id|>",
                     "<|reserved_special_token_4|>", "<|eot_id|>"]
        let reserved = (5..<251).map { "<|reserved_special_token_\($0)|>" }
        return (named + reserved).enumerated().map { ($0.element, 128_000 + $0.offset) }
    }()

    /// Reads a rank file. The encoding (pattern, special tokens) is recognised from the number
    /// of ranks unless `encoding` names one of ``encodings``.
    public static func read(path: String, encoding name: String? = nil) throws -> Tokenizer {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        var rankedTokens: [(bytes: [UInt8], rank: Int)] = []
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            guard let space = line.firstIndex(of: 0x20) else {
                throw InputError(path: path, problem: "line \(lineNumber): not 'base64 rank'")
            }
            guard let bytes = Data(base64Encoded: Data(line[line.startIndex..<space])), !bytes.isEmpty else {
                throw InputError(path: path, problem: "line \(lineNumber): invalid base64")
            }
            guard let rank = Int(String(decoding: line[(space + 1)...], as: UTF8.self)), rank >= 0, rank < 10_000_000 else {
                throw InputError(path: path, problem: "line \(lineNumber): invalid rank")
            }
            rankedTokens.append(([UInt8](bytes), rank))
        }
        guard !rankedTokens.isEmpty else { throw InputError(path: path, problem: "no ranks in the file") }
        let known: Encoding?
        if let name {
            guard let found = encodings.first(where: { $0.name == name }) else {
                throw InputError(path: path, problem: "unknown encoding \(name) (known: \(encodings.map(\.name).joined(separator: ", ")))")
            }
            known = found
        } else {
            known = encodings.first { $0.ranks == rankedTokens.count }
        }
        let maxRank = rankedTokens.map(\.rank).max()!
        let specials = known?.specialTokens ?? []
        let size = max(maxRank + 1, (specials.map(\.1).max() ?? -1) + 1)
        var tokens = [Token?](repeating: nil, count: size)
        var idForBytes = ByteStringTable(capacity: rankedTokens.count)
        var idOfEntry: [Int] = []
        for (bytes, rank) in rankedTokens {
            guard tokens[rank] == nil else { throw InputError(path: path, problem: "rank \(rank) appears twice") }
            let (entry, inserted) = bytes.withUnsafeBufferPointer { idForBytes.insert($0.baseAddress!, $0.count) }
            guard inserted else { throw InputError(path: path, problem: "token of rank \(rank) appears twice") }
            precondition(entry == idOfEntry.count)
            idOfEntry.append(rank)
            tokens[rank] = Token(bytes: bytes)
        }
        for (content, id) in specials where tokens[id] == nil { tokens[id] = Token(bytes: Array(content.utf8), isSpecial: true) }
        var byteTokens = [UInt32](repeating: 0, count: 256)
        for byte in 0..<256 {
            guard let entry = [UInt8(byte)].withUnsafeBufferPointer({ idForBytes.index(of: $0.baseAddress!, 1) }) else {
                throw InputError(path: path, problem: "the single byte \(byte) has no rank")
            }
            byteTokens[byte] = UInt32(idOfEntry[entry])
        }
        // Ids no token uses (tiktoken leaves gaps before its special tokens) stay as empty placeholders.
        let filled = tokens.map { $0 ?? Token(bytes: [], isSpecial: true) }
        var merges: [MergeRule] = []
        var unreachable = 0
        for (bytes, rank) in rankedTokens.sorted(by: { $0.rank < $1.rank }) where bytes.count >= 2 {
            // tiktoken's byte-pair merge of the token's bytes with the ranks below its own: the
            // two parts left are its merge (a token's id is its rank). A token BPE cannot reach
            // from its bytes has no merge; tiktoken still encodes it when a whole piece equals it.
            let pair: (UInt32, UInt32)? = bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                func id(_ part: ByteRange) -> Int? { idForBytes.index(of: base + Int(part.start), Int(part.count)).map { idOfEntry[$0] } }
                let parts = (0..<Int32(buffer.count)).map { ByteRange(start: $0, count: 1) }
                guard let (left, right) = MergeRecovery.lastPair(of: parts, rankOf: { left, right in
                    let joined = left.joined(with: right)
                    return id(joined).flatMap { $0 < rank ? (UInt64($0), joined) : nil }
                }), let leftId = id(left), let rightId = id(right) else { return nil }
                return (UInt32(leftId), UInt32(rightId))
            }
            if let (left, right) = pair {
                merges.append(MergeRule(left: left, right: right, result: UInt32(rank)))
            } else {
                unreachable += 1
            }
        }
        var model = BPEModel(tokens: filled, merges: merges, byteTokens: byteTokens)
        model.semantics = .tokenRanks
        var tokenizer = Tokenizer(model: model, pretokenizer: known?.pretokenizer ?? .cl100k, format: .tiktoken, source: path)
        tokenizer.unreachableTokens = unreachable
        return tokenizer
    }
}
