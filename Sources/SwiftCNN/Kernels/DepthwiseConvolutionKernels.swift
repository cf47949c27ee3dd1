import CSwiftCNNSupport

/// The geometry of a depthwise convolution over NHWC input: each input channel `c` has its
/// own `multiplier` filters, and output channel `c · multiplier + m` is filter `m` of
/// channel `c` (TensorFlow's order, so a Keras kernel `[kh, kw, channels, multiplier]`
/// flattened is `[kh · kw, channels · multiplier]` in output-channel order).
struct DepthwiseConvolutionShape {
    let images: Int
    let channels: Int
    let multiplier: Int
    let window: Window2D

    var outputChannels: Int { channels * multiplier }
    var kernelCount: Int { window.rows.window * window.cols.window * outputChannels }
    var inputImage: Int { window.rows.input * window.cols.input * channels }
    var outputImage: Int { window.rows.output * window.cols.output * outputChannels }
}

/// Direct depthwise-convolution loops on contiguous buffers, split over images. There is no
/// GEMM to lean on (every channel has its own tiny filter), so the loops walk the window
/// once per output pixel with the channel loop innermost and contiguous.
enum DepthwiseConvolutionKernels {
    /// `output = depthwise(input, kernel) + bias`.
    static func forward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: DepthwiseConvolutionShape
    ) {
        let work = shape.images * shape.outputImage * shape.window.rows.window * shape.window.cols.window
        ThreadPool.shared.parallelFor(shape.images, minimumWork: 1 << 15, work: work) { _, images in
            for image in images {
                forEachTap(shape, image: image) { pixel, taps in
                    let dst = output + pixel * shape.outputChannels
                    if let bias { dst.update(from: bias, count: shape.outputChannels) } else {
                        dst.update(repeating: 0, count: shape.outputChannels)
                    }
                    for (sourcePixel, tap) in taps {
                        let x = input + sourcePixel * shape.channels
                        let w = kernel + tap * shape.outputChannels
                        multiplyAdd(x, w, into: dst, channels: shape.channels, multiplier: shape.multiplier)
                    }
                }
            }
        }
    }

    /// The input gradient (if asked for), the kernel gradient (summed over the batch in a
    /// fixed chunk order, so training repeats bit for bit) and the bias gradient.
    static func backward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>?, gradKernel: UnsafeMutablePointer<Float>?,
        gradBias: UnsafeMutablePointer<Float>?, shape: DepthwiseConvolutionShape
    ) {
        let (c, m, k) = (shape.channels, shape.multiplier, shape.kernelCount)
        let chunks = ThreadPool.shared.reductionChunks(shape.images)
        let partials = Tensor(uninitializedShape: Shapes.of(gradKernel == nil ? 0 : chunks * k))
        let partialBase = partials.pointer
        ThreadPool.shared.parallelChunks(shape.images, chunks: chunks) { _, chunk, images in
            let partial = partialBase + chunk * k
            if gradKernel != nil { partial.update(repeating: 0, count: k) }
            for image in images {
                if let gradInput { (gradInput + image * shape.inputImage).update(repeating: 0, count: shape.inputImage) }
                forEachTap(shape, image: image) { pixel, taps in
                    let g = gradOutput + pixel * shape.outputChannels
                    for (sourcePixel, tap) in taps {
                        if let gradInput {
                            let dx = gradInput + sourcePixel * c
                            let w = kernel + tap * shape.outputChannels
                            for ch in 0..<c {
                                var sum: Float = 0
                                for j in 0..<m { sum += g[ch * m + j] * w[ch * m + j] }
                                dx[ch] += sum
                            }
                        }
                        if gradKernel != nil {
                            multiplyAdd(input + sourcePixel * c, g, into: partial + tap * shape.outputChannels, channels: c, multiplier: m)
                        }
                    }
                }
            }
        }
        if let gradKernel {
            // `multiplyAdd` above used `g` in the kernel's place: it has the kernel's layout.
            gradKernel.update(repeating: 0, count: k)
            for chunk in 0..<min(chunks, shape.images) { swiftcnn_add_in_place(gradKernel, partialBase + chunk * k, k) }
        }
        if let gradBias {
            gradBias.update(repeating: 0, count: shape.outputChannels)
            let rows = shape.images * shape.window.rows.output * shape.window.cols.output
            swiftcnn_column_sums(gradOutput, rows, shape.outputChannels, gradBias)
        }
    }

    /// `dst[c·m + j] += x[c] · w[c·m + j]`.
    @inline(__always)
    private static func multiplyAdd(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, channels: Int,
        multiplier: Int
    ) {
        if multiplier == 1 {
            for ch in 0..<channels { dst[ch] += x[ch] * w[ch] }
        } else {
            for ch in 0..<channels {
                let value = x[ch]
                for j in 0..<multiplier { dst[ch * multiplier + j] += value * w[ch * multiplier + j] }
            }
        }
    }

    /// Calls `body(outputPixel, taps)` for every output pixel of `image`, with the
    /// (input pixel, kernel tap) pairs its window covers inside the image. Pixels are
    /// indices over the whole batch; `taps` is a small stack buffer reused across pixels.
    @inline(__always)
    private static func forEachTap(
        _ shape: DepthwiseConvolutionShape, image: Int,
        _ body: (_ pixel: Int, _ taps: UnsafeBufferPointer<(Int, Int)>) -> Void
    ) {
        let (rows, cols) = (shape.window.rows, shape.window.cols)
        let tapCount = rows.window * cols.window
        withUnsafeTemporaryAllocation(of: (Int, Int).self, capacity: tapCount) { buffer in
            let base = buffer.baseAddress!
            for oy in 0..<rows.output {
                for ox in 0..<cols.output {
                    var n = 0
                    for ky in 0..<rows.window {
                        let iy = oy * rows.stride - rows.padBefore + ky
                        if iy < 0 || iy >= rows.input { continue }
                        for kx in 0..<cols.window {
                            let ix = ox * cols.stride - cols.padBefore + kx
                            if ix < 0 || ix >= cols.input { continue }
                            base[n] = ((image * rows.input + iy) * cols.input + ix, ky * cols.window + kx)
                            n += 1
                        }
                    }
                    let pixel = (image * rows.output + oy) * cols.output + ox
                    body(pixel, UnsafeBufferPointer(start: base, count: n))
                }
            }
        }
    }
}
