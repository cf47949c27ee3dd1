import Foundation

/// Elementwise arithmetic with NumPy broadcasting, as `keras.ops.add`/`multiply`/… and
/// TensorFlow's operators: `+ − * /`, `maximum`, `minimum` and `pow`, between tensors,
/// parameters and scalars. Each records its backward rule; a gradient that reaches an
/// operand repeated by broadcasting is summed back over the repeated axes.

/// The binary ops, each a pure function of two scalars.
enum BinaryOperation: Sendable {
    case add, subtract, multiply, divide, maximum, minimum, power

    var name: String {
        switch self {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        case .maximum: "maximum"
        case .minimum: "minimum"
        case .power: "pow"
        }
    }

    @inline(__always)
    func callAsFunction(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        // NaN propagates, as in TensorFlow.
        case .maximum: a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minimum: a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        case .power: powf(a, b)
        }
    }
}

/// `operation(lhs, rhs)` elementwise over their broadcast shape, without autograd.
func elementwise(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, op: String) throws -> Tensor {
    let shape = try broadcastShape(lhs.shape, rhs.shape, op: op)
    let result = Tensor(uninitializedShape: shape)
    let (a, b, c) = (lhs.pointer, rhs.pointer, result.pointer)
    if lhs.shape == rhs.shape {
        ThreadPool.shared.elementwise(result.count) { range in
            for i in range { c[i] = operation(a[i], b[i]) }
        }
    } else if rhs.count == 1 {
        let value = b[0]
        ThreadPool.shared.elementwise(result.count) { range in
            for i in range { c[i] = operation(a[i], value) }
        }
    } else if lhs.count == 1 {
        let value = a[0]
        ThreadPool.shared.elementwise(result.count) { range in
            for i in range { c[i] = operation(value, b[i]) }
        }
    } else {
        let strides = [broadcastStrides(lhs.shape, to: shape), broadcastStrides(rhs.shape, to: shape)]
        let inner = shape.last ?? 1
        let (sa, sb) = (strides[0].last ?? 0, strides[1].last ?? 0)
        forEachRow(of: shape, strides: strides) { row, offsets in
            let (x, y, z) = (a + offsets[0], b + offsets[1], c + row * inner)
            for j in 0..<inner { z[j] = operation(x[j * sa], y[j * sb]) }
        }
    }
    withExtendedLifetime((lhs, rhs)) {}
    return result
}

/// Records `operation` on `lhs` and `rhs`.
func binary(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
    var result = try elementwise(operation, lhs, rhs, op: operation.name)
    if let node = result.record(BinaryGradient.shared[operation], lhs, rhs) {
        node.saved = .operands(lhs: lhs.detached, rhs: rhs.detached)
    }
    return result
}

/// A scalar as a tensor of rank 0, for the scalar forms of the operators.
func scalarTensor(_ value: Float) -> Tensor { Tensor(shape: [], repeating: value) }

/// The backward rules of the binary ops. Inputs: lhs, rhs.
final class BinaryGradient: BackwardRule, Sendable {
    /// One shared rule per operation.
    struct Rules: Sendable {
        let add = BinaryGradient(.add), subtract = BinaryGradient(.subtract)
        let multiply = BinaryGradient(.multiply), divide = BinaryGradient(.divide)
        let maximum = BinaryGradient(.maximum), minimum = BinaryGradient(.minimum)
        let power = BinaryGradient(.power)

        subscript(_ operation: BinaryOperation) -> BinaryGradient {
            switch operation {
            case .add: add
            case .subtract: subtract
            case .multiply: multiply
            case .divide: divide
            case .maximum: maximum
            case .minimum: minimum
            case .power: power
            }
        }
    }

    static let shared = Rules()

    let operation: BinaryOperation

    private init(_ operation: BinaryOperation) { self.operation = operation }

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .operands(lhs, rhs) = node.saved else { throw SavedForBackward.mismatch(operation.name) }
        let (needsLeft, needsRight) = (node.needsGradient(0), node.needsGradient(1))
        // Gradients of the broadcast shape, from the chain rule per element.
        var left: Tensor?
        var right: Tensor?
        let g = gradient
        switch operation {
        case .add:
            (left, right) = (g, g)
        case .subtract:
            (left, right) = (g, needsRight ? -g : nil)
        case .multiply:
            left = needsLeft ? try elementwise(.multiply, g, rhs, op: "multiply") : nil
            right = needsRight ? try elementwise(.multiply, g, lhs, op: "multiply") : nil
        case .divide:
            left = needsLeft ? try elementwise(.divide, g, rhs, op: "divide") : nil
            if needsRight {
                // −g·a/b²
                let quotient = try elementwise(.divide, lhs, rhs, op: "divide")
                let scaled = try elementwise(.divide, try elementwise(.multiply, g, quotient, op: "divide"), rhs, op: "divide")
                right = -scaled
            }
        case .maximum, .minimum:
            // TensorFlow's rule: ties go to the left operand.
            let shape = g.shape
            let (l, r) = (Tensor(uninitializedShape: shape), Tensor(uninitializedShape: shape))
            let a = lhs.broadcast(to: shape), b = rhs.broadcast(to: shape)
            let takesMax = operation == .maximum
            for i in 0..<g.count {
                let left = takesMax ? a.pointer[i] >= b.pointer[i] : a.pointer[i] <= b.pointer[i]
                l.pointer[i] = left ? g.pointer[i] : 0
                r.pointer[i] = left ? 0 : g.pointer[i]
            }
            (left, right) = (l, r)
        case .power:
            let shape = g.shape
            let a = lhs.broadcast(to: shape), b = rhs.broadcast(to: shape)
            let (l, r) = (Tensor(uninitializedShape: shape), Tensor(uninitializedShape: shape))
            for i in 0..<g.count {
                let (x, y, dy) = (a.pointer[i], b.pointer[i], g.pointer[i])
                // d/dx x^y = y·x^(y−1); d/dy = x^y·log x, taken as 0 where x ≤ 0 (TensorFlow's choice).
                l.pointer[i] = dy * (y == 0 ? 0 : y * powf(x, y - 1))
                r.pointer[i] = x > 0 ? dy * powf(x, y) * logf(x) : 0
            }
            (left, right) = (l, r)
        }
        if needsLeft, let left { node.send(left.summed(toShape: lhs.shape), toInput: 0) }
        if needsRight, let right { node.send(right.summed(toShape: rhs.shape), toInput: 1) }
    }
}

/// The elementwise sum, broadcasting (ResNet's `y + residual`).
public func + (lhs: some TensorOperand, rhs: some TensorOperand) throws -> Tensor {
    let (a, b) = (lhs.operand, rhs.operand)
    let result = try binary(.add, a, b)
    GraphTrace.current?.record(.add, [a, b], result)
    return result
}
/// The elementwise difference, broadcasting.
public func - (lhs: some TensorOperand, rhs: some TensorOperand) throws -> Tensor {
    try binary(.subtract, lhs.operand, rhs.operand)
}
/// The elementwise product, broadcasting (`x * gamma` scales channels).
public func * (lhs: some TensorOperand, rhs: some TensorOperand) throws -> Tensor {
    try binary(.multiply, lhs.operand, rhs.operand)
}
/// The elementwise quotient, broadcasting.
public func / (lhs: some TensorOperand, rhs: some TensorOperand) throws -> Tensor {
    try binary(.divide, lhs.operand, rhs.operand)
}

/// `lhs + rhs` for every element.
public func + (lhs: some TensorOperand, rhs: Float) throws -> Tensor { try binary(.add, lhs.operand, scalarTensor(rhs)) }
/// `lhs + rhs` for every element.
public func + (lhs: Float, rhs: some TensorOperand) throws -> Tensor { try binary(.add, scalarTensor(lhs), rhs.operand) }
/// `lhs − rhs` for every element.
public func - (lhs: some TensorOperand, rhs: Float) throws -> Tensor { try binary(.subtract, lhs.operand, scalarTensor(rhs)) }
/// `lhs − rhs` for every element.
public func - (lhs: Float, rhs: some TensorOperand) throws -> Tensor { try binary(.subtract, scalarTensor(lhs), rhs.operand) }
/// `lhs · rhs` for every element.
public func * (lhs: some TensorOperand, rhs: Float) throws -> Tensor { try binary(.multiply, lhs.operand, scalarTensor(rhs)) }
/// `lhs · rhs` for every element.
public func * (lhs: Float, rhs: some TensorOperand) throws -> Tensor { try binary(.multiply, scalarTensor(lhs), rhs.operand) }
/// `lhs / rhs` for every element.
public func / (lhs: some TensorOperand, rhs: Float) throws -> Tensor { try binary(.divide, lhs.operand, scalarTensor(rhs)) }
/// `lhs / rhs` for every element.
public func / (lhs: Float, rhs: some TensorOperand) throws -> Tensor { try binary(.divide, scalarTensor(lhs), rhs.operand) }

/// The elementwise larger of two tensors, broadcasting; NaN wins, and a tie sends the
/// gradient to `lhs`, as TensorFlow's `maximum`.
public func maximum(_ lhs: some TensorOperand, _ rhs: some TensorOperand) throws -> Tensor {
    try binary(.maximum, lhs.operand, rhs.operand)
}
/// The elementwise larger of a tensor and a scalar.
public func maximum(_ lhs: some TensorOperand, _ rhs: Float) throws -> Tensor {
    try binary(.maximum, lhs.operand, scalarTensor(rhs))
}
/// The elementwise smaller of two tensors, broadcasting; a tie sends the gradient to `lhs`.
public func minimum(_ lhs: some TensorOperand, _ rhs: some TensorOperand) throws -> Tensor {
    try binary(.minimum, lhs.operand, rhs.operand)
}
/// The elementwise smaller of a tensor and a scalar.
public func minimum(_ lhs: some TensorOperand, _ rhs: Float) throws -> Tensor {
    try binary(.minimum, lhs.operand, scalarTensor(rhs))
}
/// `base` raised to `exponent` elementwise, broadcasting, as `keras.ops.power`.
public func pow(_ base: some TensorOperand, _ exponent: some TensorOperand) throws -> Tensor {
    try binary(.power, base.operand, exponent.operand)
}
