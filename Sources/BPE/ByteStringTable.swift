/// An insert-only hash set of byte strings, each given a dense index in insertion order.
///
/// Word counting and encoding caches look up millions of short byte strings; keeping the keys
/// in one arena and probing an open-addressing table of indices avoids an allocation per key
/// that `Dictionary<[UInt8], _>` would make.
public struct ByteStringTable: Sendable {
    /// All keys, back to back.
    public private(set) var arena: [UInt8] = []
    /// Start of each key in ``arena``; key `i` ends where key `i + 1` starts.
    public private(set) var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Index + 1 of the key in each slot; 0 marks an empty slot.
    private var slots: [Int32]
    private var mask: Int

    /// Creates an empty table sized for about `capacity` keys.
    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    /// Number of keys.
    public var count: Int { hashes.count }

    /// The bytes of key `index`.
    public func key(_ index: Int) -> ArraySlice<UInt8> { arena[starts[index]..<starts[index + 1]] }

    /// A 64-bit hash of a byte string (multiply-xorshift over 8-byte words).
    @inline(__always)
    public static func hash(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: length)
        var i = 0
        let raw = UnsafeRawPointer(bytes)
        while i + 8 <= length {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < length {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while i < length {
                word |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ word) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        return h &* 0xFF51_AFD7_ED55_8CCD
    }

    /// Returns the index of the key, inserting it when new; `inserted` tells which.
    @inline(__always)
    public mutating func insert(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> (index: Int, inserted: Bool) {
        let h = ByteStringTable.hash(bytes, length)
        if let index = find(bytes, length, hash: h) { return (index, false) }
        return (append(bytes, length, hash: h), true)
    }

    /// The index of the key, or nil.
    @inline(__always)
    public func index(of bytes: UnsafePointer<UInt8>, _ length: Int) -> Int? {
        find(bytes, length, hash: ByteStringTable.hash(bytes, length))
    }

    @inline(__always)
    private func find(_ bytes: UnsafePointer<UInt8>, _ length: Int, hash h: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                starts.withUnsafeBufferPointer { starts in
                    arena.withUnsafeBufferPointer { arena in
                        while true {
                            let entry = Int(slots[slot])
                            if entry == 0 { return nil }
                            let index = entry - 1
                            if hashes[index] == h {
                                let start = starts[index]
                                if starts[index + 1] - start == length
                                    && (length == 0 || memcmp(arena.baseAddress! + start, bytes, length) == 0) {
                                    return index
                                }
                            }
                            slot = (slot + 1) & mask
                        }
                    }
                }
            }
        }
    }

    private mutating func append(_ bytes: UnsafePointer<UInt8>, _ length: Int, hash h: UInt64) -> Int {
        let index = hashes.count
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
        starts.append(arena.count)
        if hashes.count * 2 > slots.count { grow() } else { place(index, hash: h) }
        return index
    }

    private mutating func place(_ index: Int, hash h: UInt64) {
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for (index, h) in hashes.enumerated() { place(index, hash: h) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
