import Foundation

/// `train --json`: what a tokenizer training wrote and read.
public struct TrainingSummary: Codable, Sendable {
    public var output: String
    public var merges: Int
    public var vocabulary: Int
    /// Text trained on, and its distinct words.
    public var bytes: Int
    public var words: Int
    /// Wall-clock seconds: nil unless asked for (`--timings`), so that the output is deterministic.
    public var seconds: Double?

    public init(output: String, merges: Int, vocabulary: Int, bytes: Int, words: Int, seconds: Double?) {
        self.output = output
        self.merges = merges
        self.vocabulary = vocabulary
        self.bytes = bytes
        self.words = words
        self.seconds = seconds
    }
}

/// `lm train --json`: the proxy language model written.
public struct ModelTrainingSummary: Codable, Sendable {
    public var output: String
    public var order: Int
    public var texts: Int
    public var tokens: Int
    /// Distinct n-grams per order, and the Kneser-Ney discounts per order.
    public var ngrams: [Int]
    public var discounts: [[Double]]
    /// Wall-clock seconds: nil unless asked for (`--timings`).
    public var seconds: Double?

    public init(output: String, order: Int, texts: Int, tokens: Int, ngrams: [Int], discounts: [[Double]], seconds: Double?) {
        self.output = output
        self.order = order
        self.texts = texts
        self.tokens = tokens
        self.ngrams = ngrams
        self.discounts = discounts
        self.seconds = seconds
    }
}

/// `lm score --json`: the texts scored and the model's loss on them.
public struct ScoringSummary: Codable, Sendable {
    public var texts: Int
    public var tokens: Int
    public var natsPerToken: Double
    public var perplexity: Double
    public var bitsPerByte: Double
    public var output: String

    public init(texts: Int, tokens: Int, natsPerToken: Double, bitsPerByte: Double, output: String) {
        self.texts = texts
        self.tokens = tokens
        self.natsPerToken = natsPerToken
        perplexity = exp(natsPerToken)
        self.bitsPerByte = bitsPerByte
        self.output = output
    }

    enum CodingKeys: String, CodingKey {
        case texts, tokens, perplexity, output
        case natsPerToken = "nats_per_token", bitsPerByte = "bits_per_byte"
    }
}

/// `report --json`: the files written.
public struct ReportsWritten: Codable, Sendable {
    public var written: [String]
    public init(written: [String]) { self.written = written }
}
