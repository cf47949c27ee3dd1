import CSwiftCNNSupport

/// The geometry of a transposed convolution, seen as the convolution it transposes: that
/// convolution maps the (larger) output `[images, outH, outW, filters]` to the input
/// `[images, inH, inW, channels]` with the kernel `[kh, kw, filters, channels]`, which is
/// Keras's `Conv2DTranspose` kernel as it is stored. `window` is that convolution's.
struct TransposedConvolutionShape {
    let images: Int
    let channels: Int
    let filters: Int
    let window: Window2D

    /// Input pixels (the convolution's output pixels), over the whole batch.
    var inputPixels: Int { images * window.rows.output * window.cols.output }
    var outputImage: Int { window.rows.input * window.cols.input * filters }
    var patch: Int { window.rows.window * window.cols.window * filters }
}

/// Transposed convolution as GEMM + col2im: the forward is the input gradient of the
/// convolution it transposes, and its backward is that convolution's forward (for the
/// input gradient) and kernel gradient.
enum TransposedConvolutionKernels {
    /// `output = col2im(input · kernelᵀ) + bias`.
    static func forward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: TransposedConvolutionShape
    ) {
        let columns = Tensor(uninitializedShape: Shapes.of(shape.inputPixels * shape.patch))
        Gemm.multiply(
            input, kernel, transposeB: true, into: columns.pointer, m: shape.inputPixels, n: shape.patch, k: shape.channels)
        let perImage = shape.window.rows.output * shape.window.cols.output * shape.patch
        let columnBase = UnsafePointer(columns.pointer)
        ThreadPool.shared.parallelFor(shape.images, minimumWork: 1 << 15, work: shape.inputPixels * shape.patch) { _, images in
            for image in images {
                let out = output + image * shape.outputImage
                if let bias {
                    for pixel in 0..<(shape.outputImage / max(shape.filters, 1)) {
                        (out + pixel * shape.filters).update(from: bias, count: shape.filters)
                    }
                } else {
                    out.update(repeating: 0, count: shape.outputImage)
                }
                Im2col.unpackAdding(
                    columnBase + image * perImage, images: 1, channels: shape.filters, window: shape.window, into: out)
            }
        }
    }

    /// Input, kernel and bias gradients (each only when asked for).
    static func backward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>?, gradKernel: UnsafeMutablePointer<Float>?,
        gradBias: UnsafeMutablePointer<Float>?, shape: TransposedConvolutionShape
    ) {
        if gradInput != nil || gradKernel != nil {
            let columns = Tensor(uninitializedShape: Shapes.of(shape.inputPixels * shape.patch))
            let perImage = shape.window.rows.output * shape.window.cols.output * shape.patch
            let columnBase = columns.pointer
            ThreadPool.shared.parallelFor(shape.images, minimumWork: 1 << 15, work: shape.inputPixels * shape.patch) { _, images in
                for image in images {
                    Im2col.pack(
                        gradOutput + image * shape.outputImage, images: 1, channels: shape.filters, window: shape.window,
                        into: columnBase + image * perImage)
                }
            }
            if let gradInput {
                Gemm.multiply(
                    columns.pointer, kernel, into: gradInput, m: shape.inputPixels, n: shape.channels, k: shape.patch)
            }
            if let gradKernel {
                Gemm.multiply(
                    columns.pointer, transposeA: true, input, into: gradKernel, m: shape.patch, n: shape.channels,
                    k: shape.inputPixels)
            }
        }
        if let gradBias {
            gradBias.update(repeating: 0, count: shape.filters)
            swiftcnn_column_sums(gradOutput, shape.images * shape.outputImage / max(shape.filters, 1), shape.filters, gradBias)
        }
    }
}
