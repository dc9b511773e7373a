import ArgumentParser
import BPE
import Corpora
import Foundation
import Pretokenization
import Support
import TokenizerFormats

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode text to token ids.",
        discussion: """
            Reads UTF-8 text from --input or standard input; prints the ids separated by spaces,
            or one JSON array with --json. No special tokens are added unless --add-special
            asks for them, and text that looks like a special token is encoded as ordinary
            text (user-defined tokens of GGUF files and non-special added tokens of
            tokenizer.json files are matched, as their reference implementations do).

            Example:
              echo "Hello world" | toksleuth encode --tokenizer /tmp/en.json --json
            """
    )

    @Option(name: .long, help: "A tokenizer file or a folder holding one.")
    var tokenizer: String

    @Option(name: .long, help: "The text file to encode (default: standard input).")
    var input: String?

    @Flag(name: .long, help: "Print one JSON array.")
    var json = false

    @Flag(name: .long, help: "Add the special tokens the tokenizer's own pipeline adds (BOS for Llama-style models).")
    var addSpecial = false

    @OptionGroup var options: TokenizerOptions

    func run() throws {
        let loaded = try options.load(tokenizer)
        let bytes: [UInt8]
        let name = input ?? "<stdin>"
        if let input {
            guard let data = FileBytes.contents(atPath: input) else {
                throw InputError(path: input, problem: "cannot read file")
            }
            bytes = [UInt8](data)
        } else {
            bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        if let offset = UTF8Validation.firstInvalidOffset(bytes) {
            throw InputError(path: name, problem: "invalid UTF-8 at byte offset \(offset)")
        }
        let encoder = try loaded.makeEncoder()
        var ids: [UInt32] = addSpecial ? loaded.specialPrefix : []
        bytes.withUnsafeBufferPointer { encoder.encode($0, appendingTo: &ids) }
        if addSpecial { ids += loaded.specialSuffix }
        let body = ids.map(String.init).joined(separator: json ? "," : " ")
        FileHandle.standardOutput.write(Data((json ? "[\(body)]\n" : body + "\n").utf8))
    }
}

