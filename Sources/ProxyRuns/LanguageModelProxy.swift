import Corpora
import Foundation
import LanguageModel
import MixtureInference
import Support
import TokenizerFormats

/// Category texts tokenized once, so that many proxy language models can be trained on
/// different mixtures of them without tokenizing again.
public struct TokenizedCategories: Sendable {
    public var names: [String]
    /// Per category: its documents' token ids and UTF-8 byte counts.
    public var documents: [[[UInt32]]]
    public var documentBytes: [[Int]]

    /// Reads the documents (``Corpus/documentTexts``) of every source, at most `maxBytes`
    /// per category, and tokenizes them on all cores.
    public init(sources: [CategorySource], tokenizer: Tokenizer, maxBytes: Int?) throws {
        names = sources.map(\.name)
        documents = []
        documentBytes = []
        for source in sources {
            let texts = try source.read(maxBytes: maxBytes).documentTexts
            guard !texts.isEmpty else { throw InputError(path: source.files.first ?? source.name, problem: "category \(source.name) has no text") }
            documents.append(try tokenizer.encode(texts))
            documentBytes.append(texts.map { $0.utf8.count })
        }
    }

    /// Total UTF-8 bytes of a category.
    public func bytes(of category: Int) -> Int { documentBytes[category].reduce(0, +) }

    /// About `totalBytes` of documents in proportions `weights`: each category's documents
    /// from the first, whole copies first when it has too few (``MixtureCorpus/portion(sizes:target:)``).
    public func mixture(weights: [Double], totalBytes: Int) -> [[UInt32]] {
        let total = weights.reduce(0, +)
        var result: [[UInt32]] = []
        for (category, weight) in weights.enumerated() where weight > 0 {
            let target = Int((Double(totalBytes) * weight / total).rounded())
            let plan = MixtureCorpus.portion(sizes: documentBytes[category], target: target)
            for _ in 0..<plan.copies { result += documents[category] }
            result += documents[category].prefix(plan.prefix)
        }
        return result
    }
}

/// Held-out loss of a proxy model in bits per UTF-8 byte (comparable across tokenizers):
/// -sum(log2 p) of every token of every document over the documents' bytes.
public func bitsPerByte(model: KneserNeyModel, documents: [[UInt32]], bytes: Int) throws -> Double {
    let sums = try parallelMapChunks(count: documents.count) { range in
        range.reduce(0.0) { $0 + model.score(documents[$1]).logProbabilities.reduce(0, +) }
    }
    return -sums.reduce(0, +) / log(2) / Double(max(bytes, 1))
}
