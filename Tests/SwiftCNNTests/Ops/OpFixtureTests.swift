import Foundation
import SwiftCNN
import Testing

/// Every public differentiable op against TensorFlow (`Tools/make_op_fixtures.py`): the
/// forward within 1e-5 and the gradients of L = Σ sum(output · R) within 1e-4, both as
/// |a − b| ≤ tol · (1 + |b|). The op runs inside a `GradientTape` on watched inputs, as a
/// user would write it.
@Suite struct OpsFixtureTests {
    static let forwardTolerance = 1e-5
    static let gradientTolerance = 1e-4

    /// The ops of the public API; each must have a fixture file.
    static let expectedOps = [
        "add", "subtract", "multiply", "divide", "maximum", "minimum", "pow",
        "addFloat", "subtractFloat", "multiplyFloat", "divideFloat", "maximumFloat", "minimumFloat", "negate",
        "exp", "log", "sqrt", "square", "abs", "clip", "powFloat",
        "relu", "sigmoid", "tanh", "softmax", "logSoftmax",
        "sum", "mean", "max", "min", "argmax", "matmul",
        "reshape", "transpose", "slice", "gather", "concatenate", "stack", "pad",
        "conv2d", "maxPool2d", "avgPool2d", "batchNormalization", "moments",
    ]

    static let cases: [OpCase] = OpCase.ops.flatMap(OpCase.load)

    @Test func everyOpHasFixtures() {
        let present = Set(OpCase.ops)
        for op in Self.expectedOps { #expect(present.contains(op), "no Fixtures/ops/\(op).json") }
        #expect(Self.cases.count > 200, "only \(Self.cases.count) fixture cases loaded")
    }

    @Test(arguments: cases) func matchesTensorFlow(_ c: OpCase) throws {
        if let error = c.loadError {
            Issue.record("\(c.name): \(error)")
            return
        }
        // Forward outside any tape (nothing recorded).
        let plain = try apply(c, c.inputs)
        for (key, expected) in c.outputs.sorted(by: { $0.key < $1.key }) {
            guard let actual = plain[key] else {
                Issue.record("\(c.name): no output '\(key)'")
                continue
            }
            if let problem = closeness(actual, expected, tolerance: Self.forwardTolerance, label: "\(c.name) forward \(key)") {
                Issue.record("\(c.name) forward \(key): \(problem)")
            }
        }
        let names = c.order.filter { c.grads[$0] != nil }
        guard !names.isEmpty else { return }

        // Forward and gradients inside a tape, on watched inputs.
        let tape = GradientTape()
        var watched = c.inputs
        var recorded: [String: Tensor] = [:]
        let loss = try tape.record { () throws -> Tensor in
            for name in names { watched[name] = tape.watch(c.inputs[name]!) }
            recorded = try apply(c, watched)
            var total: Tensor?
            for key in c.outputs.keys.sorted() {
                guard let output = recorded[key], let r = c.upstream[key] else {
                    throw OpFixtureError("\(c.name): no output or upstream '\(key)'")
                }
                let term = try sum(output * r, axes: nil, keepDims: false)
                total = try total.map { try $0 + term } ?? term
            }
            return total!
        }
        for (key, expected) in c.outputs.sorted(by: { $0.key < $1.key }) {
            if let actual = recorded[key],
                let problem = closeness(actual, expected, tolerance: Self.forwardTolerance, label: "\(c.name) forward \(key) (taped)")
            {
                Issue.record("\(c.name) forward \(key) (taped): \(problem)")
            }
        }
        // L itself, from the reference outputs (a check of sum and multiply on the way).
        let expectedLoss = c.outputs.keys.reduce(0.0) { $0 + dot(c.outputs[$1]!, c.upstream[$1]!) }
        #expect(
            abs(Double(loss.scalar) - expectedLoss) <= 1e-4 * (1 + abs(expectedLoss)),
            "\(c.name): L = \(loss.scalar), expected \(expectedLoss)")

        let gradients = try tape.gradient(loss, names.map { watched[$0]! })
        #expect(gradients.count == names.count, "\(c.name): \(gradients.count) gradients for \(names.count) inputs")
        for (name, gradient) in zip(names, gradients) {
            guard let gradient else {
                Issue.record("\(c.name) d\(name): nil (unconnected), TensorFlow has one")
                continue
            }
            if let problem = closeness(gradient, c.grads[name]!, tolerance: Self.gradientTolerance, label: "\(c.name) d\(name)") {
                Issue.record("\(c.name) gradient d\(name): \(problem)")
            }
        }
    }

    /// The binary cases again with both operands as `Parameter`s (`TensorOperand`), their
    /// gradients taken through `gradient(_:_: [Parameter])`.
    static let parameterCases = cases.filter {
        ["add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "matmul"].contains($0.op)
    }

    @Test(arguments: parameterCases) func parametersAsOperands(_ c: OpCase) throws {
        let a = Parameter(name: "a", value: c.inputs["a"]!), b = Parameter(name: "b", value: c.inputs["b"]!)
        let ops: [String: (Parameter, Parameter) throws -> Tensor] = [
            "add": { try $0 + $1 }, "subtract": { try $0 - $1 }, "multiply": { try $0 * $1 }, "divide": { try $0 / $1 },
            "maximum": { try maximum($0, $1) }, "minimum": { try minimum($0, $1) }, "pow": { try pow($0, $1) },
            "matmul": { try matmul($0, $1) },
        ]
        let tape = GradientTape()
        var output: Tensor?
        let loss = try tape.record { () throws -> Tensor in
            let y = try ops[c.op]!(a, b)
            output = y
            return try sum(y * c.upstream["output"]!, axes: nil, keepDims: false)
        }
        if let output, let problem = closeness(output, c.outputs["output"]!, tolerance: Self.forwardTolerance, label: "\(c.name) (Parameters) forward") {
            Issue.record("\(c.name) (Parameters) forward: \(problem)")
        }
        let grads = try tape.gradient(loss, [a, b])
        for (name, gradient) in zip(["a", "b"], grads) {
            guard let gradient else {
                Issue.record("\(c.name) (Parameters) d\(name): nil")
                continue
            }
            if let problem = closeness(gradient, c.grads[name]!, tolerance: Self.gradientTolerance, label: "\(c.name) (Parameters) d\(name)") {
                Issue.record("\(c.name) (Parameters) gradient d\(name): \(problem)")
            }
        }
    }

    /// Runs the case's op on `x` (the inputs by name) with the case's arguments.
    func apply(_ c: OpCase, _ x: [String: Tensor]) throws -> [String: Tensor] {
        func input(_ name: String) throws -> Tensor {
            guard let t = x[name] else { throw OpFixtureError("\(c.name): no input '\(name)'") }
            return t
        }
        let single: Tensor
        switch c.op {
        case "add": single = try input("a") + input("b")
        case "subtract": single = try input("a") - input("b")
        case "multiply": single = try input("a") * input("b")
        case "divide": single = try input("a") / input("b")
        case "maximum": single = try maximum(input("a"), input("b"))
        case "minimum": single = try minimum(input("a"), input("b"))
        case "pow": single = try pow(input("a"), input("b"))
        case "addFloat", "subtractFloat", "multiplyFloat", "divideFloat":
            let s = try c.float("scalar")
            let t = try input("x")
            let left = try c.string("side") == "left"
            switch (c.op, left) {
            case ("addFloat", false): single = try t + s
            case ("addFloat", true): single = try s + t
            case ("subtractFloat", false): single = try t - s
            case ("subtractFloat", true): single = try s - t
            case ("multiplyFloat", false): single = try t * s
            case ("multiplyFloat", true): single = try s * t
            case ("divideFloat", false): single = try t / s
            default: single = try s / t
            }
        case "maximumFloat": single = try maximum(input("x"), c.float("scalar"))
        case "minimumFloat": single = try minimum(input("x"), c.float("scalar"))
        case "negate": single = -(try input("x"))
        case "exp": single = try exp(input("x"))
        case "log": single = try log(input("x"))
        case "sqrt": single = try sqrt(input("x"))
        case "square": single = try square(input("x"))
        case "abs": single = try abs(input("x"))
        case "clip": single = try clip(input("x"), min: c.float("min"), max: c.float("max"))
        case "powFloat": single = try pow(input("x"), c.float("exponent"))
        case "relu": single = try relu(input("x"))
        case "sigmoid": single = try sigmoid(input("x"))
        case "tanh": single = try tanh(input("x"))
        case "softmax": single = try softmax(input("x"), axis: c.int("axis"))
        case "logSoftmax": single = try logSoftmax(input("x"), axis: c.int("axis"))
        case "sum": single = try sum(input("x"), axes: c.optionalInts("axes"), keepDims: c.bool("keepDims"))
        case "mean": single = try mean(input("x"), axes: c.optionalInts("axes"), keepDims: c.bool("keepDims"))
        case "max": single = try max(input("x"), axes: c.optionalInts("axes"), keepDims: c.bool("keepDims"))
        case "min": single = try min(input("x"), axes: c.optionalInts("axes"), keepDims: c.bool("keepDims"))
        case "argmax": single = try argmax(input("x"), axis: c.int("axis"))
        case "matmul": single = try matmul(input("a"), input("b"))
        case "reshape": single = try input("x").reshaped(c.ints("shape"))
        case "transpose":
            if let permutation = c.optionalInts("permutation") {
                single = try input("x").transposed(permutation: permutation)
            } else {
                single = try input("x").transposed()
            }
        case "slice": single = try input("x").slice(begin: c.ints("begin"), size: c.ints("size"))
        case "gather": single = try gather(input("x"), indices: c.ints("indices"), axis: c.int("axis"))
        case "concatenate": single = try concatenate(c.order.map(input), axis: c.int("axis"))
        case "stack": single = try stack(c.order.map(input), axis: c.int("axis"))
        case "pad":
            guard let pairs = c.args["paddings"] as? [[Int]] else { throw OpFixtureError("\(c.name): no paddings") }
            single = try pad(input("x"), pairs.map { ($0[0], $0[1]) }, value: c.float("value"))
        case "conv2d":
            let bias = x["bias"]
            if let bias {
                single = try conv2d(input("x"), input("kernel"), bias: bias, strides: c.size2D("strides"), padding: c.padding())
            } else {
                single = try conv2d(input("x"), input("kernel"), strides: c.size2D("strides"), padding: c.padding())
            }
        case "maxPool2d":
            single = try maxPool2d(input("x"), poolSize: c.size2D("poolSize"), strides: c.size2D("strides"), padding: c.padding())
        case "avgPool2d":
            single = try avgPool2d(input("x"), poolSize: c.size2D("poolSize"), strides: c.size2D("strides"), padding: c.padding())
        case "batchNormalization":
            single = try batchNormalization(
                input("x"), mean: input("mean"), variance: input("variance"), offset: x["offset"],
                scale: x["scale"], epsilon: c.float("epsilon"))
        case "moments":
            let (mean, variance) = try moments(input("x"), axes: c.ints("axes"), keepDims: c.args["keepDims"] as? Bool ?? false)
            return ["mean": mean, "variance": variance]
        default:
            throw OpFixtureError("\(c.name): no Swift op for '\(c.op)'")
        }
        return ["output": single]
    }
}
