// Keras's Functional API, first half: symbolic tensors (keras/src/backend/common/
// keras_tensor.py, keras/src/ops/node.py). `Input(shape:)` makes one; a layer called on
// one runs once on a zero batch of one, in inference mode, which infers the output shape
// and creates the layer's variables (as Keras builds a layer on its symbolic call), and
// returns a new symbolic tensor remembering the layer and the tensors it read.
// `Model(inputs:outputs:)` (FunctionalGraph.swift) turns that history into a graph.

/// A tensor of the Functional API: a shape without the batch axis, the layer call that
/// makes it and the tensors that call read (Keras's `KerasTensor` and its `Node`).
///
/// ```swift
/// let inputs = Input(shape: [32, 32, 3])
/// let x = try Conv2D(16, kernelSize: 3, padding: .same, activation: .relu)(inputs)
/// let y = try Add()([x, try Conv2D(16, kernelSize: 1)(x)])
/// let model = try Model(inputs: inputs, outputs: try Dense(10, activation: .softmax)(GlobalAveragePooling2D()(y)))
/// ```
public final class SymbolicTensor {
    /// The shape of one example (no batch axis).
    public let shape: [Int]
    /// The layer whose call makes this tensor (an `InputLayer` for `Input`).
    public let layer: Layer
    /// The tensors the call read, in argument order (none for an input).
    public let inboundTensors: [SymbolicTensor]
    /// Whether the call took a list (`Add()([a, b])`) rather than one tensor.
    let takesList: Bool
    /// Creation order, which orders a shared layer's calls (Keras's node indices).
    let serial: Int
    let scope: SymbolicScope

    init(shape: [Int], layer: Layer, inbound: [SymbolicTensor], takesList: Bool, scope: SymbolicScope) {
        self.shape = shape
        self.layer = layer
        self.inboundTensors = inbound
        self.takesList = takesList
        self.scope = scope
        self.serial = scope.nextSerial()
    }

    /// Whether `Input` made this tensor.
    public var isInput: Bool { layer is InputLayer }
}

/// The Functional API's input: a symbolic tensor of `shape` (without the batch axis),
/// as Keras's `keras.Input(shape=..., name=...)`.
public func Input(shape: [Int], name: String = "") -> SymbolicTensor {
    let layer = InputLayer(shape: shape)
    layer.name = name
    return SymbolicTensor(shape: shape, layer: layer, inbound: [], takesList: false, scope: SymbolicScope())
}

/// The layer of an `Input`: it holds the input's shape and passes its tensor on.
public final class InputLayer: Layer {
    /// The shape of one example (no batch axis).
    public let shape: [Int]

    /// An input of `shape` (without the batch axis).
    public init(shape: [Int]) {
        self.shape = shape
        super.init()
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard Array(input.shape.dropFirst()) == shape else {
            throw shapeError("expected input of shape \(kerasShape([0] + shape)), got \(kerasShape(input.shape))")
        }
        return input
    }
}

/// Counts the layer calls of one graph under construction, for creation order and for
/// the seeds of the layers it builds. Tensors of two inputs meeting in one call join
/// their scopes.
final class SymbolicScope {
    private var forward: SymbolicScope?
    private var serials = 0
    private var builtLayers: UInt64 = 0

    var root: SymbolicScope {
        var root = self
        while let next = root.forward { root = next }
        // Point the chain at the root, so it stays short however many inputs join.
        var scope = self
        while let next = scope.forward, next !== root {
            scope.forward = root
            scope = next
        }
        return root
    }

    func nextSerial() -> Int {
        let root = self.root
        defer { root.serials += 1 }
        return root.serials
    }

    /// The seed of the next layer this graph builds.
    func nextLayerSeed() -> UInt64 {
        let root = self.root
        defer { root.builtLayers += 1 }
        return root.builtLayers
    }

    /// One scope for all of `scopes`.
    static func joined(_ scopes: [SymbolicScope]) -> SymbolicScope {
        let root = scopes[0].root
        for scope in scopes.dropFirst() where scope.root !== root {
            let other = scope.root
            root.serials = max(root.serials, other.serials)
            root.builtLayers = max(root.builtLayers, other.builtLayers)
            other.forward = root
        }
        return root
    }
}

extension Layer {
    /// Calls the layer on a symbolic tensor (the Functional API): runs it once on a
    /// zero batch of one in inference mode, which builds its variables, and returns the
    /// symbolic output. A shape the layer cannot take throws, naming the layer.
    public func callAsFunction(_ input: SymbolicTensor) throws -> SymbolicTensor {
        try symbolicCall([input], takesList: false) { try self(Tensor.zeros([1] + $0[0].shape), training: false) }
    }

    /// Runs `body` on zero batches of `inputs`' shapes to make the symbolic output.
    func symbolicCall(
        _ inputs: [SymbolicTensor], takesList: Bool, _ body: ([SymbolicTensor]) throws -> Tensor
    ) throws -> SymbolicTensor {
        guard !(self is InputLayer) else {
            throw SwiftCNNError("\(displayName): an InputLayer cannot be called; use Input(shape:)")
        }
        guard !inputs.isEmpty else { throw SwiftCNNError("\(displayName): called on no tensors") }
        let scope = SymbolicScope.joined(inputs.map(\.scope))
        if !isPrepared {
            // Seed the variables by call order, and leave the name for the model to give
            // Keras-style (prepare names a layer, so keep it unnamed if it was).
            let wasNamed = !name.isEmpty
            prepare(seed: scope.nextLayerSeed())
            if !wasNamed { name = "" }
        }
        let output: Tensor
        do {
            output = try body(inputs)
        } catch {
            let shapes = inputs.map { kerasShape([0] + $0.shape) }.joined(separator: ", ")
            throw SwiftCNNError("\(displayName): cannot be called on \(shapes): \(error)")
        }
        guard output.shape.first == 1 else {
            throw SwiftCNNError("\(displayName): its output \(describe(output.shape)) lost the batch axis")
        }
        return SymbolicTensor(
            shape: Array(output.shape.dropFirst()), layer: self, inbound: inputs, takesList: takesList, scope: scope)
    }
}
