/// One text with what a language model said about each of its tokens: the input of every
/// membership detector, whether the scores come from toksleuth's proxy model or from an
/// external model (a scores file).
///
/// Entry `i` of each array belongs to token `i`. Detectors use tokens 2...N only (entries
/// `1..<count`): a causal model without a begin-of-text token cannot score the first token,
/// and the published code (Min-K%, Min-K%++, DC-PDD) drops it too.
public struct ScoredText: Sendable, Equatable {
    /// The text's identifier (its line number when the input has none).
    public var id: String
    /// The text itself, when known (zlib ratio and the blind baseline need it).
    public var text: String?
    /// 1 = member, 0 = non-member, nil = unknown.
    public var label: Int?
    /// Token ids (may be empty for external scores that do not give them; DC-PDD needs them).
    public var tokens: [UInt32]
    /// Natural log of p(token | tokens before it); entry 0 may be NaN (not given).
    public var logProbabilities: [Double]
    /// Mean and standard deviation of log p under the model's next-token distribution at each
    /// position (Min-K%++ needs them).
    public var means: [Double]?
    public var deviations: [Double]?
    /// The same model's log-probabilities of the lowercased text's own tokens (lowercase ratio).
    public var lowercaseLogProbabilities: [Double]?

    public init(id: String, text: String?, label: Int?, tokens: [UInt32], logProbabilities: [Double],
                means: [Double]? = nil, deviations: [Double]? = nil, lowercaseLogProbabilities: [Double]? = nil) {
        self.id = id
        self.text = text
        self.label = label
        self.tokens = tokens
        self.logProbabilities = logProbabilities
        self.means = means
        self.deviations = deviations
        self.lowercaseLogProbabilities = lowercaseLogProbabilities
    }

    /// Whether any detector can score it: at least two tokens (one scored position).
    public var isScorable: Bool { logProbabilities.count >= 2 }

    /// Log-probabilities of tokens 2...N.
    var scoredLogProbabilities: ArraySlice<Double> { logProbabilities.dropFirst() }
}
