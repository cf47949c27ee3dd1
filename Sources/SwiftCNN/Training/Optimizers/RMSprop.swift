import CSwiftCNNSupport

/// Keras 3's RMSprop: `v ← ρv + (1 − ρ)g²`; centred, also `a ← ρa + (1 − ρ)g` and the
/// denominator `v − a² + ε`, else `v + ε`; the increment `lr · g / √denominator`; with
/// momentum `m ← μm + increment` and `w ← w − m`, else `w ← w − increment`.
public final class RMSprop: Optimizer {
    public let name = "RMSprop"
    /// The step size (Keras's default 0.001), or the schedule's value at ``iterations``.
    public var learningRate: Float {
        get { rate.value(at: iterations) }
        set { rate.set(newValue) }
    }
    public var learningRateSchedule: (any LearningRateSchedule)? { rate.schedule }
    /// Decay of the moving average of squared gradients.
    public let rho: Float
    /// Weight of the previous update in the next one (0: no momentum slot).
    public let momentum: Float
    /// Added to the denominator under the root, as Keras does.
    public let epsilon: Float
    /// Whether to divide by the gradients' estimated variance instead of their second moment.
    public let centered: Bool
    public var iterations = 0
    private var rate: ScheduledRate
    private var slotTable = SlotTable()

    /// Keras's `RMSprop(learning_rate, rho, momentum, epsilon, centered)` with its defaults.
    public init(learningRate: Float = 1e-3, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7, centered: Bool = false) {
        self.rate = ScheduledRate(learningRate)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
    }

    /// RMSprop whose learning rate follows `schedule`, evaluated at ``iterations``.
    public init(
        learningRate schedule: any LearningRateSchedule, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7,
        centered: Bool = false
    ) {
        self.rate = ScheduledRate(schedule)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
    }

    /// The slots in Keras's order: velocities, then momentums (with momentum), then average
    /// gradients (centred), each group over every trainable variable.
    private var slotNames: [String] {
        ["velocity"] + (momentum > 0 ? ["momentum"] : []) + (centered ? ["average_gradient"] : [])
    }

    public var kerasDescription: KerasOptimizerDescription? {
        let lists = ["velocity": "_velocities", "momentum": "_momentums", "average_gradient": "_average_gradients"]
        return KerasOptimizerDescription(
            className: name, keras3Slots: slotNames.map { [$0] },
            tfKerasSlots: slotNames.map { [.init($0, tfKerasList: lists[$0] ?? $0)] },
            hyperparameters: [
                "rho": .number(rho), "momentum": .number(momentum), "epsilon": .number(epsilon), "centered": .flag(centered),
            ])
    }

    public func apply(to parameters: [Parameter]) throws {
        let lr = learningRate
        iterations += 1
        // Keras computes `1 - rho` in Python's double from the decimal the caller wrote.
        let oneMinusRho = Float(1 - (Double("\(rho)") ?? Double(rho)))
        let (rho, epsilon, mu) = (self.rho, self.epsilon, momentum)
        for parameter in parameters where parameter.isTrainable {
            guard let gradient = parameter.gradient else { continue }
            guard gradient.shape == parameter.shape else {
                throw SwiftCNNError.shapeMismatch("RMSprop", "gradient \(describe(gradient.shape)) does not match parameter '\(parameter.name)' \(describe(parameter.shape))")
            }
            let velocity = slotTable.slot("velocity", for: parameter)
            let momentumSlot = mu > 0 ? slotTable.slot("momentum", for: parameter) : nil
            let average = centered ? slotTable.slot("average_gradient", for: parameter) : nil
            let (g, vp, mp, ap) = (gradient.pointer, velocity.pointer, momentumSlot?.pointer, average?.pointer)
            parameter.value.withUnsafeMutableBufferPointer { w in
                let base = w.baseAddress!
                ThreadPool.shared.elementwise(w.count) { range in
                    let at = range.lowerBound
                    swiftcnn_rmsprop_update(
                        base + at, vp + at, mp.map { $0 + at }, ap.map { $0 + at }, g + at, range.count, rho, oneMinusRho,
                        lr, epsilon, mu)
                }
            }
            withExtendedLifetime((gradient, velocity, momentumSlot, average)) {}
        }
    }

    public func slots(for parameter: Parameter) -> [String: Tensor] { slotTable.get(parameter) }

    /// Restores the `velocity`, `momentum` and `average_gradient` slots of `parameter`.
    public func setSlots(_ slots: [String: Tensor], for parameter: Parameter) throws {
        try slotTable.set(slots, for: parameter, names: slotNames)
    }
}
