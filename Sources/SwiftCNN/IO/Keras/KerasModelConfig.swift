import Foundation

// A `.keras` config.json to a SwiftCNN model and back:
//
// - `Sequential`: its `layers` (an InputLayer giving the input shape, then the layers of
//   KerasLayerConfig), its name and `build_config`.
// - The course's six subclassed models by their class (registered) name, with the
//   constructor arguments their Keras classes take (Inception10: num_blocks,
//   num_classes, init_ch; ResNet18: block_list, initial_filters). Keras 3 writes a
//   subclassed model's config from its constructor's *defaults* and adds `trainable` and
//   `dtype`, which the course's constructors do not accept, so SwiftCNN writes just the
//   arguments: then `keras.models.load_model(path, custom_objects={...})` rebuilds them.
// - Functional models (`Model(inputs:outputs:)`): their layers with `inbound_nodes`,
//   `input_layers` and `output_layers` (KerasFunctionalConfig.swift).

/// What a `.keras` config.json describes.
struct KerasModelConfig {
    var model: Model
    /// The input shape without the batch axis, from the InputLayer or `build_config`.
    var inputShape: [Int]?
    /// The optimizer named by `compile_config` (Adam or SGD), if any.
    var optimizer: Optimizer?

    static let courseClasses = ["Baseline", "LeNet5", "AlexNet8", "VGG16", "Inception10", "ResNet18"]
    static var supportedText: String { "Sequential, Functional, " + courseClasses.joined(separator: ", ") }

    /// Reads config.json's bytes (`file` names the archive in errors).
    init(json bytes: [UInt8], file: String) throws {
        let root: JSONValue
        do {
            root = try JSONValue.decode(bytes)
        } catch {
            throw CheckpointError(file: file, message: "config.json is not valid JSON")
        }
        guard let object = root.object, let className = object["class_name"]?.string else {
            throw CheckpointError(file: file, message: "config.json has no class_name")
        }
        let config = object["config"]?.object ?? [:]
        let registered = object["registered_name"]?.string.map { $0.split(separator: ">").last.map(String.init) ?? $0 }
        let name = Self.courseClasses.contains(className) ? className : registered.flatMap {
            Self.courseClasses.contains($0) ? $0 : nil
        }
        if className == "Sequential" {
            (model, inputShape) = try Self.sequential(config, file: file)
        } else if let name {
            model = try Self.courseModel(name, config: config, file: file)
        } else if className == "Functional" || (className == "Model" && config["layers"] != nil) {
            (model, inputShape) = try KerasFunctionalConfig.model(config, file: file)
        } else {
            throw CheckpointError(
                file: file,
                message: "config.json: model class '\(className)' is not supported; supported: \(Self.supportedText)")
        }
        if inputShape == nil, let shape = object["build_config"]?.object?["input_shape"]?.array {
            inputShape = try Self.shape(.array(Array(shape.dropFirst())), file: file, what: "build_config input_shape")
        }
        optimizer = Self.optimizer(object["compile_config"])
    }

    private static func sequential(_ config: [String: JSONValue], file: String) throws -> (Model, [Int]?) {
        guard let entries = config["layers"]?.array else {
            throw CheckpointError(file: file, message: "config.json: Sequential has no layers list")
        }
        var layers: [Layer] = []
        var inputShape: [Int]?
        for entry in entries {
            if entry.object?["class_name"]?.string == "InputLayer" {
                let layerConfig = entry.object?["config"]?.object ?? [:]
                guard let shape = (layerConfig["batch_shape"] ?? layerConfig["batch_input_shape"])?.array else {
                    throw CheckpointError(file: file, message: "config.json: InputLayer has no batch_shape")
                }
                inputShape = try Self.shape(.array(Array(shape.dropFirst())), file: file, what: "InputLayer batch_shape")
                continue
            }
            layers.append(try KerasLayerConfig.layer(entry, file: file))
        }
        if inputShape == nil, let shape = config["build_input_shape"]?.array {
            inputShape = try Self.shape(.array(Array(shape.dropFirst())), file: file, what: "build_input_shape")
        }
        let model = Sequential(layers: layers)
        model.name = config["name"]?.string ?? ""
        return (model, inputShape)
    }

    private static func shape(_ value: JSONValue, file: String, what: String) throws -> [Int] {
        let dims = value.array?.compactMap(\.integer) ?? []
        guard !dims.isEmpty, dims.count == value.array?.count, dims.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else {
            throw CheckpointError(
                file: file, message: "config.json: \(what) \(value.text) is not a positive image shape like [null, 32, 32, 3]")
        }
        return dims
    }

    private static func courseModel(_ name: String, config: [String: JSONValue], file: String) throws -> Model {
        func integer(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = config[key], !value.isNull else { return fallback }
            guard let number = value.integer, number > 0, number <= 4096 else {
                throw CheckpointError(
                    file: file,
                    message: "config.json: \(name) argument '\(key)' = \(value.text) is not supported; supported: a positive whole number")
            }
            return number
        }
        let allowed: Set<String> =
            switch name {
            case "Inception10": ["num_blocks", "num_classes", "init_ch"]
            case "ResNet18": ["block_list", "initial_filters"]
            default: []
            }
        let ignored: Set<String> = ["name", "trainable", "dtype"]
        if let key = config.keys.sorted().first(where: { !allowed.contains($0) && !ignored.contains($0) }) {
            let list = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
            throw CheckpointError(
                file: file, message: "config.json: \(name) argument '\(key)' is not supported; supported: \(list)")
        }
        switch name {
        case "Baseline": return Baseline()
        case "LeNet5": return LeNet5()
        case "AlexNet8": return AlexNet8()
        case "VGG16": return VGG16()
        case "Inception10":
            return Inception10(
                numBlocks: try integer("num_blocks", 2), numClasses: try integer("num_classes", 10),
                initCh: try integer("init_ch", 16))
        default:
            var blocks = [2, 2, 2, 2]
            if let value = config["block_list"], !value.isNull {
                let items = value.array?.compactMap(\.integer) ?? []
                guard !items.isEmpty, items.count == value.array?.count, items.count <= 16, items.allSatisfy({ $0 > 0 && $0 <= 64 })
                else {
                    throw CheckpointError(
                        file: file,
                        message: "config.json: ResNet18 argument 'block_list' = \(value.text) is not supported; supported: a list of positive whole numbers")
                }
                blocks = items
            }
            return ResNet18(blockList: blocks, initialFilters: try integer("initial_filters", 64))
        }
    }

    /// compile_config's optimizer when it is Adam or SGD with default-like settings.
    private static func optimizer(_ compile: JSONValue?) -> Optimizer? {
        guard let optimizer = compile?.object?["optimizer"]?.object, let config = optimizer["config"]?.object else {
            return nil
        }
        let rate = Float(config["learning_rate"]?.number ?? 0.001)
        switch optimizer["class_name"]?.string {
        case "Adam":
            return Adam(
                learningRate: rate, beta1: Float(config["beta_1"]?.number ?? 0.9),
                beta2: Float(config["beta_2"]?.number ?? 0.999), epsilon: Float(config["epsilon"]?.number ?? 1e-7))
        case "SGD":
            return SGD(
                learningRate: rate, momentum: Float(config["momentum"]?.number ?? 0),
                nesterov: config["nesterov"]?.bool ?? false)
        default: return nil
        }
    }

    // MARK: Writing

    /// config.json for `model` (built), as Keras 3 writes it.
    static func json(for model: Model, file: String) throws -> JSONValue {
        guard let inputShape = model.lastInputShape ?? (model.graph != nil ? [] : nil) else {
            throw CheckpointError(file: file, message: "model has no variables yet; call build(inputShape:) first")
        }
        var object: [String: JSONValue]
        if let graph = model.graph {
            object = try KerasFunctionalConfig.json(model, graph: graph, file: file)
        } else if let sequential = model as? Sequential {
            var layers: [JSONValue] = [
                [
                    "module": "keras.layers", "class_name": "InputLayer", "registered_name": nil,
                    "config": [
                        "batch_shape": .array([.null] + inputShape.dropFirst().map { .number(Double($0)) }),
                        "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer",
                    ],
                ]
            ]
            for layer in sequential.layers {
                guard let entry = KerasLayerConfig.entry(layer) else {
                    throw CheckpointError(
                        file: file,
                        message:
                            "config.json: layer '\(layer.name)' (\(layer.typeName)) has no Keras 3 config in SwiftCNN; supported: \(KerasLayerConfig.supported.joined(separator: ", "))"
                    )
                }
                layers.append(entry)
            }
            object = [
                "module": "keras", "class_name": "Sequential", "registered_name": nil,
                "config": [
                    "name": .string(model.name), "trainable": true, "dtype": KerasLayerConfig.dtypePolicy,
                    "layers": .array(layers),
                ],
            ]
        } else if let (className, arguments) = courseArguments(model) {
            object = [
                "module": "keras_models", "class_name": .string(className), "registered_name": .string(className),
                "config": .object(arguments),
            ]
        } else {
            throw CheckpointError(
                file: file,
                message: "config.json: model class '\(model.typeName)' cannot be described; supported: \(supportedText)")
        }
        // A Functional model is built by its graph; Keras writes no input shape for it.
        object["build_config"] = [
            "input_shape": model.graph != nil ? .null : .array([.null] + inputShape.dropFirst().map { .number(Double($0)) })
        ]
        if let compile = compileConfig(model) { object["compile_config"] = compile }
        return .object(object)
    }

    private static func courseArguments(_ model: Model) -> (String, [String: JSONValue])? {
        switch model {
        case is Baseline: ("Baseline", [:])
        case is LeNet5: ("LeNet5", [:])
        case is AlexNet8: ("AlexNet8", [:])
        case is VGG16: ("VGG16", [:])
        case let inception as Inception10:
            (
                "Inception10",
                [
                    "num_blocks": .number(Double(inception.numBlocks)), "num_classes": .number(Double(inception.f1.units)),
                    "init_ch": .number(Double(inception.initCh)),
                ]
            )
        case let resnet as ResNet18:
            (
                "ResNet18",
                [
                    "block_list": .array(resnet.blockList.map { .number(Double($0)) }),
                    "initial_filters": .number(Double(resnet.c1.filters)),
                ]
            )
        default: nil
        }
    }

    /// The course's compile: Adam (or SGD) and sparse categorical cross-entropy.
    private static func compileConfig(_ model: Model) -> JSONValue? {
        guard let loss = model.loss as? SparseCategoricalCrossentropy, !loss.fromLogits else { return nil }
        let optimizer: JSONValue
        switch model.optimizer {
        case let adam as Adam:
            optimizer = KerasLayerConfig.serialized(
                "Adam", module: "keras.optimizers",
                config: [
                    "name": "adam", "learning_rate": KerasLayerConfig.decimal(adam.learningRate),
                    "beta_1": KerasLayerConfig.decimal(adam.beta1), "beta_2": KerasLayerConfig.decimal(adam.beta2),
                    "epsilon": KerasLayerConfig.decimal(adam.epsilon), "amsgrad": false,
                ])
        case let sgd as SGD:
            optimizer = KerasLayerConfig.serialized(
                "SGD", module: "keras.optimizers",
                config: [
                    "name": "sgd", "learning_rate": KerasLayerConfig.decimal(sgd.learningRate),
                    "momentum": KerasLayerConfig.decimal(sgd.momentum), "nesterov": .bool(sgd.nesterov),
                ])
        default: return nil
        }
        return [
            "optimizer": optimizer, "loss": "sparse_categorical_crossentropy",
            "metrics": ["sparse_categorical_accuracy"], "loss_weights": nil, "weighted_metrics": nil,
            "run_eagerly": false, "steps_per_execution": 1, "jit_compile": false,
        ]
    }
}
