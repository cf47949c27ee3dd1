/// Builds a layer list with Swift's result-builder syntax, so a `Sequential` reads like
/// Keras's `Sequential([...])`.
@resultBuilder
public enum LayerBuilder {
    /// Joins the layers of the builder's statements in order.
    public static func buildBlock(_ components: [Layer]...) -> [Layer] { components.flatMap { $0 } }
    /// One layer.
    public static func buildExpression(_ layer: Layer) -> [Layer] { [layer] }
    /// A list of layers, spliced in order.
    public static func buildExpression(_ layers: [Layer]) -> [Layer] { layers }
    /// The layers of an `if` without `else`, when its condition holds.
    public static func buildOptional(_ component: [Layer]?) -> [Layer] { component ?? [] }
    /// The layers of an `if`'s first branch.
    public static func buildEither(first component: [Layer]) -> [Layer] { component }
    /// The layers of an `else` branch.
    public static func buildEither(second component: [Layer]) -> [Layer] { component }
    /// The layers of a `for` loop, iteration by iteration.
    public static func buildArray(_ components: [[Layer]]) -> [Layer] { components.flatMap { $0 } }
}

/// A linear stack of layers, each feeding the next.
///
/// ```swift
/// let model = Sequential {
///     Conv2D(6, kernelSize: 5, padding: .same)
///     BatchNormalization()
///     Activation(.relu)
///     MaxPool2D(poolSize: 2, strides: 2, padding: .same)
///     Dropout(0.2)
///     Flatten()
///     Dense(10, activation: .softmax)
/// }
/// ```
public final class Sequential: Model {
    /// The layers in call order.
    public private(set) var layers: [Layer]

    /// A stack of the layers the builder lists, as `Sequential([...])`.
    public init(@LayerBuilder _ layers: () -> [Layer]) {
        self.layers = layers()
    }

    /// A stack of `layers`, first called first.
    public init(layers: [Layer]) {
        self.layers = layers
    }

    /// Appends a layer, as Keras's `model.add`.
    public func add(_ layer: Layer) {
        layers.append(layer)
        cachedTrainingParameters = nil
        fusion = nil
    }

    public override var children: [(label: String, layer: Layer)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        var x = input
        for layer in layers { x = try layer(x, training: training) }
        return x
    }
}
