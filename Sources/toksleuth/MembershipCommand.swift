import ArgumentParser
import CausalLM
import Corpora
import Foundation
import LanguageModel
import Membership
import Support
import TokenizerFormats

/// `toksleuth membership`: was this text in the training data?
struct MembershipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "membership",
        abstract: "Membership detection: Min-K% Prob and its successors, with honest metrics and a blind baseline.",
        discussion: """
            Example:
              toksleuth membership --scores /tmp/scores.jsonl
              toksleuth membership testbed --corpus fixtures/corpora/languages/en --tokenizer fixtures/reference/gpt2 --words 24
            """,
        subcommands: [MembershipEvaluate.self, MembershipTestbed.self],
        defaultSubcommand: MembershipEvaluate.self
    )
}

/// Options shared by the evaluation and the testbed.
struct MembershipOptions: ParsableArguments {
    @Option(name: .long, help: "Methods, comma-separated: loss, zlib, lowercase, ref, min-k, min-k++, dc-pdd (default: every one whose input is present).")
    var methods: String?

    @Option(name: .customLong("k"), help: "Fraction of tokens Min-K% and Min-K%++ average.")
    var k = 0.2

    @Option(name: .long, help: "DC-PDD's upper bound per token (the paper's a).")
    var dcPddBound = 0.01

    @Option(name: .long, help: "Bootstrap resamples for the AUC interval.")
    var resamples = 1000

    @Option(name: .long, help: "Seed of the bootstrap (and of the testbed's split).")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Write the ROC curves as CSV (method,threshold,fpr,tpr).")
    var roc: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Skip the model-free blind baseline.")
    var noBlindBaseline = false

    func parsedMethods() throws -> [MembershipMethod]? {
        guard let methods else { return nil }
        return try methods.split(whereSeparator: { $0 == "," || $0 == " " }).map { name in
            guard let method = MembershipMethod(rawValue: String(name)) else {
                throw ValidationError("unknown method '\(name)' (choose from \(MembershipMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return method
        }
    }

    func validate() throws {
        guard k > 0, k <= 1 else { throw ValidationError("--k must be in (0, 1]") }
        guard dcPddBound > 0 else { throw ValidationError("--dc-pdd-bound must be positive") }
        guard resamples >= 0 else { throw ValidationError("--resamples must not be negative") }
        _ = try parsedMethods()
    }
}

struct MembershipEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate every detector on member and non-member texts (the default subcommand).",
        discussion: """
            Either texts and a proxy model (--members, --nonmembers, --model: toksleuth scores
            them itself), or a scores file from any model (--scores; each line carries its
            label, see README "Scores files"). Scores: higher = member. Prints, per method, the
            ROC AUC with a 95% bootstrap interval and the TPR at 0.1%, 1% and 5% FPR, and a
            model-free blind baseline; warns when the baseline alone separates the sets.

            Example:
              toksleuth membership --members m.txt --nonmembers n.txt --model /tmp/en.tslm --reference /tmp/ref.tslm
              toksleuth membership --scores scores.jsonl --json
            """
    )

    @Option(name: .long, help: "Member texts (.jsonl records or one text per line).")
    var members: String?

    @Option(name: .long, help: "Non-member texts.")
    var nonmembers: String?

    @Option(name: .long, help: "The target model: a proxy (`lm train`, .tslm) or a GGUF causal LM run by llama.cpp.")
    var model: String?

    @Option(name: .long, help: "The tokenizer (default: the model's own).")
    var tokenizer: String?

    @Option(name: .long, help: "A scores file (JSON Lines with labels).")
    var scores: String?

    @Option(name: .long, help: "Reference model for `ref`: a .tslm proxy, a GGUF causal LM, or a scores file of the same texts (same ids).")
    var reference: String?

    @Option(name: .long, help: "Reference corpus for DC-PDD's token frequencies (files or folders; needs the tokenizer).")
    var frequencies: [String] = []

    @OptionGroup var options: MembershipOptions

    @OptionGroup var causal: CausalModelOptions

    func validate() throws {
        let textMode = members != nil || nonmembers != nil || model != nil
        guard textMode != (scores != nil) else {
            throw ValidationError("give either --members, --nonmembers and --model, or --scores")
        }
        if textMode, members == nil || nonmembers == nil || model == nil {
            throw ValidationError("--members, --nonmembers and --model go together")
        }
    }

    func run() throws {
        let (texts, loadedTokenizer) = try scoredTexts()
        let report = try MembershipEvaluation.evaluate(texts: texts, references: try referenceScores(for: texts),
                                                       methods: try options.parsedMethods(), context: try detectorContext(loadedTokenizer),
                                                       resamples: options.resamples, seed: options.seed,
                                                       blindBaseline: !options.noBlindBaseline)
        if let roc = options.roc { try AtomicWrite.write(report.rocCSV, to: roc) }
        print(options.json ? try ResultJSON.text(report.summary) : report.table)
    }

    /// The labelled texts with the target model's scores (from --scores, or scored here by
    /// --model), and the tokenizer they were scored with when known.
    private func scoredTexts() throws -> ([ScoredText], Tokenizer?) {
        if let scores {
            let texts = try ScoresFile.read(scores)
            if let unlabelled = texts.first(where: { $0.label == nil }) {
                throw InputError(path: scores, problem: "text \(unlabelled.id) has no \"label\" (1 member, 0 non-member)")
            }
            return (texts, try tokenizer.map { try TokenizerLoader.load($0) })
        }
        let items = try LabelledText.read(members!, label: 1) + LabelledText.read(nonmembers!, label: 0)
        if try CausalModelOptions.isGGUF(model!) {
            return (try causal.score(items, model: model!, output: nil), try TokenizerLoader.load(model!))
        }
        let (proxy, provenance) = try ModelFile.read(model!)
        let tokenizerForModel = try ProxyCorpus.tokenizer(for: provenance, modelPath: model!, override: tokenizer)
        return (try ProxyScorer(tokenizer: tokenizerForModel, model: proxy).score(items, lowercase: !causal.noLowercase), tokenizerForModel)
    }

    /// The reference model's scores of the same texts (--reference: a model scores them here, or
    /// a scores file gives them by id).
    private func referenceScores(for texts: [ScoredText]) throws -> [ScoredText]? {
        guard let reference else { return nil }
        let isGGUF = try CausalModelOptions.isGGUF(reference)
        guard isGGUF || reference.lowercased().hasSuffix(".tslm") else {
            let byID = Dictionary(try ScoresFile.read(reference).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            return try texts.map { text in
                guard let found = byID[text.id] else { throw InputError(path: reference, problem: "no scores for text id \(text.id)") }
                return found
            }
        }
        let items = try texts.map { text -> LabelledText in
            guard let body = text.text else {
                throw InputError(path: scores ?? "", problem: "text \(text.id) has no \"text\": a reference model cannot score it")
            }
            return LabelledText(id: text.id, text: body, label: text.label)
        }
        if isGGUF {
            var options = causal
            options.noLowercase = true
            return try options.score(items, model: reference, output: nil)
        }
        let (referenceModel, provenance) = try ModelFile.read(reference)
        let referenceTokenizer = try ProxyCorpus.tokenizer(for: provenance, modelPath: reference, override: nil)
        return try ProxyScorer(tokenizer: referenceTokenizer, model: referenceModel).score(items, lowercase: false)
    }

    /// The detectors' settings, with token frequencies of --frequencies (for DC-PDD).
    private func detectorContext(_ loadedTokenizer: Tokenizer?) throws -> DetectorContext {
        var context = DetectorContext(k: options.k)
        context.dcPDDBound = options.dcPddBound
        if !frequencies.isEmpty {
            guard let loadedTokenizer else { throw ValidationError("--frequencies needs --tokenizer with --scores") }
            let documents = try ProxyCorpus.documents(frequencies, maxBytes: nil)
            context.referenceFrequencies = TokenFrequencies(texts: try loadedTokenizer.encode(documents),
                                                            vocabularySize: loadedTokenizer.model.vocabularySize)
        }
        return context
    }
}

struct MembershipTestbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testbed",
        abstract: "Ground truth: split real documents IID into members and non-members, train a proxy on the members, evaluate every detector.",
        discussion: """
            Documents (blank-line separated) of --corpus are shuffled by --seed; members and as
            many non-members are the first --words words of documents that have that many.
            The proxy model trains on the members' whole documents plus --dilution times their
            bytes of other documents of the same source (more dilution, less memorisation); a
            reference model (for `ref`) and DC-PDD's frequencies come from a disjoint third set.
            With --shift, non-members are also drawn from another source and both tables are
            shown: the difference is what a distribution shift adds to every AUC.

            Example:
              toksleuth membership testbed --corpus ../shared/corpora/languages/en --tokenizer fixtures/reference/gpt2
              toksleuth membership testbed --corpus ../shared/corpora/languages/en --shift ../shared/corpora/domains/news --tokenizer fixtures/reference/gpt2
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Member source: files or folders.")
    var corpus: [String]

    @Option(name: .long, parsing: .upToNextOption, help: "Another source to draw non-members from (shows the inflation a shift causes).")
    var shift: [String] = []

    @Option(name: .long, help: "A tokenizer file or a folder holding one.")
    var tokenizer: String

    @Option(name: .long, help: "Words per evaluated text.")
    var words = 64

    @Option(name: .long, help: "Members (and non-members) at most.")
    var texts = 500

    @Option(name: .long, help: "Other documents in the proxy's training data, as a multiple of the members' bytes.")
    var dilution = 1.0

    @Option(name: .long, parsing: .upToNextOption, help: "More sources to dilute the proxy's training data with, once the member source's spare documents run out.")
    var diluteWith: [String] = []

    @Option(name: .long, help: "The proxy's n-gram order (4 memorises members completely: every AUC near 100%).")
    var order = 2

    @Flag(name: .long, help: "No progress messages.")
    var quiet = false

    @OptionGroup var options: MembershipOptions

    func validate() throws {
        guard words > 0 else { throw ValidationError("--words must be positive") }
        guard texts >= 10 else { throw ValidationError("--texts must be at least 10") }
        guard dilution >= 0 else { throw ValidationError("--dilution must not be negative") }
        guard (1...8).contains(order) else { throw ValidationError("--order must be between 1 and 8") }
    }

    func run() throws {
        var configuration = Testbed.Configuration(corpus: corpus, shift: shift.isEmpty ? nil : shift, tokenizer: try TokenizerLoader.load(tokenizer))
        configuration.words = words
        configuration.textsPerSide = texts
        configuration.dilution = dilution
        configuration.diluteWith = diluteWith
        configuration.order = order
        configuration.k = options.k
        configuration.dcPDDBound = options.dcPddBound
        configuration.resamples = options.resamples
        configuration.seed = options.seed
        let progress = ProgressReporter(quiet: quiet)
        let result = try Testbed(configuration).run { progress.update($0) }
        progress.finish()
        if let roc = options.roc { try AtomicWrite.write(result.rocCSV, to: roc) }
        print(options.json ? try ResultJSON.text(TestbedSummary(result, order: order, words: words))
                           : result.table(order: order, shiftSource: shift.joined(separator: ", ")))
    }
}
