import ArgumentParser
import BPE
import Corpora
import Foundation
import Pretokenization
import TokenizerFormats

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on the bundled fixtures: train a tokenizer, show its merges and an encoding.",
        discussion: """
            Uses fixtures/corpora/languages/en/train.txt from the repository (run it from the
            repository root, or name the fixtures folder).

            Example:
              swift run -c release toksleuth demo
            """
    )

    @Option(name: .long, help: "The repository's fixtures folder.")
    var fixtures: String = "fixtures"

    @Option(name: .long, help: "Vocabulary size of the demo tokenizer.")
    var vocabSize: Int = 1000

    func run() throws {
        let corpusPath = (fixtures as NSString).appendingPathComponent("corpora/languages/en/train.txt")
        guard FileManager.default.fileExists(atPath: corpusPath) else {
            throw UserFacingError("\(corpusPath) not found: run from the repository root or pass --fixtures")
        }
        let corpus = try Corpus(paths: [corpusPath])
        let started = Date()
        let words = try WordCounts.count(text: corpus.bytes, sequenceEnds: corpus.sequenceEnds, pretokenizer: .gpt2Digits)
        let model = try BPETrainer(vocabularySize: vocabSize).train(words)
        let seconds = Date().timeIntervalSince(started)
        print("Trained a byte-level BPE tokenizer (pretokenizer gpt2-digits, vocabulary \(model.vocabularySize))")
        print("on \(corpus.bytes.count) bytes of \(corpusPath) in \(String(format: "%.2f", seconds)) s.")
        print("\nIts first 15 merges (the most frequent pairs, in order):")
        for (rank, line) in model.mergeLines.prefix(15).enumerated() { print(String(format: "%5d  ", rank + 1) + line) }
        let sentence = "Choose Format - Character to change the font of 2024 selected words."
        let encoder = try BPEEncoder(model: model, pretokenizer: .gpt2Digits)
        let ids = encoder.encode(sentence)
        print("\nEncoding \"\(sentence)\":")
        print(ids.map { model.rendered($0) }.joined(separator: " | "))
        print("ids: \(ids.map(String.init).joined(separator: " "))")
        print("(\(ids.count) tokens for \(sentence.utf8.count) bytes)")
    }
}
