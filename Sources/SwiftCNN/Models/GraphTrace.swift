// The dataflow graph of one forward pass, recorded for export (ONNX): which layer or
// tensor op made each tensor from which others. A model with its own `call` (the
// course's subclassed models) has no graph to read, so the exporter runs it once with a
// trace active and reads the graph off the run.
//
// Only the outermost layers without children are recorded ("leaf" layers: Conv2D,
// Dense, …), plus the tensor ops that composite layers use between them (`+`, `add`,
// `concatenate`). Everything a leaf does inside is not recorded. A composite layer that
// makes its output some other way leaves a tensor the trace never saw, which it reports.

/// A recorded forward pass. Used by one task at a time (the one that set `current`).
final class GraphTrace: @unchecked Sendable {
    /// The trace of the forward pass running on this task, if any.
    @TaskLocal static var current: GraphTrace?

    /// What made a value.
    enum Operation {
        case input
        case layer(Layer)
        case add
        case concatenate
    }

    /// One recorded step: `operation` applied to the values `inputs` gave value `output`.
    struct Node {
        let operation: Operation
        let inputs: [Int]
        let output: Int
    }

    /// Every value's shape (batch axis included), by value number.
    private(set) var shapes: [[Int]] = []
    private(set) var nodes: [Node] = []
    /// Holds every traced tensor so no storage is freed and its identity reused mid-trace.
    private var tensors: [Tensor] = []
    private var numbers: [Key: Int] = [:]
    private var leafDepth = 0
    /// The first problem met (a composite layer whose output the trace cannot explain).
    private(set) var problem: String?

    private struct Key: Hashable {
        let storage: ObjectIdentifier
        let shape: [Int]
    }

    /// Starts a trace whose value 0 is `input`.
    init(input: Tensor) {
        _ = define(input, by: .input, from: [])
    }

    /// The value number of `tensor`, if the trace has seen it.
    func number(of tensor: Tensor) -> Int? {
        numbers[Key(storage: ObjectIdentifier(tensor.storage), shape: tensor.shape)]
    }

    /// Runs `layer`'s computation `body` on `input` and records it.
    func recording(_ layer: Layer, _ input: Tensor, _ body: () throws -> Tensor) throws -> Tensor {
        if leafDepth > 0 { return try body() }
        guard layer.children.isEmpty else {
            let output = try body()
            if number(of: output) == nil, problem == nil {
                problem =
                    "\(layer.displayName) computes its output with an operation the export cannot follow (only layers, +, add and concatenate are traced)"
            }
            return output
        }
        leafDepth += 1
        let output: Tensor
        do {
            output = try body()
        } catch {
            leafDepth -= 1
            throw error
        }
        leafDepth -= 1
        record(.layer(layer), [input], output)
        return output
    }

    /// Records a tensor op called between layers.
    func record(_ operation: Operation, _ inputs: [Tensor], _ output: Tensor) {
        guard leafDepth == 0 else { return }
        var sources: [Int] = []
        for input in inputs {
            guard let source = number(of: input) else {
                if problem == nil {
                    problem = "an input of \(operation) was made by an operation the export cannot follow"
                }
                return
            }
            sources.append(source)
        }
        _ = define(output, by: operation, from: sources)
    }

    private func define(_ tensor: Tensor, by operation: Operation, from inputs: [Int]) -> Int {
        let number = shapes.count
        shapes.append(tensor.shape)
        tensors.append(tensor)
        numbers[Key(storage: ObjectIdentifier(tensor.storage), shape: tensor.shape)] = number
        nodes.append(Node(operation: operation, inputs: inputs, output: number))
        return number
    }
}
