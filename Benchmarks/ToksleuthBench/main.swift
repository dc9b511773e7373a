// In-process timings for Benchmarks/bench.py: pretokenizer and encoder throughput on a file.
//
//   toksleuth-bench pretokenize FILE [PRETOKENIZER]   -> "scanner MB/s" and "icu MB/s"
//   toksleuth-bench encode TOKENIZER FILE             -> "encode MB/s tokens"
import BPE
import Foundation
import Pretokenization
import TokenizerFormats

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: toksleuth-bench pretokenize FILE [NAME] | encode TOKENIZER FILE\n".utf8))
    exit(1)
}
switch arguments[1] {
case "pretokenize":
    let bytes = [UInt8](FileManager.default.contents(atPath: arguments[2])!)
    let pretokenizer = Pretokenizer(named: arguments.count > 3 ? arguments[3] : "gpt2")!
    let megabytes = Double(bytes.count) / 1e6
    _ = UnicodeTable.flags  // table set-up is not part of the throughput
    for (label, force) in [("scanner", false), ("icu", true)] {
        let splitter = try pretokenizer.makeSplitter(forceRegexEngine: force)
        var ends: [Int] = []
        ends.reserveCapacity(bytes.count / 3)
        var best = Double.infinity
        for _ in 0..<(force ? 1 : 3) {
            ends.removeAll(keepingCapacity: true)
            best = min(best, seconds { bytes.withUnsafeBufferPointer { splitter.split($0, into: &ends) } })
        }
        print(label, String(format: "%.1f", megabytes / best), ends.count)
    }
case "encode":
    let tokenizer = try TokenizerLoader.load(arguments[2])
    let bytes = [UInt8](FileManager.default.contents(atPath: arguments[3])!)
    let encoder = try tokenizer.makeEncoder()
    var ids: [UInt32] = []
    let time = seconds { bytes.withUnsafeBufferPointer { encoder.encode($0, appendingTo: &ids) } }
    print("encode", String(format: "%.1f", Double(bytes.count) / 1e6 / time), ids.count)
default:
    FileHandle.standardError.write(Data("unknown benchmark \(arguments[1])\n".utf8))
    exit(1)
}
