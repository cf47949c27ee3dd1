// Keras's Functional API, second half: the graph of a `Model(inputs:outputs:)`, ordered
// as Keras's `map_graph` (keras/src/ops/function.py) orders it, because that order is
// Keras's `model.layers`, which names each layer's group in `.weights.h5` files
// (`layers/conv2d_1`) and lists the layers of config.json.

/// The layer graph of a Functional model: its calls in an order that runs them, and its
/// layers in Keras's `model.layers` order.
final class FunctionalGraph {
    let inputs: [SymbolicTensor]
    let outputs: [SymbolicTensor]
    /// Every call (inputs included), each after the calls it reads.
    let nodes: [SymbolicTensor]
    /// Keras's `model.layers`: by decreasing depth, ties by first visit.
    let layers: [Layer]
    /// Each node's position in `nodes`.
    private let index: [ObjectIdentifier: Int]
    private let callsByLayer: [ObjectIdentifier: [SymbolicTensor]]
    private let nodeIndices: [ObjectIdentifier: Int]

    init(inputs: [SymbolicTensor], outputs: [SymbolicTensor], owner: String) throws {
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw SwiftCNNError("\(owner): a Functional model needs at least one input and one output")
        }
        for input in inputs where !input.isInput {
            throw SwiftCNNError(
                "\(owner): inputs must come from Input(shape:); \(input.layer.displayName)'s output is not one")
        }
        self.inputs = inputs
        self.outputs = outputs
        let declared = Set(inputs.map { ObjectIdentifier($0) })

        // _build_map: depth-first from each output; post-order is inputs → outputs, and
        // each layer remembers when it was first seen. With an explicit stack, as a
        // graph read from a file may be deeper than the call stack.
        var finished = Set<ObjectIdentifier>()
        var postOrder: [SymbolicTensor] = []
        var firstVisit: [ObjectIdentifier: Int] = [:]
        func enter(_ node: SymbolicTensor) throws -> Bool {
            guard finished.insert(ObjectIdentifier(node)).inserted else { return false }
            if node.isInput, !declared.contains(ObjectIdentifier(node)) {
                let name = node.layer.name.isEmpty ? "an Input" : "Input '\(node.layer.name)'"
                throw SwiftCNNError(
                    "\(owner): the outputs are not reachable from the inputs alone: they read \(name) of shape \(kerasShape([0] + node.shape)) that is not among the model's inputs"
                )
            }
            if firstVisit[ObjectIdentifier(node.layer)] == nil {
                firstVisit[ObjectIdentifier(node.layer)] = firstVisit.count
            }
            return true
        }
        for output in outputs {
            guard try enter(output) else { continue }
            var stack: [(node: SymbolicTensor, next: Int)] = [(output, 0)]
            while let (node, next) = stack.last {
                if next < node.inboundTensors.count {
                    stack[stack.count - 1].next += 1
                    let parent = node.inboundTensors[next]
                    if try enter(parent) { stack.append((parent, 0)) }
                } else {
                    postOrder.append(node)
                    stack.removeLast()
                }
            }
        }

        // Depths: a node is one deeper than the deepest node reading it; a shared
        // layer takes its deepest call's depth.
        var nodeDepth: [ObjectIdentifier: Int] = [:]
        var layerDepth: [ObjectIdentifier: Int] = [:]
        var layerOf: [ObjectIdentifier: Layer] = [:]
        for node in postOrder.reversed() {
            let key = ObjectIdentifier(node.layer)
            let depth = max(nodeDepth[ObjectIdentifier(node)] ?? 0, layerDepth[key] ?? 0)
            layerDepth[key] = depth
            layerOf[key] = node.layer
            nodeDepth[ObjectIdentifier(node)] = depth
            for parent in node.inboundTensors {
                nodeDepth[ObjectIdentifier(parent)] = max(depth + 1, nodeDepth[ObjectIdentifier(parent)] ?? 0)
            }
        }
        // An input no output reads is still one of the model's layers.
        for input in inputs where layerDepth[ObjectIdentifier(input.layer)] == nil {
            layerDepth[ObjectIdentifier(input.layer)] = 0
            layerOf[ObjectIdentifier(input.layer)] = input.layer
            firstVisit[ObjectIdentifier(input.layer)] = -1
            postOrder.insert(input, at: 0)
        }
        layers = layerDepth.keys.sorted {
            let (a, b) = (layerDepth[$0]!, layerDepth[$1]!)
            return a != b ? a > b : firstVisit[$0]! < firstVisit[$1]!
        }.map { layerOf[$0]! }
        nodes = postOrder
        index = Dictionary(uniqueKeysWithValues: postOrder.enumerated().map { (ObjectIdentifier($0.element), $0.offset) })
        var callsByLayer: [ObjectIdentifier: [SymbolicTensor]] = [:]
        for node in postOrder where !node.isInput { callsByLayer[ObjectIdentifier(node.layer), default: []].append(node) }
        var nodeIndices: [ObjectIdentifier: Int] = [:]
        for (key, calls) in callsByLayer {
            let ordered = calls.sorted { $0.serial < $1.serial }
            callsByLayer[key] = ordered
            for (i, call) in ordered.enumerated() { nodeIndices[ObjectIdentifier(call)] = i }
        }
        (self.callsByLayer, self.nodeIndices) = (callsByLayer, nodeIndices)

        var names: [String: Layer] = [:]
        for layer in layers where !layer.name.isEmpty {
            if let other = names[layer.name], other !== layer {
                throw SwiftCNNError("\(owner): the name '\(layer.name)' is used by two layers; layer names must be unique")
            }
            names[layer.name] = layer
        }
    }

    /// The calls of `layer` in this graph, in the order they were made (Keras's node
    /// indices within the model).
    func calls(of layer: Layer) -> [SymbolicTensor] { callsByLayer[ObjectIdentifier(layer)] ?? [] }

    /// Keras's node index of `tensor` in this model: which call of its layer made it (0
    /// for an input).
    func nodeIndex(of tensor: SymbolicTensor) -> Int { nodeIndices[ObjectIdentifier(tensor)] ?? 0 }

    /// Runs the graph on one tensor per input (batch axis first).
    func run(_ values: [Tensor], training: Bool) throws -> [Tensor] {
        guard values.count == inputs.count else {
            throw SwiftCNNError("Functional model: expected \(inputs.count) input tensors, got \(values.count)")
        }
        var results = [Tensor?](repeating: nil, count: nodes.count)
        for (input, value) in zip(inputs, values) {
            let layer = input.layer
            guard Array(value.shape.dropFirst()) == input.shape else {
                throw layer.shapeError("expected input of shape \(kerasShape([0] + input.shape)), got \(kerasShape(value.shape))")
            }
            layer.lastInputShape = value.shape
            layer.lastOutputShape = value.shape
            results[index[ObjectIdentifier(input)]!] = value
        }
        for (position, node) in nodes.enumerated() where !node.isInput {
            let arguments = node.inboundTensors.map { results[index[ObjectIdentifier($0)]!]! }
            if let merge = node.layer as? MergeLayer, node.takesList {
                results[position] = try merge(arguments)
            } else {
                results[position] = try node.layer(arguments[0], training: training)
            }
        }
        return outputs.map { results[index[ObjectIdentifier($0)]!]! }
    }
}

extension Model {
    /// Keras's Functional model: the graph from `inputs` to `outputs`, whose layers were
    /// called on symbolic tensors (see `Input(shape:name:)`). It runs its layers in
    /// topological order, trains, saves and exports as any model; a layer called twice
    /// shares its variables. Its layers are `layers/0`, `layers/1`, … in parameter paths,
    /// in Keras's `model.layers` order, inputs first.
    ///
    /// Throws when an output is not computed from these inputs alone or two layers share a
    /// name.
    public convenience init(inputs: SymbolicTensor, outputs: SymbolicTensor, name: String = "") throws {
        try self.init(inputs: [inputs], outputs: [outputs], name: name)
    }

    /// A Functional model of several inputs or outputs; run it with `model([a, b])`.
    /// `fit`, `evaluate` and `predict` take one input and one output.
    public convenience init(inputs: [SymbolicTensor], outputs: [SymbolicTensor], name: String = "") throws {
        self.init()
        self.name = name
        graph = try FunctionalGraph(inputs: inputs, outputs: outputs, owner: name.isEmpty ? "functional (Functional)" : "\(name) (Functional)")
        nameUnnamedLayers()
        if inputs.count == 1, outputs.count == 1 {
            // Built on construction, as in Keras: the symbolic calls made the variables.
            lastInputShape = [1] + inputs[0].shape
            lastOutputShape = [1] + outputs[0].shape
        }
        for input in inputs {
            input.layer.lastInputShape = [1] + input.shape
            input.layer.lastOutputShape = [1] + input.shape
        }
    }

    /// The Functional model's inputs (empty for other models).
    public var inputs: [SymbolicTensor] { graph?.inputs ?? [] }
    /// The Functional model's outputs (empty for other models).
    public var outputs: [SymbolicTensor] { graph?.outputs ?? [] }

    /// Runs a Functional model on one tensor per input and returns one per output.
    public func callAsFunction(_ inputs: [Tensor], training: Bool = false) throws -> [Tensor] {
        guard let graph else {
            guard inputs.count == 1 else {
                throw SwiftCNNError("\(displayName): takes one input tensor, got \(inputs.count)")
            }
            return [try self(inputs[0], training: training)]
        }
        if !isPrepared { prepare(seed: seed) }
        let outputs = try graph.run(inputs, training: training)
        if outputs.count == 1 { lastOutputShape = outputs[0].shape }
        return outputs
    }

    /// Gives every unnamed layer Keras's name now, as `prepare` would on the first call,
    /// so that errors, summaries and files name them before the model runs.
    private func nameUnnamedLayers() {
        var counters: [String: Int] = [:]
        for layer in [self] + descendants {
            if layer.name.isEmpty {
                let base = layer.defaultNameBase
                let n = counters[base, default: 0]
                layer.name = n == 0 ? base : "\(base)_\(n)"
            }
            counters[layer.defaultNameBase, default: 0] += 1
        }
    }
}
