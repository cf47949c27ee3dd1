/// Builds a layer list with Swift's result-builder syntax, so a `Sequential` reads like
/// Keras's `Sequential([...])`.
@resultBuilder
public enum LayerBuilder {
    public static func buildBlock(_ components: [Layer]...) -> [Layer] { components.flatMap { $0 } }
    public static func buildExpression(_ layer: Layer) -> [Layer] { [layer] }
    public static func buildExpression(_ layers: [Layer]) -> [Layer] { layers }
    public static func buildOptional(_ component: [Layer]?) -> [Layer] { component ?? [] }
    public static func buildEither(first component: [Layer]) -> [Layer] { component }
    public static func buildEither(second component: [Layer]) -> [Layer] { component }
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
    public private(set) var layers: [Layer]

    public init(@LayerBuilder _ layers: () -> [Layer]) {
        self.layers = layers()
    }

    public init(layers: [Layer]) {
        self.layers = layers
    }

    /// Appends a layer, as Keras's `model.add`.
    public func add(_ layer: Layer) {
        layers.append(layer)
        cachedTrainingParameters = nil
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
