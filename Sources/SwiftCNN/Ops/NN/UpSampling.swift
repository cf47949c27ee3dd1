import Foundation

/// Repeats (`.nearest`) or bilinearly resizes (`.bilinear`) NHWC images by whole factors, as
/// Keras's `UpSampling2D`. Bilinear is TensorFlow's `resize_bilinear` with half-pixel
/// centres (what `keras.ops.image.resize` runs): output pixel `o` samples the input at
/// `(o + 0.5) / factor − 0.5`, clamped to the image.
public func upSampling2d(_ input: some TensorOperand, size: Size2D, interpolation: Interpolation = .nearest) throws -> Tensor {
    let input = input.operand
    return try upSampling2d(input, UpSamplingGradient(size: size, interpolation: interpolation), op: "upSampling2d")
}

/// `upSampling2d` with a long-lived rule (a layer's), naming `op` in errors.
func upSampling2d(_ input: Tensor, _ rule: UpSamplingGradient, op: String) throws -> Tensor {
    guard rule.size.isValid else { throw SwiftCNNError("\(op): size must be positive, got \(rule.size.pair)") }
    guard input.rank == 4 else { throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input.shape))") }
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    var output = Tensor(shape: Shapes.of(n, h * rule.size.height, w * rule.size.width, c), repeating: 0)
    rule.resample(input.pointer, inputShape: input.shape, output: output.pointer, adjoint: false)
    output.record(rule, input)?.saved = .inputShape(input.shape)
    return output
}

/// Scatters the output gradient back with the forward's weights. Saved shape: the input's.
final class UpSamplingGradient: BackwardRule, Sendable {
    let size: Size2D
    let interpolation: Interpolation

    init(size: Size2D, interpolation: Interpolation) {
        self.size = size
        self.interpolation = interpolation
    }

    /// One output coordinate's two source positions and the weight of the second.
    struct Tap {
        var lower: Int, upper: Int, lerp: Float
    }

    /// TensorFlow's `compute_interpolation_weights` with half-pixel centres, in Float.
    func taps(input: Int, factor: Int) -> [Tap] {
        let output = input * factor
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            if interpolation == .nearest { return Tap(lower: o / factor, upper: o / factor, lerp: 0) }
            let position = (Float(o) + 0.5) * scale - 0.5
            let below = floorf(position)
            return Tap(
                lower: max(Int(below), 0), upper: min(Int(ceilf(position)), input - 1), lerp: position - below)
        }
    }

    /// The forward (`adjoint` false: `output` from `input`), or its adjoint (`adjoint` true:
    /// adds into a zeroed `input`-shaped buffer `source` from the output gradient `target`).
    /// Work is split over images, each writing only its own image.
    func resample(
        _ source: UnsafeMutablePointer<Float>, inputShape: [Int], output target: UnsafeMutablePointer<Float>,
        adjoint: Bool
    ) {
        let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let rows = taps(input: h, factor: size.height)
        let cols = taps(input: w, factor: size.width)
        let (outH, outW) = (rows.count, cols.count)
        rows.withUnsafeBufferPointer { rows in
            cols.withUnsafeBufferPointer { cols in
                ThreadPool.shared.parallelFor(n, minimumWork: 1 << 14, work: n * outH * outW * c) { _, images in
                    for image in images {
                        let x = source + image * h * w * c
                        let y = target + image * outH * outW * c
                        for oy in 0..<outH {
                            let r = rows[oy]
                            for ox in 0..<outW {
                                let q = cols[ox]
                                let out = y + (oy * outW + ox) * c
                                let topLeft = x + (r.lower * w + q.lower) * c
                                let topRight = x + (r.lower * w + q.upper) * c
                                let bottomLeft = x + (r.upper * w + q.lower) * c
                                let bottomRight = x + (r.upper * w + q.upper) * c
                                let (ty, tx) = (r.lerp, q.lerp)
                                for ch in 0..<c {
                                    if adjoint {
                                        let g = out[ch]
                                        topLeft[ch] += g * (1 - ty) * (1 - tx)
                                        topRight[ch] += g * (1 - ty) * tx
                                        bottomLeft[ch] += g * ty * (1 - tx)
                                        bottomRight[ch] += g * ty * tx
                                    } else {
                                        let top = topLeft[ch] + (topRight[ch] - topLeft[ch]) * tx
                                        let bottom = bottomLeft[ch] + (bottomRight[ch] - bottomLeft[ch]) * tx
                                        out[ch] = top + (bottom - top) * ty
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .inputShape(inputShape) = node.saved else { throw SavedForBackward.mismatch("upSampling2d") }
        let gradInput = Tensor(shape: inputShape, repeating: 0)
        resample(gradInput.pointer, inputShape: inputShape, output: gradOutput.pointer, adjoint: true)
        node.send(gradInput, toInput: 0)
    }
}
