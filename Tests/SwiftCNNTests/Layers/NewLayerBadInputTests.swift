import Testing

@testable import SwiftCNN

/// Bad shapes and arguments of the new layers and functions give one clear line naming the
/// layer (or function) and what is wrong, never a trap.
@Suite struct NewLayerBadInputTests {
    func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    let image = Tensor.zeros([1, 4, 4, 3])

    @Test func convolutions() throws {
        #expect(message { try DepthwiseConv2D(kernelSize: 3)(Tensor.zeros([4, 4, 3])) }.contains("depthwise_conv2d (DepthwiseConv2D): expected a 4-D NHWC input"))
        #expect(message { try DepthwiseConv2D(kernelSize: 5)(image) }.contains("smaller than the kernel"))
        #expect(message { try DepthwiseConv2D(kernelSize: 3, depthMultiplier: 0)(image) }.contains("must be positive"))
        let depthwise = DepthwiseConv2D(kernelSize: 3)
        _ = try depthwise(image)
        #expect(message { try depthwise(Tensor.zeros([1, 4, 4, 2])) }.contains("has 2 channels but the kernel [3, 3, 3, 1] expects 3"))
        let separable = SeparableConv2D(2, kernelSize: 3)
        _ = try separable(image)
        #expect(message { try separable(Tensor.zeros([1, 4, 4, 1])) }.contains("SeparableConv2D"))
        #expect(message { try SeparableConv2D(0, kernelSize: 3)(image) }.contains("filters"))
        let transpose = Conv2DTranspose(2, kernelSize: 3)
        _ = try transpose(image)
        #expect(message { try transpose(Tensor.zeros([1, 4, 4, 5])) }.contains("conv2d_transpose (Conv2DTranspose): input shape [1, 4, 4, 5] has 5 channels"))
        #expect(message { try Conv2DTranspose(2, kernelSize: 3)(Tensor.zeros([2, 3])) }.contains("4-D NHWC"))
        #expect(message { try depthwiseConv2d(image, kernel: Tensor.zeros([3, 3, 3, 1]), bias: Tensor.zeros([2])) }.contains("depthwiseConv2d: bias shape [2]"))
        #expect(message { try pointwiseConv2d(image, kernel: Tensor.zeros([2, 1, 3, 1])) }.contains("pointwiseConv2d: expected a kernel [1, 1, channels, filters]"))
        #expect(message { try conv2dTranspose(image, kernel: Tensor.zeros([3, 3, 2])) }.contains("conv2dTranspose: expected a kernel"))
    }

    @Test func reshapingLayers() {
        #expect(message { try ZeroPadding2D(padding: -1)(image) }.contains("zero_padding2d (ZeroPadding2D): padding must not be negative"))
        #expect(message { try ZeroPadding2D()(Tensor.zeros([3, 4])) }.contains("4-D NHWC"))
        #expect(message { try UpSampling2D(size: 0)(image) }.contains("up_sampling2d (UpSampling2D): size must be positive"))
        #expect(message { try UpSampling2D()(Tensor.zeros([4, 4])) }.contains("4-D NHWC"))
        #expect(message { try Reshape(targetShape: [5])(image) }.contains("reshape (Reshape): cannot reshape input [1, 4, 4, 3] (48 values per sample) to [5]"))
        #expect(message { try Reshape(targetShape: [-1, -1])(image) }.contains("at most one -1"))
        #expect(message { try Reshape(targetShape: [-1, 5])(image) }.contains("cannot reshape"))
        #expect(message { try Reshape(targetShape: [0, 4])(image) }.contains("positive sizes"))
    }

    @Test func rectifiersAndNormalization() {
        #expect(message { try LeakyReLU(negativeSlope: -1)(image) }.contains("leaky_re_lu (LeakyReLU): negative slope"))
        #expect(message { try ReLU(maxValue: -1)(image) }.contains("re_lu (ReLU): max value"))
        #expect(message { try ReLU(threshold: -0.5)(image) }.contains("threshold"))
        #expect(message { try LayerNormalization(axis: 1)(image) }.contains("layer_normalization (LayerNormalization): only the last axis"))
        #expect(message { try LayerNormalization(epsilon: 0)(image) }.contains("epsilon"))
        #expect(message { try layerNormalization(image, gamma: Tensor.zeros([2])) }.contains("layerNormalization: gamma shape [2]"))
    }

    @Test func kerasConfigRefusesWhatSwiftCNNDoesNotDo() throws {
        func read(_ text: String) -> String {
            message { try KerasLayerConfig.layer(try JSONValue.decode(Array(text.utf8)), file: "model.keras") }
        }
        #expect(read(#"{"class_name": "Conv2DTranspose", "config": {"name": "t", "filters": 2, "kernel_size": 3, "output_padding": [1, 1]}}"#).contains("'output_padding'"))
        #expect(read(#"{"class_name": "DepthwiseConv2D", "config": {"name": "d", "kernel_size": 3, "dilation_rate": [2, 2]}}"#).contains("'dilation_rate'"))
        #expect(read(#"{"class_name": "UpSampling2D", "config": {"name": "u", "interpolation": "bicubic"}}"#).contains("'interpolation'"))
        #expect(read(#"{"class_name": "LayerNormalization", "config": {"name": "n", "axis": [1, 2]}}"#).contains("'axis'"))
        #expect(read(#"{"class_name": "Reshape", "config": {"name": "r", "target_shape": [-1, -1]}}"#).contains("'target_shape'"))
        #expect(read(#"{"class_name": "ZeroPadding2D", "config": {"name": "z", "padding": [[1, 2, 3]]}}"#).contains("'padding'"))
        #expect(read(#"{"class_name": "ReLU", "config": {"name": "r", "max_value": -1}}"#).contains("'max_value'"))
    }

    @Test func onnxExportNamesTheLayerItCannotExport() throws {
        let model = Sequential(layers: [Conv2D(2, kernelSize: 3), DepthwiseConv2D(kernelSize: 2), Flatten(), Dense(2)])
        try model.build(inputShape: [5, 5, 1])
        let text = message { try model.onnxModel() }
        #expect(text.contains("cannot export to ONNX: layer 'depthwise_conv2d' (DepthwiseConv2D) is not supported"))
    }
}
