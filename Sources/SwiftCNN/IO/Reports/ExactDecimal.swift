// Exact decimal expansions of float32 values. Every float32 is m·2^e with
// m < 2^24, so its value is a finite decimal: m·2^e for e >= 0, or
// m·5^-e / 10^-e for e < 0. numpy prints scientific-mode arrays with digits
// taken from this exact value (Dragon4 with min_digits), rounded half to even,
// which the shortest round-trip digits alone cannot reproduce.

/// Just enough arbitrary-precision arithmetic for the expansions above:
/// little-endian 32-bit limbs, multiply and divide by small numbers.
private struct LimbInteger {
    var limbs: [UInt32]

    init(_ value: UInt32) { limbs = [value] }

    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let product = UInt64(limbs[i]) * UInt64(factor) + carry
            limbs[i] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    mutating func shiftLeft(by bits: Int) {
        let words = bits / 32
        let rest = UInt32(bits % 32)
        if rest != 0 {
            var carry: UInt32 = 0
            for i in limbs.indices {
                let value = limbs[i]
                limbs[i] = (value << rest) | carry
                carry = value >> (32 - rest)
            }
            if carry != 0 { limbs.append(carry) }
        }
        limbs.insert(contentsOf: repeatElement(0, count: words), at: 0)
    }

    /// Divides in place, returning the remainder.
    mutating func divide(by divisor: UInt32) -> UInt32 {
        var remainder: UInt64 = 0
        for i in limbs.indices.reversed() {
            let current = (remainder << 32) | UInt64(limbs[i])
            limbs[i] = UInt32(current / UInt64(divisor))
            remainder = current % UInt64(divisor)
        }
        while limbs.count > 1 && limbs.last == 0 { limbs.removeLast() }
        return UInt32(remainder)
    }

    var isZero: Bool { limbs.allSatisfy { $0 == 0 } }

    /// Decimal digits, most significant first.
    mutating func decimalDigits() -> [UInt8] {
        var chunks: [UInt32] = []
        while !isZero { chunks.append(divide(by: 1_000_000_000)) }
        var digits: [UInt8] = []
        for (n, chunk) in chunks.reversed().enumerated() {
            var part: [UInt8] = []
            var c = chunk
            for _ in 0..<9 {
                part.append(UInt8(c % 10))
                c /= 10
            }
            var ordered = Array(part.reversed())
            if n == 0 { ordered = Array(ordered.drop { $0 == 0 }) }
            digits += ordered
        }
        return digits
    }
}

extension DecimalDigits {
    /// A finite float32 rounded to `count` significant digits (ties to even),
    /// from its exact value. `shortest` must be its shortest digits.
    static func correctlyRounded(_ value: Float, significantDigits count: Int, shortest: DecimalDigits) -> DecimalDigits
    {
        // Shortest digits of exactly this length are the closest such decimal.
        if shortest.digits.count == count || shortest.isZero { return shortest }
        if let fast = roundedByDouble(value, significantDigits: count, exponentGuess: shortest.pointPosition - 1) {
            return fast
        }
        return DecimalDigits(exact: value).rounded(toSignificantDigits: count)
    }

    /// The common case without big integers: |value|·10^s is exact in a
    /// Double when m·5^s < 2^53 (m the 24-bit significand), so rounding it
    /// to an integer rounds the exact value. Returns nil when that does not
    /// hold or the exponent guess was off.
    private static func roundedByDouble(_ value: Float, significantDigits count: Int, exponentGuess: Int)
        -> DecimalDigits?
    {
        let shift = count - 1 - exponentGuess
        guard count >= 1, count <= 15, shift >= 0, shift <= 22 else { return nil }
        var power: UInt64 = 1
        for _ in 0..<shift { power *= 5 }
        let m = UInt64(value.significandBitPattern | (value.isNormal ? 1 << 23 : 0))
        let (product, overflow) = m.multipliedReportingOverflow(by: power)
        guard !overflow, product < (1 << 53) else { return nil }
        var scale = 1.0
        for _ in 0..<shift { scale *= 10 }
        let scaled = Double(value.magnitude) * scale  // exact, see above
        var limit: Double = 1
        for _ in 0..<count { limit *= 10 }
        // |value| < 10^guess: the guess was one too high (shortest digits
        // such as 1e-05 can round up across a power of ten).
        guard scaled >= limit / 10 else { return nil }
        let rounded = scaled.rounded(.toNearestOrEven)
        if rounded >= limit {  // carried into a new digit: 9.99… -> 10.0…
            return DecimalDigits(negative: value.sign == .minus, digits: [1], pointPosition: exponentGuess + 2)
        }
        let digits = String(UInt64(rounded)).utf8.map { $0 - 48 }
        return DecimalDigits(negative: value.sign == .minus, digits: digits, pointPosition: exponentGuess + 1)
    }

    /// The exact value of a finite float32.
    init(exact value: Float) {
        let negative = value.sign == .minus
        let m = value.significandBitPattern | (value.isNormal ? 1 << 23 : 0)
        let e = value.isNormal ? Int(value.exponentBitPattern) - 127 - 23 : -149
        guard m != 0 else {
            self.init(negative: negative, digits: [], pointPosition: 0)
            return
        }
        var n = LimbInteger(m)
        if e >= 0 {
            n.shiftLeft(by: e)
            let digits = n.decimalDigits()
            self.init(negative: negative, digits: digits, pointPosition: digits.count)
        } else {
            var fives = -e
            while fives >= 13 {
                n.multiply(by: 1_220_703_125)  // 5^13
                fives -= 13
            }
            var tail: UInt32 = 1
            for _ in 0..<fives { tail *= 5 }
            n.multiply(by: tail)
            let digits = n.decimalDigits()
            self.init(negative: negative, digits: digits, pointPosition: digits.count + e)
        }
    }

    /// Rounded to `count` significant digits, ties to even (a carry may
    /// lengthen the number by one place; trailing zeros are dropped).
    func rounded(toSignificantDigits count: Int) -> DecimalDigits {
        guard digits.count > count, count >= 0 else { return self }
        var kept = Array(digits[..<count])
        let next = digits[count]
        let restNonZero = digits[(count + 1)...].contains { $0 != 0 }
        let roundUp = next > 5 || (next == 5 && (restNonZero || (kept.last.map { $0 % 2 == 1 } ?? false)))
        var point = pointPosition
        if roundUp {
            var i = kept.count - 1
            while i >= 0 && kept[i] == 9 {
                kept[i] = 0
                i -= 1
            }
            if i >= 0 {
                kept[i] += 1
            } else {
                kept.insert(1, at: 0)
                point += 1
            }
        }
        return DecimalDigits(negative: negative, digits: kept, pointPosition: point)
    }
}
