import BPE
import Foundation
import Support

/// A compact binary cache of ``PairCountTrace``s, one file per (merge list, pretokenizer,
/// sample content, number of merges). A file whose magic, key, lengths or checksum do not
/// match is never trusted: it is ignored and rebuilt.
///
/// Layout (little-endian): magic `TSKPCT01`, key (16 bytes), sample bytes (8), then the
/// lengths of the five arrays (5 x 8), the arrays, and a 16-byte fingerprint of all before it.
public struct CountCache: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    /// `$TOKSLEUTH_CACHE`, else `$XDG_CACHE_HOME/toksleuth`, else `~/.cache/toksleuth`.
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["TOKSLEUTH_CACHE"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/toksleuth" }
        return NSHomeDirectory() + "/.cache/toksleuth"
    }

    static let magic = Array("TSKPCT01".utf8)

    func path(for key: String) -> String { (folder as NSString).appendingPathComponent("pairs-\(key).bin") }

    /// The cached trace and sample size, or nil when absent, stale or corrupt.
    public func load(key: String) -> (trace: PairCountTrace, sampleBytes: Int)? {
        guard let data = FileBytes.contents(atPath: path(for: key)) else { return nil }
        return CountCache.decode([UInt8](data), key: key)
    }

    /// Stores a trace (atomically; a failure to write only loses the cache).
    public func store(_ trace: PairCountTrace, sampleBytes: Int, key: String) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicWrite.write(CountCache.encode(trace, sampleBytes: sampleBytes, key: key), to: path(for: key))
        } catch {
            // The cache is an optimisation; counting still succeeded.
        }
    }

    static func encode(_ trace: PairCountTrace, sampleBytes: Int, key: String) -> [UInt8] {
        var out = magic
        out.append(contentsOf: keyBytes(key))
        func put(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        func putArray<T>(_ array: [T]) { array.withUnsafeBytes { out.append(contentsOf: $0) } }
        put(UInt64(sampleBytes))
        for count in [trace.pairs.count, trace.initialCounts.count, trace.deltaStarts.count, trace.deltaPairs.count, trace.deltaValues.count] {
            put(UInt64(count))
        }
        putArray(trace.pairs)
        putArray(trace.initialCounts)
        putArray(trace.deltaStarts.map { Int64($0) })
        putArray(trace.deltaPairs)
        putArray(trace.deltaValues)
        var fingerprint = Fingerprint()
        fingerprint.update(out)
        let (a, b) = fingerprint.value
        put(a)
        put(b)
        return out
    }

    static func keyBytes(_ key: String) -> [UInt8] {
        var fingerprint = Fingerprint()
        fingerprint.update(key)
        let (a, b) = fingerprint.value
        return withUnsafeBytes(of: a.littleEndian) { Array($0) } + withUnsafeBytes(of: b.littleEndian) { Array($0) }
    }

    static func decode(_ data: [UInt8], key: String) -> (trace: PairCountTrace, sampleBytes: Int)? {
        let header = magic.count + 16 + 8 + 5 * 8
        guard data.count >= header + 16, Array(data[0..<8]) == magic, Array(data[8..<24]) == keyBytes(key) else { return nil }
        var fingerprint = Fingerprint()
        fingerprint.update(data[0..<(data.count - 16)])
        let (a, b) = fingerprint.value
        func word(_ offset: Int) -> UInt64 {
            data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        }
        guard word(data.count - 16) == a, word(data.count - 8) == b else { return nil }
        let sampleBytes = Int(word(24))
        let counts = (0..<5).map { Int(word(32 + 8 * $0)) }
        let sizes = [8, 8, 8, 4, 8]
        var expected = header + 16
        for (count, size) in zip(counts, sizes) {
            guard count >= 0, count < Int(Int32.max) else { return nil }
            expected += count * size
        }
        guard expected == data.count, counts[0] == counts[1], counts[2] >= 1, counts[3] == counts[4] else { return nil }
        var offset = header
        func array<T>(_ count: Int, _ type: T.Type) -> [T] {
            let size = MemoryLayout<T>.size * count
            defer { offset += size }
            return data.withUnsafeBytes { raw in
                (0..<count).map { raw.loadUnaligned(fromByteOffset: offset + $0 * MemoryLayout<T>.size, as: T.self) }
            }
        }
        let pairs = array(counts[0], UInt64.self)
        let initial = array(counts[1], Int64.self)
        let starts = array(counts[2], Int64.self).map { Int($0) }
        let deltaPairs = array(counts[3], Int32.self)
        let deltaValues = array(counts[4], Int64.self)
        // Structural checks so that a damaged but checksum-colliding file cannot crash a reader.
        guard starts.first == 0, starts.last == deltaPairs.count, zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
              deltaPairs.allSatisfy({ $0 >= 0 && Int($0) < pairs.count }) else { return nil }
        let trace = PairCountTrace(pairs: pairs, initialCounts: initial, deltaStarts: starts, deltaPairs: deltaPairs, deltaValues: deltaValues)
        return (trace, sampleBytes)
    }
}
