/// Stochastic gradient descent with Keras's momentum form:
/// `v ← momentum · v − lr · g`, then `w ← w + v`, or with Nesterov
/// `w ← w + momentum · v − lr · g`.
public final class SGD: Optimizer {
    public let name = "SGD"
    /// The step size (Keras's default 0.01), or the schedule's value at ``iterations``.
    public var learningRate: Float {
        get { rate.value(at: iterations) }
        set { rate.set(newValue) }
    }
    public var learningRateSchedule: (any LearningRateSchedule)? { rate.schedule }
    /// Weight of the previous update in the next one (0: plain gradient descent).
    public let momentum: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    public var iterations = 0
    private var rate: ScheduledRate
    private var slotTable = SlotTable()

    /// Keras's `SGD(learning_rate, momentum, nesterov)` with its defaults.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        self.rate = ScheduledRate(learningRate)
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// SGD whose learning rate follows `schedule`, evaluated at ``iterations``.
    public init(learningRate schedule: any LearningRateSchedule, momentum: Float = 0, nesterov: Bool = false) {
        self.rate = ScheduledRate(schedule)
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public var kerasDescription: KerasOptimizerDescription? {
        // Keras 3 keeps momentums only with momentum; tf-keras always does, naming them `m`.
        KerasOptimizerDescription(
            className: name, keras3Slots: momentum == 0 ? [] : [["momentum"]],
            tfKerasSlots: [[.init("momentum", tfKerasList: "momentums", tfKerasName: "m")]],
            hyperparameters: ["momentum": .number(momentum), "nesterov": .flag(nesterov)])
    }

    public func apply(to parameters: [Parameter]) throws {
        let (lr, mu) = (learningRate, momentum)
        iterations += 1
        for parameter in parameters where parameter.isTrainable {
            guard let gradient = parameter.gradient else { continue }
            guard gradient.shape == parameter.shape else {
                throw SwiftCNNError.shapeMismatch("SGD", "gradient \(describe(gradient.shape)) does not match parameter '\(parameter.name)' \(describe(parameter.shape))")
            }
            let g = gradient.pointer
            if mu == 0 {
                parameter.value.withUnsafeMutableBufferPointer { w in
                    for i in 0..<w.count { w[i] -= lr * g[i] }
                }
                continue
            }
            let velocity = slotTable.slot("momentum", for: parameter).pointer
            let nesterov = self.nesterov
            parameter.value.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count {
                    velocity[i] = mu * velocity[i] - lr * g[i]
                    w[i] += nesterov ? mu * velocity[i] - lr * g[i] : velocity[i]
                }
            }
        }
    }

    public func slots(for parameter: Parameter) -> [String: Tensor] { slotTable.get(parameter) }

    /// Restores the `momentum` slot of `parameter` (from a checkpoint).
    public func setSlots(_ slots: [String: Tensor], for parameter: Parameter) throws {
        try slotTable.set(slots, for: parameter, names: ["momentum"])
    }
}
