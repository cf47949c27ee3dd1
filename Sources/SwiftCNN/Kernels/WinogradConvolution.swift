import CSwiftCNNSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// 3×3 stride-1 convolutions with many channels, by Winograd's minimal filtering: F(4×4,
/// 3×3) does 1/4 the multiplications of im2col + SGEMM, F(3×3, 3×3) 1/3.24 and F(2×2, 3×3)
/// 1/2.25 (see `WinogradVariant`), and none builds a 9× column matrix. These layers are most of
/// VGG16's, ResNet18's and AlexNet8's time. The transforms are in C; here the tiles are
/// transformed, multiplied (one SGEMM per transform position) and transformed back, in one
/// of the two orders `WinogradPlan` picks.
///
/// The result differs from the direct sum by float rounding only: a few ulp for F(2×2,
/// 3×3), about ten times that for the larger tiles (checked against the sums in the tests).
enum WinogradConvolution {
    /// `SWIFTCNN_DISABLE_WINOGRAD=1` sends these layers to im2col + SGEMM instead, like
    /// TensorFlow's `TF_ENABLE_WINOGRAD_NONFUSED=0`: to compare speed, or rounding.
    static let enabled = getenv("SWIFTCNN_DISABLE_WINOGRAD").map { String(cString: $0) != "1" } ?? true

    /// Few channels leave the products too thin for SGEMM; the direct kernels take few filters.
    static func applies(to shape: ConvolutionShape) -> Bool {
        let g = shape.window
        return enabled && g.rows.window == 3 && g.cols.window == 3 && g.rows.stride == 1 && g.cols.stride == 1
            && shape.channels >= 16 && shape.filters >= 16 && shape.directLanes == 0
    }

    /// Tiles of the whole pass (rows of each transform position's product) below which a
    /// layer Winograd applies to goes to im2col + SGEMM instead: products of fewer rows
    /// cannot pay for transforming the kernel on every call. Passes small enough for the
    /// few-rows product (`Convolution.fewRows`) stay there too: they are bound by reading
    /// the kernel, and the transformed one is 16/9 of it or more. Measured per layer on
    /// ResNet18 and VGG16 (2-core Zen 4): at batch 1 their 16×16 maps (16 tiles of
    /// F(4×4)) ran 1.4–1.8× faster here than on im2col, their 8×8 maps (16 tiles of
    /// F(2×2)) slower than on the few-rows product; at batch 16 a 4×4 map (16 tiles)
    /// trained ResNet18 about 12% faster. A rule counting 512 output pixels had sent all
    /// of those to im2col.
    static let minimumTiles = 16

    /// Whether the convolution routes this pass here.
    static func isChosen(for shape: ConvolutionShape) -> Bool {
        guard applies(to: shape), shape.images * shape.outputPixels > Convolution.fewRows else { return false }
        let g = shape.window
        let variant = WinogradVariant.best(
            outputHeight: g.rows.output, outputWidth: g.cols.output, images: shape.images, overhead: WinogradVariant.convolutionOverhead)
        return shape.images * variant.tiles(outputHeight: g.rows.output, outputWidth: g.cols.output) >= minimumTiles
    }

    /// Settings tests override: the shared-block budget (to force several blocks) and the
    /// variant (to test every variant on the same shapes).
    struct Options {
        var blockBudget = WinogradPlan.defaultBlockBudget
        var variant: WinogradVariant?

        /// The variant set here, else the cheapest for a pass with this output.
        func variant(outputHeight: Int, outputWidth: Int, images: Int, overhead: Int) -> WinogradVariant {
            variant ?? .best(outputHeight: outputHeight, outputWidth: outputWidth, images: images, overhead: overhead)
        }
    }

    static func forward(
        input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, workspaces: WorkspaceSet,
        options: Options = Options()
    ) {
        let (c, f, g) = (shape.channels, shape.filters, shape.window)
        let variant = options.variant(
            outputHeight: g.rows.output, outputWidth: g.cols.output, images: shape.images, overhead: WinogradVariant.convolutionOverhead)
        let u = workspaces.shared.buffer(count: variant.positions * c * f)
        variant.transformKernel(kernel, into: u, channels: c, filters: f, flipped: false)
        convolve(
            input, u: u, transposedU: false, bias: bias, output: output, shape: shape.cShape, images: shape.images, variant: variant,
            workspaces: workspaces, blockBudget: options.blockBudget)
    }

    /// The input gradient: a Winograd convolution of dY with the kernel flipped and its
    /// channel axes swapped (U of the flipped kernel, multiplied by transposed), padded by
    /// `2 − pad` before.
    static func inputGradient(
        gradOutput: UnsafePointer<Float>, kernel: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, workspaces: WorkspaceSet, options: Options = Options()
    ) {
        let (c, f, g) = (shape.channels, shape.filters, shape.window)
        let variant = options.variant(
            outputHeight: g.rows.input, outputWidth: g.cols.input, images: shape.images, overhead: WinogradVariant.convolutionOverhead)
        let u = workspaces.shared.buffer(count: variant.positions * c * f)
        variant.transformKernel(kernel, into: u, channels: c, filters: f, flipped: true)
        let transposed = swiftcnn_conv_shape(
            height: g.rows.output, width: g.cols.output, channels: f, kernelHeight: 3, kernelWidth: 3, filters: c,
            strideHeight: 1, strideWidth: 1, padTop: 2 - g.rows.padBefore, padLeft: 2 - g.cols.padBefore,
            outputHeight: g.rows.input, outputWidth: g.cols.input)
        convolve(
            gradOutput, u: u, transposedU: true, bias: nil, output: gradInput, shape: transposed, images: shape.images, variant: variant,
            workspaces: workspaces, blockBudget: options.blockBudget)
    }

    /// The kernel gradient, overwritten: dU_p = Σ over tiles Vpᵀ · dMp, then dW = Gᵀ dU G.
    static func kernelGradient(
        input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, gradKernel: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, workspaces: WorkspaceSet, options: Options = Options()
    ) {
        let (c, f, g) = (shape.channels, shape.filters, shape.window)
        let s = shape.cShape
        let variant = options.variant(
            outputHeight: g.rows.output, outputWidth: g.cols.output, images: shape.images, overhead: WinogradVariant.kernelGradientOverhead)
        let plan = WinogradPlan(
            tiles: shape.images * variant.tiles(s), channels: c, filters: f, variant: variant,
            blockBudget: options.blockBudget)
        let positions = variant.positions
        let transformed = positions * c * f
        let pool = ThreadPool.shared
        switch plan.order {
        case .blockPerThread:
            // One partial dU per chunk, added in chunk order (repeatable whatever the scheduling).
            let chunks = pool.reductionChunks(plan.blocks)
            let partials = workspaces.partials.buffer(count: chunks * transformed)
            pool.parallelChunks(plan.blocks, chunks: chunks) { part, chunk, blocks in
                let du = partials + chunk * transformed
                let scratch = plan.blockScratch(workspaces[part])
                for block in blocks {
                    let (first, n) = plan.tiles(of: block)
                    variant.transformInput(input, into: scratch.v, first: first, count: n, stride: n, shape: s, zeros: scratch.zeros)
                    variant.transformGradient(gradOutput, into: scratch.m, first: first, count: n, stride: n, shape: s, zeros: scratch.zeros)
                    for p in 0..<positions {
                        Gemm.multiply(
                            scratch.v + p * n * c, transposeA: true, scratch.m + p * n * f, into: du + p * c * f,
                            m: c, n: f, k: n, beta: block == blocks.lowerBound ? 0 : 1)
                    }
                }
            }
            for chunk in 1..<max(chunks, 1) {
                swiftcnn_add_in_place(partials, partials + chunk * transformed, transformed)
            }
            variant.kernelGradient(partials, into: gradKernel, channels: c, filters: f)
        case .positionPerThread:
            // Each position's product spans the whole block, so no partial sums are needed.
            let du = workspaces.partials.buffer(count: transformed)
            let (v, dm) = plan.blockStaging(workspaces.staging)
            for block in 0..<plan.blocks {
                let (first, n) = plan.tiles(of: block)
                pool.parallelFor(n, chunksPerThread: 2) { part, tiles in
                    let zeros = plan.edgeRows(workspaces[part]).zeros
                    let at = first + tiles.lowerBound
                    variant.transformInput(
                        input, into: v + tiles.lowerBound * c, first: at, count: tiles.count, stride: n, shape: s, zeros: zeros)
                    variant.transformGradient(
                        gradOutput, into: dm + tiles.lowerBound * f, first: at, count: tiles.count, stride: n, shape: s,
                        zeros: zeros)
                }
                pool.parallelFor(positions) { _, range in
                    for p in range {
                        Gemm.multiply(
                            v + p * n * c, transposeA: true, dm + p * n * f, into: du + p * c * f, m: c, n: f, k: n,
                            beta: block == 0 ? 0 : 1)
                    }
                }
            }
            variant.kernelGradient(du, into: gradKernel, channels: c, filters: f)
        }
    }

    private static func convolve(
        _ input: UnsafePointer<Float>, u: UnsafePointer<Float>, transposedU: Bool, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape s: swiftcnn_conv_shape, images: Int, variant: WinogradVariant,
        workspaces: WorkspaceSet, blockBudget: Int
    ) {
        let (c, f) = (s.channels, s.filters)
        let plan = WinogradPlan(
            tiles: images * variant.tiles(s), channels: c, filters: f, variant: variant, blockBudget: blockBudget)
        let positions = variant.positions
        let pool = ThreadPool.shared
        switch plan.order {
        case .blockPerThread:
            pool.parallelFor(plan.blocks, chunksPerThread: 2) { part, blocks in
                let scratch = plan.blockScratch(workspaces[part])
                for block in blocks {
                    let (first, n) = plan.tiles(of: block)
                    variant.transformInput(input, into: scratch.v, first: first, count: n, stride: n, shape: s, zeros: scratch.zeros)
                    for p in 0..<positions {
                        Gemm.multiply(
                            scratch.v + p * n * c, u + p * c * f, transposeB: transposedU, into: scratch.m + p * n * f,
                            m: n, n: f, k: c)
                    }
                    variant.transformOutput(
                        scratch.m, into: output, bias: bias, first: first, count: n, stride: n, shape: s, sink: scratch.sink)
                }
            }
        case .positionPerThread:
            let (v, m) = plan.blockStaging(workspaces.staging)
            for block in 0..<plan.blocks {
                let (first, n) = plan.tiles(of: block)
                pool.parallelFor(n, chunksPerThread: 2) { part, tiles in
                    let zeros = plan.edgeRows(workspaces[part]).zeros
                    variant.transformInput(
                        input, into: v + tiles.lowerBound * c, first: first + tiles.lowerBound, count: tiles.count,
                        stride: n, shape: s, zeros: zeros)
                }
                pool.parallelFor(positions) { _, range in
                    for p in range {
                        Gemm.multiply(v + p * n * c, u + p * c * f, transposeB: transposedU, into: m + p * n * f, m: n, n: f, k: c)
                    }
                }
                pool.parallelFor(n, chunksPerThread: 2) { part, tiles in
                    let sink = plan.edgeRows(workspaces[part]).sink
                    variant.transformOutput(
                        m + tiles.lowerBound * f, into: output, bias: bias, first: first + tiles.lowerBound,
                        count: tiles.count, stride: n, shape: s, sink: sink)
                }
            }
        }
    }
}

/// How a Winograd convolution's tiles are cut into blocks and spread over the threads.
///
/// With few channels (at most 128 in and out together) each thread takes whole blocks small
/// enough to stay in its core's cache. With more channels that would make each product a thin SGEMM that
/// re-packs the whole transformed kernel for a few rows, so instead all threads transform
/// one large block together and then split its products (one per position) between them.
struct WinogradPlan {
    enum Order { case blockPerThread, positionPerThread }

    let tiles: Int
    let perBlock: Int
    let channels: Int
    let filters: Int
    let positions: Int
    let order: Order
    var blocks: Int { (tiles + perBlock - 1) / perBlock }

    /// Floats of V and M in the block all threads share (16 MiB).
    static let defaultBlockBudget = 1 << 22

    /// `blockBudget` bounds the shared block; tests lower it to exercise several blocks.
    init(tiles: Int, channels: Int, filters: Int, variant: WinogradVariant, blockBudget: Int = defaultBlockBudget) {
        positions = variant.positions
        let width = positions * (channels + filters)
        self.tiles = tiles
        self.channels = channels
        self.filters = filters
        if channels + filters <= 128 {
            let cacheFitting = (1 << 18) / width  // 1 MiB of V and M per block
            let spread = (tiles + 4 * ThreadPool.shared.parts - 1) / (4 * ThreadPool.shared.parts)
            order = .blockPerThread
            perBlock = max(1, min(cacheFitting, max(spread, 16), tiles))
        } else {
            order = .positionPerThread
            perBlock = max(1, min(blockBudget / width, tiles))
        }
    }

    func tiles(of block: Int) -> (first: Int, count: Int) {
        let first = block * perBlock
        return (first, min(perBlock, tiles - first))
    }

    /// A row of zeros for padding and a sink row for outputs past the edge, per thread.
    func edgeRows(_ workspace: Workspace) -> (zeros: UnsafeMutablePointer<Float>, sink: UnsafeMutablePointer<Float>) {
        let widest = max(channels, filters)
        let zeros = workspace.buffer(count: 2 * widest)
        zeros.update(repeating: 0, count: widest)
        return (zeros, zeros + widest)
    }

    /// One thread's V and M for a block, with its edge rows after them.
    func blockScratch(_ workspace: Workspace) -> (v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, zeros: UnsafeMutablePointer<Float>, sink: UnsafeMutablePointer<Float>) {
        let widest = max(channels, filters)
        let v = workspace.buffer(count: positions * perBlock * (channels + filters) + 2 * widest)
        let m = v + positions * perBlock * channels
        let zeros = m + positions * perBlock * filters
        zeros.update(repeating: 0, count: widest)
        return (v, m, zeros, zeros + widest)
    }

    /// The V and M of a block all threads share.
    func blockStaging(_ workspace: Workspace) -> (v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
        let v = workspace.buffer(count: positions * perBlock * (channels + filters))
        return (v, v + positions * perBlock * channels)
    }
}
