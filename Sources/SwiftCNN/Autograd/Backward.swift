import Foundation

/// Reverse-mode differentiation over the recorded graph.
extension Tensor {
    /// Sends `seed` (default: ones, for a scalar loss) back through every recorded op,
    /// adding each parameter's gradient into `Parameter.gradient`.
    public func backward(seed: Tensor? = nil) throws {
        guard let root = gradNode else {
            throw SwiftCNNError("backward: the tensor was not computed in training mode, so nothing was recorded")
        }
        let start = seed ?? Tensor(shape: shape, repeating: 1)
        guard start.shape == shape else {
            throw SwiftCNNError.shapeMismatch("backward", "seed shape \(describe(start.shape)) differs from \(describe(shape))")
        }
        let order = topologicalOrder(from: root)
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): start]
        for node in order.reversed() {
            guard let gradient = gradients.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            if let parameter = node.parameter {
                parameter.accumulate(gradient)
                continue
            }
            if node.isInputLeaf {
                node.inputGradient = gradient
                continue
            }
            let inputGradients: [Tensor?]
            if let profiler = Profiler.current, let label = node.label {
                let start = DispatchTime.now().uptimeNanoseconds
                inputGradients = try node.backward(gradient)
                profiler.addBackward(label, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            } else {
                inputGradients = try node.backward(gradient)
            }
            for (input, inputGradient) in zip(node.inputs, inputGradients) {
                guard let input, let inputGradient else { continue }
                let key = ObjectIdentifier(input)
                if let existing = gradients[key] {
                    gradients[key] = existing.adding(inputGradient)
                } else {
                    gradients[key] = inputGradient
                }
            }
        }
    }
}

/// Nodes in an order where every node comes after all of its inputs.
private func topologicalOrder(from root: GradNode) -> [GradNode] {
    var order: [GradNode] = []
    var visited: Set<ObjectIdentifier> = []
    // Iterative DFS: deep networks would overflow the stack with recursion.
    var stack: [(GradNode, Int)] = [(root, 0)]
    visited.insert(ObjectIdentifier(root))
    while let (node, next) = stack.popLast() {
        if next < node.inputs.count {
            stack.append((node, next + 1))
            if let child = node.inputs[next], visited.insert(ObjectIdentifier(child)).inserted {
                stack.append((child, 0))
            }
        } else {
            order.append(node)
        }
    }
    return order
}
