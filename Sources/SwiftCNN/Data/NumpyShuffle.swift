/// The order `np.random.RandomState(seed).shuffle` puts `n` items in: the order Keras's
/// `image_dataset_from_directory` gives its files (and so which ones its
/// `validation_split` holds out), reproduced so the same `--seed` splits a folder as
/// Keras does.
///
/// NumPy's legacy generator is MT19937 seeded with `init_genrand(seed)`; its shuffle is
/// Fisher–Yates from the end, each index drawn by masked rejection sampling of 32-bit
/// outputs (`random_interval`).
enum NumpyShuffle {
    /// The permutation: item `i` of the shuffled list is item `result[i]` of the original.
    static func permutation(count n: Int, seed: UInt32) -> [Int] {
        var order = Array(0..<n)
        guard n > 1 else { return order }
        var generator = MersenneTwister(seed: seed)
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = generator.interval(UInt64(i))
            order.swapAt(i, Int(j))
        }
        return order
    }
}

/// MT19937, as NumPy's `RandomState` (Matsumoto and Nishimura's reference code).
struct MersenneTwister {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// A uniform integer in `0...max`, drawn as NumPy's `random_interval`.
    mutating func interval(_ max: UInt64) -> UInt64 {
        guard max > 0 else { return 0 }
        var mask = max
        for shift in [1, 2, 4, 8, 16, 32] as [UInt64] { mask |= mask >> shift }
        if max <= 0xFFFF_FFFF {
            while true {
                let value = UInt64(next()) & mask
                if value <= max { return value }
            }
        }
        while true {
            let value = ((UInt64(next()) << 32) | UInt64(next())) & mask
            if value <= max { return value }
        }
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var value = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { value ^= 0x9908_B0DF }
            state[i] = value
        }
        index = 0
    }
}
