import CSwiftCNNSupport

/// A small, fast, seedable generator (xoshiro256**), so a training run with the same
/// seed repeats exactly: initial weights, shuffling and dropout masks.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        // SplitMix64 spreads a small seed over the 256-bit state.
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Fills `mask` with `scale` where a uniform draw is below `keep`, else 0: the draws of
    /// `nextUniform()`, in C.
    mutating func fillDropoutMask(_ mask: UnsafeMutablePointer<Float>, count: Int, keep: Float, scale: Float) {
        withUnsafeMutablePointer(to: &state) { tuple in
            tuple.withMemoryRebound(to: UInt64.self, capacity: 4) { words in
                swiftcnn_dropout_mask(words, mask, count, keep, scale)
            }
        }
    }

    /// A uniform float in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// The state as four words, for resumable checkpoints.
    public var words: [UInt64] { [state.0, state.1, state.2, state.3] }
    /// A generator continuing from saved ``words``; nil unless there are four words, not
    /// all zero.
    public init?(words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }
}
