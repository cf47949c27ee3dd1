// A Functional model's config.json, as Keras 3 writes it (keras/src/models/functional.py,
// `get_config` and `functional_from_config`):
//
//   {"class_name": "Functional", "config": {"name": …, "trainable": true,
//    "layers": [{"class_name": "InputLayer", "name": "image", "config": {"batch_shape": …},
//                "inbound_nodes": []},
//               {"class_name": "Conv2D", "name": "conv2d", "config": {…},
//                "inbound_nodes": [{"args": [<tensor>], "kwargs": {}}]}, …],
//    "input_layers": ["image", 0, 0], "output_layers": ["dense", 0, 0]}}
//
// Each inbound node is one call of the layer; its `args` hold one tensor, or one list of
// tensors for a merge layer (`Add`, `Concatenate`), each tensor
// `{"class_name": "__keras_tensor__", "config": {"shape": …, "keras_history":
// [layer, node index, tensor index]}}`. Several inputs or outputs are lists of those
// triples. Layers come in `model.layers` order, and a call may read a layer listed
// later (a shared layer), so calls are made as their inputs become available.

enum KerasFunctionalConfig {
    /// The model `config` describes, and its input shape (one input).
    static func model(_ config: [String: JSONValue], file: String) throws -> (Model, [Int]?) {
        func fail(_ message: String) -> CheckpointError { CheckpointError(file: file, message: "config.json: \(message)") }
        guard let entries = config["layers"]?.array else { throw fail("Functional model has no layers list") }
        var layers: [(name: String, layer: Layer, nodes: [JSONValue])] = []
        var tensors: [String: [SymbolicTensor]] = [:]
        var names = Set<String>()
        for entry in entries {
            guard let object = entry.object, let className = object["class_name"]?.string else {
                throw fail("a layer entry has no class_name")
            }
            let layerConfig = object["config"]?.object ?? [:]
            guard let name = object["name"]?.string ?? layerConfig["name"]?.string, !name.isEmpty else {
                throw fail("a \(className) layer has no name")
            }
            guard names.insert(name).inserted else { throw fail("two layers are named '\(name)'") }
            if className == "InputLayer" {
                guard let shape = (layerConfig["batch_shape"] ?? layerConfig["batch_input_shape"])?.array else {
                    throw fail("InputLayer '\(name)' has no batch_shape")
                }
                let dims = try imageShape(.array(Array(shape.dropFirst())), file: file, what: "InputLayer '\(name)' batch_shape")
                tensors[name] = [Input(shape: dims, name: name)]
                continue
            }
            let layer = try KerasLayerConfig.layer(entry, file: file)
            layer.name = name
            layers.append((name, layer, object["inbound_nodes"]?.array ?? []))
        }

        // Make each layer's calls in order, as their inputs are made: a call waiting for a
        // tensor is retried once that tensor exists (linear in the calls, whatever the
        // order of the list).
        var made = [Int](repeating: 0, count: layers.count)
        var ready = Array(layers.indices.reversed())
        var waiting: [String: [Int]] = [:]
        while let i = ready.popLast() {
            let entry = layers[i]
            guard made[i] < entry.nodes.count else { continue }
            let call: (tensors: [SymbolicTensor], list: Bool)
            switch try arguments(entry.nodes[made[i]], of: entry.name, tensors: tensors, file: file) {
            case .missing(let key):
                waiting[key, default: []].append(i)
                continue
            case .ready(let tensors, let list):
                call = (tensors, list)
            }
            let output: SymbolicTensor
            do {
                if call.list {
                    guard let merge = entry.layer as? MergeLayer else {
                        throw fail("layer '\(entry.name)' (\(entry.layer.typeName)) is called on a list of tensors")
                    }
                    output = try merge(call.tensors)
                } else {
                    output = try entry.layer(call.tensors[0])
                }
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw fail("\(error)")
            }
            tensors[entry.name, default: []].append(output)
            made[i] += 1
            ready.append(i)
            ready += waiting.removeValue(forKey: tensorKey(entry.name, made[i] - 1)) ?? []
        }
        if let i = layers.indices.first(where: { made[$0] < layers[$0].nodes.count }) {
            throw fail("layer '\(layers[i].name)' reads a tensor that no layer makes (call \(made[i]) of its inbound_nodes)")
        }
        let inputs = try endpoints(config["input_layers"], "input_layers", tensors: tensors, file: file)
        let outputs = try endpoints(config["output_layers"], "output_layers", tensors: tensors, file: file)
        let model: Model
        do {
            model = try Model(inputs: inputs, outputs: outputs, name: config["name"]?.string ?? "")
        } catch {
            throw fail("\(error)")
        }
        return (model, inputs.count == 1 ? inputs[0].shape : nil)
    }

    private enum Arguments {
        case ready([SymbolicTensor], list: Bool)
        /// The key (`tensorKey`) of a tensor not made yet.
        case missing(String)
    }

    private static func tensorKey(_ layer: String, _ node: Int) -> String { "\(node)#\(layer)" }

    /// The tensors a node reads, or the first of them not made yet.
    private static func arguments(
        _ node: JSONValue, of layer: String, tensors: [String: [SymbolicTensor]], file: String
    ) throws -> Arguments {
        func fail(_ message: String) -> CheckpointError {
            CheckpointError(file: file, message: "config.json: layer '\(layer)': \(message)")
        }
        guard let object = node.object, let args = object["args"]?.array, args.count == 1 else {
            throw fail("an inbound node is not {\"args\": [tensor or list of tensors], \"kwargs\": {…}}")
        }
        for (key, value) in object["kwargs"]?.object ?? [:] where !value.isNull {
            throw fail("call argument '\(key)' = \(value.text) is not supported; supported: none (or null)")
        }
        let list = args[0].array != nil
        var result: [SymbolicTensor] = []
        for item in args[0].array ?? [args[0]] {
            guard let history = item.object?["config"]?.object?["keras_history"] else {
                throw fail("an argument is not a Keras tensor with keras_history")
            }
            guard let (name, index) = try reference(history, file: file) else { throw fail("bad keras_history \(history.text)") }
            guard let made = tensors[name], index < made.count else { return .missing(tensorKey(name, index)) }
            result.append(made[index])
        }
        guard !result.isEmpty else { throw fail("an inbound node has no tensors") }
        return .ready(result, list: list)
    }

    /// `[layer, node index, 0]` as (layer, node index).
    private static func reference(_ value: JSONValue, file: String) throws -> (String, Int)? {
        guard let items = value.array, items.count == 3, let name = items[0].string, let node = items[1].integer,
            node >= 0, items[2].integer == 0
        else { return nil }
        return (name, node)
    }

    /// input_layers / output_layers: one triple or a list of them.
    private static func endpoints(
        _ value: JSONValue?, _ key: String, tensors: [String: [SymbolicTensor]], file: String
    ) throws -> [SymbolicTensor] {
        let fail = CheckpointError(
            file: file, message: "config.json: Functional \(key) \(value?.text ?? "null") is not [name, node, 0] or a list of them")
        guard let value, let items = value.array, !items.isEmpty else { throw fail }
        let triples = items[0].array != nil ? items : [value]
        return try triples.map { triple in
            guard let (name, index) = try reference(triple, file: file) else { throw fail }
            guard let made = tensors[name], index < made.count else {
                throw CheckpointError(file: file, message: "config.json: Functional \(key) names '\(name)', which makes no such tensor")
            }
            return made[index]
        }
    }

    private static func imageShape(_ value: JSONValue, file: String, what: String) throws -> [Int] {
        let dims = value.array?.compactMap(\.integer) ?? []
        guard !dims.isEmpty, dims.count == value.array?.count, dims.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }),
            dims.reduce(1, { $0 * $1 }) <= 1 << 26
        else {
            throw CheckpointError(
                file: file, message: "config.json: \(what) \(value.text) is not a positive shape like [null, 32, 32, 3]")
        }
        return dims
    }

    // MARK: Writing

    /// Keras 3's config of the Functional `model`.
    static func json(_ model: Model, graph: FunctionalGraph, file: String) throws -> [String: JSONValue] {
        func tensor(_ t: SymbolicTensor) -> JSONValue {
            [
                "class_name": "__keras_tensor__",
                "config": [
                    "shape": .array([.null] + t.shape.map { .number(Double($0)) }), "dtype": "float32",
                    "keras_history": [.string(t.layer.name), .number(Double(graph.nodeIndex(of: t))), 0],
                ],
            ]
        }
        var layers: [JSONValue] = []
        for layer in graph.layers {
            var entry: [String: JSONValue]
            if let input = layer as? InputLayer {
                entry = [
                    "module": "keras.layers", "class_name": "InputLayer", "registered_name": nil,
                    "config": [
                        "batch_shape": .array([.null] + input.shape.map { .number(Double($0)) }), "dtype": "float32",
                        "sparse": false, "ragged": false, "name": .string(layer.name), "optional": false,
                    ],
                ]
            } else {
                guard let described = KerasLayerConfig.entry(layer)?.object else {
                    throw CheckpointError(
                        file: file,
                        message:
                            "config.json: layer '\(layer.name)' (\(layer.typeName)) has no Keras 3 config in SwiftCNN; supported: \(KerasLayerConfig.supported.joined(separator: ", "))"
                    )
                }
                entry = described
            }
            entry["name"] = .string(layer.name)
            entry["inbound_nodes"] = .array(
                graph.calls(of: layer).map { call in
                    let args: JSONValue =
                        call.takesList ? .array(call.inboundTensors.map(tensor)) : tensor(call.inboundTensors[0])
                    return ["args": [args], "kwargs": [:]]
                })
            layers.append(.object(entry))
        }
        func endpoints(_ list: [SymbolicTensor]) -> JSONValue {
            let triples = list.map { t -> JSONValue in [.string(t.layer.name), .number(Double(graph.nodeIndex(of: t))), 0] }
            return triples.count == 1 ? triples[0] : .array(triples)
        }
        return [
            "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": [
                "name": .string(model.name), "trainable": true, "layers": .array(layers),
                "input_layers": endpoints(graph.inputs), "output_layers": endpoints(graph.outputs),
            ],
        ]
    }
}
