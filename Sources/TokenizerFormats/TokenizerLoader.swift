import Foundation
import Pretokenization
import Support

/// Finds and reads a tokenizer from a file or a folder, recognising the format by content.
///
/// A file is read as what its first bytes show, whatever its name (``FileKind``): Llama 3's
/// `tokenizer.model` is a tiktoken rank file, a `tokenizer.json` saved under another name is
/// still one. In a folder the first of these wins, each recognised by content: a
/// `tokenizer.json`; a vocabulary JSON with a merges text (`vocab.json` + `merges.txt`,
/// `encoder.json` + `vocab.bpe`); a rank file; a SentencePiece model; a GGUF file. The
/// tokenizer's ``Tokenizer/source`` names the file read.
public enum TokenizerLoader {
    /// Reads the tokenizer at `path`. `pretokenizer` overrides the one the files imply.
    public static func load(_ path: String, pretokenizer: Pretokenizer? = nil) throws -> Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TokenizerFileError(path: path, problem: "no such file or folder")
        }
        var tokenizer = isDirectory.boolValue ? try loadFolder(path) : try loadFile(path)
        if let pretokenizer { tokenizer.pretokenizer = pretokenizer }
        tokenizer.cleanMerges()
        return tokenizer
    }

    /// The formats a folder is searched for, in order of preference.
    public static let preferenceOrder =
        "tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, a tiktoken rank file, a SentencePiece model, a GGUF file"

    /// What a file holds, told from its first bytes.
    public enum FileKind: String, Sendable, CaseIterable {
        case tokenizerJSON, vocabularyJSON, mergesText, rankFile, sentencePiece, gguf

        /// The kind of the file at `path`, nil when it is none of these (or unreadable).
        public static func of(_ path: String) -> FileKind? { head(of: path).flatMap(of(head:)) }

        /// The first 64 KB of the regular file at `path` (nil: a folder, or unreadable).
        static func head(of path: String) -> [UInt8]? {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            do { return [UInt8](try handle.read(upToCount: 1 << 16) ?? Data()) } catch { return nil }  // nil data: empty file
        }

        /// The kind a file's name suggests (for files whose content is damaged: they are read
        /// as that, so that the error says what is wrong with them).
        static func suggested(byName name: String) -> FileKind? {
            let lower = name.lowercased()
            if lower == "vocab.json" || lower == "encoder.json" { return .vocabularyJSON }
            if lower == "merges.txt" || lower == "vocab.bpe" { return .mergesText }
            if lower.hasSuffix(".json") { return .tokenizerJSON }
            if lower.hasSuffix(".tiktoken") { return .rankFile }
            if lower.hasSuffix(".model") || lower.contains(".model.") { return .sentencePiece }
            if lower.hasSuffix(".gguf") { return .gguf }
            return nil
        }

        /// The kind of a file that starts with `head` (its first 64 KB or all of it).
        public static func of(head: [UInt8]) -> FileKind? {
            if head.starts(with: Array("GGUF".utf8)) { return .gguf }
            if let entries = firstEntries(ofJSONObject: head) {
                // A vocabulary JSON maps tokens to ids; tokenizer.json starts with "version",
                // "truncation" or another of its keys, whose values are not numbers (a damaged one
                // still reads as tokenizer.json, so that its error says what is wrong).
                func isNumber(_ byte: UInt8?) -> Bool { byte.map { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) } ?? false }
                let known = ["version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder", "model"]
                let first = entries[0]
                if isNumber(first.value) && (!known.contains(first.key) || isNumber(entries.dropFirst().first?.value)) { return .vocabularyJSON }
                // Other JSON (a model's config.json, tokenizer_config.json) is none of these.
                return known.contains(first.key) ? .tokenizerJSON : nil
            }
            // Text lines: whole ones only (the head may end inside one).
            let lines = head.split(separator: 0x0A, omittingEmptySubsequences: true).dropLast(head.count >= 1 << 16 ? 1 : 0).prefix(50)
            if !lines.isEmpty, lines.allSatisfy(isRankLine) { return .rankFile }
            // A ModelProto starts with its first piece: field 1, length-delimited (tag 0x0A).
            if head.first == 0x0A { return .sentencePiece }
            if let first = lines.first, first.starts(with: Array("#version".utf8)) || lines.allSatisfy({ $0.split(separator: 0x20).count == 2 }) {
                return .mergesText
            }
            return nil
        }

        /// The first two entries of the JSON object `head` starts with: each key and the first
        /// byte of its value (nil: not an object, or one without a key).
        private static func firstEntries(ofJSONObject head: [UInt8]) -> [(key: String, value: UInt8)]? {
            var i = 0
            func skipSpace() { while i < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[i]) { i += 1 } }
            func entry() -> (key: String, value: UInt8)? {
                skipSpace()
                guard i < head.count, head[i] == UInt8(ascii: "\"") else { return nil }
                i += 1
                let start = i
                while i < head.count, head[i] != UInt8(ascii: "\"") { i += head[i] == UInt8(ascii: "\\") ? 2 : 1 }
                let key = String(decoding: head[start..<min(i, head.count)], as: UTF8.self)
                i += 1
                skipSpace()
                guard i < head.count, head[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace()
                return i < head.count ? (key, head[i]) : nil
            }
            skipSpace()
            guard i < head.count, head[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            guard let first = entry() else { return nil }
            // Past the first value when it is a number (the only case the second entry matters).
            while i < head.count, ![UInt8(ascii: ","), UInt8(ascii: "}")].contains(head[i]), first.value != UInt8(ascii: "{"),
                  first.value != UInt8(ascii: "[") { i += 1 }
            guard i < head.count, head[i] == UInt8(ascii: ","), first.value != UInt8(ascii: "{"), first.value != UInt8(ascii: "[") else { return [first] }
            i += 1
            return [first] + (entry().map { [$0] } ?? [])
        }

        /// `base64 rank`, as tiktoken writes each line.
        private static func isRankLine(_ line: ArraySlice<UInt8>) -> Bool {
            let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
            let base64 = parts[0].allSatisfy { $0 < 128 && (isalnum(Int32($0)) != 0 || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=")) }
            return base64 && parts[0].count % 4 == 0 && parts[1].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
    }

    private static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The files of `folder` (hidden ones left out) in name order, each with its first bytes and
    /// what they show: read once, for every choice made over the folder.
    private static func survey(_ folder: String) -> [(name: String, kind: FileKind?, head: [UInt8])] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.compactMap { name in
            FileKind.head(of: (folder as NSString).appendingPathComponent(name)).map { (name, FileKind.of(head: $0), $0) }
        }
    }

    private static func loadFolder(_ folder: String) throws -> Tokenizer {
        let join = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        let files = survey(folder)
        let names = files.map(\.name)
        // Each kind by content, the conventional name first; a file under its conventional name
        // whose content is damaged is still read as that (its error then says what is wrong).
        func first(_ kind: FileKind, named conventional: String? = nil, where accept: ([UInt8]) -> Bool = { _ in true }) -> String? {
            if let conventional, let file = files.first(where: { $0.name == conventional }), file.kind == kind || file.kind == nil {
                return conventional
            }
            return files.first { $0.kind == kind && accept($0.head) }?.name
        }
        // Under another name, a tokenizer.json must show its model object (not a damaged stray file).
        let showsModel = { (head: [UInt8]) in String(decoding: head, as: UTF8.self).range(of: #""model"\s*:\s*\{"#, options: .regularExpression) != nil }
        if let json = first(.tokenizerJSON, named: "tokenizer.json", where: showsModel) { return try HuggingFaceJSON.read(path: join(json)) }
        for (vocab, merges) in [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")] where names.contains(vocab) && names.contains(merges) {
            return try VocabAndMerges.read(vocabPath: join(vocab), mergesPath: join(merges))
        }
        if let vocab = first(.vocabularyJSON), let merges = first(.mergesText) {
            return try VocabAndMerges.read(vocabPath: join(vocab), mergesPath: join(merges))
        }
        if let ranks = first(.rankFile) { return try Tiktoken.read(path: join(ranks)) }
        if let model = first(.sentencePiece, named: "tokenizer.model") { return try SentencePieceModel.read(path: join(model)) }
        if let gguf = first(.gguf) { return try GGUF.read(path: join(gguf)) }
        throw TokenizerFileError(path: folder, problem: "no tokenizer found (looked for \(preferenceOrder))")
    }

    private static func loadFile(_ path: String) throws -> Tokenizer {
        guard FileManager.default.isReadableFile(atPath: path) else { throw TokenizerFileError(path: path, problem: "cannot read file") }
        switch FileKind.of(path) ?? FileKind.suggested(byName: (path as NSString).lastPathComponent) {
        case .tokenizerJSON: return try HuggingFaceJSON.read(path: path)
        case .rankFile: return try Tiktoken.read(path: path)
        case .sentencePiece: return try SentencePieceModel.read(path: path)
        case .gguf: return try GGUF.read(path: path)
        case .vocabularyJSON, .mergesText:
            // The pair lives in one folder: this file and the other kind beside it.
            let folder = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            let tokenizer = try loadFolderPair(folder, including: name)
            return tokenizer
        case nil:
            throw TokenizerFileError(path: path, problem: "unrecognised tokenizer format (expected \(preferenceOrder))")
        }
    }

    /// The vocabulary JSON and merges text of `folder`, one of them the file `name`.
    private static func loadFolderPair(_ folder: String, including name: String) throws -> Tokenizer {
        let join = { (other: String) in (folder as NSString).appendingPathComponent(other) }
        let conventional = [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")]
        if let (vocab, merges) = conventional.first(where: { $0.0 == name || $0.1 == name }) {
            guard exists(join(vocab)), exists(join(merges)) else {
                throw TokenizerFileError(path: join(name), problem: "\(vocab) needs \(merges) beside it")
            }
            return try VocabAndMerges.read(vocabPath: join(vocab), mergesPath: join(merges))
        }
        let files = survey(folder)
        let kind = files.first { $0.name == name }?.kind ?? FileKind.suggested(byName: name)
        let wanted: FileKind = kind == .vocabularyJSON ? .mergesText : .vocabularyJSON
        guard let other = files.first(where: { $0.name != name && $0.kind == wanted })?.name else {
            throw TokenizerFileError(path: join(name), problem: "a \(kind == .vocabularyJSON ? "vocabulary" : "merges") file needs its \(wanted == .mergesText ? "merges text" : "vocabulary JSON") beside it")
        }
        return kind == .vocabularyJSON ? try VocabAndMerges.read(vocabPath: join(name), mergesPath: join(other))
                                       : try VocabAndMerges.read(vocabPath: join(other), mergesPath: join(name))
    }

    /// Writes `tokenizer` to `path`: a `.json` path gets a `tokenizer.json`; a folder gets
    /// `vocab.json` and `merges.txt`. Files are replaced atomically.
    public static func write(_ tokenizer: Tokenizer, to path: String) throws {
        var isDirectory: ObjCBool = false
        let isFolder = path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        if isFolder {
            try AtomicWrite.write(files: [((path as NSString).appendingPathComponent("vocab.json"), Array(VocabAndMerges.vocabJSON(tokenizer.model).utf8)),
                                          ((path as NSString).appendingPathComponent("merges.txt"), Array(VocabAndMerges.mergesText(tokenizer.model).utf8))])
        } else {
            try AtomicWrite.write(HuggingFaceJSON.serialize(tokenizer), to: path)
        }
    }
}
