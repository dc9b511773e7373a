import ArgumentParser
import Foundation
import Pretokenization
import TokenizerFormats

/// Options shared by commands that read a tokenizer.
struct TokenizerOptions: ParsableArguments {
    @Option(name: .long, help: "Override the tokenizer's pretokenizer (gpt2, gpt2-digits, cl100k, o200k).")
    var pretokenizer: String?

    func load(_ path: String) throws -> Tokenizer {
        var override: Pretokenizer?
        if let name = pretokenizer {
            guard let found = Pretokenizer(named: name) else {
                throw ValidationError("unknown pretokenizer '\(name)' (choose gpt2, gpt2-digits, cl100k, o200k)")
            }
            override = found
        }
        return try TokenizerLoader.load(path, pretokenizer: override)
    }
}
