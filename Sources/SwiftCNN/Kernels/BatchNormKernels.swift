import CSwiftCNNSupport

/// Per-channel batch-normalisation arithmetic over `rows` rows of `channels` values
/// (NHWC flattened: every pixel of every image is a row), on the C loops of BatchNorm.c.
/// Those run over blocks of `period` floats with per-channel values expanded to a period,
/// so a 6-channel layer runs whole vectors too. Rows are split across the thread pool;
/// sums keep one partial per chunk, added in chunk order, so the result is the same
/// whichever thread ran what.
enum BatchNormKernels {
    /// A multiple of `channels` that is also one of 16 lanes when that stays short.
    static func period(channels: Int) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let common = channels / gcd(channels, 16) * 16
        return common <= 256 ? common : channels
    }

    /// Writes `values` (one per channel) repeated over one period.
    private static func expand(_ values: UnsafePointer<Float>, channels: Int, period: Int, into target: UnsafeMutablePointer<Float>) {
        for k in 0..<period { target[k] = values[k % channels] }
    }

    /// Runs `body(range, partial)` over row chunks, each adding into its own one or two
    /// periods of accumulators, and adds those per channel into `first` (and `second`).
    private static func reduceRows(
        _ rows: Int, channels: Int, period: Int, partials: UnsafeMutablePointer<Float>,
        into first: UnsafeMutablePointer<Float>, _ second: UnsafeMutablePointer<Float>? = nil,
        _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) {
        let groups = second == nil ? 1 : 2
        let width = groups * period
        let chunks = rows * channels < 1 << 14 ? 1 : ThreadPool.shared.reductionChunks(rows)
        partials.update(repeating: 0, count: chunks * width)
        ThreadPool.shared.parallelChunks(rows, chunks: chunks) { _, chunk, range in
            body(range, partials + chunk * width)
        }
        for group in 0..<groups {
            let result = group == 0 ? first : second!
            result.update(repeating: 0, count: channels)
            for chunk in 0..<chunks {
                let partial = partials + chunk * width + group * period
                for k in 0..<period { result[k % channels] += partial[k] }
            }
        }
    }

    /// Scratch floats the reductions need: partials for two accumulator groups per chunk
    /// and a few expanded per-channel rows.
    private static func scratchCount(period: Int) -> Int { (2 * ThreadPool.shared.parts + 4) * period }

    /// Biased mean and variance of each channel (two passes, for accuracy).
    static func moments(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, scratch: Workspace
    ) {
        let period = period(channels: channels)
        let buffer = scratch.buffer(count: scratchCount(period: period))
        let center = buffer
        let partials = buffer + 4 * period
        reduceRows(rows, channels: channels, period: period, partials: partials, into: mean) { range, sums in
            swiftcnn_bn_sums(x + range.lowerBound * channels, range.count * channels, period, nil, sums)
        }
        let inverse = 1 / Float(max(rows, 1))
        for c in 0..<channels { mean[c] *= inverse }
        expand(mean, channels: channels, period: period, into: center)
        reduceRows(rows, channels: channels, period: period, partials: partials, into: variance) { range, sums in
            swiftcnn_bn_sums(x + range.lowerBound * channels, range.count * channels, period, center, sums)
        }
        for c in 0..<channels { variance[c] *= inverse }
    }

    /// y = (x - mean) * invStd * gamma + beta, folded into one scale and shift per channel.
    static func normalize(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        scratch: Workspace
    ) {
        let (period, expanded) = expandedAffine(scale: scale, shift: shift, channels: channels, scratch: scratch)
        ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: rows * channels) { _, range in
            let offset = range.lowerBound * channels
            swiftcnn_bn_affine(x + offset, output + offset, range.count * channels, period, expanded, expanded + period)
        }
    }

    /// Scale then shift, each repeated to the period, in `scratch`: what the affine loops read.
    static func expandedAffine(
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, channels: Int, scratch: Workspace
    ) -> (period: Int, expanded: UnsafeMutablePointer<Float>) {
        let period = period(channels: channels)
        let expanded = scratch.buffer(count: scratchCount(period: period))
        expand(scale, channels: channels, period: period, into: expanded)
        expand(shift, channels: channels, period: period, into: expanded + period)
        return (period, expanded)
    }

    /// ``normalize(_:rows:channels:scale:shift:output:scratch:)`` in place on `y`, then
    /// max(·, 0) when `relu`: one pass where batch norm and the activation took two, each
    /// into a new tensor.
    static func normalizeInPlace(
        _ y: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, relu: Bool, scratch: Workspace
    ) {
        let (period, expanded) = expandedAffine(scale: scale, shift: shift, channels: channels, scratch: scratch)
        ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: rows * channels) { _, range in
            let offset = range.lowerBound * channels
            swiftcnn_bn_affine_inplace(y + offset, range.count * channels, period, expanded, expanded + period, relu ? 1 : 0)
        }
    }

    /// Sums of dy and dy·x̂ per channel, where x̂ = (x - mean) * invStd.
    static func gradientSums(
        x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        sumDy: UnsafeMutablePointer<Float>, sumDyXhat: UnsafeMutablePointer<Float>, scratch: Workspace
    ) {
        let period = period(channels: channels)
        let buffer = scratch.buffer(count: scratchCount(period: period))
        let (meanRow, invStdRow) = (buffer, buffer + period)
        expand(mean, channels: channels, period: period, into: meanRow)
        expand(invStd, channels: channels, period: period, into: invStdRow)
        reduceRows(
            rows, channels: channels, period: period, partials: buffer + 4 * period, into: sumDy, sumDyXhat
        ) { range, sums in
            let offset = range.lowerBound * channels
            swiftcnn_bn_gradient_sums(
                x + offset, gradOutput + offset, range.count * channels, period, meanRow, invStdRow, sums, sums + period)
        }
    }

    /// dx for batch statistics: gamma·invStd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)).
    static func inputGradientTraining(
        x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sumDy: UnsafePointer<Float>, sumDyXhat: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>, scratch: Workspace, totalRows: Int? = nil
    ) {
        // The sums and the count are the whole batch's: under synchronised batch norm,
        // every rank's rows (`totalRows`), of which these `rows` are this rank's.
        let n = Float(totalRows ?? rows)
        let period = period(channels: channels)
        // Mean, 1/std, γ·(1/std)/N, Σdy and Σdy·x̂, each expanded to a period.
        let buffer = scratch.buffer(count: max(scratchCount(period: period), 5 * period))
        expand(mean, channels: channels, period: period, into: buffer)
        expand(invStd, channels: channels, period: period, into: buffer + period)
        for k in 0..<period { buffer[2 * period + k] = gamma[k % channels] * invStd[k % channels] / n }
        expand(sumDy, channels: channels, period: period, into: buffer + 3 * period)
        expand(sumDyXhat, channels: channels, period: period, into: buffer + 4 * period)
        ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: rows * channels) { _, range in
            let offset = range.lowerBound * channels
            swiftcnn_bn_input_gradient(
                x + offset, gradOutput + offset, gradInput + offset, range.count * channels, period, buffer,
                buffer + period, buffer + 2 * period, buffer + 3 * period, buffer + 4 * period, n)
        }
    }
}
