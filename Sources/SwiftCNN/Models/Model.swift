/// A network: a `Sequential` stack, a subclass with its own `call`, as the course
/// subclasses `tf.keras.Model`, or a Functional graph, `Model(inputs:outputs:)`. All get
/// `compile`, `fit`, `evaluate`, `predict`, `summary` and checkpoints, all walking the
/// same parameter tree.
open class Model: Layer {
    /// Set by `compile`.
    public internal(set) var optimizer: Optimizer?
    /// Set by `compile`: the loss `fit` minimises and `evaluate` reports.
    public internal(set) var loss: Loss?
    /// Set by `compile`: the metrics logged with the loss.
    public internal(set) var metrics: [Metric] = []
    /// A callback may set this to end `fit` after the current epoch.
    public var stopTraining = false
    /// Seed for weight initialisation (applied when the model is first called) and for
    /// shuffling and dropout.
    public var seed: UInt64 = 0

    /// Recycles the tensors and autograd nodes of `trainStep`, `predict`, `evaluate` and
    /// `fit`, so their steady state allocates nothing (made on first use).
    lazy var arena = TensorArena()

    /// The fused Conv2D → BatchNormalization → ReLU chains of `predict` and `evaluate`, for
    /// the input shape they were traced with (see ``InferenceFusion``).
    var fusion: (shape: [Int], plan: InferenceFusion)?

    /// How many images `predict` and `evaluate` run at once (see ``InferenceChunks``).
    var chunks: InferenceChunks?

    /// The fusion plan for inputs shaped like `x` (batch axis first), traced on first use.
    func fusionPlan(for x: Tensor) -> InferenceFusion? {
        guard x.rank >= 2 else { return nil }
        if let fusion, fusion.shape.elementsEqual(x.shape.dropFirst()) { return fusion.plan }
        let shape = Array(x.shape.dropFirst())
        let plan = InferenceFusion(model: self, inputShape: shape)
        fusion = (shape, plan)
        return plan
    }

    /// The layer graph of a Functional model (`Model(inputs:outputs:)`); nil for
    /// `Sequential` and subclassed models.
    var graph: FunctionalGraph? { didSet { cachedDisplayName = nil } }

    /// A model with no layers of its own; subclasses add layers as stored properties.
    public override init() {}

    /// A model called on its own prepares its layers with its `seed`.
    open override var preparationSeed: UInt64 { seed }
    /// `Model`'s stored properties (optimizer, arena, caches) are not part of the tree.
    open override class var reflectionBase: AnyClass { Model.self }

    /// Keras's class name: `Functional` for a graph model.
    open override var typeName: String { graph == nil ? super.typeName : "Functional" }

    /// A Functional model's layers, `layers/0`, `layers/1`, … in Keras's `model.layers`
    /// order; other models' stored layers.
    open override var children: [(label: String, layer: Layer)] {
        guard let graph else { return super.children }
        return graph.layers.enumerated().map { ("layers/\($0.offset)", $0.element) }
    }

    /// A Functional model runs its graph; a subclass overrides this with its forward pass.
    open override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let graph else { return try super.call(input, training: training) }
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw SwiftCNNError(
                "\(displayName): has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; call it with model([tensors])")
        }
        return try graph.run([input], training: training)[0]
    }

    /// Builds every layer's variables by running one zero image of `inputShape`
    /// (without the batch axis) through the model in inference mode.
    public func build(inputShape: [Int]) throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw SwiftCNNError("\(displayName): input shape must be positive, got \(describe(inputShape))")
        }
        if !isPrepared { prepare(seed: seed) }
        _ = try self(Tensor.zeros([1] + inputShape), training: false)
    }

    /// Whether the model's variables exist (it has been called or built).
    public var isBuilt: Bool { lastOutputShape != nil }

    /// The trainable parameters, found by reflection once the model is built rather than
    /// on every training step.
    var trainingParameters: [Parameter] {
        if let cachedTrainingParameters { return cachedTrainingParameters }
        let found = trainableWeights
        if isBuilt { cachedTrainingParameters = found }
        return found
    }
    var cachedTrainingParameters: [Parameter]?
    /// Gradient buckets of data-parallel training, made on the first step under MPI.
    var gradientBuckets: GradientBuckets?
}

extension Layer {
    /// Every parameter of this layer and its descendants with its path
    /// (`c1/kernel`, `blocks/0/b1/moving_mean`), depth-first in declaration order.
    public var namedParameters: [(path: String, parameter: Parameter)] {
        var result: [(String, Parameter)] = parameters.map { ($0.name, $0) }
        for (label, child) in children {
            result += child.namedParameters.map { ("\(label)/\($0.path)", $0.parameter) }
        }
        return result
    }

    /// All parameters, trainable first then non-trainable, as Keras's `model.weights`.
    public var weights: [Parameter] { trainableWeights + nonTrainableWeights }
    /// The parameters optimizers update, as Keras's `trainable_weights`.
    public var trainableWeights: [Parameter] { namedParameters.map(\.parameter).filter(\.isTrainable) }
    /// The parameters optimizers leave alone (moving statistics), as Keras's
    /// `non_trainable_weights`.
    public var nonTrainableWeights: [Parameter] { namedParameters.map(\.parameter).filter { !$0.isTrainable } }

    /// tf-keras's variable names (`baseline/conv2d/kernel:0`) in `model.trainable_variables`
    /// order, for `weights.txt`. tf-keras builds a `Sequential`'s layers in a fresh name
    /// scope, so a variable under a `Sequential` drops every scope above and including it
    /// (`res_net18/sequential/resnet_block/conv2d_1` is named `resnet_block/conv2d_1/kernel:0`).
    /// A Functional model's layers are built when called on symbolic tensors, outside any
    /// model's scope, so their names carry no model prefix either (`conv2d/kernel:0`).
    public var kerasVariableNames: [(name: String, parameter: Parameter)] {
        kerasNames().map { ($0.name, $0.parameter) }
    }

    private func kerasNames() -> [(name: String, parameter: Parameter, sealed: Bool)] {
        var result = parameters.map { ("\(name)/\($0.name):0", $0, false) }
        for (_, child) in children {
            for entry in child.kerasNames() {
                result.append(entry.sealed || self is Sequential || (self as? Model)?.graph != nil ? (entry.name, entry.parameter, true) : ("\(name)/\(entry.name)", entry.parameter, false))
            }
        }
        return result
    }
}
