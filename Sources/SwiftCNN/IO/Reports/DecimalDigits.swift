// Decimal digit strings of binary floating-point values, the common ground
// of Python's float repr (for the `checkpoint` file) and numpy's array
// printing (for weights.txt). Swift's `description` already yields the
// shortest digits that round-trip, the same digits Python's repr and
// numpy's Dragon4 "unique" mode choose; this type re-lays them out.

/// A finite value as `±0.d₁d₂…dₙ × 10^pointPosition`.
struct DecimalDigits: Equatable {
    var negative: Bool
    /// Significant digits (0...9), without leading or trailing zeros; empty for zero.
    var digits: [UInt8]
    var pointPosition: Int

    init(negative: Bool, digits: [UInt8], pointPosition: Int) {
        var d = digits[...]
        var p = pointPosition
        while let first = d.first, first == 0 {
            d = d.dropFirst()
            p -= 1
        }
        while let last = d.last, last == 0 { d = d.dropLast() }
        self.negative = negative
        self.digits = Array(d)
        self.pointPosition = d.isEmpty ? 0 : p
    }

    /// The shortest round-tripping digits of a finite `Double`.
    init(shortest value: Double) { self.init(parsing: value.description, negative: value.sign == .minus) }

    /// The shortest round-tripping digits of a finite `Float` (as a float32).
    init(shortest value: Float) { self.init(parsing: value.description, negative: value.sign == .minus) }

    /// Parses Swift's `description` forms: "12.5", "-0.0", "1e-05", "1.5e+20".
    private init(parsing text: String, negative: Bool) {
        var digits: [UInt8] = []
        var point: Int?
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(c - UInt8(ascii: "0"))
                } else {
                    digits.append(c - UInt8(ascii: "0"))
                }
            case UInt8(ascii: "."): point = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-") where inExponent: exponentSign = -1
            default: break
            }
        }
        self.init(negative: negative, digits: digits, pointPosition: (point ?? digits.count) + exponentSign * exponent)
    }

    var isZero: Bool { digits.isEmpty }

    /// Positional parts: integer digits ("0" if none) and fraction digits.
    var positionalParts: (integer: String, fraction: String) {
        let s = digits.map { Character(Unicode.Scalar($0 + 48)) }
        let p = pointPosition
        if digits.isEmpty { return ("0", "") }
        if p <= 0 { return ("0", String(repeating: "0", count: -p) + String(s)) }
        if p >= s.count { return (String(s) + String(repeating: "0", count: p - s.count), "") }
        return (String(s[..<p]), String(s[p...]))
    }

    /// Number of digits after the decimal point in positional notation.
    var fractionDigitCount: Int { max(0, digits.count - pointPosition) }

    /// Scientific parts: first digit, remaining digits, decimal exponent.
    var scientificParts: (lead: String, fraction: String, exponent: Int) {
        guard let first = digits.first else { return ("0", "", 0) }
        return (String(first), String(digits.dropFirst().map { Character(Unicode.Scalar($0 + 48)) }), pointPosition - 1)
    }

    /// Python's `repr` layout (CPython `float_repr_style = 'short'`).
    func pythonRepr() -> String {
        let sign = negative ? "-" : ""
        if isZero { return sign + "0.0" }
        if pointPosition > -4 && pointPosition <= 16 {
            let (integer, fraction) = positionalParts
            return sign + integer + "." + (fraction.isEmpty ? "0" : fraction)
        }
        let (lead, fraction, exponent) = scientificParts
        return sign + lead + (fraction.isEmpty ? "" : "." + fraction) + "e" + exponentString(exponent, minDigits: 2)
    }
}

/// "+05", "-12", "+100": sign and at least `minDigits` digits.
func exponentString(_ exponent: Int, minDigits: Int) -> String {
    let magnitude = String(exponent.magnitude)
    return (exponent < 0 ? "-" : "+") + String(repeating: "0", count: max(0, minDigits - magnitude.count)) + magnitude
}
