/// 2-D convolution over NHWC input with a `[kh, kw, in, out]` kernel, as im2col + SGEMM.
///
/// Output size and padding follow TensorFlow (`Window2D`). The column matrix is built a few
/// images at a time so its scratch buffer stays bounded for large layers.
struct ConvolutionShape {
    let images: Int
    let channels: Int
    let filters: Int
    let window: Window2D

    var patch: Int { window.rows.window * window.cols.window * channels }
    var outputPixels: Int { window.rows.output * window.cols.output }
    var inputPixels: Int { window.rows.input * window.cols.input }
    /// A 1×1, stride-1 convolution is a plain matrix product on the input itself.
    var isPointwise: Bool {
        patch == channels && window.rows.stride == 1 && window.cols.stride == 1
            && window.rows.padBefore == 0 && window.cols.padBefore == 0
    }

    /// Images per im2col chunk: enough to keep SGEMM efficient, few enough to bound memory.
    var imagesPerChunk: Int {
        let budget = 1 << 22  // floats (16 MiB) of column matrix
        return max(1, min(images, budget / max(outputPixels * patch, 1)))
    }
}

enum Convolution {
    static func forward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, workspace: Workspace
    ) {
        let f = shape.filters
        if shape.isPointwise {
            Gemm.multiply(input, kernel, into: output, m: shape.images * shape.outputPixels, n: f, k: shape.patch)
        } else {
            let chunk = shape.imagesPerChunk
            let columns = workspace.buffer(count: chunk * shape.outputPixels * shape.patch)
            var first = 0
            while first < shape.images {
                let n = min(chunk, shape.images - first)
                Im2col.pack(
                    input + first * shape.inputPixels * shape.channels, images: n,
                    channels: shape.channels, window: shape.window, into: columns)
                Gemm.multiply(
                    columns, kernel, into: output + first * shape.outputPixels * f,
                    m: n * shape.outputPixels, n: f, k: shape.patch)
                first += n
            }
        }
        if let bias {
            let rows = shape.images * shape.outputPixels
            var row = output
            for _ in 0..<rows {
                for j in 0..<f { row[j] += bias[j] }
                row += f
            }
        }
    }

    /// Gradients of a convolution. `gradKernel` (and `gradBias`) are overwritten;
    /// `gradInput`, when given, is overwritten too.
    static func backward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>?, gradKernel: UnsafeMutablePointer<Float>,
        gradBias: UnsafeMutablePointer<Float>?, shape: ConvolutionShape, workspace: Workspace
    ) {
        let f = shape.filters
        let k = shape.patch
        if let gradBias {
            gradBias.update(repeating: 0, count: f)
            var row = gradOutput
            for _ in 0..<(shape.images * shape.outputPixels) {
                for j in 0..<f { gradBias[j] += row[j] }
                row += f
            }
        }
        if shape.isPointwise {
            let m = shape.images * shape.outputPixels
            Gemm.multiply(input, transposeA: true, gradOutput, into: gradKernel, m: k, n: f, k: m)
            if let gradInput {
                Gemm.multiply(gradOutput, kernel, transposeB: true, into: gradInput, m: m, n: k, k: f)
            }
            return
        }
        let chunk = shape.imagesPerChunk
        let columns = workspace.buffer(count: chunk * shape.outputPixels * k)
        if let gradInput { gradInput.update(repeating: 0, count: shape.images * shape.inputPixels * shape.channels) }
        var first = 0
        while first < shape.images {
            let n = min(chunk, shape.images - first)
            let m = n * shape.outputPixels
            let dy = gradOutput + first * shape.outputPixels * f
            Im2col.pack(
                input + first * shape.inputPixels * shape.channels, images: n,
                channels: shape.channels, window: shape.window, into: columns)
            Gemm.multiply(
                columns, transposeA: true, dy, into: gradKernel, m: k, n: f, k: m,
                beta: first == 0 ? 0 : 1)
            if let gradInput {
                Gemm.multiply(dy, kernel, transposeB: true, into: columns, m: m, n: k, k: f)
                Im2col.unpackAdding(
                    columns, images: n, channels: shape.channels, window: shape.window,
                    into: gradInput + first * shape.inputPixels * shape.channels)
            }
            first += n
        }
    }
}
