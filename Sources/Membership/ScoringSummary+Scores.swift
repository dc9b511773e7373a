import Foundation
import Support

extension ScoringSummary {
    /// The summary of scored texts: tokens and log-likelihood over the scored tokens only (a
    /// first token without a prefix is not scored), bits per byte of the texts.
    public init(_ scored: [ScoredText], output: String) {
        var logLikelihood = 0.0, tokens = 0, bytes = 0
        for text in scored {
            for value in text.logProbabilities where value.isFinite {
                logLikelihood += value
                tokens += 1
            }
            bytes += text.text?.utf8.count ?? 0
        }
        self.init(texts: scored.count, tokens: tokens, natsPerToken: -logLikelihood / Double(max(tokens, 1)),
                  bitsPerByte: -logLikelihood / log(2) / Double(max(bytes, 1)), output: output)
    }

    /// One line for the terminal.
    public var text: String {
        String(format: "scored %d texts, %d tokens: %.4f nats/token, perplexity %.2f, %.4f bits/byte",
               texts, tokens, natsPerToken, perplexity, bitsPerByte)
    }
}
