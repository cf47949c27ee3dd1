import Testing

@testable import SwiftCNN

/// Winograd F(2×2, 3×3), F(3×3, 3×3) and F(4×4, 3×3) against the textbook sums, for the output and both
/// gradients: odd and tiny maps (tiles past the edge), same and valid padding, both thread
/// orders of `WinogradPlan`, and several blocks.
@Suite struct WinogradOracleTests {
    struct Case: CustomStringConvertible {
        let images, height, width, channels, filters: Int
        let padding: Padding
        /// Shared-block budget in floats; small values force several blocks.
        var blockBudget = WinogradPlan.defaultBlockBudget
        var description: String { "\(images)×\(height)×\(width)×\(channels)→\(filters) \(padding) budget \(blockBudget)" }
    }

    static let cases: [Case] = [
        Case(images: 3, height: 8, width: 8, channels: 16, filters: 24, padding: .same),  // per-thread blocks
        Case(images: 2, height: 7, width: 5, channels: 17, filters: 20, padding: .same),  // odd sizes
        Case(images: 2, height: 9, width: 6, channels: 20, filters: 18, padding: .valid),
        Case(images: 2, height: 1, width: 1, channels: 16, filters: 17, padding: .same),  // one pixel
        Case(images: 2, height: 3, width: 3, channels: 16, filters: 17, padding: .valid),  // one output
        Case(images: 2, height: 6, width: 7, channels: 70, filters: 80, padding: .same),  // shared block
        Case(images: 3, height: 5, width: 6, channels: 70, filters: 66, padding: .same, blockBudget: 16 * 136 * 5),
        Case(images: 2, height: 8, width: 9, channels: 72, filters: 64, padding: .valid, blockBudget: 16 * 136 * 7),
    ]

    @Test(arguments: cases, [WinogradVariant.f2, .f3, .f4])
    func matchesTheDirectSums(_ test: Case, _ variant: WinogradVariant) {
        var random = RandomGenerator(seed: 7)
        let window = Window2D(height: test.height, width: test.width, window: (3, 3), strides: (1, 1), padding: test.padding)
        let shape = ConvolutionShape(images: test.images, channels: test.channels, filters: test.filters, window: window)
        #expect(WinogradConvolution.applies(to: shape))
        let x = (0..<(test.images * shape.inputPixels * test.channels)).map { _ in random.nextUniform() * 2 - 1 }
        let w = (0..<(9 * test.channels * test.filters)).map { _ in random.nextUniform() * 2 - 1 }
        let b = (0..<test.filters).map { _ in random.nextUniform() }
        let dy = (0..<(test.images * shape.outputPixels * test.filters)).map { _ in random.nextUniform() * 2 - 1 }
        let reference = Reference(shape: shape)
        let workspaces = WorkspaceSet()
        let options = WinogradConvolution.Options(blockBudget: test.blockBudget, variant: variant)

        var y = [Float](repeating: .nan, count: dy.count)
        var dx = [Float](repeating: .nan, count: x.count)
        var dw = [Float](repeating: .nan, count: w.count)
        y.withUnsafeMutableBufferPointer { y in
            WinogradConvolution.forward(
                input: x, kernel: w, bias: b, output: y.baseAddress!, shape: shape, workspaces: workspaces,
                options: options)
        }
        dx.withUnsafeMutableBufferPointer { dx in
            WinogradConvolution.inputGradient(
                gradOutput: dy, kernel: w, gradInput: dx.baseAddress!, shape: shape, workspaces: workspaces,
                options: options)
        }
        dw.withUnsafeMutableBufferPointer { dw in
            WinogradConvolution.kernelGradient(
                input: x, gradOutput: dy, gradKernel: dw.baseAddress!, shape: shape, workspaces: workspaces,
                options: options)
        }
        // Sums of up to 9·80 products of terms below 1, and the transforms' rounding.
        let tolerance: Float = (variant == .f2 ? 2e-4 : 1e-3) * Float(max(test.channels, test.filters)).squareRoot()
        #expect(maxDeviation(y, reference.output(x, w, b)) < tolerance, "output")
        #expect(maxDeviation(dx, reference.inputGradient(dy, w)) < tolerance, "input gradient")
        #expect(maxDeviation(dw, reference.kernelGradient(x, dy)) < tolerance * 4, "kernel gradient")
    }

    @Test func eachPassGetsTheCheaperVariant() {
        func best(_ size: Int, images: Int = 32, overhead: Int = WinogradVariant.convolutionOverhead) -> WinogradVariant {
            WinogradVariant.best(outputHeight: size, outputWidth: size, images: images, overhead: overhead)
        }
        #expect(best(32) == .f4)
        #expect(best(4) == .f2)  // 32 images: 128 tiles of 16 positions beat 32 of 36
        #expect(best(4, images: 64) == .f4)
        #expect(best(5) == .f3)  // 4 tiles of 25 positions, against 9 of 16 or 4 of 36
        #expect(best(3) == .f3)
        #expect(best(2) == .f2)
        #expect(best(1) == .f2)
        #expect(best(4, images: 1) == .f2)  // the transformed kernel dominates
        #expect(best(4, overhead: WinogradVariant.kernelGradientOverhead) == .f2)
        #expect(best(4, images: 256, overhead: WinogradVariant.kernelGradientOverhead) == .f4)
    }

    @Test func convolutionRoutesThreeByThreeStrideOneLayersHere() {
        func shape(_ c: Int, _ f: Int, kernel: Int = 3, stride: Int = 1, images: Int = 8, size: Int = 8) -> ConvolutionShape {
            ConvolutionShape(
                images: images, channels: c, filters: f,
                window: Window2D(height: size, width: size, window: (kernel, kernel), strides: (stride, stride), padding: .same))
        }
        #expect(WinogradConvolution.applies(to: shape(64, 64)))
        #expect(WinogradConvolution.isChosen(for: shape(64, 64)))  // 8 images of 8×8
        // One image of 8×8 goes to the few-rows product, which reads the kernel once.
        #expect(WinogradConvolution.applies(to: shape(64, 64, images: 1)) && !WinogradConvolution.isChosen(for: shape(64, 64, images: 1)))
        // One image of 16×16 is 16 tiles of F(4×4); 16 images of 4×4 are 16 too; 4 of 4×4 too few.
        #expect(WinogradConvolution.isChosen(for: shape(128, 128, images: 1, size: 16)))
        #expect(WinogradConvolution.isChosen(for: shape(512, 512, images: 16, size: 4)))
        #expect(!WinogradConvolution.isChosen(for: shape(512, 512, images: 4, size: 4)))
        #expect(!WinogradConvolution.applies(to: shape(3, 64)))  // too few channels for SGEMM
        #expect(!WinogradConvolution.applies(to: shape(64, 16)))  // the direct kernel's
        #expect(!WinogradConvolution.applies(to: shape(64, 64, stride: 2)))
        #expect(!WinogradConvolution.applies(to: shape(64, 64, kernel: 5)))
    }

    private func maxDeviation(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return maxAbsDifference(a, b)
    }

    /// The definitions, summed in Double.
    struct Reference {
        let shape: ConvolutionShape

        /// Calls `body(n, oy, ox, ky, kx, inputIndex, outputIndex)` for every kernel tap that
        /// lands inside the input, with channel 0's flat indices.
        private func forEachTap(_ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
            let g = shape.window
            for n in 0..<shape.images {
                for oy in 0..<g.rows.output {
                    for ox in 0..<g.cols.output {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let y = oy - g.rows.padBefore + ky
                                let x = ox - g.cols.padBefore + kx
                                guard y >= 0, y < g.rows.input, x >= 0, x < g.cols.input else { continue }
                                let input = ((n * g.rows.input + y) * g.cols.input + x) * shape.channels
                                let output = ((n * g.rows.output + oy) * g.cols.output + ox) * shape.filters
                                body(n, oy, ox, ky, kx, input, output)
                            }
                        }
                    }
                }
            }
        }

        func output(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            let (c, f) = (shape.channels, shape.filters)
            var sums = (0..<(shape.images * shape.outputPixels)).flatMap { _ in b.map(Double.init) }
            forEachTap { _, _, _, ky, kx, i, o in
                for ci in 0..<c {
                    for fo in 0..<f { sums[o + fo] += Double(x[i + ci]) * Double(w[((ky * 3 + kx) * c + ci) * f + fo]) }
                }
            }
            return sums.map(Float.init)
        }

        func inputGradient(_ dy: [Float], _ w: [Float]) -> [Float] {
            let (c, f) = (shape.channels, shape.filters)
            var sums = [Double](repeating: 0, count: shape.images * shape.inputPixels * c)
            forEachTap { _, _, _, ky, kx, i, o in
                for ci in 0..<c {
                    for fo in 0..<f { sums[i + ci] += Double(dy[o + fo]) * Double(w[((ky * 3 + kx) * c + ci) * f + fo]) }
                }
            }
            return sums.map(Float.init)
        }

        func kernelGradient(_ x: [Float], _ dy: [Float]) -> [Float] {
            let (c, f) = (shape.channels, shape.filters)
            var sums = [Double](repeating: 0, count: 9 * c * f)
            forEachTap { _, _, _, ky, kx, i, o in
                for ci in 0..<c {
                    for fo in 0..<f { sums[((ky * 3 + kx) * c + ci) * f + fo] += Double(x[i + ci]) * Double(dy[o + fo]) }
                }
            }
            return sums.map(Float.init)
        }
    }
}
