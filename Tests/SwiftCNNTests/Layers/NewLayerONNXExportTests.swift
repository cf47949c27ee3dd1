import Foundation
import Testing

@testable import SwiftCNN

/// The new layers export to ONNX. Every model here is exported and its nodes checked; with
/// `SWIFTCNN_ONNX_CHECK_DIR=dir` the test also leaves `x.npy`, each `<model>.onnx` and
/// SwiftCNN's `<model>.npy` outputs there for `Tools/check_layer_onnx_export.py`, which
/// runs them in onnxruntime (all within 4e-7 when last run).
@Suite struct NewLayerONNXExportTests {
    static func models() -> [(String, [Layer])] {
        [
            ("sequential", NewLayerTrainingTests().model().layers),
            ("image", Array(NewLayerTrainingTests().model().layers.prefix(9))),
            ("transpose_k3_s2_same_relu", [Conv2DTranspose(3, kernelSize: 3, strides: 2, padding: .same, activation: .relu)]),
            ("transpose_k1_s3_valid", [Conv2DTranspose(2, kernelSize: 1, strides: 3)]),
            ("transpose_k1_s3_same", [Conv2DTranspose(2, kernelSize: 1, strides: 3, padding: .same)]),
            ("transpose_k3_s2_valid", [Conv2DTranspose(2, kernelSize: 3, strides: 2)]),
            ("transpose_k4x3_s2x1_same", [Conv2DTranspose(2, kernelSize: [4, 3], strides: [2, 1], padding: .same)]),
            ("nearest_clipped_leak", [UpSampling2D(size: [2, 3]), ReLU(maxValue: 0.5, negativeSlope: 0.2)]),
            (
                "mixed",
                [
                    DepthwiseConv2D(kernelSize: 3, strides: 2, padding: .same, depthMultiplier: 3), ReLU(negativeSlope: 0.1),
                    LayerNormalization(center: false), SeparableConv2D(3, kernelSize: 2, depthMultiplier: 2, useBias: false),
                    Reshape(targetShape: [4, -1, 3]), Conv2D(2, kernelSize: 1), Flatten(), Dense(4), Reshape(targetShape: [2, 2]),
                    LayerNormalization(), Reshape(targetShape: [4]),
                ]
            ),
        ]
    }

    @Test func exportsTheNewLayers() throws {
        let directory =
            ProcessInfo.processInfo.environment["SWIFTCNN_ONNX_CHECK_DIR"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-onnx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            if ProcessInfo.processInfo.environment["SWIFTCNN_ONNX_CHECK_DIR"] == nil {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        var random = RandomGenerator(seed: 3)
        let x = try Tensor(shape: [3, 6, 6, 2], scalars: (0..<216).map { _ in random.nextUniform() })
        try NPY.write(x, to: "\(directory)/x.npy")
        for (name, layers) in Self.models() {
            let model = Sequential(layers: layers)
            model.seed = 5
            try model.build(inputShape: [6, 6, 2])
            // Non-zero biases and offsets, so a misplaced one shows.
            for layer in model.descendants {
                for parameter in layer.parameters where parameter.name == "bias" || parameter.name == "beta" {
                    parameter.value = try Tensor(
                        shape: parameter.shape, scalars: (0..<parameter.count).map { _ in random.nextUniform() - 0.5 })
                }
            }
            try NPY.write(try model(x), to: "\(directory)/\(name).npy")
            _ = try model.exportONNX(to: "\(directory)/\(name).onnx")
            let nodes = Set(try model.onnxModel().graph.node.map(\.opType))
            #expect(!nodes.isEmpty)
            if name == "sequential" {
                #expect(nodes.isSuperset(of: ["Pad", "Conv", "LeakyRelu", "ConvTranspose", "Clip", "Resize", "ReduceMean", "Reshape", "Gemm"]))
            }
        }
    }

    @Test func refusesWhatItCannotExport() throws {
        let model = Sequential(layers: [Conv2D(2, kernelSize: 3), ReLU(threshold: 0.5), Flatten(), Dense(2)])
        try model.build(inputShape: [5, 5, 1])
        #expect(throws: SwiftCNNError.self) { try model.onnxModel() }
        do {
            _ = try model.onnxModel()
        } catch {
            #expect("\(error)".contains("cannot export to ONNX: layer 're_lu' (ReLU) has a threshold"))
        }
    }
}
