import Corpora
import Foundation
import LanguageModel
import Support
import TokenizerFormats

/// Membership detection with known ground truth: real documents split IID into members and
/// non-members, a proxy model trained on the members (diluted with other documents of the same
/// source to control how strongly it memorises), both sides scored, every detector evaluated,
/// and the blind baseline beside them. With a shift source, non-members come from elsewhere
/// instead (a date split, a different site...), and the report shows how that inflates every
/// AUC, as the MIMIR study found for published benchmarks.
public struct Testbed {
    /// What to run.
    public struct Configuration: Sendable {
        /// Files or folders of the member source (documents separated by blank lines).
        public var corpus: [String]
        /// Files or folders non-members are drawn from in the shifted run (nil: IID only).
        public var shift: [String]?
        public var tokenizer: Tokenizer
        /// Words per evaluated text (the start of a document; shorter documents are not used).
        public var words = 64
        /// Members, and as many non-members (fewer when the corpus has fewer documents).
        public var textsPerSide = 500
        /// Other documents in the proxy's training data, as a multiple of the members' bytes:
        /// unused documents of the member source first, then documents of ``diluteWith``.
        public var dilution = 1.0
        /// More sources to dilute with, once the member source's spare documents run out.
        public var diluteWith: [String] = []
        /// The proxy's order. 2 by default: an order-4 model memorises every 4-gram of its members and
        /// every detector scores ~100% AUC, which no longer tells methods apart.
        public var order = 2
        public var k = 0.2
        public var dcPDDBound = 0.01
        public var resamples = 1000
        public var seed: UInt64 = 0

        public init(corpus: [String], shift: [String]? = nil, tokenizer: Tokenizer) {
            self.corpus = corpus
            self.shift = shift
            self.tokenizer = tokenizer
        }
    }

    /// Facts of the run and one report per split.
    public struct Result: Sendable {
        public var documents: Int
        public var members: Int
        public var nonMembers: Int
        /// Bytes the proxy trained on: members' documents, and other documents (dilution).
        public var memberBytes: Int
        public var dilutionBytes: Int
        /// Bytes the reference model trained on (also DC-PDD's frequency corpus).
        public var referenceBytes: Int
        public var proxyNGrams: [Int]
        public var iid: MembershipReport
        public var shifted: MembershipReport?
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The documents of `paths` (``Corpus/documentTexts``).
    public static func documents(_ paths: [String]) throws -> [String] {
        try Corpus(paths: paths).documentTexts
    }

    /// The first `count` whitespace-separated words of `document` (its own spacing kept), or
    /// nil when it has fewer.
    public static func prefix(of document: String, words count: Int) -> String? {
        var seen = 0
        var inWord = false
        for index in document.indices {
            let isSpace = document[index].isWhitespace
            if !isSpace, !inWord {
                seen += 1
                inWord = true
            } else if isSpace, inWord {
                inWord = false
                if seen == count { return String(document[..<index]) }
            }
        }
        return seen == count ? document : nil
    }

    public func run(progress: ((String) -> Void)? = nil) throws -> Result {
        let c = configuration
        var generator = SeededGenerator(seed: c.seed)
        let all = try Testbed.documents(c.corpus).shuffled(using: &generator)
        // Documents long enough to give a text; the rest can still dilute or serve as reference.
        let usable = all.indices.filter { Testbed.prefix(of: all[$0], words: c.words) != nil }
        let perSide = min(c.textsPerSide, usable.count / 3)
        guard perSide >= 10 else {
            throw MembershipError("\(c.corpus.joined(separator: ", ")): only \(usable.count) documents have \(c.words) words; "
                + "at least 30 are needed (members, non-members, reference)")
        }
        let memberIndices = Array(usable.prefix(perSide))
        let nonMemberIndices = Array(usable.dropFirst(perSide).prefix(perSide))
        let taken = Set(memberIndices + nonMemberIndices)
        let rest = all.indices.filter { !taken.contains($0) }
        // The rest, alternately: the reference model's data and the proxy's dilution.
        let referenceDocuments = rest.enumerated().filter { $0.offset % 2 == 0 }.map { all[$0.element] }
        var dilutionPool = rest.enumerated().filter { $0.offset % 2 == 1 }.map { all[$0.element] }
        if !c.diluteWith.isEmpty { dilutionPool += try Testbed.documents(c.diluteWith).shuffled(using: &generator) }
        let memberDocuments = memberIndices.map { all[$0] }
        let memberBytes = memberDocuments.reduce(0) { $0 + $1.utf8.count }
        var dilution: [String] = []
        var dilutionBytes = 0
        for document in dilutionPool where Double(dilutionBytes) < c.dilution * Double(memberBytes) {
            dilution.append(document)
            dilutionBytes += document.utf8.count
        }
        if Double(dilutionBytes) < c.dilution * Double(memberBytes) * 0.9 {
            progress?(String(format: "only %.2fx of the members' bytes are left for dilution", Double(dilutionBytes) / Double(memberBytes)))
        }

        let vocabulary = c.tokenizer.model.vocabularySize
        progress?("training the proxy on \(memberDocuments.count) member documents + \(dilution.count) others")
        let proxy = try KneserNeyModel(texts: try c.tokenizer.encode(memberDocuments + dilution),
                                       vocabularySize: vocabulary, order: c.order)
        progress?("training the reference model on \(referenceDocuments.count) documents")
        let referenceIDs = try c.tokenizer.encode(referenceDocuments)
        let reference = try KneserNeyModel(texts: referenceIDs, vocabularySize: vocabulary, order: c.order)
        var context = DetectorContext(k: c.k)
        context.dcPDDBound = c.dcPDDBound
        context.referenceFrequencies = TokenFrequencies(texts: referenceIDs, vocabularySize: vocabulary)

        let scorer = try ProxyScorer(tokenizer: c.tokenizer, model: proxy)
        let referenceScorer = try ProxyScorer(tokenizer: c.tokenizer, model: reference)
        func texts(_ indices: [Int], from documents: [String], label: Int, prefix: String) -> [LabelledText] {
            indices.enumerated().map { LabelledText(id: "\(prefix)\($0.offset)", text: Testbed.prefix(of: documents[$0.element], words: c.words)!, label: label) }
        }
        func evaluate(_ items: [LabelledText]) throws -> MembershipReport {
            try MembershipEvaluation.evaluate(texts: try scorer.score(items), references: try referenceScorer.score(items, lowercase: false),
                                              context: context, resamples: c.resamples, seed: c.seed)
        }
        let members = texts(memberIndices, from: all, label: 1, prefix: "member-")
        progress?("scoring \(members.count) members and \(nonMemberIndices.count) non-members")
        let iid = try evaluate(members + texts(nonMemberIndices, from: all, label: 0, prefix: "nonmember-"))

        var shifted: MembershipReport?
        if let shift = c.shift {
            let other = try Testbed.documents(shift).shuffled(using: &generator)
            let otherUsable = other.indices.filter { Testbed.prefix(of: other[$0], words: c.words) != nil }
            guard otherUsable.count >= perSide else {
                throw MembershipError("\(shift.joined(separator: ", ")): only \(otherUsable.count) documents have \(c.words) words; \(perSide) are needed")
            }
            progress?("scoring \(perSide) non-members from the shift source")
            shifted = try evaluate(members + texts(Array(otherUsable.prefix(perSide)), from: other, label: 0, prefix: "shifted-"))
        }
        return Result(documents: all.count, members: perSide, nonMembers: perSide, memberBytes: memberBytes, dilutionBytes: dilutionBytes,
                      referenceBytes: referenceDocuments.reduce(0) { $0 + $1.utf8.count }, proxyNGrams: proxy.nGramCounts,
                      iid: iid, shifted: shifted)
    }
}
