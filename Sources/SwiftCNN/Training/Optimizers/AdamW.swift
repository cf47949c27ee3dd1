import CSwiftCNNSupport

/// Keras 3's AdamW: Adam with decoupled weight decay. Before each Adam step every trainable
/// variable shrinks by `w ← w − w · weightDecay · lr`, with the step's learning rate (the
/// schedule's value, if any), as Keras's `_apply_weight_decay` does.
public final class AdamW: Adam {
    override public var name: String { "AdamW" }
    /// The fraction of each weight removed per unit of learning rate (Keras's default 0.004).
    public let weightDecay: Float

    /// Keras's `AdamW(learning_rate, weight_decay, beta_1, beta_2, epsilon)` with its defaults.
    public init(
        learningRate: Float = 1e-3, weightDecay: Float = 0.004, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-7
    ) {
        self.weightDecay = weightDecay
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    /// AdamW whose learning rate follows `schedule`, evaluated at ``iterations``.
    public init(
        learningRate schedule: any LearningRateSchedule, weightDecay: Float = 0.004, beta1: Float = 0.9,
        beta2: Float = 0.999, epsilon: Float = 1e-7
    ) {
        self.weightDecay = weightDecay
        super.init(learningRate: schedule, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    override public var kerasDescription: KerasOptimizerDescription? {
        guard var description = super.kerasDescription else { return nil }
        description.className = name
        description.hyperparameters["weight_decay"] = .number(weightDecay)
        return description
    }

    override func beforeUpdate(_ parameters: [Parameter], learningRate: Float) throws {
        let decay = weightDecay
        guard decay != 0 else { return }
        for parameter in parameters where parameter.isTrainable && parameter.gradient != nil {
            parameter.value.withUnsafeMutableBufferPointer { w in
                let base = w.baseAddress!
                ThreadPool.shared.elementwise(w.count) { range in
                    swiftcnn_decay_weights(base + range.lowerBound, range.count, decay, learningRate)
                }
            }
        }
    }
}
