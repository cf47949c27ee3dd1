import Foundation

/// Elementwise math as `keras.ops`: `exp`, `log`, `sqrt`, `square`, `abs`, `pow` by a
/// constant, `clip` and negation, each with its backward rule.

/// Applies `f` to every element of `input` into a new tensor, split over the pool.
func map(_ input: Tensor, _ f: (Float) -> Float) -> Tensor {
    let result = Tensor(uninitializedShape: input.shape)
    let (x, y) = (input.pointer, result.pointer)
    ThreadPool.shared.elementwise(input.count) { range in
        for i in range { y[i] = f(x[i]) }
    }
    withExtendedLifetime(input) {}
    return result
}

/// `dy · f(x, y)` per element, the chain rule of a unary op from its input and output.
func chain(_ gradient: Tensor, _ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    let result = Tensor(uninitializedShape: gradient.shape)
    let (g, a, d) = (gradient.pointer, x.pointer, result.pointer)
    ThreadPool.shared.elementwise(gradient.count) { range in
        for i in range { d[i] = g[i] * f(a[i]) }
    }
    withExtendedLifetime((gradient, x)) {}
    return result
}

/// The unary ops whose rule needs one saved tensor.
enum UnaryOperation: Sendable {
    case negate, exp, log, sqrt, square, abs, power, clip
}

/// The backward rules of the unary ops. Inputs: the operand.
final class UnaryGradient: BackwardRule, Sendable {
    static let negate = UnaryGradient(.negate), exp = UnaryGradient(.exp), log = UnaryGradient(.log)
    static let sqrt = UnaryGradient(.sqrt), square = UnaryGradient(.square), abs = UnaryGradient(.abs)
    static let power = UnaryGradient(.power), clip = UnaryGradient(.clip)

    let operation: UnaryOperation

    private init(_ operation: UnaryOperation) { self.operation = operation }

    func backward(_ node: GradNode, _ g: Tensor) throws {
        let dx: Tensor
        switch (operation, node.saved) {
        case (.negate, _): dx = map(g) { -$0 }
        case (.exp, .output(let y)): dx = chain(g, y) { $0 }
        case (.log, .input(let x)): dx = chain(g, x) { 1 / $0 }
        case (.sqrt, .output(let y)): dx = chain(g, y) { 0.5 / $0 }
        case (.square, .input(let x)): dx = chain(g, x) { 2 * $0 }
        case (.abs, .input(let x)): dx = chain(g, x) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case (.power, .inputAndScalar(let x, let p)): dx = chain(g, x) { p == 0 ? 0 : p * powf($0, p - 1) }
        case (.clip, .clip(let x, let lower, let upper)): dx = chain(g, x) { $0 < lower || $0 > upper ? 0 : 1 }
        default: throw SavedForBackward.mismatch("\(operation)")
        }
        node.send(dx, toInput: 0)
    }
}

/// Records a unary op's output with `rule` and what it saves.
private func unary(_ input: Tensor, _ rule: UnaryGradient, _ f: (Float) -> Float, saving: (Tensor) -> SavedForBackward) -> Tensor {
    var y = map(input, f)
    if let node = y.record(rule, input) { node.saved = saving(y.detached) }
    return y
}

/// The negation of every element.
public prefix func - (x: Tensor) -> Tensor { unary(x, .negate, { -$0 }) { _ in .nothing } }
/// The negation of every element of a parameter's value.
public prefix func - (x: Parameter) -> Tensor { -x.operand }
/// e to the power of every element.
public func exp(_ x: some TensorOperand) -> Tensor { unary(x.operand, .exp, { expf($0) }) { .output($0) } }
/// The natural logarithm of every element (−inf at 0, NaN below).
public func log(_ x: some TensorOperand) -> Tensor {
    let input = x.operand
    return unary(input, .log, { logf($0) }) { _ in .input(input.detached) }
}
/// The square root of every element.
public func sqrt(_ x: some TensorOperand) -> Tensor { unary(x.operand, .sqrt, { $0.squareRoot() }) { .output($0) } }
/// Every element squared.
public func square(_ x: some TensorOperand) -> Tensor {
    let input = x.operand
    return unary(input, .square, { $0 * $0 }) { _ in .input(input.detached) }
}
/// The absolute value of every element (gradient 0 at 0, as TensorFlow's sign).
public func abs(_ x: some TensorOperand) -> Tensor {
    let input = x.operand
    return unary(input, .abs, { Swift.abs($0) }) { _ in .input(input.detached) }
}
/// Every element raised to the constant `exponent`.
public func pow(_ x: some TensorOperand, _ exponent: Float) -> Tensor {
    let input = x.operand
    return unary(input, .power, { powf($0, exponent) }) { _ in .inputAndScalar(input.detached, exponent) }
}
/// Every element limited to `[min, max]`, as `keras.ops.clip`; the gradient passes where
/// the value was inside the bounds (bounds included), as `tf.clip_by_value`'s.
public func clip(_ x: some TensorOperand, min lower: Float, max upper: Float) throws -> Tensor {
    guard lower <= upper else { throw SwiftCNNError("clip: min \(lower) is above max \(upper)") }
    let input = x.operand
    return unary(input, .clip, { Swift.min(Swift.max($0, lower), upper) }) { _ in
        .clip(input: input.detached, lower: lower, upper: upper)
    }
}
