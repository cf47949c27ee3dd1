/// A variable of a layer: its value, whether the optimiser trains it, and its gradient
/// from the last backward pass. Names are Keras's (`kernel`, `bias`, `gamma`, `beta`,
/// `moving_mean`, `moving_variance`) so checkpoints and `weights.txt` match the course.
public final class Parameter {
    /// The variable's name within its layer (`kernel`, `moving_mean`).
    public let name: String
    /// The current value; optimizers update it in place.
    public var value: Tensor
    /// Whether optimizers update it (false for batch normalisation's moving statistics).
    public let isTrainable: Bool
    /// A penalty added to the loss (and its gradient to the gradient), if any.
    public let regularizer: Regularizer?
    /// The summed gradient of the last backward pass; `nil` until one reaches this parameter.
    public internal(set) var gradient: Tensor?
    /// Reads recorded for a backward pass that the pass has not reached yet: once it is 0,
    /// the gradient is final (see `backward(seed:onParameterReady:)`). Reset each step.
    var unreachedReads = 0

    /// A variable named `name` holding `value`.
    public init(name: String, value: Tensor, trainable: Bool = true, regularizer: Regularizer? = nil) {
        self.name = name
        self.value = value
        self.isTrainable = trainable
        self.regularizer = regularizer
    }

    /// The value's shape.
    public var shape: [Int] { value.shape }
    /// The number of scalars in the value.
    public var count: Int { value.count }

    /// The value as an op input: a gradient leaf for a trainable parameter when training,
    /// inside a `GradientTape` scope, or when the op's input is itself tracked.
    func read(training: Bool) -> Tensor {
        var tensor = value.detached
        if isTrainable && (training || GradientTape.isRecording) {
            let leaf = TensorArena.current.node()
            leaf.parameter = self
            tensor.gradNode = leaf
            unreachedReads += 1
        }
        return tensor
    }

    func accumulate(_ incoming: Tensor) {
        // Into a new tensor rather than in place: the incoming gradient is a recycled
        // storage, which would be copied (outside the arena) before an in-place write.
        if let gradient { self.gradient = gradient.adding(incoming) } else { gradient = incoming.detached }
    }

    /// Forgets the gradient of the last backward pass.
    public func zeroGradient() { gradient = nil }
}
