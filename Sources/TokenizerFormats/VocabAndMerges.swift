import BPE
import Foundation
import Pretokenization
import Support

/// GPT-2's original files: `vocab.json` (token -> id, also called `encoder.json`) and
/// `merges.txt` (one `a b` line per merge, also called `vocab.bpe`, optionally after a
/// `#version` line).
public enum VocabAndMerges {
    /// Reads the pair of files. Their pretokenizer is not stored in them; GPT-2's is the default.
    public static func read(vocabPath: String, mergesPath: String, pretokenizer: Pretokenizer = .gpt2) throws -> Tokenizer {
        guard let vocabData = FileBytes.contents(atPath: vocabPath) else {
            throw TokenizerFileError(path: vocabPath, problem: "cannot read file")
        }
        guard let mergesData = FileBytes.contents(atPath: mergesPath) else {
            throw TokenizerFileError(path: mergesPath, problem: "cannot read file")
        }
        let vocab: [(key: [UInt8], value: Int)]
        do {
            guard let members = try ExactJSONKeys.members(at: [], in: [UInt8](vocabData)) else {
                throw TokenizerFileError(path: vocabPath, problem: "not a JSON object of token -> id")
            }
            vocab = members
        } catch let error as ExactJSONKeys.SyntaxError {
            throw TokenizerFileError(path: vocabPath, problem: "not valid JSON (\(error.problem) at byte \(error.offset))")
        }
        guard let mergesText = String(data: mergesData, encoding: .utf8) else {
            throw TokenizerFileError(path: mergesPath, problem: "not valid UTF-8")
        }
        var lines: [String] = []
        for (number, line) in mergesText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = line
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || (number == 0 && line.hasPrefix("#version")) { continue }
            lines.append(String(line))
        }
        // Re-use the tokenizer.json reader on the equivalent document so both formats share
        // one set of checks.
        let document: [String: Any] = [
            "model": ["type": "BPE", "merges": lines] as [String: Any],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
        ]
        var tokenizer: Tokenizer
        do {
            tokenizer = try HuggingFaceJSON.build(root: document, vocabulary: vocab, path: vocabPath)
        } catch let error as TokenizerFileError {
            let path = error.problem.hasPrefix("merge") ? mergesPath : vocabPath
            throw TokenizerFileError(path: path, problem: error.problem)
        }
        tokenizer.pretokenizer = pretokenizer
        tokenizer.format = .vocabAndMerges
        tokenizer.source = vocabPath
        return tokenizer
    }

    /// `vocab.json` as HF's `model.save()` writes it (compact, ids in order).
    public static func vocabJSON(_ model: BPEModel) -> String {
        OrderedJSON.object((0..<model.tokens.count).map { (model.rendered(UInt32($0)), .int($0)) }).compact()
    }

    /// `merges.txt` as HF's `model.save()` writes it (with its `#version: 0.2` line).
    public static func mergesText(_ model: BPEModel) -> String {
        "#version: 0.2\n" + model.mergeLines.map { $0 + "\n" }.joined()
    }
}
