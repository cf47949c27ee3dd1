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
    ]
    private static let aliases = [
        "Convolution2D": "Conv2D", "MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D",
        "GlobalAvgPool2D": "GlobalAveragePooling2D",
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
            guard axis == -1 || axis == 3 else { throw arguments.unsupported("axis", .number(Double(axis)), "-1 (the last axis)") }
            layer = Concatenate(axis: axis)
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
            return nil
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
