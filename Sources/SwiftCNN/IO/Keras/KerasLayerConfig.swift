import Foundation

// One Keras 3 layer of a `.keras` config.json (`{"class_name": "Conv2D", "config": {…}}`)
// to a SwiftCNN layer and back. Every argument Keras 3.15 writes for the supported layers
// is read: those SwiftCNN has (filters, kernel_size, strides, padding, activation,
// use_bias, momentum, epsilon, rate, pool_size, regularizers, …) set the layer; the
// others must hold the value that means what SwiftCNN does (data_format channels_last,
// dilation_rate 1, no constraints, float32), else the line names the layer, the
// argument and what is supported. An argument Keras does not write for the layer is
// refused the same way.

/// Builds and describes the layers a `.keras` Sequential config may hold.
enum KerasLayerConfig {
    /// Keras class names SwiftCNN builds, as Keras 3 writes them (and their aliases).
    static let supported = [
        "Conv2D", "Dense", "BatchNormalization", "Activation", "MaxPooling2D", "AveragePooling2D",
        "GlobalAveragePooling2D", "Flatten", "Dropout", "Add", "Concatenate",
    ] + moreLayers
    private static let aliases = [
        "Convolution2D": "Conv2D", "MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D",
        "GlobalAvgPool2D": "GlobalAveragePooling2D", "SeparableConvolution2D": "SeparableConv2D",
        "Convolution2DTranspose": "Conv2DTranspose",
    ]

    /// The layer `item` describes (`file` names the archive in errors).
    static func layer(_ item: JSONValue, file: String) throws -> Layer {
        guard let object = item.object, let rawClass = object["class_name"]?.string else {
            throw CheckpointError(file: file, message: "config.json: a layer entry has no class_name")
        }
        let className = aliases[rawClass] ?? rawClass
        let config = object["config"]?.object ?? [:]
        let name = config["name"]?.string ?? ""
        guard supported.contains(className) else {
            throw CheckpointError(
                file: file,
                message:
                    "config.json: layer '\(name)' has class \(rawClass), which SwiftCNN does not support; supported: \(supported.joined(separator: ", "))"
            )
        }
        var arguments = Arguments(values: config, layer: name, className: rawClass, file: file)
        try arguments.common()
        let layer: Layer
        switch className {
        case "Conv2D":
            let filters = try arguments.positive("filters")
            let kernelSize = try arguments.size("kernel_size")
            let strides = try arguments.size("strides", default: Size2D(1))
            let padding = try arguments.padding()
            try arguments.expect("data_format", .string("channels_last"), allowNull: true)
            try arguments.expect("dilation_rate", [1, 1], alternatives: [1])
            try arguments.expect("groups", 1)
            let activation = try arguments.activation()
            let useBias = try arguments.bool("use_bias", default: true)
            let initializer = try arguments.initializer("kernel_initializer", default: .glorotUniform)
            try arguments.expectInitializer("bias_initializer", "Zeros")
            let regularizer = try arguments.regularizer("kernel_regularizer")
            try arguments.expectNull("bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
            layer = Conv2D(
                filters, kernelSize: kernelSize, strides: strides, padding: padding, activation: activation,
                useBias: useBias, kernelInitializer: initializer, kernelRegularizer: regularizer)
        case "Dense":
            let units = try arguments.positive("units")
            let activation = try arguments.activation()
            let useBias = try arguments.bool("use_bias", default: true)
            let initializer = try arguments.initializer("kernel_initializer", default: .glorotUniform)
            try arguments.expectInitializer("bias_initializer", "Zeros")
            let regularizer = try arguments.regularizer("kernel_regularizer")
            try arguments.expectNull(
                "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
                "quantization_config", "lora_rank")
            try arguments.expect("lora_alpha", .null, allowNull: true, anyNumber: true)
            layer = Dense(
                units, activation: activation, useBias: useBias, kernelInitializer: initializer,
                kernelRegularizer: regularizer)
        case "BatchNormalization":
            try arguments.expect("axis", -1, alternatives: [3, [-1], [3]])
            let momentum = try arguments.number("momentum", default: 0.99)
            let epsilon = try arguments.number("epsilon", default: 1e-3)
            try arguments.expect("center", true)
            try arguments.expect("scale", true)
            try arguments.expectInitializer("beta_initializer", "Zeros")
            try arguments.expectInitializer("gamma_initializer", "Ones")
            try arguments.expectInitializer("moving_mean_initializer", "Zeros")
            try arguments.expectInitializer("moving_variance_initializer", "Ones")
            try arguments.expectNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
            try arguments.expect("synchronized", false)
            try arguments.expect("renorm", false)
            try arguments.expectNull("renorm_clipping")
            try arguments.expect("renorm_momentum", .null, allowNull: true, anyNumber: true)
            layer = BatchNormalization(momentum: momentum, epsilon: epsilon)
        case "Activation":
            layer = Activation(try arguments.activation(required: true))
        case "MaxPooling2D", "AveragePooling2D":
            let poolSize = try arguments.size("pool_size", default: Size2D(2))
            let strides = try arguments.size("strides", default: poolSize)
            let padding = try arguments.padding()
            try arguments.expect("data_format", .string("channels_last"), allowNull: true)
            layer =
                className == "MaxPooling2D"
                ? MaxPool2D(poolSize: poolSize, strides: strides, padding: padding)
                : AveragePooling2D(poolSize: poolSize, strides: strides, padding: padding)
        case "GlobalAveragePooling2D":
            try arguments.expect("data_format", .string("channels_last"), allowNull: true)
            try arguments.expect("keepdims", false)
            layer = GlobalAveragePooling2D()
        case "Flatten":
            try arguments.expect("data_format", .string("channels_last"), allowNull: true)
            layer = Flatten()
        case "Add":
            layer = Add()
        case "Concatenate":
            let axis = try arguments.integer("axis", default: -1)
            layer = Concatenate(axis: axis)
        case _ where moreLayers.contains(className):
            layer = try moreLayer(className, &arguments)
        default:  // Dropout
            let rate = try arguments.number("rate", default: nil)
            guard rate >= 0, rate < 1 else { throw arguments.unsupported("rate", .number(Double(rate)), "0 <= rate < 1") }
            try arguments.expect("seed", .null, allowNull: true, anyNumber: true)
            try arguments.expectNull("noise_shape")
            layer = Dropout(rate)
        }
        try arguments.rejectUnread()
        layer.name = name
        return layer
    }

    // MARK: Writing

    /// Keras 3's entry for `layer`, or nil for a layer it has no class for here.
    static func entry(_ layer: Layer) -> JSONValue? {
        var config: [String: JSONValue] = [
            "name": .string(layer.name), "trainable": true, "dtype": dtypePolicy,
        ]
        let className: String
        var buildInput = true
        switch layer {
        case let conv as Conv2D:
            className = "Conv2D"
            config["filters"] = .number(Double(conv.filters))
            config["kernel_size"] = pair(conv.kernelSize)
            config["strides"] = pair(conv.strides)
            config["padding"] = .string(conv.padding.rawValue)
            config["data_format"] = "channels_last"
            config["dilation_rate"] = [1, 1]
            config["groups"] = 1
            config.merge(kernelArguments(conv.activation, conv.useBias, conv.kernelInitializer, conv.kernelRegularizer)) { $1 }
            config["activity_regularizer"] = .null
        case let dense as Dense:
            className = "Dense"
            config["units"] = .number(Double(dense.units))
            config.merge(kernelArguments(dense.activation, dense.useBias, dense.kernelInitializer, dense.kernelRegularizer)) { $1 }
            config["quantization_config"] = .null
        case let norm as BatchNormalization:
            className = "BatchNormalization"
            config["axis"] = -1
            config["momentum"] = decimal(norm.momentum)
            config["epsilon"] = decimal(norm.epsilon)
            config["center"] = true
            config["scale"] = true
            for (key, name) in [
                ("beta_initializer", "Zeros"), ("gamma_initializer", "Ones"), ("moving_mean_initializer", "Zeros"),
                ("moving_variance_initializer", "Ones"),
            ] {
                config[key] = serialized(name, module: "keras.initializers")
            }
            for key in ["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"] {
                config[key] = .null
            }
            config["synchronized"] = false
        case let activation as Activation:
            className = "Activation"
            config["activation"] = .string(activation.function.rawValue)
            buildInput = false
        case let pool as MaxPool2D:
            className = "MaxPooling2D"
            config.merge(pooling(pool.poolSize, pool.strides, pool.padding)) { $1 }
            buildInput = false
        case let pool as AveragePooling2D:
            className = "AveragePooling2D"
            config.merge(pooling(pool.poolSize, pool.strides, pool.padding)) { $1 }
            buildInput = false
        case is GlobalAveragePooling2D:
            className = "GlobalAveragePooling2D"
            config["data_format"] = "channels_last"
            config["keepdims"] = false
        case is Flatten:
            className = "Flatten"
            config["data_format"] = "channels_last"
        case is Add:
            className = "Add"
            buildInput = false  // Keras's build_config of a merge is a list of shapes.
        case let concatenate as Concatenate:
            className = "Concatenate"
            config["axis"] = .number(Double(concatenate.axis))
            buildInput = false
        case let dropout as Dropout:
            className = "Dropout"
            config["rate"] = decimal(dropout.rate)
            config["seed"] = .null
            config["noise_shape"] = .null
            buildInput = false
        default:
            guard let more = moreEntry(layer, into: &config) else { return nil }
            (className, buildInput) = more
        }
        var entry: [String: JSONValue] = [
            "module": "keras.layers", "class_name": .string(className), "config": .object(config),
            "registered_name": .null,
        ]
        if buildInput, let shape = layer.lastInputShape {
            entry["build_config"] = ["input_shape": .array([.null] + shape.dropFirst().map { .number(Double($0)) })]
        }
        return .object(entry)
    }

    static let dtypePolicy: JSONValue = [
        "module": "keras", "class_name": "DTypePolicy", "config": ["name": "float32"], "registered_name": nil,
    ]

    static func serialized(_ className: String, module: String, config: [String: JSONValue] = [:]) -> JSONValue {
        ["module": .string(module), "class_name": .string(className), "config": .object(config), "registered_name": nil]
    }

    /// A Float as the shortest decimal that reads back as it (0.9, not 0.8999999761581421).
    static func decimal(_ value: Float) -> JSONValue { .number(Double("\(value)") ?? Double(value)) }

    /// The arguments Conv2D and Dense share: activation, bias, kernel initializer and regularizer.
    private static func kernelArguments(
        _ activation: ActivationFunction, _ useBias: Bool, _ kernelInitializer: Initializer, _ kernelRegularizer: Regularizer?
    ) -> [String: JSONValue] {
        [
            "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
            "kernel_initializer": initializer(kernelInitializer),
            "bias_initializer": serialized("Zeros", module: "keras.initializers"),
            "kernel_regularizer": regularizer(kernelRegularizer), "bias_regularizer": nil, "kernel_constraint": nil,
            "bias_constraint": nil,
        ]
    }

    private static func pooling(_ poolSize: Size2D, _ strides: Size2D, _ padding: Padding) -> [String: JSONValue] {
        [
            "pool_size": pair(poolSize), "strides": pair(strides), "padding": .string(padding.rawValue),
            "data_format": "channels_last",
        ]
    }

    private static func pair(_ size: Size2D) -> JSONValue {
        [.number(Double(size.height)), .number(Double(size.width))]
    }

    private static func initializer(_ initializer: Initializer) -> JSONValue {
        switch initializer {
        case .glorotUniform: serialized("GlorotUniform", module: "keras.initializers", config: ["seed": nil])
        case .zeros: serialized("Zeros", module: "keras.initializers")
        case .ones: serialized("Ones", module: "keras.initializers")
        case .constant(let value):
            serialized("Constant", module: "keras.initializers", config: ["value": decimal(value)])
        }
    }

    private static func regularizer(_ regularizer: Regularizer?) -> JSONValue {
        switch regularizer {
        case nil: .null
        case .l2(let factor): serialized("L2", module: "keras.regularizers", config: ["l2": decimal(factor)])
        case .l1(let factor): serialized("L1", module: "keras.regularizers", config: ["l1": decimal(factor)])
        }
    }
}

/// A layer's config, read argument by argument; what was not read is refused at the end.
private struct Arguments {
    var values: [String: JSONValue]
    let layer: String
    let className: String
    let file: String
    private var read: Set<String> = []

    init(values: [String: JSONValue], layer: String, className: String, file: String) {
        self.values = values
        self.layer = layer
        self.className = className
        self.file = file
    }

    func unsupported(_ key: String, _ value: JSONValue, _ supported: String) -> CheckpointError {
        CheckpointError(
            file: file,
            message:
                "config.json: layer '\(layer)' (\(className)): argument '\(key)' = \(value.text) is not supported; supported: \(supported)"
        )
    }

    mutating func take(_ key: String) -> JSONValue? {
        read.insert(key)
        return values[key]
    }

    /// name, trainable and dtype, which every layer has.
    mutating func common() throws {
        _ = take("name")
        if let trainable = take("trainable"), trainable != true {
            throw unsupported("trainable", trainable, "true (SwiftCNN trains every layer)")
        }
        if let dtype = take("dtype"), !dtype.isNull {
            let name = dtype.string ?? dtype.object?["config"]?.object?["name"]?.string
            guard name == "float32" else { throw unsupported("dtype", dtype, "float32") }
        }
    }

    mutating func positive(_ key: String) throws -> Int {
        guard let value = take(key) else { throw unsupported(key, .null, "a positive whole number (it is required)") }
        // Bounded, so that a hostile config cannot make build allocate terabytes.
        guard let number = value.integer, number > 0, number <= 1 << 16 else {
            throw unsupported(key, value, "a whole number from 1 to 65536")
        }
        return number
    }

    mutating func size(_ key: String, default fallback: Size2D? = nil) throws -> Size2D {
        let value = take(key) ?? .null
        if value.isNull, let fallback { return fallback }
        let limit = 1 << 12
        if let number = value.integer, number > 0, number <= limit { return Size2D(number) }
        if let items = value.array, items.count == 2, let a = items[0].integer, let b = items[1].integer,
            (1...limit).contains(a), (1...limit).contains(b)
        {
            return Size2D(a, b)
        }
        throw unsupported(key, value, "a whole number from 1 to 4096 or a pair of them")
    }

    mutating func padding() throws -> Padding {
        let value = take("padding") ?? "valid"
        guard let text = value.string, let padding = Padding(rawValue: text.lowercased()) else {
            throw unsupported("padding", value, "\"valid\" or \"same\"")
        }
        return padding
    }

    mutating func activation(required: Bool = false) throws -> ActivationFunction {
        let value = take("activation") ?? (required ? .null : "linear")
        let name = value.isNull && !required ? "linear" : value.string
        guard let name, let function = ActivationFunction(rawValue: name) else {
            throw unsupported(
                "activation", value, ActivationFunction.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return function
    }

    mutating func integer(_ key: String, default fallback: Int) throws -> Int {
        guard let value = take(key), !value.isNull else { return fallback }
        guard let number = value.integer else { throw unsupported(key, value, "a whole number") }
        return number
    }

    mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = take(key) else { return fallback }
        guard let flag = value.bool else { throw unsupported(key, value, "true or false") }
        return flag
    }

    mutating func number(_ key: String, default fallback: Float?) throws -> Float {
        let value = take(key)
        if value == nil, let fallback { return fallback }
        guard let number = value?.number, number.isFinite else {
            throw unsupported(key, value ?? .null, "a number")
        }
        return Float(number)
    }

    /// `key` must be absent or `expected` (or one of `alternatives`; null if `allowNull`;
    /// any number if `anyNumber`).
    mutating func expect(
        _ key: String, _ expected: JSONValue, alternatives: [JSONValue] = [], allowNull: Bool = false,
        anyNumber: Bool = false
    ) throws {
        guard let value = take(key) else { return }
        if value == expected || alternatives.contains(value) || (allowNull && value.isNull)
            || (anyNumber && value.number != nil)
        {
            return
        }
        throw unsupported(key, value, ([expected] + alternatives).map(\.text).joined(separator: " or "))
    }

    mutating func expectNull(_ keys: String...) throws {
        for key in keys { try expect(key, .null) }
    }

    /// A serialized initializer: its class name, checked against `supported`.
    private mutating func initializerClass(_ key: String) -> (JSONValue, String?)? {
        guard let value = take(key), !value.isNull else { return nil }
        return (value, value.string ?? value.object?["class_name"]?.string)
    }

    mutating func expectInitializer(_ key: String, _ className: String) throws {
        guard let (value, name) = initializerClass(key) else { return }
        guard let name, kerasSnakeCase(name) == kerasSnakeCase(className) else { throw unsupported(key, value, className) }
    }

    mutating func initializer(_ key: String, default fallback: Initializer) throws -> Initializer {
        guard let (value, name) = initializerClass(key) else { return fallback }
        switch name.map(kerasSnakeCase) {
        case "glorot_uniform": return .glorotUniform
        case "zeros": return .zeros
        case "ones": return .ones
        case "constant":
            if let constant = value.object?["config"]?.object?["value"]?.number { return .constant(Float(constant)) }
        default: break
        }
        throw unsupported(key, value, "GlorotUniform, Zeros, Ones or Constant")
    }

    mutating func regularizer(_ key: String) throws -> Regularizer? {
        guard let value = take(key), !value.isNull else { return nil }
        let config = value.object?["config"]?.object ?? [:]
        switch value.object?["class_name"]?.string ?? value.string {
        case "L2", "l2":
            return .l2(Float(config["l2"]?.number ?? 0.01))
        case "L1", "l1":
            return .l1(Float(config["l1"]?.number ?? 0.01))
        default: throw unsupported(key, value, "null, L2 or L1")
        }
    }

    func rejectUnread() throws {
        if let key = values.keys.sorted().first(where: { !read.contains($0) }), let value = values[key] {
            throw unsupported(key, value, "the arguments Keras 3 writes for \(className)")
        }
    }
}

// MARK: Convolution variants, reshaping, rectifiers and layer normalisation

extension KerasLayerConfig {
    /// The layers added after the course's first set, by Keras 3 class name.
    static let moreLayers = [
        "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "ZeroPadding2D", "UpSampling2D", "LeakyReLU", "ReLU",
        "LayerNormalization", "Reshape", "Rescaling",
    ]

    /// Reads one of `moreLayers`, every argument Keras 3.15 writes for it.
    fileprivate static func moreLayer(_ className: String, _ arguments: inout Arguments) throws -> Layer {
        switch className {
        case "DepthwiseConv2D":
            let multiplier = try arguments.positive("depth_multiplier", default: 1)
            let kernelSize = try arguments.size("kernel_size")
            let (strides, padding) = try arguments.convolutionWindow()
            let activation = try arguments.activation()
            let useBias = try arguments.bool("use_bias", default: true)
            let initializer = try arguments.initializer("depthwise_initializer", default: .glorotUniform)
            try arguments.expectInitializer("bias_initializer", "Zeros")
            let regularizer = try arguments.regularizer("depthwise_regularizer")
            try arguments.expectNull("bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint")
            return DepthwiseConv2D(
                kernelSize: kernelSize, strides: strides, padding: padding, depthMultiplier: multiplier,
                activation: activation, useBias: useBias, depthwiseInitializer: initializer,
                depthwiseRegularizer: regularizer)
        case "SeparableConv2D":
            let filters = try arguments.positive("filters")
            let multiplier = try arguments.positive("depth_multiplier", default: 1)
            let kernelSize = try arguments.size("kernel_size")
            let (strides, padding) = try arguments.convolutionWindow()
            let activation = try arguments.activation()
            let useBias = try arguments.bool("use_bias", default: true)
            let depthwise = try arguments.initializer("depthwise_initializer", default: .glorotUniform)
            let pointwise = try arguments.initializer("pointwise_initializer", default: .glorotUniform)
            try arguments.expectInitializer("bias_initializer", "Zeros")
            try arguments.expectNull(
                "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
                "depthwise_constraint", "pointwise_constraint", "bias_constraint")
            return SeparableConv2D(
                filters, kernelSize: kernelSize, strides: strides, padding: padding, depthMultiplier: multiplier,
                activation: activation, useBias: useBias, depthwiseInitializer: depthwise, pointwiseInitializer: pointwise)
        case "Conv2DTranspose":
            let filters = try arguments.positive("filters")
            let kernelSize = try arguments.size("kernel_size")
            let (strides, padding) = try arguments.convolutionWindow()
            try arguments.expectNull("output_padding")
            let activation = try arguments.activation()
            let useBias = try arguments.bool("use_bias", default: true)
            let initializer = try arguments.initializer("kernel_initializer", default: .glorotUniform)
            try arguments.expectInitializer("bias_initializer", "Zeros")
            let regularizer = try arguments.regularizer("kernel_regularizer")
            try arguments.expectNull("bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
            return Conv2DTranspose(
                filters, kernelSize: kernelSize, strides: strides, padding: padding, activation: activation,
                useBias: useBias, kernelInitializer: initializer, kernelRegularizer: regularizer)
        case "ZeroPadding2D":
            try arguments.expect("data_format", .string("channels_last"), allowNull: true)
            return ZeroPadding2D(padding: try arguments.padding2D())
        case "UpSampling2D":
            let size = try arguments.size("size", default: Size2D(2))
            try arguments.expect("data_format", .string("channels_last"), allowNull: true)
            let value = arguments.take("interpolation") ?? "nearest"
            guard let interpolation = value.string.flatMap(Interpolation.init(rawValue:)) else {
                throw arguments.unsupported("interpolation", value, "\"nearest\" or \"bilinear\"")
            }
            return UpSampling2D(size: size, interpolation: interpolation)
        case "LeakyReLU":
            return LeakyReLU(negativeSlope: try arguments.nonNegative("negative_slope", default: 0.3))
        case "ReLU":
            let maxValue = arguments.values["max_value"]?.isNull == false ? try arguments.nonNegative("max_value", default: nil) : nil
            _ = arguments.take("max_value")
            return ReLU(
                maxValue: maxValue, negativeSlope: try arguments.nonNegative("negative_slope", default: 0),
                threshold: try arguments.nonNegative("threshold", default: 0))
        case "LayerNormalization":
            try arguments.expect("axis", -1, alternatives: [[-1]])
            let epsilon = try arguments.number("epsilon", default: 1e-3)
            let center = try arguments.bool("center", default: true)
            let scale = try arguments.bool("scale", default: true)
            try arguments.expect("rms_scaling", false)
            try arguments.expectInitializer("beta_initializer", "Zeros")
            try arguments.expectInitializer("gamma_initializer", "Ones")
            try arguments.expectNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
            return LayerNormalization(epsilon: epsilon, center: center, scale: scale)
        case "Reshape":
            let value = arguments.take("target_shape") ?? .null
            let limit = 1 << 24
            guard let items = value.array, let shape = Optional(items.compactMap(\.integer)), shape.count == items.count,
                shape.allSatisfy({ $0 == -1 || (1...limit).contains($0) }), shape.filter({ $0 == -1 }).count <= 1
            else {
                throw arguments.unsupported("target_shape", value, "a list of positive whole numbers with at most one -1")
            }
            return Reshape(targetShape: shape)
        default:  // Rescaling
            let scale = try arguments.number("scale", default: nil)
            let offset = try arguments.number("offset", default: 0)
            return Rescaling(scale, offset: offset)
        }
    }

    /// Keras 3's config of one of `moreLayers` into `config`, with its class name and whether
    /// Keras writes a build config for it (layers with variables); nil for other layers.
    static func moreEntry(_ layer: Layer, into config: inout [String: JSONValue]) -> (String, Bool)? {
        let zeros = serialized("Zeros", module: "keras.initializers")
        switch layer {
        case let conv as DepthwiseConv2D:
            config["depth_multiplier"] = .number(Double(conv.depthMultiplier))
            config.merge(window(conv.kernelSize, conv.strides, conv.padding)) { $1 }
            config["activation"] = .string(conv.activation.rawValue)
            config["use_bias"] = .bool(conv.useBias)
            config["depthwise_initializer"] = initializerEntry(conv.depthwiseInitializer)
            config["bias_initializer"] = zeros
            config["depthwise_regularizer"] = regularizerEntry(conv.depthwiseRegularizer)
            for key in ["bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"] {
                config[key] = .null
            }
            return ("DepthwiseConv2D", true)
        case let conv as SeparableConv2D:
            config["depth_multiplier"] = .number(Double(conv.depthMultiplier))
            config["filters"] = .number(Double(conv.filters))
            config.merge(window(conv.kernelSize, conv.strides, conv.padding)) { $1 }
            config["activation"] = .string(conv.activation.rawValue)
            config["use_bias"] = .bool(conv.useBias)
            config["depthwise_initializer"] = initializerEntry(conv.depthwiseInitializer)
            config["pointwise_initializer"] = initializerEntry(conv.pointwiseInitializer)
            config["bias_initializer"] = zeros
            for key in [
                "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
                "depthwise_constraint", "pointwise_constraint", "bias_constraint",
            ] {
                config[key] = .null
            }
            return ("SeparableConv2D", true)
        case let conv as Conv2DTranspose:
            config["filters"] = .number(Double(conv.filters))
            config.merge(window(conv.kernelSize, conv.strides, conv.padding)) { $1 }
            config["output_padding"] = .null
            config["activation"] = .string(conv.activation.rawValue)
            config["use_bias"] = .bool(conv.useBias)
            config["kernel_initializer"] = initializerEntry(conv.kernelInitializer)
            config["bias_initializer"] = zeros
            config["kernel_regularizer"] = regularizerEntry(conv.kernelRegularizer)
            for key in ["bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"] {
                config[key] = .null
            }
            return ("Conv2DTranspose", true)
        case let pad as ZeroPadding2D:
            config["padding"] = [
                [.number(Double(pad.top)), .number(Double(pad.bottom))],
                [.number(Double(pad.left)), .number(Double(pad.right))],
            ]
            config["data_format"] = "channels_last"
            return ("ZeroPadding2D", false)
        case let up as UpSampling2D:
            config["size"] = [.number(Double(up.size.height)), .number(Double(up.size.width))]
            config["data_format"] = "channels_last"
            config["interpolation"] = .string(up.interpolation.rawValue)
            return ("UpSampling2D", false)
        case let leaky as LeakyReLU:
            config["negative_slope"] = decimal(leaky.negativeSlope)
            return ("LeakyReLU", false)
        case let relu as ReLU:
            config["max_value"] = relu.maxValue.map(decimal) ?? .null
            config["negative_slope"] = decimal(relu.negativeSlope)
            config["threshold"] = decimal(relu.threshold)
            return ("ReLU", false)
        case let norm as LayerNormalization:
            config["axis"] = .number(Double(norm.axis))
            config["epsilon"] = decimal(norm.epsilon)
            config["center"] = .bool(norm.center)
            config["scale"] = .bool(norm.scale)
            config["rms_scaling"] = false
            config["beta_initializer"] = zeros
            config["gamma_initializer"] = serialized("Ones", module: "keras.initializers")
            for key in ["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"] {
                config[key] = .null
            }
            return ("LayerNormalization", true)
        case let reshape as Reshape:
            config["target_shape"] = .array(reshape.targetShape.map { .number(Double($0)) })
            return ("Reshape", false)
        case let rescaling as Rescaling:
            config["scale"] = decimal(rescaling.scale)
            config["offset"] = decimal(rescaling.offset)
            return ("Rescaling", false)
        default:
            return nil
        }
    }

    private static func window(_ kernelSize: Size2D, _ strides: Size2D, _ padding: Padding) -> [String: JSONValue] {
        [
            "kernel_size": [.number(Double(kernelSize.height)), .number(Double(kernelSize.width))],
            "strides": [.number(Double(strides.height)), .number(Double(strides.width))],
            "padding": .string(padding.rawValue), "data_format": "channels_last", "dilation_rate": [1, 1],
        ]
    }

    private static func initializerEntry(_ initializer: Initializer) -> JSONValue {
        switch initializer {
        case .glorotUniform: serialized("GlorotUniform", module: "keras.initializers", config: ["seed": nil])
        case .zeros: serialized("Zeros", module: "keras.initializers")
        case .ones: serialized("Ones", module: "keras.initializers")
        case .constant(let value): serialized("Constant", module: "keras.initializers", config: ["value": decimal(value)])
        }
    }

    private static func regularizerEntry(_ regularizer: Regularizer?) -> JSONValue {
        switch regularizer {
        case nil: .null
        case .l2(let factor): serialized("L2", module: "keras.regularizers", config: ["l2": decimal(factor)])
        case .l1(let factor): serialized("L1", module: "keras.regularizers", config: ["l1": decimal(factor)])
        }
    }
}

extension Arguments {
    /// strides, padding, data_format and dilation_rate of a convolution.
    mutating func convolutionWindow() throws -> (Size2D, Padding) {
        let strides = try size("strides", default: Size2D(1))
        let padding = try padding()
        try expect("data_format", .string("channels_last"), allowNull: true)
        try expect("dilation_rate", [1, 1], alternatives: [1])
        return (strides, padding)
    }

    /// A whole number from 1 to 65536, `fallback` when absent.
    mutating func positive(_ key: String, default fallback: Int) throws -> Int {
        values[key] == nil ? fallback : try positive(key)
    }

    /// A finite number >= 0.
    mutating func nonNegative(_ key: String, default fallback: Float?) throws -> Float {
        let number = try self.number(key, default: fallback)
        guard number >= 0 else { throw unsupported(key, .number(Double(number)), "a number >= 0") }
        return number
    }

    /// ZeroPadding2D's padding: n, [rows, columns] or [[top, bottom], [left, right]].
    mutating func padding2D() throws -> ((Int, Int), (Int, Int)) {
        let value = take("padding") ?? 1
        let limit = 1 << 12
        func amount(_ item: JSONValue) -> Int? { item.integer.flatMap { (0...limit).contains($0) ? $0 : nil } }
        if let n = amount(value) { return ((n, n), (n, n)) }
        if let items = value.array, items.count == 2 {
            if let rows = amount(items[0]), let cols = amount(items[1]) { return ((rows, rows), (cols, cols)) }
            if let a = items[0].array, let b = items[1].array, a.count == 2, b.count == 2,
                let top = amount(a[0]), let bottom = amount(a[1]), let left = amount(b[0]), let right = amount(b[1])
            {
                return ((top, bottom), (left, right))
            }
        }
        throw unsupported("padding", value, "a whole number from 0 to 4096, a pair of them, or a pair of pairs")
    }
}
