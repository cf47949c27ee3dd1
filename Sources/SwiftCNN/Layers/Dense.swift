/// A fully connected layer, `activation(x · kernel + bias)`, as Keras's `Dense`.
/// The kernel `[inputs, units]` is created on the first call.
public final class Dense: Layer {
    public let units: Int
    public let activation: ActivationFunction
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let kernelRegularizer: Regularizer?
    public private(set) var kernel: Parameter?
    public private(set) var bias: Parameter?

    public init(
        _ units: Int, activation: ActivationFunction = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, kernelRegularizer: Regularizer? = nil
    ) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.kernelRegularizer = kernelRegularizer
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard units > 0 else { throw shapeError("units must be positive, got \(units)") }
        guard input.rank == 2 else {
            throw shapeError("expected a 2-D input [batch, features], got shape \(describe(input.shape)); add a Flatten layer before it")
        }
        let (batch, features) = (input.shape[0], input.shape[1])
        if kernel == nil {
            kernel = Parameter(
                name: "kernel", value: kernelInitializer.make([features, units], random: &random),
                regularizer: kernelRegularizer)
            if useBias { bias = Parameter(name: "bias", value: .zeros([units])) }
        }
        guard let kernel else { throw shapeError("kernel was not built") }
        guard kernel.shape[0] == features else {
            throw shapeError("input shape \(describe(input.shape)) has \(features) features but the kernel \(describe(kernel.shape)) expects \(kernel.shape[0])")
        }
        let kernelValue = kernel.read(training: training || input.requiresGradient)
        let biasValue = bias?.read(training: training || input.requiresGradient)
        let units = self.units
        var output = Tensor(uninitializedShape: [batch, units])
        DenseKernels.forward(input.pointer, kernelValue.pointer, into: output.pointer, batch: batch, features: features, units: units)
        if let biasValue {
            for r in 0..<batch {
                let row = output.pointer + r * units
                for j in 0..<units { row[j] += biasValue.pointer[j] }
            }
        }
        let needsInputGradient = input.requiresGradient
        output.record([input, kernelValue] + (biasValue.map { [$0] } ?? [])) { gradOutput in
            let gradKernel = Tensor(uninitializedShape: [features, units])
            DenseKernels.kernelGradient(input.pointer, gradOutput.pointer, into: gradKernel.pointer, batch: batch, features: features, units: units)
            var gradBias: Tensor?
            if biasValue != nil {
                let sums = Tensor(shape: [units], repeating: 0)
                for r in 0..<batch {
                    let row = gradOutput.pointer + r * units
                    for j in 0..<units { sums.pointer[j] += row[j] }
                }
                gradBias = sums
            }
            var gradInput: Tensor?
            if needsInputGradient {
                let dx = Tensor(uninitializedShape: [batch, features])
                DenseKernels.inputGradient(gradOutput.pointer, kernelValue.pointer, into: dx.pointer, batch: batch, features: features, units: units)
                gradInput = dx
            }
            return [gradInput, gradKernel, gradBias]
        }
        return activation.apply(output)
    }
}
