/// Keras's weight initialisers.
public enum Initializer: Sendable, Equatable {
    /// All zeros (Keras's default for biases).
    case zeros
    /// All ones (batch normalisation's `gamma`, `moving_variance`).
    case ones
    /// Uniform in ±sqrt(6 / (fanIn + fanOut)), Keras's default for kernels.
    case glorotUniform
    /// Every element set to the value.
    case constant(Float)

    func make(_ shape: [Int], random: inout RandomGenerator) -> Tensor {
        switch self {
        case .zeros: return Tensor(shape: shape, repeating: 0)
        case .ones: return Tensor(shape: shape, repeating: 1)
        case .constant(let value): return Tensor(shape: shape, repeating: value)
        case .glorotUniform:
            // Keras: fans of a conv kernel [kh, kw, in, out] include the receptive field.
            let receptive = shape.dropLast(2).reduce(1, *)
            let fanIn = Float(shape.count >= 2 ? shape[shape.count - 2] * receptive : shape.first ?? 1)
            let fanOut = Float(shape.count >= 2 ? shape[shape.count - 1] * receptive : shape.first ?? 1)
            let limit = (6 / max(fanIn + fanOut, 1)).squareRoot()
            let tensor = Tensor(uninitializedShape: shape)
            for i in 0..<tensor.count { tensor.pointer[i] = (random.nextUniform() * 2 - 1) * limit }
            return tensor
        }
    }
}
