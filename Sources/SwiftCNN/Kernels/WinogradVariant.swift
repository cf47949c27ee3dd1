import CSwiftCNNSupport

/// Which Winograd algorithm a layer uses: F(2×2, 3×3) (16 transform positions, 4
/// multiplications per output) or F(4×4, 3×3) (36 positions, 2.25 per output). The larger
/// tiles waste work past the edge of small maps, and their transformed kernel is 36 rather
/// than 16 matrices that must be written and streamed through each pass whatever the batch,
/// so each pass takes the variant with the lower cost: transform positions × (tiles +
/// a fixed cost per position, in tiles). F(2×2, 3×3) wins ties (its rounding is smaller).
struct WinogradVariant: Equatable, Sendable {
    /// Output rows and columns per tile: 2 or 4.
    let outputTile: Int
    var positions: Int { (outputTile + 2) * (outputTile + 2) }

    static let f2 = WinogradVariant(outputTile: 2)
    static let f4 = WinogradVariant(outputTile: 4)

    /// Fixed cost per transform position, in tiles, of the output and input-gradient passes
    /// (writing and packing one c×f matrix) ...
    static let convolutionOverhead = 16
    /// ... and of the kernel-gradient pass, whose products have the tiles as their inner
    /// dimension and so read and write a c×f matrix for every block.
    static let kernelGradientOverhead = 64

    static func best(outputHeight: Int, outputWidth: Int, images: Int, overhead: Int) -> WinogradVariant {
        func cost(_ v: WinogradVariant) -> Int {
            let tiles = ((outputHeight + v.outputTile - 1) / v.outputTile) * ((outputWidth + v.outputTile - 1) / v.outputTile)
            return (images * tiles + overhead) * v.positions
        }
        return cost(.f4) < cost(.f2) ? .f4 : .f2
    }

    func tiles(_ s: swiftcnn_conv_shape) -> Int {
        outputTile == 4 ? swiftcnn_winograd4_tiles(s) : swiftcnn_winograd_tiles(s)
    }

    /// U, `[positions][channels][filters]`, of the kernel or (`flipped`) of the kernel
    /// turned by 180°, which the input gradient multiplies by transposed.
    func transformKernel(_ kernel: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, channels: Int, filters: Int, flipped: Bool) {
        let flag: Int32 = flipped ? 1 : 0
        ThreadPool.shared.parallelFor(channels, minimumWork: 1 << 14, work: channels * filters) { _, range in
            if outputTile == 4 {
                swiftcnn_winograd4_kernel_transform(kernel, u, channels, filters, flag, range.lowerBound, range.count)
            } else {
                swiftcnn_winograd_kernel_transform(kernel, u, channels, filters, flag, range.lowerBound, range.count)
            }
        }
    }

    func kernelGradient(_ du: UnsafePointer<Float>, into gradKernel: UnsafeMutablePointer<Float>, channels: Int, filters: Int) {
        if outputTile == 4 {
            swiftcnn_winograd4_kernel_gradient(du, gradKernel, channels, filters)
        } else {
            swiftcnn_winograd_kernel_gradient(du, gradKernel, channels, filters)
        }
    }

    func transformInput(
        _ input: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, first: Int, count: Int, stride: Int,
        shape: swiftcnn_conv_shape, zeros: UnsafePointer<Float>
    ) {
        if outputTile == 4 {
            swiftcnn_winograd4_input_transform(input, v, first, count, stride, shape, zeros)
        } else {
            swiftcnn_winograd_input_transform(input, v, first, count, stride, shape, zeros)
        }
    }

    func transformOutput(
        _ m: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, first: Int,
        count: Int, stride: Int, shape: swiftcnn_conv_shape, sink: UnsafeMutablePointer<Float>
    ) {
        if outputTile == 4 {
            swiftcnn_winograd4_output_transform(m, output, bias, first, count, stride, shape, sink)
        } else {
            swiftcnn_winograd_output_transform(m, output, bias, first, count, stride, shape, sink)
        }
    }

    func transformGradient(
        _ gradOutput: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>, first: Int, count: Int, stride: Int,
        shape: swiftcnn_conv_shape, zeros: UnsafePointer<Float>
    ) {
        if outputTile == 4 {
            swiftcnn_winograd4_gradient_transform(gradOutput, dm, first, count, stride, shape, zeros)
        } else {
            swiftcnn_winograd_gradient_transform(gradOutput, dm, first, count, stride, shape, zeros)
        }
    }
}
