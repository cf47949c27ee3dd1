/// The optimizers `CourseTraining` (and `swiftcnn train --optimizer`) can make, by Keras's
/// lower-case name, each with Keras's defaults besides the learning rate.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case adam, sgd, rmsprop, adamw

    /// Keras's default learning rate for this optimizer (SGD 0.01, the others 0.001).
    public var defaultLearningRate: Float { self == .sgd ? 0.01 : 0.001 }

    /// A fresh optimizer of this kind with Keras's defaults and `learningRate`.
    public func make(learningRate: Float) -> Optimizer {
        switch self {
        case .adam: Adam(learningRate: learningRate)
        case .sgd: SGD(learningRate: learningRate)
        case .rmsprop: RMSprop(learningRate: learningRate)
        case .adamw: AdamW(learningRate: learningRate)
        }
    }

    /// Whether `optimizer` is of this kind (by its Keras name; AdamW is not Adam).
    public func matches(_ optimizer: Optimizer) -> Bool { optimizer.name.lowercased() == rawValue }
}
