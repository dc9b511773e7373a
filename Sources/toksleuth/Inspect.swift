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
        if json {
            let data = try ResultJSON.encoder().encode(facts)
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        var lines = [
            "source        \(facts.source)",
            "format        \(facts.format)",
            "vocabulary    \(facts.vocabularySize) tokens (\(facts.specialTokens.count) special, \(facts.userDefinedTokens) user-defined)",
            "merges        \(facts.merges) in the file; \(facts.mergesForInference) for inference (\(facts.redundantMergesDropped) redundant dropped, \(facts.unreachableTokens) tokens no merge forms)",
            "encoding      \(facts.encoding); start symbols: \(facts.alphabet)\(facts.byteFallback ? "; byte fallback" : "")",
            "pretokenizer  \(facts.pretokenizer)",
        ]
        if let training = facts.trainingPretokenizer { lines.append("trained on    \(training) words") }
        lines.append("normalizer    \(facts.normalizer)")
        let specials = facts.specialTokens.prefix(8).map { "\(String($0.text.debugDescription.dropFirst().dropLast()))=\($0.id)" }.joined(separator: " ")
        lines.append("special       \(specials)\(facts.specialTokens.count > 8 ? " ... (\(facts.specialTokens.count))" : "")")
        let ordinary = max(1, facts.byScript.reduce(0) { $0 + $1.tokens })
        lines.append("")
        lines.append("tokens by script")
        for (script, count) in facts.byScript.prefix(15) {
            lines.append("  " + script.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: "%7d  %5.1f%%", count, 100 * Double(count) / Double(ordinary)))
        }
        if facts.byScript.count > 15 { lines.append("  ... \(facts.byScript.count - 15) more scripts") }
        lines.append("")
        lines.append("tokens by length in bytes")
        for (length, count) in facts.byLength {
            lines.append("  " + length.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: "%7d  %5.1f%%", count, 100 * Double(count) / Double(ordinary)))
        }
        print(lines.joined(separator: "\n"))
    }
}
