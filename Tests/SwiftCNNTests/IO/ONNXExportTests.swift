import Foundation
import Testing

@testable import SwiftCNN

@Suite struct ONNXExportTests {
    static func attribute(_ node: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? {
        node.attribute.first { $0.name == name }
    }

    static func floats(_ tensor: Onnx_TensorProto) -> [Float] {
        tensor.rawData.withUnsafeBytes { raw in
            (0..<raw.count / 4).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// 6×6 input, 3×3 kernel, stride 2, `same`: TensorFlow pads 0 before and 1 after.
    static func smallModel() throws -> Sequential {
        let model = Sequential {
            Conv2D(4, kernelSize: 3, strides: 2, padding: .same)
            BatchNormalization(epsilon: 0.01)
            Activation(.relu)
            MaxPool2D(poolSize: 2, strides: 2, padding: .same)
            Flatten()
            Dense(3, activation: .softmax)
        }
        model.seed = 3
        try model.build(inputShape: [6, 6, 2])
        return model
    }

    @Test func graphStructure() throws {
        let model = try Self.smallModel()
        let proto = try model.onnxModel()
        #expect(proto.irVersion == 7)
        #expect(proto.opsetImport.map(\.version) == [13] && proto.opsetImport[0].domain.isEmpty)
        let graph = proto.graph
        #expect(
            graph.node.map(\.opType) == [
                "Transpose", "Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax",
            ])
        #expect(Self.attribute(graph.node[0], "perm")?.ints == [0, 3, 1, 2])
        #expect(graph.node[0].input == ["input"] && graph.node.last?.output == ["output"])
        let conv = graph.node[1]
        #expect(Self.attribute(conv, "pads")?.ints == [0, 0, 1, 1])
        #expect(Self.attribute(conv, "strides")?.ints == [2, 2])
        #expect(Self.attribute(conv, "kernel_shape")?.ints == [3, 3])
        #expect(Self.attribute(graph.node[2], "epsilon")?.f == 0.01)
        // 3×3 after the conv; pooling 2 with stride 2, same: 2×2, pads 0 before, 1 after.
        #expect(Self.attribute(graph.node[4], "pads")?.ints == [0, 0, 1, 1])
        #expect(Self.attribute(graph.node.last!, "axis")?.i == -1)

        #expect(graph.input.map(\.name) == ["input"])
        let inputDims = graph.input[0].type.tensorType.shape.dim
        #expect(inputDims.map(\.dimParam) == ["N", "", "", ""] && inputDims.dropFirst().map(\.dimValue) == [6, 6, 2])
        #expect(graph.output[0].type.tensorType.shape.dim.dropFirst().map(\.dimValue) == [3])

        // Initializers: conv kernel and bias, BN's four, dense kernel and bias.
        #expect(graph.initializer.count == 8)
        let byName = Dictionary(uniqueKeysWithValues: graph.initializer.map { ($0.name, $0) })
        let layers = model.layers
        let convLayer = try #require(layers[0] as? Conv2D)
        let kernel = try #require(byName[conv.input[1]])
        #expect(kernel.dims == [4, 2, 3, 3])
        let keras = convLayer.kernel!.value.scalars  // [kh, kw, in, out]
        let onnx = Self.floats(kernel)  // [out, in, kh, kw]
        for (o, i, y, x) in [(0, 0, 0, 0), (3, 1, 2, 1), (1, 0, 1, 2)] {
            #expect(onnx[((o * 2 + i) * 3 + y) * 3 + x] == keras[((y * 3 + x) * 2 + i) * 4 + o])
        }
        let norm = try #require(layers[1] as? BatchNormalization)
        #expect(Self.floats(byName[graph.node[2].input[4]]!) == norm.movingVariance!.value.scalars)

        // Flatten stays C·H·W; the Dense kernel's rows are reordered from Keras's H·W·C.
        let dense = try #require(layers[5] as? Dense)
        let denseKernel = try #require(byName[graph.node[6].input[1]])
        #expect(denseKernel.dims == [16, 3])
        let (kerasRows, onnxRows) = (dense.kernel!.value.scalars, Self.floats(denseKernel))
        for (c, h, w) in [(0, 0, 0), (3, 1, 0), (2, 0, 1), (1, 1, 1)] {
            for u in 0..<3 {
                #expect(onnxRows[((c * 2 + h) * 2 + w) * 3 + u] == kerasRows[((h * 2 + w) * 4 + c) * 3 + u])
            }
        }
    }

    /// A Flatten read by something other than Dense goes back to NHWC first.
    @Test func flattenNotReadByDenseTransposesBack() throws {
        let model = Sequential {
            Conv2D(2, kernelSize: 1)
            Flatten()
            Activation(.sigmoid)
        }
        try model.build(inputShape: [2, 3, 1])
        let graph = try model.onnxModel().graph
        #expect(graph.node.map(\.opType) == ["Transpose", "Conv", "Transpose", "Flatten", "Sigmoid"])
        #expect(Self.attribute(graph.node[2], "perm")?.ints == [0, 2, 3, 1])
    }

    @Test func courseModelsExport() throws {
        let models: [(Model, [String: Int])] = [
            (Baseline(), ["Conv": 1, "BatchNormalization": 1, "MaxPool": 1, "Gemm": 2, "Softmax": 1]),
            (LeNet5(), ["Conv": 2, "Sigmoid": 4, "MaxPool": 2, "Gemm": 3]),
            (Inception10(numBlocks: 1, initCh: 4), ["Concat": 2, "GlobalAveragePool": 1, "Softmax": 1]),
            (ResNet18(blockList: [1, 1], initialFilters: 4), ["Add": 2, "GlobalAveragePool": 1, "Conv": 6]),
        ]
        for (model, expected) in models {
            try model.build(inputShape: [32, 32, 3])
            let graph = try model.onnxModel().graph
            var counts: [String: Int] = [:]
            for node in graph.node { counts[node.opType, default: 0] += 1 }
            #expect(counts["Transpose"] == 1, "\(model.typeName): \(counts)")
            for (op, count) in expected { #expect(counts[op] == count, "\(model.typeName) \(op): \(counts)") }
            let parameters = graph.initializer.reduce(0) { $0 + Int($1.dims.reduce(1, *)) }
            #expect(parameters == model.weights.reduce(0) { $0 + $1.count }, "\(model.typeName)")
            if let concat = graph.node.first(where: { $0.opType == "Concat" }) {
                #expect(Self.attribute(concat, "axis")?.i == 1, "channels of NCHW")
            }
        }
    }

    /// The composite layer of the "Your own layers" article.
    final class Residual: Layer {
        let c1 = Conv2D(16, kernelSize: 3, padding: .same, useBias: false)
        let b1 = BatchNormalization()
        let a1 = Activation(.relu)

        override func call(_ x: Tensor, training: Bool) throws -> Tensor {
            try a1(b1(c1(x, training: training), training: training) + x, training: training)
        }
    }

    @Test func documentedCustomLayerExports() throws {
        let model = Sequential {
            Conv2D(16, kernelSize: 3, padding: .same)
            Residual()
            GlobalAveragePooling2D()
            Dense(10, activation: .softmax)
        }
        try model.build(inputShape: [8, 8, 3])
        let graph = try model.onnxModel().graph
        #expect(graph.node.map(\.opType) == [
            "Transpose", "Conv", "Conv", "BatchNormalization", "Add", "Relu", "GlobalAveragePool", "Flatten", "Gemm",
            "Softmax",
        ])
        // The sum reads the first convolution's output and the batch normalisation's.
        let add = graph.node[4]
        #expect(Set(add.input) == [graph.node[1].output[0], graph.node[3].output[0]])
    }

    final class Doubler: Layer {
        override func call(_ input: Tensor, training: Bool) throws -> Tensor { try input + input }
    }

    final class Untraceable: Model {
        let dense = Dense(2)
        override func call(_ input: Tensor, training: Bool) throws -> Tensor {
            _ = try dense(input, training: training)
            return Tensor(shape: [input.shape[0], 2], repeating: 1)
        }
    }

    @Test func unsupportedLayerIsOneLineNamingIt() throws {
        let model = Sequential {
            Dense(4)
            Doubler()
        }
        try model.build(inputShape: [3])
        let message = thrownMessage { _ = try model.onnxModel() }
        #expect(
            message.hasPrefix(
                "cannot export to ONNX: layer 'doubler' (Doubler) is not supported; supported layers: Conv2D"))
        #expect(!message.contains("\n"))

        let other = Untraceable()
        try other.build(inputShape: [3])
        #expect(
            thrownMessage { _ = try other.onnxModel() }.contains(
                "untraceable (Untraceable) computes its output with an operation the export cannot follow"))
        #expect(thrownMessage { _ = try Sequential { Dense(1) }.onnxModel() }.contains("build the model"))
    }

    @Test func writesAFileOnce() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.smallModel()
        let path = directory + "/m.onnx"
        let line = try model.exportONNX(to: path)
        #expect(line == "ONNX opset 13, 8 nodes, 8 initializers (143 parameters), input [N, 6, 6, 2], output [N, 3]")
        let decoded = try Onnx_ModelProto(serializedBytes: try readWholeFile(path))
        #expect(decoded == (try model.onnxModel()))
    }
}
