/// Max and average pooling over NHWC input with TensorFlow's window geometry.
/// Padded positions never win a max and never count towards an average.
enum Pooling {
    /// Writes each window's maximum and the flat input index it came from (for backward).
    /// Ties go to the first position in scan order, as TensorFlow's.
    /// `images` selects which images of `input` (each `inputStride` floats) to pool;
    /// `output` and `argmax` start at the first of them.
    static func maxForward(
        input: UnsafePointer<Float>, images: Range<Int>, channels: Int, window: Window2D,
        output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, inputStride: Int
    ) {
        let w = window.cols.input
        let lanes = 16
        let vectorChannels = channels - channels % lanes
        let laneOffsets = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var o = 0
        for image in images {
            let imageBase = image * inputStride
            for oy in 0..<window.rows.output {
                let rows = window.rows.covered(oy)
                let (y0, y1) = (rows.lowerBound, rows.upperBound)
                for ox in 0..<window.cols.output {
                    let cols = window.cols.covered(ox)
                    let (x0, x1) = (cols.lowerBound, cols.upperBound)
                    let first = imageBase + (y0 * w + x0) * channels
                    var c = 0
                    while c < vectorChannels {
                        var best = SIMD16<Float>(UnsafeBufferPointer(start: input + first + c, count: lanes))
                        var bestIndex = laneOffsets &+ Int32(first + c)
                        for y in y0..<y1 {
                            for x in x0..<x1 {
                                let at = imageBase + (y * w + x) * channels + c
                                let value = SIMD16<Float>(UnsafeBufferPointer(start: input + at, count: lanes))
                                let better = value .> best
                                best.replace(with: value, where: better)
                                bestIndex.replace(with: laneOffsets &+ Int32(at), where: better)
                            }
                        }
                        for lane in 0..<lanes {
                            output[o + c + lane] = best[lane]
                            argmax[o + c + lane] = bestIndex[lane]
                        }
                        c += lanes
                    }
                    for c in vectorChannels..<channels {
                        var best = input[first + c]
                        var bestIndex = first + c
                        for y in y0..<y1 {
                            for x in x0..<x1 {
                                let at = imageBase + (y * w + x) * channels + c
                                if input[at] > best { (best, bestIndex) = (input[at], at) }
                            }
                        }
                        output[o + c] = best
                        argmax[o + c] = Int32(bestIndex)
                    }
                    o += channels
                }
            }
        }
    }

    static func averageForward(
        input: UnsafePointer<Float>, images: Int, channels: Int, window: Window2D,
        output: UnsafeMutablePointer<Float>
    ) {
        let (h, w) = (window.rows.input, window.cols.input)
        var o = 0
        for image in 0..<images {
            let imageBase = image * h * w * channels
            for oy in 0..<window.rows.output {
                let rows = window.rows.covered(oy)
                let (y0, y1) = (rows.lowerBound, rows.upperBound)
                for ox in 0..<window.cols.output {
                    let cols = window.cols.covered(ox)
                    let (x0, x1) = (cols.lowerBound, cols.upperBound)
                    let out = output + o
                    out.update(repeating: 0, count: channels)
                    for y in y0..<y1 {
                        for x in x0..<x1 {
                            let at = input + imageBase + (y * w + x) * channels
                            for c in 0..<channels { out[c] += at[c] }
                        }
                    }
                    let scale = 1 / Float(max((y1 - y0) * (x1 - x0), 1))
                    for c in 0..<channels { out[c] *= scale }
                    o += channels
                }
            }
        }
    }

    static func averageBackward(
        gradOutput: UnsafePointer<Float>, images: Int, channels: Int, window: Window2D,
        gradInput: UnsafeMutablePointer<Float>
    ) {
        let (h, w) = (window.rows.input, window.cols.input)
        gradInput.update(repeating: 0, count: images * h * w * channels)
        var o = 0
        for image in 0..<images {
            let imageBase = image * h * w * channels
            for oy in 0..<window.rows.output {
                let rows = window.rows.covered(oy)
                let (y0, y1) = (rows.lowerBound, rows.upperBound)
                for ox in 0..<window.cols.output {
                    let cols = window.cols.covered(ox)
                    let (x0, x1) = (cols.lowerBound, cols.upperBound)
                    let scale = 1 / Float(max((y1 - y0) * (x1 - x0), 1))
                    let dy = gradOutput + o
                    for y in y0..<y1 {
                        for x in x0..<x1 {
                            let at = gradInput + imageBase + (y * w + x) * channels
                            for c in 0..<channels { at[c] += dy[c] * scale }
                        }
                    }
                    o += channels
                }
            }
        }
    }
}
