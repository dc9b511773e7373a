import ArgumentParser
import Foundation
import Support
import TokenizerFormats

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a tokenizer: format, vocabulary, merges, pretokenizer, normalizer, special tokens.",
        discussion: """
            Reads any format toksleuth reads (tokenizer.json, vocab.json + merges.txt, .tiktoken,
            SentencePiece .model, GGUF) and breaks the vocabulary down by Unicode script and by
            length in bytes.

            Example:
              toksleuth inspect fixtures/reference/gpt2/gpt2.tiktoken
            """
    )

    @Argument(help: "A tokenizer file or a folder holding one.")
    var path: String

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var options: TokenizerOptions

    @Option(name: .long, help: "Folder of known base tokenizers to compare the merge list with (default: $TOKSLEUTH_BASES or ~/.cache/toksleuth/bases, filled by scripts/fetch-bases; skipped when absent).")
    var bases: String?

    func run() throws {
        let tokenizer = try options.load(path)
        var facts = TokenizerInspection(tokenizer)
        facts.base = try BaseDetection.detect(tokenizer, in: bases ?? BaseDetection.defaultFolder)
        facts.health = try TokenizerHealth(tokenizer)
        print(json ? try ResultJSON.text(facts) : facts.table)
    }
}
