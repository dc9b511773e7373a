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

    func run() throws {
        let facts = TokenizerInspection(try options.load(path))
        print(json ? try ResultJSON.text(facts) : facts.table)
    }
}
