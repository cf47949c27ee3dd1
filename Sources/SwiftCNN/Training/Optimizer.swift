/// Updates parameters from their gradients. Slot variables (Adam's moments, SGD's
/// momentum) are kept per parameter and can be read and restored for checkpoints.
public protocol Optimizer: AnyObject {
    /// Keras's optimizer name (`Adam`, `SGD`).
    var name: String { get }
    /// The step size; a callback may change it between steps.
    var learningRate: Float { get set }
    /// Steps applied so far (Keras's `iterations`).
    var iterations: Int { get set }
    /// Applies one update to every parameter that has a gradient.
    func apply(to parameters: [Parameter]) throws
    /// Slot variables of a parameter by Keras's slot name (`m`, `v`, `momentum`).
    func slots(for parameter: Parameter) -> [String: Tensor]
    /// Restores the slot variables of `parameter` (from a checkpoint).
    func setSlots(_ slots: [String: Tensor], for parameter: Parameter) throws
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
