import CSwiftCNNSupport

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

    /// Filter lanes of the direct kernel (8 or 16), or 0 when im2col + SGEMM is used.
    var directLanes: Int { isPointwise ? 0 : swiftcnn_conv_direct_lanes(filters) }
    /// The same for the forward pass, where a pointwise convolution with few filters runs
    /// direct too: SGEMM packs the whole input for a product only 8 or 16 columns wide,
    /// where the direct kernel reads each pixel once (Inception10's 16-filter 1×1 layers,
    /// memory-bound, 2.8 → 1.8 ms at batch 256 on one Zen 4 core).
    ///
    /// A kernel wider than 3×3 with 17–32 filters (Inception10's 32-filter 5×5 layers on
    /// 8×8 maps) runs direct as well, in blocks of 16 filters over the same cached image:
    /// its im2col matrix is 25 times the image and SGEMM reached half the peak on it, the
    /// direct kernel 95% (batch 256, 2-core Zen 4: 6.5–7.6 → 3.8 ms a layer).
    var forwardDirectLanes: Int {
        let lanes = swiftcnn_conv_direct_lanes(filters)
        if lanes > 0 { return lanes }
        let wide = window.rows.window > 3 || window.cols.window > 3
        return wide && filters <= 32 ? 16 : 0
    }

    /// A stride-1 convolution of at most 4 channels into at most 8 filters (Baseline's and
    /// LeNet5's first layers) runs vectorised along the output row instead (`RowConvolution.c`):
    /// the filter-lane kernel fills 6 of 16 AVX-512 lanes there.
    var usesRowKernel: Bool { swiftcnn_conv_rows_supported(cShape) != 0 }

    /// Whether the direct path's input gradient is scattered from each output pixel
    /// (`ScatterInputGradient.c`) rather than run as the transposed direct convolution: when
    /// it needs a fifth fewer vector lanes of FMA, counting the transposed kernel's
    /// multiplications by dY's zero border and its lanes beyond the channels. LeNet5's second
    /// layer (6 → 16, 5×5 `valid`, 14×14) scatters 256,000 lanes an image where the transposed
    /// convolution ran 627,000.
    var scattersInputGradient: Bool {
        let row = swiftcnn_conv_scatter_row(cShape)
        let lanes = swiftcnn_conv_direct_lanes(channels)
        guard row > 0, lanes > 0, window.rows.stride == 1, window.cols.stride == 1 else { return false }
        let taps = window.rows.window * window.cols.window
        let scatter = outputPixels * window.rows.window * filters * row
        let transposed = inputPixels * taps * filters * lanes
        return scatter * 5 < transposed * 4
    }

    /// Whether the im2col path's input gradient is scattered from each output pixel too,
    /// instead of dY·Wᵀ and col2im: with at most 32 filters that product's inner dimension
    /// is too short for SGEMM's speed, and col2im reads back a column matrix kh·kw times
    /// the image; the scatter does the same multiply-adds (when kw·c is near a multiple of
    /// 16) into one cached image. Inception10's 32-filter 5×5 layers.
    var scattersIm2colInputGradient: Bool {
        let row = swiftcnn_conv_scatter_row(cShape)
        return !isPointwise && filters <= 32 && row > 0 && row * 4 <= window.cols.window * channels * 5
    }

    /// Floats of the direct kernel's packed weights: `lanes`-filter blocks of the patch.
    func packedKernelCount(lanes: Int) -> Int { patch * lanes * ((filters + lanes - 1) / lanes) }

    /// The C kernels' description of this shape.
    var cShape: swiftcnn_conv_shape {
        swiftcnn_conv_shape(
            height: window.rows.input, width: window.cols.input, channels: channels,
            kernelHeight: window.rows.window, kernelWidth: window.cols.window, filters: filters,
            strideHeight: window.rows.stride, strideWidth: window.cols.stride,
            padTop: window.rows.padBefore, padLeft: window.cols.padBefore,
            outputHeight: window.rows.output, outputWidth: window.cols.output)
    }

    /// Scratch floats for one zero-padded input image (direct kernels).
    var paddedImageCount: Int {
        (window.rows.input + window.rows.window) * (window.cols.input + window.cols.window) * channels
    }

    /// Images per im2col chunk: enough to keep SGEMM efficient, few enough to bound memory.
    var imagesPerChunk: Int {
        let budget = 1 << 20  // floats (4 MiB) of column matrix
        return max(1, min(images, budget / max(outputPixels * patch, 1)))
    }
}

enum Convolution {
    /// Each thread-pool part convolves its own slice of the batch: with the direct kernel
    /// when there are few filters, else with im2col and single-threaded SGEMM.
    static func forward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, workspaces: WorkspaceSet
    ) {
        if shape.usesRowKernel {
            let cShape = shape.cShape
            let scratchCount = swiftcnn_conv_rows_scratch(cShape)
            ThreadPool.shared.parallelFor(shape.images) { part, images in
                swiftcnn_conv_rows_forward(
                    input + images.lowerBound * shape.inputPixels * shape.channels, kernel, bias,
                    output + images.lowerBound * shape.outputPixels * shape.filters, images.count, cShape, 0,
                    workspaces[part].buffer(count: scratchCount))
            }
            return
        }
        let lanes = shape.forwardDirectLanes
        if lanes > 0 {
            let packed = workspaces.shared.buffer(count: shape.packedKernelCount(lanes: lanes))
            pack(kernel, into: packed, rows: shape.patch, filters: shape.filters, lanes: lanes)
            let cShape = shape.cShape
            ThreadPool.shared.parallelFor(shape.images) { part, images in
                let padded = workspaces[part].buffer(count: shape.paddedImageCount)
                swiftcnn_conv_direct_forward(
                    input + images.lowerBound * shape.inputPixels * shape.channels, packed, bias,
                    output + images.lowerBound * shape.outputPixels * shape.filters, images.count, cShape, lanes, padded)
            }
            return
        }
        if WinogradConvolution.isChosen(for: shape) {
            WinogradConvolution.forward(
                input: input, kernel: kernel, bias: bias, output: output, shape: shape, workspaces: workspaces)
            return
        }
        if shape.images < ThreadPool.shared.parts {
            forwardSplittingFilters(input: input, kernel: kernel, bias: bias, output: output, shape: shape, workspaces: workspaces)
            return
        }
        ThreadPool.shared.parallelFor(shape.images) { part, images in
            forward(
                input: input, kernel: kernel, bias: bias, output: output, shape: shape, images: images,
                workspace: workspaces[part])
        }
    }

    /// Fewer images than threads (a batch of one, as `predict photo.jpg` and a server run):
    /// each image's columns are packed once and the threads split the product's filters, so
    /// every core works and each streams only its share of the kernel (the 512-filter
    /// layers of a 4×4 map are bound by reading their 9 MB kernel).
    /// Output pixels up to which a one-image product goes to `swiftcnn_gemm_few_rows`,
    /// which reads the kernel once instead of packing it for SGEMM: measured on ResNet18 at
    /// batch 1 (2-core Zen 4), 4×4 maps 2.1 → 1.3 ms, 8×8 maps 63 → 137 GFLOP/s; at 16×16
    /// (256 rows) SGEMM was as fast or slightly faster. (Its tiles per instruction set, since,
    /// made batch-1 ResNet18 and VGG16 about 1.5× faster again on Zen 5: FewRowsGemm.c.)
    static let fewRows = 64

    private static func forwardSplittingFilters(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, workspaces: WorkspaceSet
    ) {
        let f = shape.filters
        let (inputStride, outputStride) = (shape.inputPixels * shape.channels, shape.outputPixels * f)
        // Column blocks of 16 filters keep each thread's share a multiple of the vector width.
        let blocks = (f + 15) / 16
        let columns = shape.isPointwise ? nil : workspaces.shared.buffer(count: shape.outputPixels * shape.patch)
        for image in 0..<shape.images {
            let source = input + image * inputStride
            if let columns {
                Im2col.pack(source, images: 1, channels: shape.channels, window: shape.window, into: columns)
            }
            let a = columns.map { UnsafePointer($0) } ?? source
            let out = output + image * outputStride
            ThreadPool.shared.parallelFor(blocks) { _, range in
                let first = range.lowerBound * 16
                let n = min(f, range.upperBound * 16) - first
                if shape.outputPixels <= fewRows {
                    swiftcnn_gemm_few_rows(
                        a, shape.patch, kernel, f, bias, out, f, shape.outputPixels, shape.patch, first, first + n)
                    return
                }
                Gemm.multiply(a, kernel + first, into: out + first, m: shape.outputPixels, n: n, k: shape.patch, ldb: f, ldc: f)
                if let bias { addBias(bias + first, to: out + first, rows: shape.outputPixels, columns: n, stride: f) }
            }
        }
    }

    private static func forward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, images: Range<Int>, workspace: Workspace
    ) {
        let f = shape.filters
        let inputStride = shape.inputPixels * shape.channels
        let outputStride = shape.outputPixels * f
        if shape.isPointwise {
            Gemm.multiply(
                input + images.lowerBound * inputStride, kernel, into: output + images.lowerBound * outputStride,
                m: images.count * shape.outputPixels, n: f, k: shape.patch)
        } else {
            let chunk = shape.imagesPerChunk
            let columns = workspace.buffer(count: chunk * shape.outputPixels * shape.patch)
            var first = images.lowerBound
            while first < images.upperBound {
                let n = min(chunk, images.upperBound - first)
                Im2col.pack(
                    input + first * inputStride, images: n, channels: shape.channels, window: shape.window, into: columns)
                Gemm.multiply(
                    columns, kernel, into: output + first * outputStride, m: n * shape.outputPixels, n: f, k: shape.patch)
                first += n
            }
        }
        if let bias {
            addBias(bias, to: output + images.lowerBound * outputStride, rows: images.count * shape.outputPixels, columns: f, stride: f)
        }
    }

    /// Adds `bias[j]` to column j of `rows` rows of `columns` floats, `stride` apart.
    private static func addBias(
        _ bias: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int
    ) {
        var row = output
        for _ in 0..<rows {
            for j in 0..<columns { row[j] += bias[j] }
            row += stride
        }
    }

    /// Gradients of a convolution. `gradKernel` (and `gradBias`) are overwritten;
    /// `gradInput`, when given, is overwritten too. Each part sums its images' kernel
    /// gradient separately; the parts are added at the end.
    static func backward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>?, gradKernel: UnsafeMutablePointer<Float>,
        gradBias: UnsafeMutablePointer<Float>?, shape: ConvolutionShape, workspaces: WorkspaceSet,
        accumulateInput: Bool = false
    ) {
        // Only the pointwise product adds into an existing input gradient (SGEMM's beta).
        assert(!accumulateInput || shape.isPointwise, "conv2d: only a pointwise backward accumulates its input gradient")
        if shape.directLanes > 0 {
            directBackward(
                input: input, kernel: kernel, gradOutput: gradOutput, gradInput: gradInput, gradKernel: gradKernel,
                gradBias: gradBias, shape: shape, workspaces: workspaces)
            return
        }
        if WinogradConvolution.isChosen(for: shape) {
            WinogradConvolution.kernelGradient(
                input: input, gradOutput: gradOutput, gradKernel: gradKernel, shape: shape, workspaces: workspaces)
            if let gradInput {
                WinogradConvolution.inputGradient(
                    gradOutput: gradOutput, kernel: kernel, gradInput: gradInput, shape: shape, workspaces: workspaces)
            }
            if let gradBias { biasGradient(gradOutput, into: gradBias, rows: shape.images * shape.outputPixels, filters: shape.filters) }
            return
        }
        let kernelCount = shape.patch * shape.filters
        let partialCount = kernelCount + shape.filters
        // One partial gradient per chunk (summed in chunk order, so the result does not
        // depend on scheduling); the im2col columns are per-thread scratch.
        let chunks = ThreadPool.shared.reductionChunks(shape.images)
        let partials = workspaces.partials.buffer(count: chunks * partialCount)
        let cShape = shape.cShape
        let scatterKernel =
            gradInput != nil && shape.scattersIm2colInputGradient
            ? workspaces.shared.buffer(count: swiftcnn_conv_scatter_kernel_count(cShape)) : nil
        if let scatterKernel { swiftcnn_conv_scatter_pack(kernel, scatterKernel, cShape) }
        ThreadPool.shared.parallelChunks(shape.images, chunks: chunks) { part, chunk, images in
            let partial = partials + chunk * partialCount
            backward(
                input: input, kernel: kernel, gradOutput: gradOutput, gradInput: scatterKernel == nil ? gradInput : nil,
                gradKernel: partial, gradBias: gradBias == nil ? nil : partial + kernelCount,
                shape: shape, images: images, workspace: workspaces[part], scratchOffset: 0,
                accumulate: false, accumulateInput: accumulateInput)
            guard let scatterKernel, let gradInput else { return }
            swiftcnn_conv_scatter_input_gradient(
                gradOutput + images.lowerBound * shape.outputPixels * shape.filters, scatterKernel,
                gradInput + images.lowerBound * shape.inputPixels * shape.channels, images.count, cShape, 0,
                workspaces[part].buffer(count: swiftcnn_conv_scatter_scratch(cShape)))
        }
        gradKernel.update(from: partials, count: kernelCount)
        if let gradBias { gradBias.update(from: partials + kernelCount, count: shape.filters) }
        for chunk in 1..<max(chunks, 1) {
            let partial = partials + chunk * partialCount
            swiftcnn_add_in_place(gradKernel, partial, kernelCount)
            if let gradBias { swiftcnn_add_in_place(gradBias, partial + kernelCount, shape.filters) }
        }
    }

    private static func backward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>?, gradKernel: UnsafeMutablePointer<Float>,
        gradBias: UnsafeMutablePointer<Float>?, shape: ConvolutionShape, images: Range<Int>,
        workspace: Workspace, scratchOffset: Int, accumulate: Bool, accumulateInput: Bool = false
    ) {
        let f = shape.filters
        let k = shape.patch
        let inputStride = shape.inputPixels * shape.channels
        let outputStride = shape.outputPixels * f
        let dyBase = gradOutput + images.lowerBound * outputStride
        if let gradBias {
            if !accumulate { gradBias.update(repeating: 0, count: f) }
            swiftcnn_column_sums(dyBase, images.count * shape.outputPixels, f, gradBias)
        }
        if shape.isPointwise {
            let m = images.count * shape.outputPixels
            Gemm.multiply(
                input + images.lowerBound * inputStride, transposeA: true, dyBase, into: gradKernel, m: k, n: f, k: m,
                beta: accumulate ? 1 : 0)
            if let gradInput {
                Gemm.multiply(
                    dyBase, kernel, transposeB: true, into: gradInput + images.lowerBound * inputStride, m: m, n: k, k: f,
                    beta: accumulateInput ? 1 : 0)
            }
            return
        }
        let chunk = shape.imagesPerChunk
        // The partial gradients live at the start of this part's workspace; columns follow.
        let columns = workspace.buffer(count: scratchOffset + chunk * shape.outputPixels * k) + scratchOffset
        if let gradInput {
            (gradInput + images.lowerBound * inputStride).update(repeating: 0, count: images.count * inputStride)
        }
        var first = images.lowerBound
        while first < images.upperBound {
            let n = min(chunk, images.upperBound - first)
            let m = n * shape.outputPixels
            let dy = gradOutput + first * outputStride
            Im2col.pack(input + first * inputStride, images: n, channels: shape.channels, window: shape.window, into: columns)
            Gemm.multiply(
                columns, transposeA: true, dy, into: gradKernel, m: k, n: f, k: m,
                beta: first == images.lowerBound && !accumulate ? 0 : 1)
            if let gradInput {
                Gemm.multiply(dy, kernel, transposeB: true, into: columns, m: m, n: k, k: f)
                Im2col.unpackAdding(
                    columns, images: n, channels: shape.channels, window: shape.window,
                    into: gradInput + first * inputStride)
            }
            first += n
        }
    }

    /// Σ of dY over every output pixel, per filter.
    private static func biasGradient(_ gradOutput: UnsafePointer<Float>, into gradBias: UnsafeMutablePointer<Float>, rows: Int, filters: Int) {
        gradBias.update(repeating: 0, count: filters)
        swiftcnn_column_sums(gradOutput, rows, filters, gradBias)
    }

    /// Copies a `[rows, filters]` kernel into blocks of `lanes` filters, each `[rows, lanes]`,
    /// with zeros in the last block's extra lanes.
    static func pack(_ kernel: UnsafePointer<Float>, into packed: UnsafeMutablePointer<Float>, rows: Int, filters: Int, lanes: Int) {
        let blocks = (filters + lanes - 1) / lanes
        packed.update(repeating: 0, count: rows * lanes * blocks)
        for block in 0..<blocks {
            let (first, target) = (block * lanes, packed + block * rows * lanes)
            let count = min(lanes, filters - first)
            for r in 0..<rows { (target + r * lanes).update(from: kernel + r * filters + first, count: count) }
        }
    }

    /// Backward for the direct path: kernel gradient by the direct kernel (one partial per
    /// part, then summed), input gradient scattered from each output pixel, as a transposed
    /// direct convolution, or through dY·Wᵀ and col2im.
    private static func directBackward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradInput: UnsafeMutablePointer<Float>?, gradKernel: UnsafeMutablePointer<Float>,
        gradBias: UnsafeMutablePointer<Float>?, shape: ConvolutionShape, workspaces: WorkspaceSet
    ) {
        let (lanes, f, k) = (shape.directLanes, shape.filters, shape.patch)
        let partialCount = k * lanes + lanes
        let columnCount = gradInput == nil ? 0 : shape.imagesPerChunk * shape.outputPixels * k
        // The first layers of Baseline and LeNet5 (3 channels into 6 filters) fill 6 of the
        // direct kernel's 8 lanes, half an AVX-512 register; along rows every lane works.
        let alongRows = shape.usesRowKernel
        let gradientScratch = alongRows
            ? swiftcnn_conv_rows_gradient_scratch(shape.cShape) : swiftcnn_conv_direct_gradient_scratch(shape.cShape, lanes)
        let scratchCount = max(gradientScratch, columnCount)
        let cShape = shape.cShape
        let inputStride = shape.inputPixels * shape.channels
        let outputStride = shape.outputPixels * f
        let scatters = gradInput != nil && shape.scattersInputGradient
        let transposed = gradInput == nil || scatters ? nil : TransposedConvolution(shape, kernel: kernel, workspace: workspaces.shared)
        let scatterKernel = scatters ? workspaces.shared.buffer(count: swiftcnn_conv_scatter_kernel_count(cShape)) : nil
        if let scatterKernel { swiftcnn_conv_scatter_pack(kernel, scatterKernel, cShape) }
        let scatterCount = scatters ? swiftcnn_conv_scatter_scratch(cShape) : 0
        // One partial per chunk, summed in chunk order (repeatable whatever the scheduling).
        let chunks = ThreadPool.shared.reductionChunks(shape.images)
        let partials = workspaces.partials.buffer(count: chunks * partialCount)
        do {
            ThreadPool.shared.parallelChunks(shape.images, chunks: chunks) { part, chunk, images in
                let partial = partials + chunk * partialCount
                let scratch = workspaces[part].buffer(count: max(scratchCount, transposed?.paddedCount ?? 0, scatterCount))
                partial.update(repeating: 0, count: partialCount)
                if alongRows {
                    swiftcnn_conv_rows_kernel_gradient(
                        input + images.lowerBound * inputStride, gradOutput + images.lowerBound * outputStride, partial,
                        lanes, images.count, cShape, 0, scratch)
                } else {
                    swiftcnn_conv_direct_kernel_gradient(
                        input + images.lowerBound * inputStride, gradOutput + images.lowerBound * outputStride, partial,
                        images.count, cShape, lanes, scratch)
                }
                swiftcnn_column_sums(
                    gradOutput + images.lowerBound * outputStride, images.count * shape.outputPixels, f, partial + k * lanes)
                guard let gradInput else { return }
                let dx = gradInput + images.lowerBound * inputStride
                if let scatterKernel {
                    swiftcnn_conv_scatter_input_gradient(
                        gradOutput + images.lowerBound * outputStride, scatterKernel, dx, images.count, cShape, 0, scratch)
                    return
                }
                if let transposed {
                    // Stride 1 and few input channels: dX is itself a direct convolution of dY.
                    swiftcnn_conv_direct_forward(
                        gradOutput + images.lowerBound * outputStride, transposed.kernel, nil, dx, images.count,
                        transposed.shape, transposed.lanes, scratch)
                    return
                }
                dx.update(repeating: 0, count: images.count * inputStride)
                var first = images.lowerBound
                while first < images.upperBound {
                    let n = min(shape.imagesPerChunk, images.upperBound - first)
                    Gemm.multiply(gradOutput + first * outputStride, kernel, transposeB: true, into: scratch, m: n * shape.outputPixels, n: k, k: f)
                    Im2col.unpackAdding(scratch, images: n, channels: shape.channels, window: shape.window, into: gradInput + first * inputStride)
                    first += n
                }
            }
        }
        gradKernel.update(repeating: 0, count: k * f)
        gradBias?.update(repeating: 0, count: f)
        for chunk in 0..<chunks {
            let partial = partials + chunk * partialCount
            for r in 0..<k {
                for j in 0..<f { gradKernel[r * f + j] += partial[r * lanes + j] }
            }
            if let gradBias { for j in 0..<f { gradBias[j] += partial[k * lanes + j] } }
        }
    }
}

/// The input gradient of a stride-1 convolution with few input channels, as a direct
/// convolution of the output gradient with the kernel flipped in space and its channel
/// axes swapped (`[kh, kw, f, c]`), padded by `k − 1 − pad` before.
struct TransposedConvolution {
    let shape: swiftcnn_conv_shape
    let lanes: Int
    let kernel: UnsafePointer<Float>
    let paddedCount: Int

    init?(_ forward: ConvolutionShape, kernel: UnsafePointer<Float>, workspace: Workspace) {
        let g = forward.window
        let lanes = swiftcnn_conv_direct_lanes(forward.channels)
        guard g.rows.stride == 1, g.cols.stride == 1, lanes > 0 else { return nil }
        let (kh, kw, c, f) = (g.rows.window, g.cols.window, forward.channels, forward.filters)
        let packed = workspace.buffer(count: kh * kw * f * lanes)
        packed.update(repeating: 0, count: kh * kw * f * lanes)
        for ky in 0..<kh {
            for kx in 0..<kw {
                let source = kernel + ((kh - 1 - ky) * kw + (kw - 1 - kx)) * c * f
                let target = packed + (ky * kw + kx) * f * lanes
                for i in 0..<c {
                    for o in 0..<f { target[o * lanes + i] = source[i * f + o] }
                }
            }
        }
        self.kernel = UnsafePointer(packed)
        self.lanes = lanes
        shape = swiftcnn_conv_shape(
            height: g.rows.output, width: g.cols.output, channels: f, kernelHeight: kh, kernelWidth: kw, filters: c,
            strideHeight: 1, strideWidth: 1, padTop: kh - 1 - g.rows.padBefore, padLeft: kw - 1 - g.cols.padBefore,
            outputHeight: g.rows.input, outputWidth: g.cols.input)
        paddedCount = (g.rows.output + kh) * (g.cols.output + kw) * f
    }
}
