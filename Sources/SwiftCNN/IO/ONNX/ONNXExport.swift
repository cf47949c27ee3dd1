import Foundation

// ONNX export: the model's inference graph as a standard ONNX file (opset 13) that
// onnxruntime and other runtimes load. The input is NHWC float32 `[N, H, W, C]`, as
// SwiftCNN and Keras take images; one Transpose at the input turns it into the NCHW
// layout ONNX's Conv and pooling operators use, and every 4-D value stays NCHW from
// there on. Flatten keeps Keras's H·W·C order by reordering the rows of the Dense
// kernel that reads it (or, when something else reads it, by one Transpose back to NHWC
// before it). TensorFlow's `same` padding becomes explicit pads with the odd pixel at
// the end, batch normalisation a BatchNormalization node with the layer's epsilon and
// moving statistics, and each layer's fused activation a node after it.

extension Model {
    /// The ONNX operator set version the export targets.
    public static let onnxOpset = 13

    /// Writes the model as an ONNX file: NHWC float32 input `[N, H, W, C]` named `input`,
    /// the model's output (probabilities for the course models) named `output`, both with
    /// a free batch size `N`.
    ///
    /// ```swift
    /// let model = Baseline()
    /// try model.build(inputShape: [32, 32, 3])
    /// try model.loadWeights("checkpoint/Baseline.ckpt")
    /// try model.exportONNX(to: "baseline.onnx")
    /// ```
    ///
    /// Supported: `Conv2D`, `Dense`, `BatchNormalization`, `Activation` (and fused
    /// activations) `relu`, `sigmoid`, `tanh`, `softmax`, `linear`, `MaxPool2D`,
    /// `AveragePooling2D`, `GlobalAveragePooling2D`, `Flatten`, `Dropout` (the identity at
    /// inference), and between layers `+`, `add`, `concatenate` (the `Add` and
    /// `Concatenate` layers), in `Sequential` models and in models with their own `call`.
    /// Any other layer throws one error naming it.
    ///
    /// - Parameters:
    ///   - path: the `.onnx` file to write (replaced atomically).
    ///   - inputShape: the input without the batch axis, e.g. `[32, 32, 3]`;
    ///     defaults to the shape the model was last called or built with.
    /// - Returns: one line describing what was written (opset, nodes, parameters, shapes).
    @discardableResult
    public func exportONNX(to path: String, inputShape: [Int]? = nil) throws -> String {
        let model = try onnxModel(inputShape: inputShape)
        let bytes: [UInt8]
        do {
            bytes = try model.serializedBytes()
        } catch {
            throw SwiftCNNError("\(path): cannot encode the ONNX model (\(error))")
        }
        try AtomicFile.write(bytes, to: path)
        let graph = model.graph
        let parameters = graph.initializer.reduce(0) { $0 + Int($1.dims.reduce(1, *)) }
        func shape(_ info: Onnx_ValueInfoProto) -> String {
            let sizes = info.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? "\($0.dimValue)" : $0.dimParam }
            return "[" + sizes.joined(separator: ", ") + "]"
        }
        return
            "ONNX opset \(Self.onnxOpset), \(graph.node.count) nodes, \(graph.initializer.count) initializers (\(parameters) parameters), input \(shape(graph.input[0])), output \(shape(graph.output[0]))"
    }

    /// The ONNX model ``exportONNX(to:inputShape:)`` writes.
    func onnxModel(inputShape: [Int]? = nil) throws -> Onnx_ModelProto {
        guard let shape = inputShape ?? lastInputShape.map({ Array($0.dropFirst()) }) else {
            throw SwiftCNNError("\(displayName): build the model (or give inputShape) before exporting it to ONNX")
        }
        if !isBuilt || lastInputShape.map({ Array($0.dropFirst()) }) != shape { try build(inputShape: shape) }
        let input = Tensor.zeros([1] + shape)
        let trace = GraphTrace(input: input)
        let output = try GraphTrace.$current.withValue(trace) { try self(input, training: false) }
        if let problem = trace.problem { throw SwiftCNNError("cannot export \(displayName) to ONNX: \(problem)") }
        guard let result = trace.number(of: output) else {
            throw SwiftCNNError(
                "cannot export \(displayName) to ONNX: its output was made by an operation the export cannot follow")
        }
        var exporter = ONNXExporter(trace: trace)
        let graph = try exporter.graph(output: result, name: name.isEmpty ? defaultNameBase : name)

        var model = Onnx_ModelProto()
        model.irVersion = 7
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(Self.onnxOpset)
        model.opsetImport = [opset]
        model.producerName = "SwiftCNN"
        model.producerVersion = "1"
        model.docString = "\(typeName) exported by SwiftCNN: NHWC float32 input [N, H, W, C]"
        model.graph = graph
        return model
    }
}

/// Turns a traced forward pass into ONNX nodes.
struct ONNXExporter {
    let trace: GraphTrace
    private var builder = ONNXGraphBuilder()
    /// The ONNX name of each traced value.
    private var names: [Int: String] = [:]
    /// Values held NCHW in the graph (every 4-D value after the input transpose).
    private var channelsFirst: Set<Int> = []
    /// Flatten outputs left in C·H·W order, with the (C, H, W) they came from; only Dense
    /// layers read them, reordering their kernel rows to Keras's H·W·C.
    private var flattenedChannelsFirst: [Int: (c: Int, h: Int, w: Int)] = [:]
    /// Which nodes read each value.
    private let readers: [Int: [GraphTrace.Node]]

    static let supportedLayers = [
        "Conv2D", "Dense", "BatchNormalization", "Activation", "MaxPooling2D", "AveragePooling2D",
        "GlobalAveragePooling2D", "Flatten", "Dropout",
    ]

    init(trace: GraphTrace) {
        self.trace = trace
        var readers: [Int: [GraphTrace.Node]] = [:]
        for node in trace.nodes { for input in node.inputs { readers[input, default: []].append(node) } }
        self.readers = readers
    }

    /// The whole graph, reading value 0 and producing `output`.
    mutating func graph(output: Int, name: String) throws -> Onnx_GraphProto {
        let inputShape = Array(trace.shapes[0].dropFirst())
        builder.addInput(ONNXGraphBuilder.valueInfo(builder.uniqueName("input"), batch: "N", shape: inputShape))
        if trace.shapes[0].count == 4 {
            names[0] = builder.node(
                "Transpose", ["input"], name: "input_to_nchw", output: "input_nchw",
                [ONNXAttribute.ints("perm", [0, 3, 1, 2])])
            channelsFirst.insert(0)
        } else {
            names[0] = "input"
        }
        for node in trace.nodes.dropFirst() { try emit(node) }

        var result = names[output]!
        if channelsFirst.contains(output) {
            result = builder.node(
                "Transpose", [result], name: "output_to_nhwc", [ONNXAttribute.ints("perm", [0, 2, 3, 1])])
        } else if flattenedChannelsFirst[output] != nil {
            throw SwiftCNNError("ONNX export: internal error: a channels-first Flatten reached the output")
        }
        if result == "input" || builder.graph.node.allSatisfy({ !$0.output.contains(result) }) {
            result = builder.node("Identity", [result], name: "output_identity")
        }
        builder.rename(result, to: "output")
        builder.addOutput(
            ONNXGraphBuilder.valueInfo("output", batch: "N", shape: Array(trace.shapes[output].dropFirst())))
        var graph = builder.graph
        graph.name = name
        return graph
    }

    private mutating func emit(_ node: GraphTrace.Node) throws {
        let inputs = node.inputs.map { names[$0]! }
        let out = node.output
        let shape = trace.shapes[out]
        switch node.operation {
        case .input:
            return
        case .add:
            try requireSameLayout(node, "add")
            // ONNX's Add takes two inputs; Sum any number (Keras's Add of three).
            names[out] = builder.node(inputs.count == 2 ? "Add" : "Sum", inputs, name: "add")
            if channelsFirst.contains(node.inputs[0]) { channelsFirst.insert(out) }
        case .concatenate:
            try requireSameLayout(node, "concatenate")
            let axis = channelsFirst.contains(node.inputs[0]) ? 1 : shape.count - 1
            names[out] = builder.node("Concat", inputs, name: "concatenate", [ONNXAttribute.int("axis", axis)])
            if channelsFirst.contains(node.inputs[0]) { channelsFirst.insert(out) }
        case .layer(let layer):
            try emit(layer, input: node.inputs[0], output: out)
        }
    }

    private func requireSameLayout(_ node: GraphTrace.Node, _ op: String) throws {
        let layouts = Set(node.inputs.map { channelsFirst.contains($0) })
        guard layouts.count == 1, node.inputs.allSatisfy({ flattenedChannelsFirst[$0] == nil }) else {
            throw SwiftCNNError("ONNX export: \(op) of tensors of different ranks is not supported")
        }
    }

    private mutating func emit(_ layer: Layer, input: Int, output: Int) throws {
        let x = names[input]!
        let inputShape = trace.shapes[input]
        let label = layer.name.isEmpty ? layer.defaultNameBase : layer.name
        let image = channelsFirst.contains(input)
        func alias() {
            names[output] = x
            if image { channelsFirst.insert(output) }
            if let flat = flattenedChannelsFirst[input] { flattenedChannelsFirst[output] = flat }
        }
        func imageOutput(_ name: String) {
            names[output] = name
            channelsFirst.insert(output)
        }
        func requireImage() throws {
            guard image else {
                throw SwiftCNNError(
                    "ONNX export: \(layer.displayName) needs a 4-D NHWC input, got \(describe(inputShape))")
            }
        }
        switch layer {
        case let conv as Conv2D:
            try requireImage()
            guard let kernel = conv.kernel else {
                throw SwiftCNNError("ONNX export: \(layer.displayName) is not built")
            }
            let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
            var weights = [Float](repeating: 0, count: kernel.count)
            kernel.value.withUnsafeBufferPointer { k in
                for y in 0..<kh {
                    for xx in 0..<kw {
                        for i in 0..<cin {
                            for o in 0..<cout {
                                weights[((o * cin + i) * kh + y) * kw + xx] = k[((y * kw + xx) * cin + i) * cout + o]
                            }
                        }
                    }
                }
            }
            var operands = [x, builder.initializer(label + "_kernel", shape: [cout, cin, kh, kw], values: weights)]
            if let bias = conv.bias {
                operands.append(
                    bias.value.withUnsafeBufferPointer {
                        builder.initializer(label + "_bias", shape: [cout], values: $0)
                    })
            }
            let window = Window2D(
                height: inputShape[1], width: inputShape[2], window: (kh, kw),
                strides: (conv.strides.height, conv.strides.width), padding: conv.padding)
            let convolved = builder.node(
                "Conv", operands, name: label,
                [
                    ONNXAttribute.ints("kernel_shape", [kh, kw]),
                    ONNXAttribute.ints("strides", [conv.strides.height, conv.strides.width]),
                    ONNXAttribute.ints("pads", Self.pads(window)),
                    ONNXAttribute.ints("dilations", [1, 1]),
                    ONNXAttribute.int("group", 1),
                ])
            imageOutput(try activation(conv.activation, convolved, label: label, channelsFirst: true))
        case let dense as Dense:
            guard inputShape.count == 2, let kernel = dense.kernel else {
                throw SwiftCNNError("ONNX export: \(layer.displayName) needs a 2-D input, got \(describe(inputShape))")
            }
            let (rows, units) = (kernel.shape[0], kernel.shape[1])
            var weights = kernel.value.scalars
            if let (c, h, w) = flattenedChannelsFirst[input] {
                // Row (c, h, w) of the C·H·W flatten is Keras's row (h, w, c).
                let source = weights
                for ci in 0..<c {
                    for hi in 0..<h {
                        for wi in 0..<w {
                            let (to, from) = ((ci * h + hi) * w + wi, (hi * w + wi) * c + ci)
                            for u in 0..<units { weights[to * units + u] = source[from * units + u] }
                        }
                    }
                }
            }
            var operands = [x, builder.initializer(label + "_kernel", shape: [rows, units], values: weights)]
            if let bias = dense.bias {
                operands.append(
                    bias.value.withUnsafeBufferPointer {
                        builder.initializer(label + "_bias", shape: [units], values: $0)
                    })
            }
            let product = builder.node("Gemm", operands, name: label)
            names[output] = try activation(dense.activation, product, label: label, channelsFirst: false)
        case let norm as BatchNormalization:
            guard image || (inputShape.count == 2 && flattenedChannelsFirst[input] == nil),
                let gamma = norm.gamma, let beta = norm.beta, let mean = norm.movingMean,
                let variance = norm.movingVariance
            else {
                throw SwiftCNNError(
                    "ONNX export: \(layer.displayName) on a \(describe(inputShape)) input is not supported (4-D images or 2-D features)"
                )
            }
            let channels = gamma.count
            let operands =
                [x]
                + [("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", variance)].map {
                    part, parameter in
                    parameter.value.withUnsafeBufferPointer {
                        builder.initializer("\(label)_\(part)", shape: [channels], values: $0)
                    }
                }
            let normalized = builder.node(
                "BatchNormalization", operands, name: label, [ONNXAttribute.float("epsilon", norm.epsilon)])
            names[output] = normalized
            if image { channelsFirst.insert(output) }
        case let activationLayer as Activation:
            guard activationLayer.function != .linear else { return alias() }
            // Flatten leaves C·H·W order only for Dense readers, so this input is in Keras's order.
            names[output] = try activation(activationLayer.function, x, label: label, channelsFirst: image)
            if image { channelsFirst.insert(output) }
        case let pool as MaxPool2D:
            try requireImage()
            imageOutput(pooling("MaxPool", x, label, pool.poolSize, pool.strides, pool.padding, inputShape, extra: []))
        case let pool as AveragePooling2D:
            try requireImage()
            imageOutput(
                pooling(
                    "AveragePool", x, label, pool.poolSize, pool.strides, pool.padding, inputShape,
                    extra: [ONNXAttribute.int("count_include_pad", 0)]))
        case is GlobalAveragePooling2D:
            try requireImage()
            let pooled = builder.node("GlobalAveragePool", [x], name: label)
            names[output] = builder.node("Flatten", [pooled], name: label + "_flatten", [ONNXAttribute.int("axis", 1)])
        case is Dropout:
            alias()
        case is Flatten:
            if image {
                let onlyDense = (readers[output] ?? []).allSatisfy {
                    if case .layer(let reader) = $0.operation { return reader is Dense }
                    return false
                }
                if onlyDense {
                    names[output] = builder.node("Flatten", [x], name: label, [ONNXAttribute.int("axis", 1)])
                    flattenedChannelsFirst[output] = (inputShape[3], inputShape[1], inputShape[2])
                } else {
                    let nhwc = builder.node(
                        "Transpose", [x], name: label + "_to_nhwc", [ONNXAttribute.ints("perm", [0, 2, 3, 1])])
                    names[output] = builder.node("Flatten", [nhwc], name: label, [ONNXAttribute.int("axis", 1)])
                }
            } else if inputShape.count == 2 {
                alias()
            } else {
                names[output] = builder.node("Flatten", [x], name: label, [ONNXAttribute.int("axis", 1)])
            }
        default:
            throw SwiftCNNError(
                "cannot export to ONNX: layer '\(label)' (\(layer.typeName)) is not supported; supported layers: \(Self.supportedLayers.joined(separator: ", "))"
            )
        }
    }

    /// TensorFlow's padding as ONNX pads: [top, left, bottom, right], the odd pixel at the end.
    static func pads(_ window: Window2D) -> [Int] {
        func after(_ g: WindowGeometry) -> Int { max((g.output - 1) * g.stride + g.window - g.input - g.padBefore, 0) }
        return [window.rows.padBefore, window.cols.padBefore, after(window.rows), after(window.cols)]
    }

    private mutating func pooling(
        _ op: String, _ x: String, _ label: String, _ size: Size2D, _ strides: Size2D, _ padding: Padding,
        _ inputShape: [Int],
        extra: [Onnx_AttributeProto]
    ) -> String {
        let window = Window2D(
            height: inputShape[1], width: inputShape[2], window: (size.height, size.width),
            strides: (strides.height, strides.width), padding: padding)
        return builder.node(
            op, [x], name: label,
            [
                ONNXAttribute.ints("kernel_shape", [size.height, size.width]),
                ONNXAttribute.ints("strides", [strides.height, strides.width]),
                ONNXAttribute.ints("pads", Self.pads(window)),
            ] + extra)
    }

    /// The node applying `function` to `x` (none for linear); softmax runs over the
    /// channels, axis 1 of an NCHW value and the last axis otherwise.
    private mutating func activation(_ function: ActivationFunction, _ x: String, label: String, channelsFirst: Bool)
        throws -> String
    {
        switch function {
        case .linear: return x
        case .relu: return builder.node("Relu", [x], name: label + "_relu")
        case .sigmoid: return builder.node("Sigmoid", [x], name: label + "_sigmoid")
        case .tanh: return builder.node("Tanh", [x], name: label + "_tanh")
        case .softmax:
            return builder.node(
                "Softmax", [x], name: label + "_softmax", [ONNXAttribute.int("axis", channelsFirst ? 1 : -1)])
        }
    }
}
