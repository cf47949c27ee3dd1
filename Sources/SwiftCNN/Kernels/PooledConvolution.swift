import CSwiftCNNSupport

/// What inference does around a convolution, per image
/// (``Convolution/forwardPooled(input:kernel:bias:output:shape:epilogue:workspaces:)``): a max
/// pooling of its input first, and to its output a batch norm or activation, then a max pooling.
struct ConvolutionEpilogue {
    /// Batch normalisation with the moving statistics: scale then shift, each expanded to
    /// the period `BatchNormKernels` works in.
    var affine: (period: Int, expanded: UnsafePointer<Float>)?
    /// max(·, 0) after the affine step (a fused ReLU layer).
    var rectify = false
    /// The convolution's own activation (`linear` when a batch norm follows).
    var activation: ActivationFunction = .linear
    /// The max pooling over the (normalised, activated) output, if any.
    var pool: swiftcnn_conv_shape?
    /// A max pooling over the convolution's input that a deferring pooling layer left to it
    /// (stride 1, so the input's shape), done per image into cache before convolving.
    var prologue: swiftcnn_conv_shape?

    /// The activations it can apply in place of their layers' passes.
    static func supports(_ activation: ActivationFunction) -> Bool {
        switch activation {
        case .linear, .relu, .sigmoid, .tanh: return true
        case .softmax: return false
        }
    }
}

extension Convolution {
    /// Whether `forwardPooled` takes this shape: the paths that convolve image by image
    /// (along rows, or the direct kernel over a padded copy), so one image stays in cache
    /// between the poolings and the convolution; and, when a pooling comes `after`, im2col +
    /// SGEMM one image at a time when the batch fills the threads and an image's output and
    /// columns fit in a core's cache (AlexNet8's first layer: 30×30×96 floats, 345 KB,
    /// written to memory 256 times a batch otherwise, then read back by batch norm and by
    /// the pooling). Before a 1×1 SGEMM only (Inception10's 32-filter blocks) that route
    /// measured no faster.
    static func poolsPerImage(_ shape: ConvolutionShape, after: Bool = true) -> Bool {
        if shape.usesRowKernel || shape.forwardDirectLanes > 0 { return true }
        guard after, !WinogradConvolution.isChosen(for: shape), shape.images >= ThreadPool.shared.parts else { return false }
        return shape.outputPixels * (shape.filters + shape.patch) <= perImageFloats
    }

    /// Floats of one image's output and columns up to which the im2col route pools per
    /// image: half of a 1 MB L2.
    static let perImageFloats = 1 << 17

    /// The prologue's pooling, the convolution, then the epilogue and its pooling, one image
    /// at a time into `output` (the pooled tensor when a pooling comes after): what the layers
    /// one by one wrote to memory and read back (the full-size output, read and written again
    /// for batch norm, read for the pooling; a pooled input) stays in cache (Baseline's and
    /// LeNet5's first layers, Inception10's branch poolings in `predict`). Only for shapes
    /// `poolsPerImage` accepts.
    static func forwardPooled(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, epilogue: ConvolutionEpilogue,
        workspaces: WorkspaceSet
    ) {
        let cShape = shape.cShape
        let rows = shape.usesRowKernel
        let lanes = rows ? 0 : shape.forwardDirectLanes
        let gemm = !rows && lanes == 0
        let packed = rows || gemm ? nil : workspaces.shared.buffer(count: shape.packedKernelCount(lanes: lanes))
        if let packed { pack(kernel, into: packed, rows: shape.patch, filters: shape.filters, lanes: lanes) }
        let convScratch =
            rows ? swiftcnn_conv_rows_scratch(cShape)
            : gemm ? (shape.isPointwise ? 0 : shape.outputPixels * shape.patch) : shape.paddedImageCount
        let imageCount = shape.outputPixels * shape.filters
        let inputStride = shape.inputPixels * shape.channels
        let columnsCount = max(epilogue.pool.map { $0.width * $0.channels } ?? 0, epilogue.prologue.map { $0.width * $0.channels } ?? 0)
        let prologueCount = epilogue.prologue == nil ? 0 : inputStride
        let pooledStride = epilogue.pool.map { $0.outputHeight * $0.outputWidth * shape.filters } ?? imageCount
        // Without a pooling after it or an activation each image goes straight to its place.
        let direct = epilogue.pool == nil && epilogue.activation == .linear
        ThreadPool.shared.parallelFor(shape.images) { part, images in
            let scratch = workspaces[part].buffer(count: convScratch + 2 * imageCount + columnsCount + prologueCount)
            let (staged, activated, columns) = (scratch + convScratch, scratch + convScratch + imageCount, scratch + convScratch + 2 * imageCount)
            let prepooled = columns + columnsCount
            for image in images {
                var source = input + image * inputStride
                if let prologue = epilogue.prologue {
                    swiftcnn_maxpool_forward_values(source, prepooled, 0, 1, prologue, columns)
                    source = UnsafePointer(prepooled)
                }
                let convolved = direct ? output + image * imageCount : staged
                if gemm {
                    var columns = source
                    if !shape.isPointwise {
                        Im2col.pack(source, images: 1, channels: shape.channels, window: shape.window, into: scratch)
                        columns = UnsafePointer(scratch)
                    }
                    // The bias as C's first value (SGEMM's beta = 1): no pass of its own.
                    if let bias {
                        for pixel in 0..<shape.outputPixels {
                            (convolved + pixel * shape.filters).update(from: bias, count: shape.filters)
                        }
                    }
                    Gemm.multiply(
                        columns, kernel, into: convolved, m: shape.outputPixels, n: shape.filters, k: shape.patch,
                        beta: bias == nil ? 0 : 1)
                } else if let packed {
                    swiftcnn_conv_direct_forward(source, packed, bias, convolved, 1, cShape, lanes, scratch)
                } else {
                    swiftcnn_conv_rows_forward(source, kernel, bias, convolved, 1, cShape, 0, scratch)
                }
                if let affine = epilogue.affine {
                    swiftcnn_bn_affine_inplace(
                        convolved, imageCount, affine.period, affine.expanded, affine.expanded + affine.period,
                        epilogue.rectify ? 1 : 0)
                }
                if direct { continue }
                let target = epilogue.pool == nil ? output + image * imageCount : activated
                var pooled = UnsafePointer(convolved)
                switch epilogue.activation {
                case .linear, .softmax: break
                case .relu: swiftcnn_relu_forward(convolved, target, imageCount)
                case .sigmoid: swiftcnn_sigmoid_forward(convolved, target, imageCount)
                case .tanh: swiftcnn_tanh_forward(convolved, target, imageCount)
                }
                if epilogue.activation != .linear { pooled = UnsafePointer(target) }
                if let pool = epilogue.pool {
                    swiftcnn_maxpool_forward_values(pooled, output + image * pooledStride, 0, 1, pool, columns)
                }
            }
        }
    }
}
