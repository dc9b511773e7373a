import Dispatch
import Pretokenization
import Support

/// How often each pretokenized word occurs in a corpus: the input of BPE training and of
/// pair counting.
public struct WordCounts: Sendable {
    /// The distinct words.
    public private(set) var words = ByteStringTable(capacity: 1 << 16)
    /// Occurrences of each word, by index in ``words``.
    public private(set) var counts: [Int] = []

    /// Creates an empty table.
    public init() {}

    /// Number of distinct words.
    public var count: Int { counts.count }

    /// Total number of word occurrences.
    public var totalOccurrences: Int { counts.reduce(0, +) }

    /// Adds `count` occurrences of a word.
    @inline(__always)
    public mutating func add(_ bytes: UnsafePointer<UInt8>, _ length: Int, count: Int = 1) {
        let (index, inserted) = words.insert(bytes, length)
        if inserted { counts.append(count) } else { counts[index] += count }
    }

    /// Adds a word given as bytes.
    public mutating func add(_ word: [UInt8], count: Int = 1) {
        word.withUnsafeBufferPointer { add($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count, count: count) }
    }

    /// Adds every word of `other`.
    public mutating func merge(_ other: WordCounts) {
        other.words.arena.withUnsafeBufferPointer { arena in
            for index in 0..<other.count {
                let start = other.words.starts[index]
                add(arena.baseAddress! + start, other.words.starts[index + 1] - start, count: other.counts[index])
            }
        }
    }

    /// Counts the words of `sequences` (byte ranges of `text`, each pretokenized on its own, as
    /// HF's trainer pretokenizes each line or document it is fed), on all cores.
    ///
    /// - Parameters:
    ///   - text: valid UTF-8.
    ///   - sequenceEnds: the end offset of each sequence; the first starts at 0.
    public static func count(text: [UInt8], sequenceEnds: [Int], pretokenizer: Pretokenizer) throws -> WordCounts {
        _ = try pretokenizer.makeSplitter()  // surface a bad regex before going parallel
        let chunks = chunkBoundaries(sequenceEnds: sequenceEnds, total: text.count, parts: ProcessInfoCores.count * 4)
        let partial = ResultSlots<WordCounts>(count: chunks.count)
        text.withUnsafeBufferPointer { buffer in
            let shared = SendablePointer(buffer.baseAddress)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
                let splitter = try! pretokenizer.makeSplitter()
                var counts = WordCounts()
                var ends: [Int] = []
                guard let base = shared.pointer else { partial[chunk] = counts; return }
                var start = chunk == 0 ? 0 : sequenceEnds[chunks[chunk - 1] - 1]
                for s in (chunk == 0 ? 0 : chunks[chunk - 1])..<chunks[chunk] {
                    let end = sequenceEnds[s]
                    ends.removeAll(keepingCapacity: true)
                    splitter.split(UnsafeBufferPointer(start: base + start, count: end - start), offset: start, into: &ends)
                    var pieceStart = start
                    for pieceEnd in ends {
                        counts.add(base + pieceStart, pieceEnd - pieceStart)
                        pieceStart = pieceEnd
                    }
                    start = end
                }
                partial[chunk] = counts
            }
        }
        var result = WordCounts()
        for part in partial.values { result.merge(part!) }
        return result
    }

    /// Splits sequences into about `parts` runs of similar byte size; returns exclusive end
    /// indices into `sequenceEnds`.
    static func chunkBoundaries(sequenceEnds: [Int], total: Int, parts: Int) -> [Int] {
        guard !sequenceEnds.isEmpty else { return [] }
        var boundaries: [Int] = []
        let target = max(1, total / max(parts, 1))
        var nextCut = target
        for (index, end) in sequenceEnds.enumerated() where end >= nextCut {
            boundaries.append(index + 1)
            nextCut = end + target
        }
        if boundaries.last != sequenceEnds.count { boundaries.append(sequenceEnds.count) }
        return boundaries
    }
}
