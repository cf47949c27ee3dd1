/// Updates parameters from their gradients. Slot variables (Adam's moments, SGD's
/// momentum) are kept per parameter and can be read and restored for checkpoints.
public protocol Optimizer: AnyObject {
    /// Keras's optimizer name (`Adam`, `SGD`, `RMSprop`, `AdamW`).
    var name: String { get }
    /// The step size of the next step: the schedule's value at ``iterations`` when there is
    /// a ``learningRateSchedule``. A callback may change it between steps; setting it
    /// replaces a schedule with that constant rate (Keras refuses instead).
    var learningRate: Float { get set }
    /// Steps applied so far (Keras's `iterations`).
    var iterations: Int { get set }
    /// The schedule the learning rate follows, if it was given one.
    var learningRateSchedule: (any LearningRateSchedule)? { get }
    /// Where the slot variables go in Keras's checkpoint formats, and the optimizer's
    /// Keras config; nil for an optimizer the formats do not describe (its state is then
    /// neither written nor read).
    var kerasDescription: KerasOptimizerDescription? { get }
    /// Applies one update to every parameter that has a gradient.
    func apply(to parameters: [Parameter]) throws
    /// Slot variables of a parameter by slot name (`m`, `v`, `momentum`, `velocity`, …).
    func slots(for parameter: Parameter) -> [String: Tensor]
    /// Restores the slot variables of `parameter` (from a checkpoint).
    func setSlots(_ slots: [String: Tensor], for parameter: Parameter) throws
}

extension Optimizer {
    /// No schedule.
    public var learningRateSchedule: (any LearningRateSchedule)? { nil }
    /// Not described: checkpoints carry only the weights.
    public var kerasDescription: KerasOptimizerDescription? { nil }
}

/// Per-parameter state keyed by the parameter's identity.
struct SlotTable {
    private var table: [ObjectIdentifier: [String: Tensor]] = [:]

    func get(_ parameter: Parameter) -> [String: Tensor] { table[ObjectIdentifier(parameter)] ?? [:] }

    mutating func slot(_ name: String, for parameter: Parameter) -> Tensor {
        if let slot = table[ObjectIdentifier(parameter)]?[name] { return slot }
        let fresh = Tensor.zeros(parameter.shape)
        table[ObjectIdentifier(parameter), default: [:]][name] = fresh
        return fresh
    }

    mutating func set(_ slots: [String: Tensor], for parameter: Parameter, names: [String]) throws {
        for (name, value) in slots {
            guard names.contains(name) else {
                throw SwiftCNNError("optimizer: unknown slot '\(name)' (known: \(names.joined(separator: ", ")))")
            }
            guard value.shape == parameter.shape else {
                throw SwiftCNNError.shapeMismatch("optimizer", "slot '\(name)' of '\(parameter.name)' has shape \(describe(value.shape)), expected \(describe(parameter.shape))")
            }
            table[ObjectIdentifier(parameter), default: [:]][name] = value
        }
    }
}

/// A learning rate that is a constant or follows a schedule, as Keras's optimizers keep
/// `_learning_rate`: the schedule is evaluated at the optimizer's `iterations`.
struct ScheduledRate {
    var constant: Float
    var schedule: (any LearningRateSchedule)?

    init(_ constant: Float) { self.constant = constant }
    init(_ schedule: any LearningRateSchedule) {
        self.constant = schedule(step: 0)
        self.schedule = schedule
    }

    func value(at iterations: Int) -> Float { schedule.map { $0(step: iterations) } ?? constant }

    /// Setting a rate drops the schedule.
    mutating func set(_ rate: Float) {
        constant = rate
        schedule = nil
    }
}
