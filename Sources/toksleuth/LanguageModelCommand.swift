import ArgumentParser
import CausalLM
import Corpora
import Foundation
import LanguageModel
import Membership
import Support
import TokenizerFormats

/// `toksleuth lm`: the proxy language model.
struct LanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Train and apply toksleuth's proxy language model (interpolated modified Kneser-Ney n-grams over token ids).",
        discussion: """
            Example:
              toksleuth lm train --tokenizer fixtures/reference/gpt2 --corpus fixtures/corpora/languages/en/train.txt --output /tmp/en.tslm
              toksleuth lm score --model /tmp/en.tslm --input fixtures/corpora/languages/en/sample.txt --output /tmp/scores.jsonl
            """,
        subcommands: [LanguageModelTrain.self, LanguageModelScore.self]
    )
}

struct LanguageModelTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a proxy n-gram model on the token ids of a corpus.",
        discussion: """
            Texts are the documents of each file (blocks separated by a blank line; each JSON
            Lines record is one text). The model predicts every id of the tokenizer's
            vocabulary (the lowest order is interpolated with the uniform distribution) and
            gives the full next-token distribution, so every membership method works on it.
            Probabilities equal KenLM's lmplz (--vocab_pad set to the vocabulary size, no end
            token) up to float32 rounding.

            Example:
              toksleuth lm train --tokenizer fixtures/reference/gpt2 --corpus fixtures/corpora/languages/en/train.txt --output /tmp/en.tslm
            """
    )

    @Option(name: .long, help: "A tokenizer file or a folder holding one.")
    var tokenizer: String

    @Option(name: .long, parsing: .upToNextOption, help: "Training files or folders (.txt, .jsonl, .gz).")
    var corpus: [String]

    @Option(name: .long, help: "The n-gram order (1-8).")
    var order = 4

    @Option(name: .long, help: "Read at most this many bytes of the corpus.")
    var maxBytes: Int?

    @Option(name: .long, help: "Where to write the model (.tslm).")
    var output: String

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    @Flag(name: .long, help: "Include wall-clock seconds in --json.")
    var timings = false

    func validate() throws {
        guard (1...8).contains(order) else { throw ValidationError("--order must be between 1 and 8") }
        guard !corpus.isEmpty else { throw ValidationError("--corpus needs at least one file or folder") }
    }

    func run() throws {
        let start = Date()
        let loaded = try TokenizerLoader.load(tokenizer)
        let documents = try ProxyCorpus.documents(corpus, maxBytes: maxBytes)
        let ids = try loaded.encode(documents)
        let model = try KneserNeyModel(texts: ids, vocabularySize: loaded.model.vocabularySize, order: order)
        let provenance = ModelProvenance(tokenizerFingerprint: loaded.fingerprint, tokenizerSource: loaded.source, corpus: corpus)
        try ModelFile.write(model, provenance: provenance, to: output)
        let seconds = Date().timeIntervalSince(start)
        if json {
            print(try ResultJSON.text(ModelTrainingSummary(output: output, order: order, texts: model.textCount, tokens: model.tokenCount,
                                                           ngrams: model.nGramCounts, discounts: model.discounts,
                                                           seconds: timings ? seconds : nil)))
        } else {
            print("wrote \(output): order \(order), \(model.textCount) texts, \(model.tokenCount) tokens, n-grams per order "
                + model.nGramCounts.map(String.init).joined(separator: "/") + String(format: " (%.1f s)", seconds))
        }
    }
}

struct LanguageModelScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score texts with a proxy model or a GGUF causal LM; writes a scores file (JSON Lines) that `membership --scores` reads.",
        discussion: """
            Input: a .jsonl file of {"text", "id"?, "label"?} records, or a text file with one
            text per line. Output: one line per text with tokens, logprobs, mu, sigma and
            lowercase_logprobs (natural logs). Prints a summary (mean log-likelihood per token,
            perplexity, bits per byte) on stderr.

            A GGUF model is run by llama.cpp (scripts/build-llama-cpp builds it once) on every
            core, one batched pass per text. Its texts are tokenized by toksleuth's reader of
            the model's own vocabulary and checked against llama.cpp's tokenizer (a mismatch is
            an error). A text longer than the context is scored in windows: each later window
            starts half a context before the first token it scores. Lines are written as they
            are scored (to OUTPUT.partial): an interrupted run resumes where it stopped.

            Example:
              toksleuth lm score --model /tmp/en.tslm --input fixtures/corpora/languages/en/sample.txt --output /tmp/scores.jsonl
              toksleuth lm score --model ~/.cache/toksleuth/models/SmolLM2-135M-Instruct.Q4_1.gguf --texts texts.jsonl --output scores.jsonl
            """
    )

    @Option(name: .long, help: "A model written by `lm train` (.tslm) or a GGUF causal language model.")
    var model: String

    @Option(name: .long, help: "The tokenizer of a .tslm model (default: the one it was trained with, if its file is still there).")
    var tokenizer: String?

    @Option(name: [.long, .customLong("texts")], help: "Texts to score (.jsonl records or one text per line).")
    var input: String

    @Option(name: .long, help: "Where to write the scores (.jsonl).")
    var output: String

    @Option(name: .long, help: "Label for every text of the input (1 member, 0 non-member).")
    var label: Int?

    @OptionGroup var causal: CausalModelOptions

    @Flag(name: .long, help: "Print the summary as JSON on stdout: {texts, tokens, nats_per_token, perplexity, bits_per_byte, output}.")
    var json = false

    func run() throws {
        let scored = try score(try LabelledText.read(input, label: label), into: output)
        try print(summary: ScoringSummary(scored, output: output))
    }

    /// Scores `texts` and writes their scores file to `path` (GGUF models resumably).
    func score(_ texts: [LabelledText], into path: String) throws -> [ScoredText] {
        if try CausalModelOptions.isGGUF(model) { return try causal.score(texts, model: model, output: path) }
        let (loadedModel, provenance) = try ModelFile.read(model)
        let loadedTokenizer = try ProxyCorpus.tokenizer(for: provenance, modelPath: model, override: tokenizer)
        let scored = try ProxyScorer(tokenizer: loadedTokenizer, model: loadedModel).score(texts, lowercase: !causal.noLowercase)
        try ScoresFile.write(scored, to: path)
        return scored
    }

    /// Prints the summary as `run` does (JSON on stdout with --json, else text on stderr).
    func print(summary: ScoringSummary) throws {
        if json {
            Swift.print(try ResultJSON.text(summary))
        } else {
            FileHandle.standardError.write(Data((summary.text + "\n").utf8))
        }
    }

    /// The options as a command line (for a plan: `run-unit` parses it back), paths made absolute.
    var commandLine: [String] {
        var arguments = ["--model", absolutePath(model), "--input", absolutePath(input), "--output", absolutePath(output)]
        if let tokenizer { arguments += ["--tokenizer", absolutePath(tokenizer)] }
        if let label { arguments += ["--label", "\(label)"] }
        if let context = causal.context { arguments += ["--context", "\(context)"] }
        if let threads = causal.threads { arguments += ["--threads", "\(threads)"] }
        if causal.noLowercase { arguments.append("--no-lowercase") }
        arguments.append("--quiet")
        if json { arguments.append("--json") }
        return arguments
    }
}

/// Options for scoring with a GGUF causal language model through llama.cpp.
struct CausalModelOptions: ParsableArguments {
    @Option(name: .long, help: "Tokens per llama.cpp pass for a GGUF model (default: the model's training context).")
    var context: Int?

    @Option(name: .long, help: "CPU threads for llama.cpp (default: every core).")
    var threads: Int?

    @Flag(name: .long, help: "Do not score the lowercased texts (halves the work; the lowercase method is then left out).")
    var noLowercase = false

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    func validate() throws {
        if let context, context < 2 { throw ValidationError("--context must be at least 2 tokens") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Whether `path` is a GGUF file (by its content, as the tokenizer loader tells formats apart).
    static func isGGUF(_ path: String) throws -> Bool {
        guard FileManager.default.isReadableFile(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        return TokenizerLoader.FileKind.of(path) == .gguf
    }

    /// Scores `texts` with the GGUF model at `path`, resumably into `output` when given.
    func score(_ texts: [LabelledText], model path: String, output: String?) throws -> [ScoredText] {
        let scorer = try CausalScorer(modelPath: path, contextSize: context, threads: threads)
        let writer = try output.map { try ScoresFileWriter(output: $0, texts: texts, settings: scorer.settings(lowercase: !noLowercase)) }
        let progress = ProgressReporter(quiet: quiet)
        let scored = try scorer.scoreAll(texts, lowercase: !noLowercase, writer: writer) { done, total in
            progress.update("scoring with \((path as NSString).lastPathComponent)", done: done, total: total)
        }
        progress.finish()
        try writer?.finish()
        return scored
    }
}

/// Reading texts and tokenizers for the proxy model.
enum ProxyCorpus {
    /// The documents of corpus files (``Corpus/documentTexts``), up to `maxBytes` of text.
    static func documents(_ paths: [String], maxBytes: Int?) throws -> [String] {
        let documents = try Corpus(paths: paths, maxBytes: maxBytes).documentTexts
        guard !documents.isEmpty else { throw InputError(path: paths.joined(separator: ", "), problem: "no text to train on") }
        return documents
    }

    /// The tokenizer a model was trained with: `override`, or the file its provenance names;
    /// either must have the recorded fingerprint.
    static func tokenizer(for provenance: ModelProvenance, modelPath: String, override: String?) throws -> Tokenizer {
        let path = override ?? provenance.tokenizerSource
        guard override != nil || FileManager.default.fileExists(atPath: path) else {
            throw InputError(path: modelPath, problem: "its tokenizer \(path) is gone; name it with --tokenizer")
        }
        let loaded = try TokenizerLoader.load(path)
        guard loaded.fingerprint == provenance.tokenizerFingerprint else {
            throw InputError(path: path, problem: "is not the tokenizer \(modelPath) was trained with (fingerprints differ)")
        }
        return loaded
    }
}
