/// Per-channel batch-normalisation arithmetic over `rows` rows of `channels` values
/// (NHWC flattened: every pixel of every image is a row). Rows are split across the
/// thread pool; per-channel sums are made per part and then added.
enum BatchNormKernels {
    /// Sums `body(rows, partial)` over row ranges into `width` floats and returns them;
    /// they and the partial sums live in `scratch` until its next use.
    private static func reduceRows(
        _ rows: Int, channels: Int, width: Int, scratch: Workspace,
        _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) -> UnsafeMutablePointer<Float> {
        // One partial per chunk, added in chunk order: the same sums whichever thread ran what.
        let chunks = rows * channels < 1 << 14 ? 1 : ThreadPool.shared.reductionChunks(rows)
        let partials = scratch.buffer(count: (chunks + 1) * width)
        partials.update(repeating: 0, count: chunks * width)
        ThreadPool.shared.parallelChunks(rows, chunks: chunks) { _, chunk, range in
            body(range, partials + chunk * width)
        }
        let result = partials + chunks * width
        result.update(repeating: 0, count: width)
        for chunk in 0..<chunks {
            for i in 0..<width { result[i] += partials[chunk * width + i] }
        }
        return result
    }

    /// Biased mean and variance of each channel (two passes, for accuracy).
    static func moments(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, scratch: Workspace
    ) {
        let sums = reduceRows(rows, channels: channels, width: channels, scratch: scratch) { range, sum in
            var row = x + range.lowerBound * channels
            for _ in range {
                for c in 0..<channels { sum[c] += row[c] }
                row += channels
            }
        }
        mean.update(from: sums, count: channels)
        let inverse = 1 / Float(max(rows, 1))
        for c in 0..<channels { mean[c] *= inverse }
        let center = UnsafePointer(mean)
        let squares = reduceRows(rows, channels: channels, width: channels, scratch: scratch) { range, sum in
            var row = x + range.lowerBound * channels
            for _ in range {
                for c in 0..<channels {
                    let d = row[c] - center[c]
                    sum[c] += d * d
                }
                row += channels
            }
        }
        variance.update(from: squares, count: channels)
        for c in 0..<channels { variance[c] *= inverse }
    }

    /// y = (x - mean) * invStd * gamma + beta, folded into one scale and shift per channel.
    static func normalize(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: rows * channels) { _, range in
            var src = x + range.lowerBound * channels
            var dst = output + range.lowerBound * channels
            for _ in range {
                for c in 0..<channels { dst[c] = src[c] * scale[c] + shift[c] }
                src += channels
                dst += channels
            }
        }
    }

    /// Sums of dy and dy·x̂ per channel, where x̂ = (x - mean) * invStd.
    static func gradientSums(
        x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        sumDy: UnsafeMutablePointer<Float>, sumDyXhat: UnsafeMutablePointer<Float>, scratch: Workspace
    ) {
        // One reduction makes both: Σdy in the first `channels` floats, Σdy·x̂ in the rest.
        let sums = reduceRows(rows, channels: channels, width: 2 * channels, scratch: scratch) { range, sum in
            var xr = x + range.lowerBound * channels
            var dr = gradOutput + range.lowerBound * channels
            for _ in range {
                for c in 0..<channels {
                    sum[c] += dr[c]
                    sum[channels + c] += dr[c] * (xr[c] - mean[c]) * invStd[c]
                }
                xr += channels
                dr += channels
            }
        }
        sumDy.update(from: sums, count: channels)
        sumDyXhat.update(from: sums + channels, count: channels)
    }

    /// dx for batch statistics: gamma·invStd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)).
    static func inputGradientTraining(
        x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sumDy: UnsafePointer<Float>, sumDyXhat: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>
    ) {
        let n = Float(rows)
        ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: rows * channels) { _, range in
            var xr = x + range.lowerBound * channels
            var dr = gradOutput + range.lowerBound * channels
            var out = gradInput + range.lowerBound * channels
            for _ in range {
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
}
