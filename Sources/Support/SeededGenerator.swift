import Foundation

/// A deterministic random number generator (SplitMix64), so that the same seed gives the same
/// trials on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A point drawn uniformly from the probability simplex of dimension `n` (Dirichlet(1)).
    public mutating func simplexPoint(_ n: Int) -> [Double] {
        let draws = (0..<n).map { _ in -log(Double.random(in: Double.ulpOfOne..<1, using: &self)) }
        let total = draws.reduce(0, +)
        return draws.map { $0 / total }
    }
}
