// numpy's `str()` of a float32 array with default print options except
// threshold=inf (numpy/_core/arrayprint.py: FloatingFormat with
// floatmode='maxprec', precision=8, suppress=False, sign='-', linewidth=75).
//
// Per array, one format is chosen from the finite values:
// - scientific if the largest non-zero magnitude is >= the cutoff (1e6 for
//   float32 since numpy 2.3, 1e8 before), or the smallest is < 1e-4, or
//   max/min > 1000; every element then shows the same number of fraction
//   digits (the most any element's shortest form needs, at most 8), taken
//   from the element's exact value rounded half to even (so 5.4832339e-04,
//   not the zero-padded shortest form 5.483234e-04);
// - otherwise positional: each element's shortest round-trip digits, cut to
//   8 fraction digits by rounding the exact binary value half-to-even, with
//   the integer part right-aligned and the fraction left-aligned (space-padded).
// Elements are joined by ' ', wrapped at 75 columns, nested in brackets with
// one blank line between blocks per extra dimension.

/// Which numpy release's float32 printing to reproduce. They differ only for
/// magnitudes from 1e6 up (numpy 2.3 made the scientific cutoff depend on the
/// dtype's precision) and for elements equal to float32(1e-4).
public enum NumpyPrintStyle: Sendable {
    /// numpy 1.x up to 2.2 (what the course's TensorFlow 2.1 environment used).
    case numpy1
    /// numpy 2.3 and later.
    case numpy2
}

enum NumpyFormat {
    static let precision = 8
    static let lineWidth = 75

    /// `str(array)` for a float32 array of `shape` (row-major `values`).
    static func arrayString(_ values: [Float], shape: [Int], style: NumpyPrintStyle) -> String {
        if shape.isEmpty { return scalarString(values.first ?? 0, style: style) }
        if values.isEmpty { return "[]" }
        let words = FloatFormatter(values, style: style).formatAll()
        return layout(words, shape: shape)
    }

    /// `str(np.float32(x))`.
    static func scalarString(_ x: Float, style: NumpyPrintStyle) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let digits = DecimalDigits(shortest: x)
        let magnitude = Double(x.magnitude)
        let cutoff = style == .numpy1 ? 1e16 : 1e6
        if x == 0 || (magnitude >= 1e-4 && magnitude < cutoff) {
            let (integer, fraction) = digits.positionalParts
            return (digits.negative ? "-" : "") + integer + "." + (fraction.isEmpty ? "0" : fraction)
        }
        let (lead, fraction, exponent) = digits.scientificParts
        return (digits.negative ? "-" : "") + lead + (fraction.isEmpty ? "" : "." + fraction) + "e"
            + exponentString(exponent, minDigits: 2)
    }

    /// `_formatArray`: brackets, separators and line wrapping.
    static func layout(_ words: [String], shape: [Int]) -> String {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }

        func extend(_ s: inout String, _ line: inout String, _ word: String, width: Int, prefix: String) {
            // Wrap only if it helps: a line holding just the prefix never wraps.
            if line.utf8.count + word.utf8.count > width && line.utf8.count > prefix.utf8.count {
                s += rstrip(line) + "\n"
                line = prefix
            }
            line += word
        }

        func recurse(axis: Int, offset: Int, hangingIndent: String, width: Int) -> String {
            if axis == shape.count { return words[offset] }
            let nextIndent = hangingIndent + " "
            let nextWidth = width - 1  // room for the closing ']'
            let count = shape[axis]
            var s = ""
            if axis == shape.count - 1 {
                let elementWidth = width - 1
                var line = hangingIndent
                for i in 0..<count {
                    let word = recurse(
                        axis: axis + 1, offset: offset + i * strides[axis], hangingIndent: nextIndent, width: nextWidth)
                    extend(&s, &line, word, width: elementWidth, prefix: hangingIndent)
                    if i < count - 1 { line += " " }
                }
                s += line
            } else {
                let separator = String(repeating: "\n", count: shape.count - axis - 1)
                for i in 0..<count {
                    let nested = recurse(
                        axis: axis + 1, offset: offset + i * strides[axis], hangingIndent: nextIndent, width: nextWidth)
                    s += hangingIndent + nested + (i < count - 1 ? separator : "")
                }
            }
            return "[" + s.dropFirst(hangingIndent.count) + "]"
        }
        return recurse(axis: 0, offset: 0, hangingIndent: " ", width: lineWidth)
    }

    private static func rstrip(_ s: String) -> Substring {
        var end = s.endIndex
        while end > s.startIndex, s[s.index(before: end)] == " " { end = s.index(before: end) }
        return s[..<end]
    }
}

/// numpy's `FloatingFormat` for one float32 array: `fillFormat` picks the
/// mode and paddings, `format` renders each element.
struct FloatFormatter {
    /// Shortest digits of every finite value (pass one), reused by pass two.
    private var shortest: [DecimalDigits?] = []
    private let values: [Float]
    private var scientific = false
    private var padLeft = 0
    private var padRight = 0
    private var fractionDigits = 0  // scientific mode only

    init(_ values: [Float], style: NumpyPrintStyle) {
        self.values = values
        var maxValue: Float = 0
        var minValue: Float = .infinity
        var anyFinite = false
        var negativeInfinity = false
        var anyNonFinite = false
        for v in values {
            if !v.isFinite {
                anyNonFinite = true
                if v == -.infinity { negativeInfinity = true }
                continue
            }
            anyFinite = true
            if v != 0 {
                maxValue = max(maxValue, v.magnitude)
                minValue = min(minValue, v.magnitude)
            }
        }
        if minValue.isFinite {
            // numpy 2 compares float32 scalars with Python floats in float32
            // (NEP 50); numpy 1 promoted the comparison to float64.
            let tooSmall = style == .numpy2 ? minValue < Float(0.0001) : Double(minValue) < 0.0001
            let cutoff: Float = style == .numpy2 ? 1e6 : 1e8
            scientific = maxValue >= cutoff || tooSmall || maxValue / minValue > 1000
        }
        shortest = values.map { $0.isFinite ? DecimalDigits(shortest: $0) : nil }
        if anyFinite {
            for (v, digits) in zip(values, shortest) {
                guard let digits else { continue }
                if scientific {
                    let parts = digits.scientificParts
                    padLeft = max(padLeft, parts.lead.count + (v.sign == .minus ? 1 : 0))
                    fractionDigits = max(fractionDigits, min(parts.fraction.count, NumpyFormat.precision))
                } else {
                    let parts = Self.positionalDigits(v, shortest: digits).positionalParts
                    padLeft = max(padLeft, parts.integer.count + (v.sign == .minus ? 1 : 0))
                    padRight = max(padRight, parts.fraction.count)
                }
            }
            if scientific { padRight = 2 + 2 + fractionDigits }  // exp_size (2) + 2 + precision
        }
        if anyNonFinite {
            let offset = padRight + 1
            padLeft = max(padLeft, 3 - offset, 3 + (negativeInfinity ? 1 : 0) - offset)
        }
    }

    /// Shortest digits, cut to 8 fraction digits by rounding the exact value
    /// half-to-even (Dragon4 with a cutoff). `Double(v) * 1e8` is exact: a
    /// 24-bit significand times 5^8·2^8 needs at most 43 bits.
    static func positionalDigits(_ v: Float, shortest: DecimalDigits) -> DecimalDigits {
        guard shortest.fractionDigitCount > NumpyFormat.precision else { return shortest }
        let scaled = (Double(v.magnitude) * 1e8).rounded(.toNearestOrEven)
        let integer = UInt64(scaled)
        let digits = String(integer).utf8.map { $0 - 48 }
        return DecimalDigits(
            negative: v.sign == .minus, digits: digits, pointPosition: digits.count - NumpyFormat.precision)
    }

    func formatAll() -> [String] {
        zip(values, shortest).map { format($0, shortest: $1) }
    }

    private func format(_ v: Float, shortest: DecimalDigits?) -> String {
        guard let shortest else {
            let text = v.isNaN ? "nan" : (v < 0 ? "-inf" : "inf")
            return String(repeating: " ", count: max(0, padLeft + padRight + 1 - text.count)) + text
        }
        let sign = v.sign == .minus ? "-" : ""
        if scientific {
            // Dragon4 with min_digits: digits of the exact value, rounded.
            let digits = DecimalDigits.correctlyRounded(v, significantDigits: fractionDigits + 1, shortest: shortest)
            let parts = digits.scientificParts
            let lead = sign + parts.lead
            let fraction = parts.fraction + String(repeating: "0", count: max(0, fractionDigits - parts.fraction.count))
            return String(repeating: " ", count: max(0, padLeft - lead.count)) + lead + "." + fraction + "e"
                + exponentString(parts.exponent, minDigits: 2)
        }
        let parts = Self.positionalDigits(v, shortest: shortest).positionalParts
        let integer = sign + parts.integer
        return String(repeating: " ", count: max(0, padLeft - integer.count)) + integer + "." + parts.fraction
            + String(repeating: " ", count: max(0, padRight - parts.fraction.count))
    }
}
