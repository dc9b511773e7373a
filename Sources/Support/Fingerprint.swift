/// A 128-bit content fingerprint (two independent 64-bit FNV-1a style streams with a final
/// avalanche) for cache keys and input hashes in reports. Not cryptographic.
public struct Fingerprint: Sendable {
    @usableFromInline var a: UInt64 = 0xCBF2_9CE4_8422_2325
    @usableFromInline var b: UInt64 = 0x8422_2325_CBF2_9CE4

    public init() {}

    /// Mixes in bytes. Inlinable, so that callers in other modules get a loop specialised for
    /// their collection (the unspecialised generic loop is slow on model files).
    @inlinable
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var a = self.a, b = self.b
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_0233
        }
        self.a = a
        self.b = b
    }

    /// Mixes in an integer (little-endian bytes).
    public mutating func update(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { update($0) }
    }

    /// Mixes in a string and its length.
    public mutating func update(_ text: String) {
        update(UInt64(text.utf8.count))
        update(text.utf8)
    }

    private static func avalanche(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The two halves.
    public var value: (UInt64, UInt64) { (Fingerprint.avalanche(a ^ (b >> 7)), Fingerprint.avalanche(b ^ (a << 9))) }

    /// 32 hexadecimal digits.
    public var hex: String {
        let (x, y) = value
        return [x, y].map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
