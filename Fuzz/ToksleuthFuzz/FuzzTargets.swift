import Corpora
import Foundation
import LanguageModel
import Membership
import MixtureInference
import TokenizerFormats
import WorkUnits

/// Fuzz targets: every reader toksleuth trusts with files from anywhere, fed through the same
/// public entry point the command line uses (the bytes are written to a file first). A target
/// must produce a usable value (tokenizers encode a probe text) or throw; anything else is a
/// defect. Built by `scripts/fuzz` with `-sanitize=fuzzer,address` (libFuzzer's driver, the
/// target named by `TOKSLEUTH_FUZZ_TARGET`); built normally, this program replays files:
///
///     toksleuth-fuzz gguf crash-1234 fixtures/fuzz/gguf/*
enum FuzzTargets {
    /// The targets by name.
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "tokenizer-json": { loadTokenizer($0, name: "tokenizer.json") },
        "vocab-merges": vocabAndMerges,
        "tiktoken": { loadTokenizer($0, name: "ranks.tiktoken") },
        "sentencepiece": { loadTokenizer($0, name: "tokenizer.model") },
        "gguf": { loadTokenizer($0, name: "vocab.gguf") },
        "scores": { bytes in _ = try? ScoresFile.read(write(bytes, "scores.jsonl")) },
        "tslm": { bytes in _ = try? ModelFile.read(write(bytes, "model.tslm")) },
        "mixture": { bytes in _ = try? MixtureFile.read(write(bytes, "mixture.json")) },
        "corpus": corpus,
        "count-cache": { bytes in _ = CountCache(folder: write(bytes, "pairs-0123456789abcdef0123456789abcdef.bin", folderOnly: true)).load(key: "0123456789abcdef0123456789abcdef") },
        "count-file": { bytes in _ = try? CountFile.read(write(bytes, "shard.tscount")) },
        "plan": { bytes in _ = try? WorkPlan.read(write(bytes, "plan.json")) },
    ]

    /// A scratch folder of this process (in memory where /dev/shm exists).
    static let scratch: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = (base as NSString).appendingPathComponent("toksleuth-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    /// Writes `bytes` to `name` in the scratch folder; the file's path (or its folder's).
    @discardableResult
    static func write(_ bytes: [UInt8], _ name: String, folderOnly: Bool = false) -> String {
        let path = (scratch as NSString).appendingPathComponent(name)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return folderOnly ? scratch : path
    }

    static func loadTokenizer(_ bytes: [UInt8], name: String) {
        let path = write(bytes, name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let tokenizer = try? TokenizerLoader.load(path), let encoder = try? tokenizer.makeEncoder() else { return }
        _ = encoder.encode("Fuzz: héllo  wörld 123 \u{1F600}\n\tx")
    }

    /// `vocab.json` and `merges.txt`: the input up to its first zero byte, and the rest.
    static func vocabAndMerges(_ bytes: [UInt8]) {
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let vocab = write(Array(bytes[..<split]), "vocab.json")
        let merges = write(Array(bytes[min(split + 1, bytes.count)...]), "merges.txt")
        defer { try? FileManager.default.removeItem(atPath: vocab); try? FileManager.default.removeItem(atPath: merges) }
        guard let tokenizer = try? VocabAndMerges.read(vocabPath: vocab, mergesPath: merges), let encoder = try? tokenizer.makeEncoder() else { return }
        _ = encoder.encode("Fuzz: héllo  wörld 123\n")
    }

    /// A corpus file: plain text, JSON Lines or gzip, chosen by the first byte.
    static func corpus(_ bytes: [UInt8]) {
        let names = ["sample.txt", "sample.jsonl", "sample.txt.gz"]
        let path = write(Array(bytes.dropFirst()), names[Int(bytes.first ?? 0) % names.count])
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try? Corpus(paths: [path], maxBytes: 1 << 20).documentTexts
    }

    /// The target `TOKSLEUTH_FUZZ_TARGET` names.
    static let selected: @Sendable ([UInt8]) -> Void = {
        let name = ProcessInfo.processInfo.environment["TOKSLEUTH_FUZZ_TARGET"] ?? ""
        guard let target = all[name] else {
            FileHandle.standardError.write(Data("set TOKSLEUTH_FUZZ_TARGET to one of: \(all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()
}

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTargets.selected(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
/// libFuzzer's driver (from the `-sanitize=fuzzer` runtime).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

/// Built with `-DFUZZING`: libFuzzer's driver over the target `TOKSLEUTH_FUZZ_TARGET` names.
/// Otherwise: replays files through a target, `toksleuth-fuzz TARGET FILE...` (exit 0 when
/// none crashes).
@main
struct FuzzMain {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        _ = FuzzTargets.selected
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTargets.all[name] else {
            print("usage: toksleuth-fuzz TARGET FILE...  (targets: \(FuzzTargets.all.keys.sorted().joined(separator: ", ")))")
            exit(2)
        }
        for file in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else { print("cannot read \(file)"); exit(2) }
            target([UInt8](data))
        }
        print("\(arguments.count - 1) inputs through \(name): no crash")
        #endif
    }
}
