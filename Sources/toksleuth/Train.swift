import ArgumentParser
import BPE
import Corpora
import Foundation
import MixtureInference
import Pretokenization
import Support
import TokenizerFormats

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a byte-level BPE tokenizer with HuggingFace tokenizers' exact merges.",
        discussion: """
            Text files are read line by line, each line keeping its newline, exactly as HF's
            tokenizer.train([file]) reads them; each .jsonl record's "text" is one sequence.
            Folders are searched for .txt, .jsonl and .gz files. Invalid UTF-8 is rejected with
            the file and byte offset. The vocabulary is the special tokens, the 256 byte-level
            symbols (HF's initial_alphabet=ByteLevel.alphabet()), then one token per merge.

            Example:
              toksleuth train --corpus fixtures/corpora/languages/en/train.txt --vocab-size 1000 --pretokenizer gpt2-digits --output /tmp/en.json
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Text files or folders to train on.")
    var corpus: [String] = []

    @Option(name: .long, help: "Folder of categories to draw a mixture from (with --mixture).")
    var categories: String?

    @Option(name: .long, help: "JSON mixture {\"de\": 0.3, \"fr\": 0.7} (or an `infer --json` result) over --categories.")
    var mixture: String?

    @Option(name: .long, help: "Bytes of training text drawn from the mixture (a short category is repeated).")
    var trainBytes: Int = 10_000_000

    @Option(name: .long, help: "Vocabulary size, special tokens and the 256-byte alphabet included.")
    var vocabSize: Int

    @Option(name: .long, help: "Pretokenizer: gpt2, gpt2-digits, cl100k or o200k.")
    var pretokenizer: String = "gpt2"

    @Option(name: .long, help: "Do not merge pairs seen fewer times than this.")
    var minFrequency: Int = 0

    @Option(name: .customLong("special"), help: "A special token (repeatable); they get the first ids.")
    var specialTokens: [String] = []

    @Option(name: .long, help: "Read at most this many bytes of corpus (cut at a line end).")
    var maxBytes: Int?

    @Option(name: .long, help: "Where to write: a .json path gets tokenizer.json, a folder gets vocab.json + merges.txt.")
    var output: String

    @Flag(name: .long, help: "No progress or summary on stderr.")
    var quiet = false

    func validate() throws {
        guard Pretokenizer(named: pretokenizer) != nil else {
            throw ValidationError("unknown pretokenizer '\(pretokenizer)' (choose gpt2, gpt2-digits, cl100k, o200k)")
        }
        guard vocabSize > 0 else { throw ValidationError("--vocab-size must be positive") }
        guard minFrequency >= 0 else { throw ValidationError("--min-frequency must not be negative") }
        if let maxBytes, maxBytes <= 0 { throw ValidationError("--max-bytes must be positive") }
        if corpus.isEmpty == (categories == nil) {
            throw ValidationError("give either --corpus or --categories with --mixture")
        }
        if (categories == nil) != (mixture == nil) { throw ValidationError("--categories and --mixture go together") }
        guard trainBytes > 0 else { throw ValidationError("--train-bytes must be positive") }
    }

    /// The word counts of the training text and its size in bytes: the named corpora, read and
    /// counted in pieces (memory stays that of one piece and the word table, whatever the
    /// corpus's size), or a mixture of categories' train.txt.
    func countWords(_ pretokenizer: Pretokenizer, progress: ProgressReporter) throws -> (words: WordCounts, bytes: Int) {
        guard categories != nil else {
            var words = WordCounts()
            var read = 0
            let bytes = try Corpus.forEachPiece(paths: corpus, maxBytes: maxBytes) { piece in
                // Pieces merged in order: the words keep their order of first appearance, as one count would give.
                words.merge(try WordCounts.count(text: piece.bytes, sequenceEnds: piece.sequenceEnds, pretokenizer: pretokenizer))
                read += piece.bytes.count
                progress.update("counted words in \(read >> 20) MB")
            }
            return (words, bytes)
        }
        let text = try mixtureText()
        return (try WordCounts.count(text: text.bytes, sequenceEnds: text.sequenceEnds, pretokenizer: pretokenizer), text.bytes.count)
    }

    /// A mixture of categories' train.txt.
    func mixtureText() throws -> Corpus {
        guard let categories, let mixture else { return Corpus() }
        let weights = try MixtureFile.read(mixture)
        let sources = try Categories.discover(in: categories, role: .train, only: weights.map(\.name))
        let texts = try sources.map { try $0.read() }
        let byName = Dictionary(uniqueKeysWithValues: weights.map { ($0.name, $0.weight) })
        return MixtureCorpus.build(sources: texts, weights: sources.map { byName[$0.name]! }, totalBytes: trainBytes).corpus
    }

    @Flag(name: .long, help: "Print a JSON summary on standard output (output, merges, vocabulary, bytes, words; seconds with --timings).")
    var json = false

    @Flag(name: .long, help: "Include wall-clock seconds in --json.")
    var timings = false

    func run() throws {
        let pretokenizer = Pretokenizer(named: self.pretokenizer)!
        let trainer = BPETrainer(vocabularySize: vocabSize, minFrequency: minFrequency, specialTokens: specialTokens)
        guard vocabSize >= Set(specialTokens).count + 256 else {
            throw CommandError("--vocab-size \(vocabSize) is below the 256-byte alphabet plus \(Set(specialTokens).count) special tokens")
        }
        let progress = ProgressReporter(quiet: quiet)
        let started = Date()
        progress.update("reading and counting words")
        let (words, bytes) = try countWords(pretokenizer, progress: progress)
        guard bytes > 0 else {
            throw CommandError("the corpus is empty: \((corpus.isEmpty ? [categories ?? ""] : corpus).joined(separator: ", "))")
        }
        let model = try trainer.train(words) { done, total in progress.update("merges", done: done, total: total) }
        progress.finish()
        let tokenizer = Tokenizer(model: model, pretokenizer: pretokenizer, format: .trained)
        try TokenizerLoader.write(tokenizer, to: output)
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(try ResultJSON.text(TrainingSummary(output: output, merges: model.merges.count, vocabulary: model.vocabularySize,
                                                      bytes: bytes, words: words.count, seconds: timings ? seconds : nil)))
            return
        }
        ProgressReporter.note(String(format: "trained %d merges (vocabulary %d) on %d bytes, %d distinct words, in %.2fs -> %@",
                                     model.merges.count, model.vocabularySize, bytes, words.count,
                                     seconds, output), quiet: quiet)
    }
}
