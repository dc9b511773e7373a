import ArgumentParser
import Foundation
import Support
import TokenizerFormats

struct Merges: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a tokenizer's merge list, one 'a b' line per merge (a merges.txt body).",
        discussion: """
            Example:
              toksleuth merges /tmp/en.json | head
            """
    )

    @Argument(help: "A tokenizer file or a folder holding one.")
    var path: String

    @Flag(name: .long, help: "Print a JSON array of [left, right] pairs (the pieces as merges.txt renders them).")
    var json = false

    @OptionGroup var options: TokenizerOptions

    func run() throws {
        let loaded = try options.load(path)
        if json {
            let pairs: [OrderedJSON] = loaded.model.mergePairs.map { .array([.string($0.left), .string($0.right)]) }
            print(OrderedJSON.array(pairs).compact())
            return
        }
        var out = ""
        out.reserveCapacity(loaded.model.merges.count * 12)
        for line in loaded.model.mergeLines { out += line; out += "\n" }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
