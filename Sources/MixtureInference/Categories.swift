import Corpora
import Foundation
import Support

/// A candidate category of training data and where its text is.
public struct CategorySource: Sendable, Equatable {
    /// The category's name: the folder entry's name without text extensions.
    public var name: String
    /// The text files of the category.
    public var files: [String]
    public init(name: String, files: [String]) {
        self.name = name
        self.files = files
    }

    /// The category's text, at most `maxBytes` of it (whole lines); a category without text
    /// is an error naming its files.
    public func read(maxBytes: Int? = nil) throws -> Corpus {
        let corpus = try Corpus(paths: files, maxBytes: maxBytes)
        guard !corpus.bytes.isEmpty else { throw InputError(path: files.joined(separator: ", "), problem: "category \(name) has no text") }
        return corpus
    }
}

/// Which half of a category's text to read.
public enum CategoryRole: String, Sendable {
    /// `sample.txt`: text to count pairs on (disjoint from training text).
    case sample
    /// `train.txt`: text to train tokenizers on.
    case train
}

/// Finds the categories in a folder.
///
/// Each entry of the folder is a category: a sub-folder (its `sample.txt` or `train.txt`, by
/// role, or the same gzipped, when present, else all its text files) or a single text file (`de.txt`,
/// `python.jsonl.gz`). `../shared/corpora/<family>/` works as it is.
public enum Categories {
    /// The categories under `folder`, sorted by name; `only` keeps the named ones (all must exist).
    public static func discover(in folder: String, role: CategoryRole = .sample, only: [String]? = nil) throws -> [CategorySource] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw InputError(path: folder, problem: "no such folder")
        }
        guard isDirectory.boolValue else { throw InputError(path: folder, problem: "not a folder of categories") }
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        var found: [String: CategorySource] = [:]
        for entry in entries {
            let path = (folder as NSString).appendingPathComponent(entry)
            var entryIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &entryIsDirectory)
            let source: CategorySource
            if entryIsDirectory.boolValue {
                let preferred = ["", ".gz"].map { (path as NSString).appendingPathComponent(role.rawValue + ".txt" + $0) }
                    .first { FileManager.default.fileExists(atPath: $0) }
                if let preferred {
                    source = CategorySource(name: entry, files: [preferred])
                } else {
                    guard let files = try? Corpus.files(at: path) else { continue }  // not a category
                    source = CategorySource(name: entry, files: files)
                }
            } else {
                guard Corpus.isCorpusFileName(entry) else { continue }
                source = CategorySource(name: categoryName(fileName: entry), files: [path])
            }
            if let existing = found[source.name] {
                throw InputError(path: folder, problem:
                    "two entries name category \(source.name): \(existing.files[0]) and \(source.files[0])")
            }
            found[source.name] = source
        }
        var result = found.values.sorted { $0.name < $1.name }
        if let only {
            var seen = Set<String>()
            for name in only where !seen.insert(name).inserted {
                throw InputError(path: folder, problem: "category \(name) is named twice")
            }
            let missing = only.filter { found[$0] == nil }
            if !missing.isEmpty {
                throw InputError(path: folder, problem: "no category named \(missing.joined(separator: ", "))")
            }
            result = result.filter { seen.contains($0.name) }
        }
        if result.isEmpty { throw InputError(path: folder, problem: "holds no categories (sub-folders or text files)") }
        return result
    }

    /// The categories of several folders together (`languages/`, `code/`, `domains/`), sorted
    /// by name; a name found in two folders is an error. `only` keeps the named ones.
    public static func discover(inFolders folders: [String], role: CategoryRole = .sample, only: [String]? = nil) throws -> [CategorySource] {
        guard folders.count > 1 else { return try discover(in: folders.first ?? "", role: role, only: only) }
        var found: [String: (CategorySource, String)] = [:]
        for folder in folders {
            for source in try discover(in: folder, role: role) {
                if let (_, other) = found[source.name] {
                    throw InputError(path: folder, problem: "category \(source.name) is also in \(other)")
                }
                found[source.name] = (source, folder)
            }
        }
        var result = found.values.map(\.0).sorted { $0.name < $1.name }
        if let only {
            var seen = Set<String>()
            for name in only where !seen.insert(name).inserted {
                throw InputError(path: folders.joined(separator: ", "), problem: "category \(name) is named twice")
            }
            let missing = only.filter { found[$0] == nil }
            if !missing.isEmpty {
                throw InputError(path: folders.joined(separator: ", "), problem: "no category named \(missing.joined(separator: ", "))")
            }
            result = result.filter { seen.contains($0.name) }
        }
        return result
    }

    /// `python.jsonl.gz` -> `python`.
    public static func categoryName(fileName: String) -> String {
        var name = fileName
        for suffix in [".gz", ".jsonl", ".txt"] where name.lowercased().hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        return name
    }
}

extension Categories {
    /// The categories of each folder by family (the folder's name): `languages` -> `[de, en, ...]`.
    public static func families(of folders: [String]) throws -> [String: [String]] {
        var families: [String: [String]] = [:]
        for folder in folders {
            families[(folder as NSString).lastPathComponent, default: []] += try discover(in: folder).map(\.name)
        }
        return families
    }
}
