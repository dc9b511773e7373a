import Foundation
import Pretokenization
let path = CommandLine.arguments[1]
let data = [UInt8](FileManager.default.contents(atPath: path)!)
for (name, p) in Pretokenizer.named {
    let s = try p.makeSplitter()
    let r = try p.makeSplitter(forceRegexEngine: true)
    var a: [Int] = [], b: [Int] = []
    let t0 = Date()
    data.withUnsafeBufferPointer { s.split($0, into: &a) }
    let t1 = Date()
    data.withUnsafeBufferPointer { r.split($0, into: &b) }
    let t2 = Date()
    let mb = Double(data.count) / 1e6
    print(name, a.count, b.count, a == b, String(format: "scanner %.1f MB/s icu %.1f MB/s", mb / t1.timeIntervalSince(t0), mb / t2.timeIntervalSince(t1)))
    if a != b {
        let i = (0..<min(a.count,b.count)).first { a[$0] != b[$0] }!
        let st = i > 0 ? a[i-1] : 0
        print("  mismatch at", st, String(decoding: data[st..<min(a[i], b[i])+10], as: UTF8.self).debugDescription, a[i]-st, b[i]-st)
    }
}
