/// One recorded op on the autograd graph: which tensors it read and how to turn the
/// gradient of its output into gradients of those inputs. Ops are coarse (a whole
/// convolution, batch-norm or pooling is one node) so the graph stays small.
public final class GradNode {
    let inputs: [GradNode?]
    /// Maps the output's gradient to one gradient per input (nil where an input needs none).
    let backward: (Tensor) throws -> [Tensor?]
    /// Set on leaves: the parameter whose gradient this node accumulates.
    let parameter: Parameter?
    /// Set on leaves that stand for a model input whose gradient the caller wants.
    var inputGradient: Tensor?
    let isInputLeaf: Bool
    /// The layer that recorded this op, when a `Profiler` is running.
    let label: String?

    init(inputs: [GradNode?], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
        parameter = nil
        isInputLeaf = false
        label = Profiler.current?.currentLabel
    }

    init(parameter: Parameter) {
        inputs = []
        backward = { _ in [] }
        self.parameter = parameter
        isInputLeaf = false
        label = nil
    }

    init(inputLeaf: Void) {
        inputs = []
        backward = { _ in [] }
        parameter = nil
        isInputLeaf = true
        label = nil
    }
}

extension Tensor {
    /// Whether ops on this tensor are being recorded for a backward pass.
    public var requiresGradient: Bool { gradNode != nil }

    /// This tensor as a leaf whose gradient `backward` will store (for gradients with
    /// respect to a model's input).
    public func trackingGradient() -> Tensor {
        var leaf = detached
        leaf.gradNode = GradNode(inputLeaf: ())
        return leaf
    }

    /// The gradient `backward` stored for a tensor made by `trackingGradient()`.
    public var gradient: Tensor? { gradNode?.inputGradient }

    /// Attaches a backward rule to `self` (the output of an op) when any input is tracked.
    mutating func record(_ inputs: [Tensor], _ backward: @escaping (Tensor) throws -> [Tensor?]) {
        guard inputs.contains(where: { $0.gradNode != nil }) else { return }
        gradNode = GradNode(inputs: inputs.map(\.gradNode), backward: backward)
    }
}
