/// One recorded op on the autograd graph: the nodes of the tensors it read, what its
/// backward rule needs (`saved`), and the rule. Ops are coarse (a whole
/// convolution, batch-norm or pooling is one node) so the graph stays small.
///
/// Nodes come from the current `TensorArena` and are reused once nothing references them,
/// and rules are long-lived objects rather than closures, so recording an op allocates
/// nothing in the steady state. A backward pass releases what each node saved as it goes,
/// as PyTorch does: the graph serves one backward pass.
public final class GradNode {
    /// The op's backward rule; nil for leaves.
    var rule: BackwardRule?
    /// The nodes of the op's inputs, nil where an input is not tracked.
    var inputs: [GradNode?] = []
    /// What the rule reads, by name.
    var saved = SavedForBackward.nothing
    /// Set on leaves: the parameter whose gradient this node accumulates.
    var parameter: Parameter?
    /// Set on leaves that stand for a model input whose gradient the caller wants.
    var isInputLeaf = false
    /// Set on an op's node whose output gradient a `GradientTape` was asked for.
    var capturesGradient = false
    /// The gradient that reached an input leaf, or a node that captures it.
    var inputGradient: Tensor?
    /// The layer that recorded this op, when an `ExecutionObserver` is watching.
    var label: String?

    /// Backward-pass bookkeeping (see `Backward.swift`): the gradient summed so far, the
    /// pass that last visited the node, the depth-first walk, and the processing order.
    var pendingGradient: Tensor?
    /// Whether nothing but this node holds `pendingGradient` (its sender made it fresh and
    /// let go of it, or it is this node's own sum), so more gradients may be added into it
    /// in place (`accumulator(forInput:shape:)`).
    var pendingIsExclusive = false
    var visitedPass = 0
    var nextInput = 0
    var walkParent: GradNode?
    var nextInOrder: GradNode?
    /// Whether a backward pass has run through this node and released what it saved.
    var isReleased = false

    init() {
        // Room for every built-in op's inputs (three, and a four-way concatenation), so
        // reusing a node for another op does not grow the list.
        inputs.reserveCapacity(4)
    }

    /// Forgets the previous use, keeping the arrays' capacity.
    func clear() {
        release()
        parameter = nil
        isInputLeaf = false
        capturesGradient = false
        inputGradient = nil
        label = nil
        pendingGradient = nil
        pendingIsExclusive = false
        walkParent = nil
        nextInOrder = nil
        isReleased = false
    }

    /// Drops the rule, inputs and saved tensors once the node's backward has run.
    func release() {
        rule = nil
        inputs.removeAll(keepingCapacity: true)
        saved = .nothing
        isReleased = true
    }

    /// Whether input `index` wants a gradient.
    func needsGradient(_ index: Int) -> Bool { index < inputs.count && inputs[index] != nil }

    /// Adds `gradient` to input `index`'s gradient, if that input is tracked. `exclusive`
    /// says the rule made `gradient` itself and keeps no reference to it, so later
    /// gradients for the same input may be added into it in place; a rule that passes on
    /// its own incoming gradient, or sends one tensor to two inputs, must not say so.
    func send(_ gradient: Tensor, toInput index: Int, exclusive: Bool = false) {
        guard index < inputs.count, let input = inputs[index] else { return }
        if let existing = input.pendingGradient {
            if input.pendingIsExclusive && existing.shape == gradient.shape {
                existing.addInPlaceUnshared(gradient)
            } else {
                input.pendingGradient = existing.adding(gradient)
                input.pendingIsExclusive = true
            }
        } else {
            input.pendingGradient = gradient
            input.pendingIsExclusive = exclusive
        }
    }

    /// Where a rule may add input `index`'s gradient in place instead of sending it: the
    /// gradient summed so far for that input when it has `shape` and nothing else holds it
    /// (an Inception block's input takes the gradients of four branches; three of them can
    /// land in the first one's buffer without a tensor and an addition pass each). Nil
    /// when the rule must make its own tensor and `send` it.
    func accumulator(forInput index: Int, shape: [Int]) -> UnsafeMutablePointer<Float>? {
        guard index < inputs.count, let input = inputs[index], input.pendingIsExclusive,
            let existing = input.pendingGradient, existing.shape == shape
        else { return nil }
        return existing.pointer
    }
}

/// How an op turns its output's gradient into its inputs' gradients. Rules are long-lived
/// (a layer, or one shared instance per op): what a call needs is saved in the node.
protocol BackwardRule: AnyObject {
    /// Sends the input gradients with `node.send(_:toInput:)`.
    func backward(_ node: GradNode, _ gradient: Tensor) throws
}

extension Tensor {
    /// Whether ops on this tensor are being recorded for a backward pass.
    public var requiresGradient: Bool { gradNode != nil }

    /// This tensor as a leaf whose gradient `backward` will store (for gradients with
    /// respect to a model's input).
    public func trackingGradient() -> Tensor {
        var leaf = detached
        let node = TensorArena.current.node()
        node.isInputLeaf = true
        leaf.gradNode = node
        return leaf
    }

    /// The gradient `backward` stored for a tensor made by `trackingGradient()`.
    public var gradient: Tensor? { gradNode?.inputGradient }

    /// Gives `self` (the output of an op) a node with `rule` when any input is tracked, and
    /// returns it so the op can save what its rule needs.
    mutating func record(_ rule: BackwardRule, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil) -> GradNode? {
        guard a.gradNode != nil || b?.gradNode != nil || c?.gradNode != nil else { return nil }
        let node = newNode(rule)
        node.inputs.append(a.gradNode)
        if let b { node.inputs.append(b.gradNode) }
        if let c { node.inputs.append(c.gradNode) }
        return node
    }

    /// `record` for any number of inputs.
    mutating func record(_ rule: BackwardRule, inputs: [Tensor]) -> GradNode? {
        guard inputs.contains(where: { $0.gradNode != nil }) else { return nil }
        let node = newNode(rule)
        for input in inputs { node.inputs.append(input.gradNode) }
        return node
    }

    private mutating func newNode(_ rule: BackwardRule) -> GradNode {
        let node = TensorArena.current.node()
        node.rule = rule
        node.label = ExecutionObservation.current?.currentLabel
        gradNode = node
        return node
    }
}
