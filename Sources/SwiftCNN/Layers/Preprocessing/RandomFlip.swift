/// Keras 3's `RandomFlip`: while training, flips each image with probability ½ (one draw per
/// image, `≤ 0.5` flips as in Keras), left–right, top–bottom or both at once.
public final class RandomFlip: Layer {
    public enum Mode: String, Sendable, CaseIterable {
        case horizontal, vertical
        case horizontalAndVertical = "horizontal_and_vertical"
    }

    public let mode: Mode

    public init(_ mode: Mode = .horizontalAndVertical) {
        self.mode = mode
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard training else { return input }
        let (n, _, _, _) = try imageBatchDimensions(input, displayName)
        let flips = (0..<n).map { _ in random.nextUnitDouble() <= 0.5 ? Float(1) : 0 }
        var output = Tensor(uninitializedShape: input.shape)
        flip(input, into: output, flips: flips)
        output.record(self, input)?.saved = .draws(flips)
        return output
    }

    /// Copies `source` into `target`, flipping the images whose `flips` entry is 1. A flip
    /// is its own inverse, so the backward pass is the same copy of the gradient.
    func flip(_ source: Tensor, into target: Tensor, flips: [Float]) {
        let (h, w, c) = (source.shape[1], source.shape[2], source.shape[3])
        let horizontal = mode != .vertical, vertical = mode != .horizontal
        for (i, flipped) in flips.enumerated() {
            copyFlipped(
                source.pointer + i * h * w * c, to: target.pointer + i * h * w * c, height: h, width: w, channels: c,
                vertical: flipped == 1 && vertical, horizontal: flipped == 1 && horizontal)
        }
    }
}

extension RandomFlip: BackwardRule {
    /// Saved: 1 for each flipped image, else 0.
    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .draws(flips) = node.saved else { throw SavedForBackward.mismatch("RandomFlip") }
        let gradInput = Tensor(uninitializedShape: gradOutput.shape)
        flip(gradOutput, into: gradInput, flips: flips)
        node.send(gradInput, toInput: 0)
    }
}
