import Foundation
import Pretokenization
import BPE
import Corpora
let args = CommandLine.arguments
let corpus = try Corpus(paths: [args[1]])
let pre = Pretokenizer(named: args[2])!
let t0 = Date()
let wc = try WordCounts.count(text: corpus.bytes, sequenceEnds: corpus.sequenceEnds, pretokenizer: pre)
let t1 = Date()
let model = try BPETrainer(vocabularySize: Int(args[3])!).train(wc)
let t2 = Date()
print("words", wc.count, "count s", t1.timeIntervalSince(t0), "train s", t2.timeIntervalSince(t1))
let out = model.mergeLines.map { $0 + "\n" }.joined()
try out.write(toFile: args[4], atomically: true, encoding: .utf8)
