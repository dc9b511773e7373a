import ArgumentParser
import BPE
import Pretokenization
import Foundation
import LanguageModel
import Membership
import MixtureInference
import Support
import TokenizerFormats

/// The `toksleuth` command: a thin shell over the libraries.
@main
struct Toksleuth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toksleuth",
        abstract: "Tokenizer forensics: infer a tokenizer's training-data mixture, test it with proxy runs, detect training-data membership, read and train tokenizers.",
        discussion: """
            Example:
              toksleuth demo
              toksleuth train --corpus fixtures/corpora/languages/en/train.txt --vocab-size 1000 --output /tmp/en.json
              toksleuth merges /tmp/en.json | head
              echo "Hello world" | toksleuth encode --tokenizer /tmp/en.json --json
              toksleuth infer --tokenizer /tmp/en.json --categories fixtures/corpora/languages --merges 500
              toksleuth membership testbed --corpus fixtures/corpora/languages/en --tokenizer fixtures/reference/gpt2 --words 24

            Exit codes: 0 success, 1 usage error, 2 bad input (a file named in the message), 3 internal error.
            """,
        subcommands: [Demo.self, Infer.self, Count.self, PlanCommand.self, RunUnit.self, Gather.self, ExperimentCommand.self, Train.self, Encode.self, Merges.self, Inspect.self,
                      LanguageModelCommand.self, MembershipCommand.self, Validate.self, ProxyCommand.self, RegMixCommand.self, ReportCommand.self]
    )

    /// Runs the command; errors become one line on stderr and a documented exit code.
    static func main() {
        // Past a file-size limit (`ulimit -f`) a write then fails with EFBIG, which AtomicWrite
        // reports naming the file, instead of the signal killing the process mid-write.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UserFacingError {
            fail(error.description, code: 2)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(1)
            }
            fail("internal error: \(message)", code: 3)
        }
        Foundation.exit(0)
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("toksleuth: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

/// An error in what the user asked for on the command line, worded for them.
struct CommandError: UserFacingError {
    let description: String
    init(_ description: String) { self.description = description }
}
