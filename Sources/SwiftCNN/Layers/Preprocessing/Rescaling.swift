/// Keras's `Rescaling`: `x · scale + offset`, in training and inference alike
/// (`Rescaling(1 / 255)` maps 8-bit pixels to [0, 1]).
public final class Rescaling: Layer {
    public let scale: Float, offset: Float

    public init(_ scale: Float, offset: Float = 0) {
        self.scale = scale
        self.offset = offset
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        var output = Tensor(uninitializedShape: input.shape)
        let (x, y, scale, offset) = (input.pointer, output.pointer, scale, offset)
        for i in 0..<input.count { y[i] = x[i] * scale + offset }
        _ = output.record(self, input)
        return output
    }
}

extension Rescaling: BackwardRule {
    func backward(_ node: GradNode, _ gradOutput: Tensor) {
        let gradInput = Tensor(uninitializedShape: gradOutput.shape)
        let (g, d, scale) = (gradOutput.pointer, gradInput.pointer, scale)
        for i in 0..<gradOutput.count { d[i] = g[i] * scale }
        node.send(gradInput, toInput: 0)
    }
}
