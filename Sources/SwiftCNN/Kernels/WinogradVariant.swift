import CSwiftCNNSupport

/// Which Winograd algorithm a layer uses: F(2×2, 3×3) (16 transform positions, 4
/// multiplications per output), F(3×3, 3×3) (25, 2.78) or F(4×4, 3×3) (36, 2.25). Larger
/// tiles waste work past the edge of maps they do not divide, and their transformed kernel
/// has more matrices to write and stream through each pass whatever the batch, so each pass
/// takes the variant with the lowest cost: transform positions × (tiles + a fixed cost per
/// position, in tiles). Ties go to the smaller tile (its rounding is smaller).
struct WinogradVariant: Equatable, Sendable {
    /// Output rows and columns per tile: 2, 3 or 4.
    let outputTile: Int
    var positions: Int { (outputTile + 2) * (outputTile + 2) }

    static let f2 = WinogradVariant(outputTile: 2)
    static let f3 = WinogradVariant(outputTile: 3)
    static let f4 = WinogradVariant(outputTile: 4)

    /// Fixed cost per transform position, in tiles, of the output and input-gradient passes
    /// (writing and packing one c×f matrix) ... It was 16, which sent ResNet18's 512-channel
    /// 4×4 maps at batch 32 to F(4×4): 32 tiles read each element of a 37 MB transformed
    /// kernel, far outside the cache, and those three layers trained at 31% of the peak.
    /// At 48 they take F(2×2) (128 tiles, 16 MB): 23 → 19.5 ms a step each, ResNet18 and
    /// VGG16 training +3–7% (Zen 5, 1 and 2 threads). Batch-1 16×16 maps move to F(2×2) too,
    /// at the same latency; predict at batch 256 keeps its variants.
    static let convolutionOverhead = 48
    /// ... and of the kernel-gradient pass, whose products have the tiles as their inner
    /// dimension and so read and write a c×f matrix for every block.
    static let kernelGradientOverhead = 64

    static func best(outputHeight: Int, outputWidth: Int, images: Int, overhead: Int) -> WinogradVariant {
        func cost(_ v: WinogradVariant) -> Int {
            (images * v.tiles(outputHeight: outputHeight, outputWidth: outputWidth) + overhead) * v.positions
        }
        var best = WinogradVariant.f2
        for candidate in [WinogradVariant.f3, .f4] where cost(candidate) < cost(best) { best = candidate }
        return best
    }

    /// Tiles covering one image's output of this size.
    func tiles(outputHeight: Int, outputWidth: Int) -> Int {
        ((outputHeight + outputTile - 1) / outputTile) * ((outputWidth + outputTile - 1) / outputTile)
    }

    func tiles(_ s: swiftcnn_conv_shape) -> Int {
        switch outputTile {
        case 4: swiftcnn_winograd4_tiles(s)
        case 3: swiftcnn_winograd3_tiles(s)
        default: swiftcnn_winograd_tiles(s)
        }
    }

    /// U, `[positions][channels][filters]`, of the kernel or (`flipped`) of the kernel
    /// turned by 180°, which the input gradient multiplies by transposed.
    func transformKernel(_ kernel: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, channels: Int, filters: Int, flipped: Bool) {
        let flag: Int32 = flipped ? 1 : 0
        ThreadPool.shared.parallelFor(channels, minimumWork: 1 << 14, work: channels * filters) { _, range in
            switch outputTile {
            case 4: swiftcnn_winograd4_kernel_transform(kernel, u, channels, filters, flag, range.lowerBound, range.count)
            case 3: swiftcnn_winograd3_kernel_transform(kernel, u, channels, filters, flag, range.lowerBound, range.count)
            default: swiftcnn_winograd_kernel_transform(kernel, u, channels, filters, flag, range.lowerBound, range.count)
            }
        }
    }

    func kernelGradient(_ du: UnsafePointer<Float>, into gradKernel: UnsafeMutablePointer<Float>, channels: Int, filters: Int) {
        switch outputTile {
        case 4: swiftcnn_winograd4_kernel_gradient(du, gradKernel, channels, filters)
        case 3: swiftcnn_winograd3_kernel_gradient(du, gradKernel, channels, filters)
        default: swiftcnn_winograd_kernel_gradient(du, gradKernel, channels, filters)
        }
    }

    func transformInput(
        _ input: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, first: Int, count: Int, stride: Int,
        shape: swiftcnn_conv_shape, zeros: UnsafePointer<Float>
    ) {
        switch outputTile {
        case 4: swiftcnn_winograd4_input_transform(input, v, first, count, stride, shape, zeros)
        case 3: swiftcnn_winograd3_input_transform(input, v, first, count, stride, shape, zeros)
        default: swiftcnn_winograd_input_transform(input, v, first, count, stride, shape, zeros)
        }
    }

    func transformOutput(
        _ m: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, first: Int,
        count: Int, stride: Int, shape: swiftcnn_conv_shape, sink: UnsafeMutablePointer<Float>
    ) {
        switch outputTile {
        case 4: swiftcnn_winograd4_output_transform(m, output, bias, first, count, stride, shape, sink)
        case 3: swiftcnn_winograd3_output_transform(m, output, bias, first, count, stride, shape, sink)
        default: swiftcnn_winograd_output_transform(m, output, bias, first, count, stride, shape, sink)
        }
    }

    func transformGradient(
        _ gradOutput: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>, first: Int, count: Int, stride: Int,
        shape: swiftcnn_conv_shape, zeros: UnsafePointer<Float>
    ) {
        switch outputTile {
        case 4: swiftcnn_winograd4_gradient_transform(gradOutput, dm, first, count, stride, shape, zeros)
        case 3: swiftcnn_winograd3_gradient_transform(gradOutput, dm, first, count, stride, shape, zeros)
        default: swiftcnn_winograd_gradient_transform(gradOutput, dm, first, count, stride, shape, zeros)
        }
    }
}
