import CSwiftCNNSupport

/// Dropout as a function, as `keras.random.dropout`: zeroes each element with probability
/// `rate` and scales the rest by `1 / (1 − rate)` (inverted dropout). The mask comes from
/// `seed`, so the same seed drops the same elements. `Dropout` calls it with its own
/// generator.
public func dropout(_ x: some TensorOperand, rate: Float, seed: UInt64) throws -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return try dropout(x.operand, rate: rate, generator: &generator, op: "dropout")
}

func dropout(_ input: Tensor, rate: Float, generator: inout RandomGenerator, op: String) throws -> Tensor {
    guard rate >= 0, rate < 1 else { throw SwiftCNNError("\(op): rate must be in [0, 1), got \(rate)") }
    guard rate > 0 else { return input }
    let keep = 1 - rate
    let mask = Tensor(uninitializedShape: input.shape)
    generator.fillDropoutMask(mask.pointer, count: mask.count, keep: keep, scale: 1 / keep)
    var output = Tensor(uninitializedShape: input.shape)
    swiftcnn_multiply(input.pointer, mask.pointer, output.pointer, output.count)
    output.record(DropoutGradient.shared, input)?.saved = .mask(mask)
    return output
}

/// Dropout's gradient: the output gradient through the same mask.
final class DropoutGradient: BackwardRule, Sendable {
    static let shared = DropoutGradient()

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .mask(mask) = node.saved else { throw SavedForBackward.mismatch("dropout") }
        let gradInput = Tensor(uninitializedShape: gradOutput.shape)
        swiftcnn_multiply(gradOutput.pointer, mask.pointer, gradInput.pointer, gradInput.count)
        node.send(gradInput, toInput: 0)
    }
}
