import Foundation
import Synchronization

/// Reverse-mode differentiation over the recorded graph.
extension Tensor {
    /// Sends `seed` (default: ones, for a scalar loss) back through every recorded op,
    /// adding each parameter's gradient into `Parameter.gradient`. The graph serves one
    /// pass: each op releases what it saved once its gradient has gone through.
    public func backward(seed: Tensor? = nil) throws { try backward(seed: seed, onParameterReady: nil, collector: nil) }

    /// `backward`, calling `ready` for each parameter as soon as its gradient is final
    /// (its last read in the graph has been reached), so data-parallel training can start
    /// reducing those gradients while the rest of the pass runs. With a `collector`, the
    /// parameters' gradients go there instead (a `GradientTape`'s `gradient`).
    func backward(
        seed: Tensor?, onParameterReady ready: ((Parameter) throws -> Void)?, collector: GradientCollector? = nil
    ) throws {
        guard let root = gradNode else {
            throw SwiftCNNError("backward: the tensor was not computed in training mode, so nothing was recorded")
        }
        guard !root.isReleased else { throw alreadyUsed }
        let start = seed ?? Tensor(shape: shape, repeating: 1)
        guard start.shape == shape else {
            throw SwiftCNNError.shapeMismatch("backward", "seed shape \(describe(start.shape)) differs from \(describe(shape))")
        }
        root.pendingGradient = start
        var next = reverseTopologicalOrder(from: root)
        var failure: Error?
        // On an error the walk still goes to the end, so every node lets go of its links.
        while let node = next {
            next = node.nextInOrder
            node.nextInOrder = nil
            let gradient = node.pendingGradient
            node.pendingGradient = nil
            node.pendingIsExclusive = false
            if let parameter = node.parameter {
                if let gradient, failure == nil {
                    if let collector { collector.add(gradient, for: parameter) } else { parameter.accumulate(gradient) }
                }
                parameter.unreachedReads -= 1
                if let ready, parameter.unreachedReads == 0, failure == nil {
                    do { try ready(parameter) } catch { failure = error }
                }
            } else if node.isInputLeaf {
                if let gradient, failure == nil { node.inputGradient = gradient }
            } else if node.isReleased {
                if gradient != nil, failure == nil { failure = alreadyUsed }
            } else {
                if let gradient, failure == nil {
                    if node.capturesGradient { node.inputGradient = gradient }
                    do { try runRule(node, gradient) } catch { failure = error }
                }
                node.release()
            }
        }
        if let failure { throw failure }
    }
}

private let alreadyUsed = SwiftCNNError(
    "backward: this graph was already used by a backward pass, which released it; record the ops again")

private func runRule(_ node: GradNode, _ gradient: Tensor) throws {
    guard let rule = node.rule else { return }
    if let observer = ExecutionObservation.current, let label = node.label {
        let start = DispatchTime.now().uptimeNanoseconds
        try rule.backward(node, gradient)
        observer.backwardDidRun(label: label, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    } else {
        try rule.backward(node, gradient)
    }
}

/// Numbers backward passes, so a node knows whether the current walk has seen it.
private let passes = Atomic<Int>(0)

/// Links the nodes reachable from `root` through `nextInOrder`, each before all of its
/// inputs, and returns the first (the root). The walk is an iterative depth-first search
/// (deep networks would overflow the stack with recursion) whose stack runs through the
/// nodes themselves (`walkParent`), so it needs no memory of its own.
private func reverseTopologicalOrder(from root: GradNode) -> GradNode? {
    let pass = passes.add(1, ordering: .relaxed).newValue
    var head: GradNode?
    root.visitedPass = pass
    root.nextInput = 0
    var current: GradNode? = root
    while let node = current {
        if node.nextInput < node.inputs.count {
            let index = node.nextInput
            node.nextInput += 1
            if let child = node.inputs[index], child.visitedPass != pass {
                child.visitedPass = pass
                child.nextInput = 0
                child.walkParent = node
                current = child
            }
        } else {
            // Finished after all of its inputs: prepending gives the reverse of that order.
            node.nextInOrder = head
            head = node
            current = node.walkParent
            node.walkParent = nil
        }
    }
    return head
}
