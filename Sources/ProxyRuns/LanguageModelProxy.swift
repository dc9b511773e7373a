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

/// A proxy language model trained on a mixture, and its held-out loss per category
/// (`proxy train`).
public struct ProxyModelRun: Codable, Sendable {
    /// One category's weight in the mixture and the model's loss on its held-out text.
    public struct Loss: Codable, Sendable {
        public var name: String
        public var weight: Double
        public var bitsPerByte: Double
        enum CodingKeys: String, CodingKey { case name, weight, bitsPerByte = "bits_per_byte" }
        public init(name: String, weight: Double, bitsPerByte: Double) {
            self.name = name
            self.weight = weight
            self.bitsPerByte = bitsPerByte
        }
    }

    /// The n-gram order, and the tokens the model trained on.
    public var order: Int
    public var trainTokens: Int
    public var categories: [Loss]

    enum CodingKeys: String, CodingKey { case order, categories, trainTokens = "train_tokens" }

    public init(order: Int, trainTokens: Int, categories: [Loss]) {
        self.order = order
        self.trainTokens = trainTokens
        self.categories = categories
    }

    /// Trains an order-`order` model on `trainBytes` of the categories' training texts mixed in
    /// proportions `weights`, and measures its loss on up to `evalBytes` of each category's
    /// held-out text. Returns the model with its result.
    public static func train(tokenizer: Tokenizer, names: [String], weights: [Double], trainSources: [CategorySource],
                             heldOutSources: [CategorySource], trainBytes: Int, evalBytes: Int, order: Int) throws -> (KneserNeyModel, ProxyModelRun) {
        let train = try TokenizedCategories(sources: trainSources, tokenizer: tokenizer, maxBytes: nil)
        let model = try KneserNeyModel(texts: train.mixture(weights: weights, totalBytes: trainBytes),
                                       vocabularySize: tokenizer.model.vocabularySize, order: order)
        let held = try TokenizedCategories(sources: heldOutSources, tokenizer: tokenizer, maxBytes: evalBytes)
        let losses = try names.indices.map { index in
            Loss(name: names[index], weight: weights[index],
                 bitsPerByte: try bitsPerByte(model: model, documents: held.documents[index], bytes: held.bytes(of: index)))
        }
        return (model, ProxyModelRun(order: order, trainTokens: model.tokenCount, categories: losses))
    }
}
