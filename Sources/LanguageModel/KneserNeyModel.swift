import Foundation
import Support

/// An interpolated modified Kneser-Ney n-gram model over token ids (Chen & Goodman 1998, as
/// KenLM's `lmplz` estimates it with `--vocab_pad`): toksleuth's proxy language model.
///
/// It gives the full next-token distribution over the `vocabularySize` ids at every position:
/// the lowest order is interpolated with the uniform distribution, so every id has a
/// probability above zero. Besides each token's log-probability it reports the mean and
/// standard deviation of the log-probability under the model's own distribution at each
/// position (what Min-K%++ needs) in time independent of the vocabulary size, from moments
/// precomputed per context.
public final class KneserNeyModel: Sendable {
    /// The n-gram order.
    public let order: Int
    /// Number of token ids the model predicts (ids `0..<vocabularySize`).
    public let vocabularySize: Int
    /// Texts and tokens the model was trained on.
    public let textCount: Int
    public let tokenCount: Int
    /// The discounts `D1`, `D2`, `D3+` of each order, lowest first.
    public let discounts: [[Double]]

    let counts: NGramCounts
    /// Per level `m` (index `m - 1`): start of each node's children at level `m + 1`
    /// (`count + 1` entries; the top level has none).
    private let childStarts: [[UInt32]]
    /// Interpolated probability of each node's n-gram: p(last word | the words before it).
    private let probabilities: [[Double]]
    /// Interpolation weight each node gives to the lower order when it is the context.
    private let gammas: [[Double]]
    private let rootGamma: Double
    /// Moments (sum of p log p, sum of p log^2 p) of the next-token distribution after each
    /// context node, levels `1..<order`, and after the empty context.
    private let firstMoments: [[Double]]
    private let secondMoments: [[Double]]
    private let rootMoments: (Double, Double)

    /// Trains a model of `order` on `texts`, each preceded by a begin-of-text context.
    /// Throws when an id is not below `vocabularySize`.
    public convenience init(texts: [[UInt32]], vocabularySize: Int, order: Int) throws {
        guard (1...NGramKey.maximumOrder).contains(order) else {
            throw LanguageModelError("order must be between 1 and \(NGramKey.maximumOrder), not \(order)")
        }
        guard vocabularySize > 0 else { throw LanguageModelError("vocabulary is empty") }
        for text in texts {
            if let bad = text.first(where: { Int($0) >= vocabularySize }) {
                throw LanguageModelError("token id \(bad) is outside the vocabulary of \(vocabularySize)")
            }
        }
        try self.init(counts: NGramCounts(texts: texts, vocabularySize: vocabularySize, order: order))
    }

    /// A model from counts; throws when the counts are not a Kneser-Ney trie (a corrupt file).
    init(counts: NGramCounts) throws {
        self.counts = counts
        order = counts.order
        vocabularySize = counts.vocabularySize
        textCount = counts.textCount
        tokenCount = counts.tokenCount
        let levels = order
        let vocabulary = vocabularySize

        // Children ranges from parent indices (children of a node are contiguous because every
        // level is sorted).
        var childStarts: [[UInt32]] = []
        for level in 1..<levels {
            let nodeCount = level == 1 ? vocabulary + 1 : counts.words[level - 1].count
            var starts = [UInt32](repeating: 0, count: nodeCount + 1)
            for parent in counts.parents[level] { starts[Int(parent) + 1] += 1 }
            for index in 0..<nodeCount { starts[index + 1] += starts[index] }
            childStarts.append(starts)
        }
        self.childStarts = childStarts

        // Discounts from the counts of counts of each order (the marker's unigram excluded).
        var discounts: [[Double]] = []
        for level in 1...levels {
            var ofCount = [Int](repeating: 0, count: 5)
            let levelCounts = level == 1 ? Array(counts.counts[0].dropLast()) : counts.counts[level - 1]
            for count in levelCounts where count > 0 && count < 5 { ofCount[Int(count)] += 1 }
            discounts.append(KneserNeyModel.discounts(countsOfCounts: ofCount))
        }
        self.discounts = discounts

        func discounted(_ count: UInt32, _ d: [Double]) -> Double {
            count == 0 ? 0 : Double(count) - d[min(Int(count), 3) - 1]
        }
        func gamma(_ counts: ArraySlice<UInt32>, _ d: [Double]) -> (gamma: Double, total: Double) {
            var total = 0.0, mass = 0.0
            for count in counts where count > 0 {
                total += Double(count)
                mass += d[min(Int(count), 3) - 1]
            }
            return total > 0 ? (mass / total, total) : (0, 0)
        }

        // Level 1: p(w) = (c(w) - D) / total + gamma / V.
        let unigramCounts = counts.counts[0]
        let (root, rootTotal) = gamma(unigramCounts[0..<vocabulary], discounts[0])
        rootGamma = rootTotal > 0 ? root : 1
        var unigramProbabilities = [Double](repeating: 0, count: vocabulary + 1)
        for word in 0..<vocabulary {
            let lower = rootGamma / Double(vocabulary)
            unigramProbabilities[word] = rootTotal > 0 ? discounted(unigramCounts[word], discounts[0]) / rootTotal + lower : lower
        }
        var probabilities = [unigramProbabilities]
        var gammas: [[Double]] = []
        // Suffix links: the node of an n-gram without its first word, one level down.
        var suffixes: [[UInt32]] = [[]]
        for level in 2...max(levels, 2) where levels >= 2 {
            let parentLevel = level - 1
            let starts = childStarts[parentLevel - 1]
            let levelCounts = counts.counts[level - 1]
            let words = counts.words[level - 1]
            let parents = counts.parents[level - 1]
            let d = discounts[level - 1]
            var levelGammas = [Double](repeating: 0, count: starts.count - 1)
            var totals = [Double](repeating: 0, count: starts.count - 1)
            for node in 0..<(starts.count - 1) {
                let range = Int(starts[node])..<Int(starts[node + 1])
                guard !range.isEmpty else { continue }
                (levelGammas[node], totals[node]) = gamma(levelCounts[range], d)
            }
            var levelSuffixes = [UInt32](repeating: 0, count: words.count)
            var levelProbabilities = [Double](repeating: 0, count: words.count)
            for node in 0..<words.count {
                let parent = Int(parents[node])
                let suffix: Int
                if level == 2 {
                    suffix = Int(words[node])
                } else {
                    // The parent's suffix, extended by this node's word, exists (a lower-order
                    // n-gram is kept for every higher one).
                    let parentSuffix = Int(suffixes[parentLevel - 1][parent])
                    guard let found = KneserNeyModel.child(of: parentSuffix, word: words[node], starts: childStarts[parentLevel - 2],
                                                           words: counts.words[parentLevel - 1]) else {
                        throw LanguageModelError("the \(level)-grams include one whose suffix is not a \(level - 1)-gram")
                    }
                    suffix = found
                }
                levelSuffixes[node] = UInt32(suffix)
                let lower = probabilities[level - 2][suffix]
                levelProbabilities[node] = discounted(levelCounts[node], d) / totals[parent] + levelGammas[parent] * lower
            }
            gammas.append(levelGammas)
            suffixes.append(levelSuffixes)
            probabilities.append(levelProbabilities)
        }
        self.probabilities = probabilities
        self.gammas = gammas

        // Moments of the distribution after every context, lowest level first.
        var rootFirst = 0.0, rootSecond = 0.0
        for word in 0..<vocabulary {
            let p = unigramProbabilities[word]
            let logP = log(p)
            rootFirst += p * logP
            rootSecond += p * logP * logP
        }
        rootMoments = (rootFirst, rootSecond)
        var firstMoments: [[Double]] = []
        var secondMoments: [[Double]] = []
        for level in 1..<levels {
            let starts = childStarts[level - 1]
            let nodeCount = starts.count - 1
            var first = [Double](repeating: 0, count: nodeCount)
            var second = [Double](repeating: 0, count: nodeCount)
            for node in 0..<nodeCount {
                let lowerFirst: Double, lowerSecond: Double
                if level == 1 {
                    (lowerFirst, lowerSecond) = rootMoments
                } else {
                    let suffix = Int(suffixes[level - 1][node])
                    (lowerFirst, lowerSecond) = (firstMoments[level - 2][suffix], secondMoments[level - 2][suffix])
                }
                let range = Int(starts[node])..<Int(starts[node + 1])
                guard !range.isEmpty else {
                    (first[node], second[node]) = (lowerFirst, lowerSecond)
                    continue
                }
                let g = gammas[level - 1][node]
                var seenFirst = 0.0, seenSecond = 0.0, lowerMass = 0.0, lowerSeenFirst = 0.0, lowerSeenSecond = 0.0
                for child in range {
                    let p = probabilities[level][child]
                    let logP = log(p)
                    seenFirst += p * logP
                    seenSecond += p * logP * logP
                    let q = probabilities[level - 1][Int(suffixes[level][child])]
                    let logQ = log(q)
                    lowerMass += q
                    lowerSeenFirst += q * logQ
                    lowerSeenSecond += q * logQ * logQ
                }
                // Unseen words get g * q: sum over them of g q log(g q) and g q log^2(g q).
                var unseenFirst = 0.0, unseenSecond = 0.0
                if g > 0 {
                    let logG = log(g)
                    let mass = max(0, 1 - lowerMass)
                    let restFirst = lowerFirst - lowerSeenFirst
                    let restSecond = lowerSecond - lowerSeenSecond
                    unseenFirst = g * (logG * mass + restFirst)
                    unseenSecond = g * (logG * logG * mass + 2 * logG * restFirst + restSecond)
                }
                first[node] = seenFirst + unseenFirst
                second[node] = seenSecond + unseenSecond
            }
            firstMoments.append(first)
            secondMoments.append(second)
        }
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    /// Modified Kneser-Ney discounts from counts of counts (Chen & Goodman eq. 26), or the
    /// fallback 0.5, 1, 1.5 when the estimate is undefined or out of range (too little data),
    /// as `lmplz --discount_fallback` does.
    static func discounts(countsOfCounts n: [Int]) -> [Double] {
        let fallback = [0.5, 1.0, 1.5]
        guard n[1] > 0, n[2] > 0, n[3] > 0, n[4] > 0 else { return fallback }
        let y = Double(n[1]) / (Double(n[1]) + 2 * Double(n[2]))
        var result: [Double] = []
        for j in 1...3 {
            let d = Double(j) - Double(j + 1) * y * Double(n[j + 1]) / Double(n[j])
            guard d >= 0, d <= Double(j) else { return fallback }
            result.append(d)
        }
        return result
    }

    /// Index of the child of `node` with `word`, by binary search in its children range.
    @inline(__always)
    static func child(of node: Int, word: UInt32, starts: [UInt32], words: [UInt32]) -> Int? {
        var low = Int(starts[node]), high = Int(starts[node + 1])
        while low < high {
            let middle = (low + high) >> 1
            let candidate = words[middle]
            if candidate == word { return middle }
            if candidate < word { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// Scores of every token of `tokens` given the tokens before it (the first given only the
    /// begin-of-text context). Ids must be below ``vocabularySize``.
    public func score(_ tokens: [UInt32]) -> TokenScores {
        var result = TokenScores(count: tokens.count)
        // contexts[k]: node at level k of the last k tokens, or -1 (index 0 unused).
        var contexts = [Int](repeating: -1, count: max(order, 2))
        var next = contexts
        if order > 1 { contexts[1] = vocabularySize }  // the begin-of-text marker's unigram node
        for (position, token) in tokens.enumerated() {
            // The distribution after the longest context that exists.
            var deepest = 0
            for level in stride(from: order - 1, through: 1, by: -1) where contexts[level] >= 0 {
                deepest = level
                break
            }
            let first = deepest == 0 ? rootMoments.0 : firstMoments[deepest - 1][contexts[deepest]]
            let second = deepest == 0 ? rootMoments.1 : secondMoments[deepest - 1][contexts[deepest]]
            result.means[position] = first
            result.deviations[position] = (max(0, second - first * first)).squareRoot()

            var probability = probabilities[0][Int(token)]
            for index in 1..<next.count { next[index] = -1 }
            if order > 1 { next[1] = Int(token) }
            var level = 1
            while level < order, contexts[level] >= 0 {
                let node = contexts[level]
                let starts = childStarts[level - 1]
                guard starts[node] < starts[node + 1] else { break }
                if let child = KneserNeyModel.child(of: node, word: token, starts: starts, words: counts.words[level]) {
                    probability = probabilities[level][child]
                    if level + 1 < order { next[level + 1] = child }
                } else {
                    probability *= gammas[level - 1][node]
                }
                level += 1
            }
            result.logProbabilities[position] = log(probability)
            swap(&contexts, &next)
        }
        return result
    }

    /// Number of n-grams stored per order.
    public var nGramCounts: [Int] {
        (1...order).map { $0 == 1 ? counts.counts[0].dropLast().filter { $0 > 0 }.count : counts.words[$0 - 1].count }
    }
}

/// Per-token scores of one text under a model.
public struct TokenScores: Sendable, Equatable {
    /// Natural log of p(token | tokens before it).
    public var logProbabilities: [Double]
    /// Mean of log p over the model's next-token distribution at each position.
    public var means: [Double]
    /// Standard deviation of log p over that distribution.
    public var deviations: [Double]

    public init(count: Int) {
        logProbabilities = [Double](repeating: 0, count: count)
        means = logProbabilities
        deviations = logProbabilities
    }
}

/// A language-model input that cannot be used.
public struct LanguageModelError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}
