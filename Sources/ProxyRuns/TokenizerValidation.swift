import BPE
import Corpora
import Foundation
import MixtureInference
import Pretokenization
import Support
import TokenizerFormats

/// Tests an inferred mixture the way model builders test mixtures: retrain a cheap proxy
/// tokenizer on it and on its neighbours, and see which comes closest to the target's merges;
/// then infer the proxy's own mixture back (the round trip).
///
/// Proxies use the target's training pretokenizer and number of merges and are trained on
/// the category texts mixed in the candidate proportions (HF-exact byte-level BPE). The
/// candidates: the mixture given, the uniform mixture, each category alone that the mixture
/// weights most, and `alternatives` random perturbations of the mixture (each weight times
/// exp(N(0, perturbation^2)), renormalised).
public struct TokenizerValidation {
    public struct Configuration: Sendable {
        public var tokenizer: Tokenizer
        /// Text the proxies train on, per category of the mixture.
        public var proxyText: [CategorySource]
        /// Text the round trip counts pairs on (another half of each category when there is
        /// one); nil: no round trip.
        public var countingText: [CategorySource]?
        public var names: [String]
        public var mixture: [Double]
        public var alternatives = 10
        public var perturbation = 0.5
        public var trainBytes = 10_000_000
        public var countingBytes = 1_000_000
        public var roundTripMerges = 30_000
        public var solver = SolverOptions()
        public var seed: UInt64 = 0

        public init(tokenizer: Tokenizer, proxyText: [CategorySource], names: [String], mixture: [Double]) {
            self.tokenizer = tokenizer
            self.proxyText = proxyText
            self.names = names
            self.mixture = mixture
        }
    }

    /// One mixture tried.
    public struct Candidate: Codable, Sendable {
        public var label: String
        public var mixture: [Double]
        public var comparison: MergeComparison
    }

    /// The round trip: the proxy of the given mixture, inferred back.
    public struct RoundTrip: Codable, Sendable {
        /// Byte shares of the proxy's actual training text.
        public var truth: [Double]
        public var estimate: [Double]
        public var log10MSE: Double
        public var merges: Int
        /// True when the counting text is the proxy's own training text (checks the solver,
        /// not the data).
        public var sameText: Bool
        public var solverStop: String?

        enum CodingKeys: String, CodingKey {
            case truth, estimate, merges
            case log10MSE = "log10_mse", sameText = "same_text", solverStop = "solver_stop"
        }
    }

    public struct Result: Codable, Sendable {
        public var names: [String]
        public var merges: Int
        public var candidates: [Candidate]
        /// 1-based rank of the given mixture by ``MergeComparison/score`` among all candidates.
        public var rank: Int
        /// Whether the given mixture beats every perturbed neighbour.
        public var beatsEveryPerturbation: Bool
        public var roundTrip: RoundTrip?

        enum CodingKeys: String, CodingKey {
            case names, merges, candidates, rank
            case beatsEveryPerturbation = "beats_every_perturbation", roundTrip = "round_trip"
        }
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The candidate mixtures, the given one first.
    func candidates() -> [(String, [Double])] {
        let c = configuration
        let count = c.names.count
        var result: [(String, [Double])] = [("given", c.mixture), ("uniform", [Double](repeating: 1 / Double(count), count: count))]
        let largest = c.mixture.indices.max { c.mixture[$0] < c.mixture[$1] }!
        var single = [Double](repeating: 0, count: count)
        single[largest] = 1
        result.append(("only \(c.names[largest])", single))
        var generator = SeededGenerator(seed: c.seed &+ 0x5EED)
        for index in 0..<c.alternatives {
            var weights = c.mixture.map { weight -> Double in
                // Box-Muller normal draw.
                let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
                let u2 = Double.random(in: 0..<1, using: &generator)
                let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
                return weight * exp(c.perturbation * normal)
            }
            let total = weights.reduce(0, +)
            weights = weights.map { $0 / total }
            result.append(("perturbed \(index + 1)", weights))
        }
        return result
    }

    /// Trains a proxy on `weights` of the proxy text; returns it and the byte share each
    /// category really contributed.
    static func trainProxy(texts: [Corpus], weights: [Double], bytes: Int, pretokenizer: Pretokenizer,
                           merges: Int) throws -> (Tokenizer, [Double]) {
        let (mixture, portions) = MixtureCorpus.build(sources: texts, weights: weights, totalBytes: bytes)
        let words = try WordCounts.count(text: mixture.bytes, sequenceEnds: mixture.sequenceEnds, pretokenizer: pretokenizer)
        let model = try BPETrainer(vocabularySize: merges + 256).train(words)
        let sizes = portions.map { Double($0.bytes.count) }
        let total = sizes.reduce(0, +)
        return (Tokenizer(model: model, pretokenizer: pretokenizer, format: .trained), sizes.map { total > 0 ? $0 / total : 0 })
    }

    public func run(progress: ((String, Int, Int) -> Void)? = nil) throws -> Result {
        let c = configuration
        guard c.names.count == c.mixture.count, c.names.count == c.proxyText.count, c.names.count >= 2 else {
            throw InferenceError("validation needs at least two categories with text and a weight each")
        }
        let texts = try c.proxyText.map { try $0.read() }
        let target = MergeComparison.mergeBytes(c.tokenizer)
        guard !target.isEmpty else { throw InferenceError("\(c.tokenizer.source): the tokenizer has no merges to compare") }
        let pretokenizer = c.tokenizer.trainingPretokenizer ?? c.tokenizer.pretokenizer
        let list = candidates()
        let steps = list.count + (c.countingText == nil ? 0 : 1)
        var results: [Candidate] = []
        var givenProxy: (Tokenizer, [Double])?
        for (index, (label, weights)) in list.enumerated() {
            progress?("proxy tokenizer \(index + 1)/\(list.count) (\(label))", index, steps)
            let proxy = try TokenizerValidation.trainProxy(texts: texts, weights: weights, bytes: c.trainBytes,
                                                           pretokenizer: pretokenizer, merges: target.count)
            if index == 0 { givenProxy = proxy }
            results.append(Candidate(label: label, mixture: weights,
                                     comparison: MergeComparison(target: target, other: MergeComparison.mergeBytes(proxy.0))))
        }
        let givenScore = results[0].comparison.score
        let rank = 1 + results.dropFirst().filter { $0.comparison.score > givenScore }.count
        let perturbed = results.filter { $0.label.hasPrefix("perturbed") }
        var result = Result(names: c.names, merges: target.count, candidates: results, rank: rank,
                            beatsEveryPerturbation: perturbed.allSatisfy { $0.comparison.score < givenScore }, roundTrip: nil)

        if let counting = c.countingText, let (proxy, truth) = givenProxy {
            progress?("round trip: inferring the proxy's mixture", list.count, steps)
            let samples = try counting.map { try $0.read(maxBytes: c.countingBytes) }
            let mergeCount = min(c.roundTripMerges, proxy.model.merges.count)
            let inputs = InferenceInputs(tokenizer: proxy, names: c.names, samples: samples, mergeCount: mergeCount, cache: nil)
            let solution = try MixtureSolver(categories: try inputs.counts(), scale: c.solver.scale).solve(options: c.solver)
            let same = zip(counting, c.proxyText).allSatisfy { $0.files == $1.files }
            result.roundTrip = RoundTrip(truth: truth, estimate: solution.proportions,
                                         log10MSE: log10(max(meanSquaredError(solution.proportions, truth), 1e-300)),
                                         merges: mergeCount, sameText: same, solverStop: solution.report.stopReason)
        }
        return result
    }
}

extension TokenizerValidation.Result {
    /// The plain-text form `validate` prints: every candidate's comparison with the target,
    /// the given mixture's rank, and the round trip.
    public func table(target: String, trainBytes: Int) -> String {
        var lines = ["target: \(target) (\(merges) merges); proxies trained on \(trainBytes) bytes of \(names.joined(separator: ", "))",
                     "candidate        overlap@100  @1k    @10k   @all   rank corr. (score)  vocab Jaccard  mean overlap"]
        for candidate in candidates {
            let c = candidate.comparison
            func cell(_ key: String) -> String { c.overlap[key].map { String(format: "%5.3f", $0) } ?? "   - " }
            lines.append(candidate.label.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + "  \(cell("100"))       \(cell("1000"))  \(cell("10000"))  \(cell("all"))  "
                         + String(format: "%7.4f             %7.4f        %7.4f", c.rankCorrelation, c.vocabularyJaccard, c.meanOverlap))
        }
        lines.append("the given mixture ranks \(rank) of \(candidates.count); "
                     + (beatsEveryPerturbation ? "it beats every perturbation" : "some perturbation comes closer to the target"))
        if let trip = roundTrip {
            lines.append(String(format: "round trip: the given mixture's proxy, inferred back over %d merges: log10 MSE %.2f%@", trip.merges, trip.log10MSE,
                                trip.sameText ? " (counted on the proxy's own training text: checks the solver, not the data)" : ""))
            for (index, name) in names.enumerated() {
                lines.append("  " + name.padding(toLength: 14, withPad: " ", startingAt: 0)
                             + String(format: "trained %6.2f%%  inferred %6.2f%%", 100 * trip.truth[index], 100 * trip.estimate[index]))
            }
        }
        return lines.joined(separator: "\n")
    }
}
