/// Per-channel batch-normalisation arithmetic over `rows` rows of `channels` values
/// (NHWC flattened: every pixel of every image is a row).
enum BatchNormKernels {
    /// Biased mean and variance of each channel (two passes, for accuracy).
    static func moments(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        mean.update(repeating: 0, count: channels)
        variance.update(repeating: 0, count: channels)
        var row = x
        for _ in 0..<rows {
            for c in 0..<channels { mean[c] += row[c] }
            row += channels
        }
        let inverse = 1 / Float(max(rows, 1))
        for c in 0..<channels { mean[c] *= inverse }
        row = x
        for _ in 0..<rows {
            for c in 0..<channels {
                let d = row[c] - mean[c]
                variance[c] += d * d
            }
            row += channels
        }
        for c in 0..<channels { variance[c] *= inverse }
    }

    /// y = (x - mean) * invStd * gamma + beta, folded into one scale and shift per channel.
    static func normalize(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        var src = x
        var dst = output
        for _ in 0..<rows {
            for c in 0..<channels { dst[c] = src[c] * scale[c] + shift[c] }
            src += channels
            dst += channels
        }
    }

    /// Sums of dy and dy·x̂ per channel, where x̂ = (x - mean) * invStd.
    static func gradientSums(
        x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        sumDy: UnsafeMutablePointer<Float>, sumDyXhat: UnsafeMutablePointer<Float>
    ) {
        sumDy.update(repeating: 0, count: channels)
        sumDyXhat.update(repeating: 0, count: channels)
        var xr = x
        var dr = gradOutput
        for _ in 0..<rows {
            for c in 0..<channels {
                sumDy[c] += dr[c]
                sumDyXhat[c] += dr[c] * (xr[c] - mean[c]) * invStd[c]
            }
            xr += channels
            dr += channels
        }
    }

    /// dx for batch statistics: gamma·invStd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)).
    static func inputGradientTraining(
        x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sumDy: UnsafePointer<Float>, sumDyXhat: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>
    ) {
        let n = Float(rows)
        var xr = x
        var dr = gradOutput
        var out = gradInput
        for _ in 0..<rows {
            for c in 0..<channels {
                let xhat = (xr[c] - mean[c]) * invStd[c]
                out[c] = gamma[c] * invStd[c] / n * (n * dr[c] - sumDy[c] - xhat * sumDyXhat[c])
            }
            xr += channels
            dr += channels
            out += channels
        }
    }
}
