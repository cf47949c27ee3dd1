/// Reductions as `keras.ops.sum`/`mean`/`max`/`min`/`argmax`: over all axes (`axes: nil`)
/// or some, dropping them or keeping them as size 1 (`keepDims`).

enum ReductionOperation: Sendable {
    case sum, mean, max, min

    var name: String {
        switch self {
        case .sum: "sum"
        case .mean: "mean"
        case .max: "max"
        case .min: "min"
        }
    }
}

/// The sum of the elements along `axes` (all when nil).
public func sum(_ x: some TensorOperand, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    try reduce(.sum, x.operand, axes: axes, keepDims: keepDims)
}
/// The mean of the elements along `axes` (all when nil).
public func mean(_ x: some TensorOperand, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    try reduce(.mean, x.operand, axes: axes, keepDims: keepDims)
}
/// The largest element along `axes`; the gradient is shared equally among ties, as
/// `tf.reduce_max`'s.
public func max(_ x: some TensorOperand, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    try reduce(.max, x.operand, axes: axes, keepDims: keepDims)
}
/// The smallest element along `axes`; ties share the gradient.
public func min(_ x: some TensorOperand, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    try reduce(.min, x.operand, axes: axes, keepDims: keepDims)
}

/// The index of the largest element along `axis` (the first of ties), as Floats, with the
/// axis removed. Not differentiable: the result carries no gradient.
public func argmax(_ x: some TensorOperand, axis: Int = -1) throws -> Tensor {
    let input = x.operand.detached
    let resolved = try normalizedAxis(axis, rank: input.rank, op: "argmax")
    let (outer, n, inner) = extents(input.shape, around: resolved)
    guard n > 0 else { throw SwiftCNNError("argmax: axis \(axis) of shape \(describe(input.shape)) is empty") }
    var shape = input.shape
    shape.remove(at: resolved)
    let result = Tensor(uninitializedShape: shape)
    for line in 0..<(outer * inner) {
        let base = (line / inner) * n * inner + line % inner
        var best = 0
        for j in 1..<n where input.pointer[base + j * inner] > input.pointer[base + best * inner] { best = j }
        result.pointer[line] = Float(best)
    }
    return result
}

/// The shape with `axes` set to 1 (kept) or removed.
private func reducedShape(_ shape: [Int], _ axes: [Int], keepDims: Bool) -> [Int] {
    var result: [Int] = []
    for (axis, size) in shape.enumerated() {
        if axes.contains(axis) {
            if keepDims { result.append(1) }
        } else {
            result.append(size)
        }
    }
    return result
}

/// Reduces `input` over `axes` into the kept-dims shape, without autograd.
private func reduceKeepingDims(_ operation: ReductionOperation, _ input: Tensor, _ axes: [Int]) -> Tensor {
    let kept = reducedShape(input.shape, axes, keepDims: true)
    let count = input.count
    let outputCount = kept.reduce(1, *)
    var accumulators = [Double](repeating: 0, count: outputCount)
    var extremes = [Float](repeating: operation == .max ? -.infinity : .infinity, count: outputCount)
    let strides = broadcastStrides(kept, to: input.shape)
    let inner = input.shape.last ?? 1
    let innerStride = strides.last ?? 0
    let outer = Array(input.shape.dropLast())
    var index = [Int](repeating: 0, count: outer.count)
    let x = input.pointer
    if count > 0 {
        for row in 0..<(count / inner) {
            var offset = 0
            for axis in 0..<outer.count { offset += index[axis] * strides[axis] }
            let from = x + row * inner
            for j in 0..<inner {
                let at = offset + j * innerStride
                switch operation {
                case .sum, .mean: accumulators[at] += Double(from[j])
                case .max: extremes[at] = from[j].isNaN || extremes[at].isNaN ? .nan : Swift.max(extremes[at], from[j])
                case .min: extremes[at] = from[j].isNaN || extremes[at].isNaN ? .nan : Swift.min(extremes[at], from[j])
                }
            }
            var axis = outer.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outer[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }
    let result = Tensor(uninitializedShape: kept)
    let reducedCount = Double(outputCount == 0 ? 0 : count / Swift.max(outputCount, 1))
    for i in 0..<outputCount {
        switch operation {
        case .sum: result.pointer[i] = Float(accumulators[i])
        case .mean: result.pointer[i] = reducedCount > 0 ? Float(accumulators[i] / reducedCount) : .nan
        case .max, .min: result.pointer[i] = extremes[i]
        }
    }
    return result
}

func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]?, keepDims: Bool) throws -> Tensor {
    let resolved = try normalizedAxes(axes, rank: input.rank, op: operation.name)
    if operation == .max || operation == .min, input.count == 0 {
        throw SwiftCNNError("\(operation.name): cannot reduce an empty tensor of shape \(describe(input.shape))")
    }
    let kept = reduceKeepingDims(operation, input, resolved)
    var result = keepDims ? kept : Tensor(shape: reducedShape(input.shape, resolved, keepDims: false), storage: kept.storage)
    if let node = result.record(ReductionGradient.shared(operation), input) {
        node.saved = .reduction(input: input.detached, output: kept, axes: resolved)
    }
    return result
}

/// The reductions' backward rules. Inputs: the reduced tensor.
final class ReductionGradient: BackwardRule, Sendable {
    private static let sum = ReductionGradient(.sum), mean = ReductionGradient(.mean)
    private static let max = ReductionGradient(.max), min = ReductionGradient(.min)

    static func shared(_ operation: ReductionOperation) -> ReductionGradient {
        switch operation {
        case .sum: sum
        case .mean: mean
        case .max: max
        case .min: min
        }
    }

    let operation: ReductionOperation

    private init(_ operation: ReductionOperation) { self.operation = operation }

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .reduction(input, output, axes) = node.saved else { throw SavedForBackward.mismatch(operation.name) }
        // The gradient in the kept-dims shape, repeated over the reduced axes.
        let g = try gradient.detached.reshaped(output.shape).broadcast(to: input.shape)
        switch operation {
        case .sum:
            node.send(g, toInput: 0)
        case .mean:
            let share = Float(output.count) / Float(Swift.max(input.count, 1))
            node.send(map(g) { $0 * share }, toInput: 0)
        case .max, .min:
            let extremes = output.broadcast(to: input.shape)
            let indicator = Tensor(uninitializedShape: input.shape)
            for i in 0..<input.count { indicator.pointer[i] = input.pointer[i] == extremes.pointer[i] ? 1 : 0 }
            let counts = reduceKeepingDims(.sum, indicator, axes).broadcast(to: input.shape)
            let dx = Tensor(uninitializedShape: input.shape)
            for i in 0..<input.count { dx.pointer[i] = g.pointer[i] * indicator.pointer[i] / counts.pointer[i] }
            node.send(dx, toInput: 0)
        }
    }
}
