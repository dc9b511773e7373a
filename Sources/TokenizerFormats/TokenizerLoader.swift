import Foundation
import Pretokenization
import Support

/// Finds and reads a tokenizer from a file or a folder, detecting the format.
///
/// In a folder the first of these wins: `tokenizer.json`; `vocab.json` + `merges.txt`;
/// `encoder.json` + `vocab.bpe`; a `*.tiktoken` file; `tokenizer.model` or another `*.model`
/// (SentencePiece); a `*.gguf` file. A file is recognised by its name or its first bytes.
public enum TokenizerLoader {
    /// Reads the tokenizer at `path`. `pretokenizer` overrides the one the files imply.
    public static func load(_ path: String, pretokenizer: Pretokenizer? = nil) throws -> Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TokenizerFileError(path: path, problem: "no such file or folder")
        }
        var tokenizer: Tokenizer
        if isDirectory.boolValue {
            tokenizer = try loadFolder(path)
        } else {
            tokenizer = try loadFile(path)
        }
        if let pretokenizer { tokenizer.pretokenizer = pretokenizer }
        tokenizer.cleanMerges()
        return tokenizer
    }

    /// The formats a folder is searched for, in order of preference.
    public static let preferenceOrder =
        "tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, *.tiktoken, tokenizer.model / *.model (SentencePiece), *.gguf"

    private static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    private static func loadFolder(_ folder: String) throws -> Tokenizer {
        let join = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        if exists(join("tokenizer.json")) { return try HuggingFaceJSON.read(path: join("tokenizer.json")) }
        for (vocab, merges) in [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")]
        where exists(join(vocab)) && exists(join(merges)) {
            return try VocabAndMerges.read(vocabPath: join(vocab), mergesPath: join(merges))
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        if let rankFile = names.first(where: { $0.hasSuffix(".tiktoken") }) {
            return try Tiktoken.read(path: join(rankFile))
        }
        if let model = names.first(where: { $0 == "tokenizer.model" }) ?? names.first(where: { $0.hasSuffix(".model") || $0.contains(".model.") }) {
            return try SentencePieceModel.read(path: join(model))
        }
        if let gguf = names.first(where: { $0.hasSuffix(".gguf") }) {
            return try GGUF.read(path: join(gguf))
        }
        throw TokenizerFileError(path: folder, problem:
            "no tokenizer found (looked for \(preferenceOrder))")
    }

    private static func loadFile(_ path: String) throws -> Tokenizer {
        let name = (path as NSString).lastPathComponent
        let folder = (path as NSString).deletingLastPathComponent
        let sibling = { (other: String) in (folder as NSString).appendingPathComponent(other) }
        let pairs = [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")]
        for (vocab, merges) in pairs {
            if name == vocab || name == merges {
                guard exists(sibling(vocab)), exists(sibling(merges)) else {
                    throw TokenizerFileError(path: path, problem: "\(vocab) needs \(merges) beside it")
                }
                return try VocabAndMerges.read(vocabPath: sibling(vocab), mergesPath: sibling(merges))
            }
        }
        if name.hasSuffix(".tiktoken") { return try Tiktoken.read(path: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TokenizerFileError(path: path, problem: "cannot read file")
        }
        let head = handle.readData(ofLength: 64)
        try? handle.close()
        if head.starts(with: Array("GGUF".utf8)) { return try GGUF.read(path: path) }
        if head.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") {
            return try HuggingFaceJSON.read(path: path)
        }
        // A ModelProto starts with its first piece: field 1, length-delimited (tag 0x0A).
        if name.hasSuffix(".model") || name.contains(".model.") || head.first == 0x0A {
            return try SentencePieceModel.read(path: path)
        }
        if let text = String(data: head, encoding: .utf8), text.split(separator: "\n").first?.split(separator: " ").count == 2 {
            return try Tiktoken.read(path: path)
        }
        throw TokenizerFileError(path: path, problem: "unrecognised tokenizer format (expected \(preferenceOrder))")
    }

    /// Writes `tokenizer` to `path`: a `.json` path gets a `tokenizer.json`; a folder gets
    /// `vocab.json` and `merges.txt`. Files are replaced atomically.
    public static func write(_ tokenizer: Tokenizer, to path: String) throws {
        var isDirectory: ObjCBool = false
        let isFolder = path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        if isFolder {
            try AtomicWrite.write(VocabAndMerges.vocabJSON(tokenizer.model), to: (path as NSString).appendingPathComponent("vocab.json"))
            try AtomicWrite.write(VocabAndMerges.mergesText(tokenizer.model), to: (path as NSString).appendingPathComponent("merges.txt"))
        } else {
            try AtomicWrite.write(HuggingFaceJSON.serialize(tokenizer), to: path)
        }
    }
}
