import Foundation

/// The base of every layer and model. A subclass overrides `call(_:training:)`; users call
/// the layer itself: `try conv(x, training: true)`.
///
/// Layers are classes, as in Keras and PyTorch: a layer owns variables that are created on
/// its first call and updated in place by training, and one layer object may be shared.
/// Children and parameters are found by reflection over stored properties, so a model's
/// property names (`c1`, `b1`, `blocks`) become the path names of its parameters.
open class Layer {
    /// Keras's unique layer name (`conv2d`, `conv2d_1`, …), assigned when the outermost
    /// model is first called; set it yourself before then to choose another.
    public var name: String = "" { didSet { cachedDisplayName = nil } }
    /// Shape of the last output, batch axis included.
    public internal(set) var lastOutputShape: [Int]?
    /// Shape of the last input, batch axis included.
    public internal(set) var lastInputShape: [Int]?
    /// Seed for this layer's initialisers and dropout masks, derived from the model's seed.
    var random = RandomGenerator(seed: 0)
    var isPrepared = false
    /// Variables made by `addWeight`, in creation order, so they are found even when no
    /// stored property holds them.
    private var addedWeights: [Parameter] = []

    /// A layer with no name yet (named Keras-style on the first call of its outermost
    /// model).
    public init() {}

    /// The layer's computation. Subclasses override this; callers use `callAsFunction`.
    open func call(_ input: Tensor, training: Bool) throws -> Tensor {
        throw SwiftCNNError("\(displayName): \(type(of: self)) does not override call(_:training:)")
    }

    /// Runs the layer. `training` selects batch statistics and dropout, and records the
    /// ops for a backward pass.
    public func callAsFunction(_ input: Tensor, training: Bool = false) throws -> Tensor {
        if !isPrepared { prepare(seed: preparationSeed) }
        lastInputShape = input.shape
        let observer = ExecutionObservation.current
        observer?.layerWillRun(displayName)
        defer { observer?.layerDidRun() }
        let output =
            try GraphTrace.current.map { try $0.recording(self, input) { try call(input, training: training) } }
            ?? call(input, training: training)
        lastOutputShape = output.shape
        return output
    }

    /// Whether a call computes plain values: not training, nothing recorded for a backward
    /// pass (no tape, an input without history) and no trace watching. Only then may a
    /// layer take inference shortcuts such as writing into a tensor it has just made.
    func computesPlainValues(_ input: Tensor, training: Bool) -> Bool {
        !training && !input.requiresGradient && !GradientTape.isRecording && GraphTrace.current == nil
    }

    /// The seed a layer called on its own prepares its tree with (a model's `seed`).
    open var preparationSeed: UInt64 { 0 }

    /// The first class of this layer's ancestry whose stored properties are the library's
    /// own bookkeeping, not sub-layers or variables: reflection stops there.
    open class var reflectionBase: AnyClass { Layer.self }

    /// Creates a variable of this layer, as Keras's `add_weight`: filled by `initializer`
    /// (Glorot-uniform by default, as Keras for floats) from the layer's seed, trained by
    /// the optimizers when `trainable`, penalised by `regularizer`. `summary`, checkpoints,
    /// `weights.txt` and the optimizers see it, named `name` under the layer's path.
    /// Call it from `call` on the first call (when the input's shape is known), and keep
    /// the result in a property to use it on later calls.
    public func addWeight(
        name: String, shape: [Int], initializer: Initializer = .glorotUniform, trainable: Bool = true,
        regularizer: Regularizer? = nil
    ) throws -> Parameter {
        guard !name.isEmpty, !name.contains("/") else {
            throw shapeError("addWeight: a variable name must be non-empty and without '/', got '\(name)'")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw shapeError("addWeight: variable '\(name)' has a negative size in \(describe(shape))")
        }
        if parameters.contains(where: { $0.name == name }) {
            throw shapeError("addWeight: the layer already has a variable named '\(name)'")
        }
        let parameter = Parameter(
            name: name, value: initializer.make(shape, random: &random), trainable: trainable, regularizer: regularizer)
        addedWeights.append(parameter)
        return parameter
    }

    /// Keras's class name, shown by `summary()`.
    open var typeName: String { String(describing: type(of: self)) }

    /// Base of the Keras-style name (`MaxPool2D` → `max_pooling2d`).
    open var defaultNameBase: String { kerasSnakeCase(typeName) }

    /// `name (TypeName)`, the label of the layer's errors and profile rows. Every op call
    /// passes it, so it is built once (per name) instead of on every step.
    var displayName: String {
        if let cachedDisplayName { return cachedDisplayName }
        let made = "\(name.isEmpty ? defaultNameBase : name) (\(typeName))"
        cachedDisplayName = made
        return made
    }
    /// Cleared when the name, or what `typeName` depends on, changes.
    var cachedDisplayName: String?

    /// The layer's own parameters (not its children's), in creation order.
    open var parameters: [Parameter] {
        let reflected = reflectedMembers().parameters
        return reflected + addedWeights.filter { added in !reflected.contains { $0 === added } }
    }

    /// Direct sub-layers with the labels that name them in parameter paths.
    open var children: [(label: String, layer: Layer)] { reflectedMembers().children }

    /// Names every layer of the tree Keras-style and derives each one's seed; the
    /// outermost call does this once.
    public func prepare(seed: UInt64) {
        var counters: [String: Int] = [:]
        var index: UInt64 = 0
        for layer in [self] + descendants {
            if layer.name.isEmpty {
                let base = layer.defaultNameBase
                let n = counters[base, default: 0]
                layer.name = n == 0 ? base : "\(base)_\(n)"
            }
            counters[layer.defaultNameBase, default: 0] += 1
            layer.random = RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ index)
            layer.isPrepared = true
            index += 1
        }
    }

    /// Every layer below this one, depth-first in declaration order.
    public var descendants: [Layer] {
        children.flatMap { [$0.layer] + $0.layer.descendants }
    }

    func shapeError(_ detail: String) -> SwiftCNNError {
        SwiftCNNError("\(displayName): \(detail)")
    }

    private func reflectedMembers() -> (parameters: [Parameter], children: [(label: String, layer: Layer)]) {
        var parameters: [Parameter] = []
        var children: [(String, Layer)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [Mirror] = []
        let base = type(of: self).reflectionBase
        while let current = mirror, current.subjectType != Layer.self, current.subjectType != base {
            levels.append(current)
            mirror = current.superclassMirror
        }
        // Superclass properties come first, as they were declared first.
        for level in levels.reversed() {
            for child in level.children {
                collect(child.value, label: child.label ?? "", into: &parameters, &children)
            }
        }
        return (parameters, children)
    }
}

private func collect(
    _ value: Any, label: String, into parameters: inout [Parameter], _ children: inout [(String, Layer)]
) {
    if let parameter = value as? Parameter {
        parameters.append(parameter)
    } else if let layer = value as? Layer {
        children.append((label, layer))
    } else if let list = value as? [Any] {
        for (i, element) in list.enumerated() {
            collect(element, label: label.isEmpty ? "\(i)" : "\(label)/\(i)", into: &parameters, &children)
        }
    } else {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional, let wrapped = mirror.children.first {
            collect(wrapped.value, label: label, into: &parameters, &children)
        }
    }
}

/// tf-keras's `to_snake_case`: `ResNet18` → `res_net18`, `Conv2D` → `conv2d`, `VGG16` → `vgg16`.
func kerasSnakeCase(_ name: String) -> String {
    let first = name.replacingOccurrences(
        of: "(.)([A-Z][a-z]+)", with: "$1_$2", options: .regularExpression)
    let second = first.replacingOccurrences(
        of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression)
    return second.lowercased()
}
