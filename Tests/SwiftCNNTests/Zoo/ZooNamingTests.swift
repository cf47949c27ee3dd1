import Testing

@testable import SwiftCNN

/// Keras names layers in creation order and the course's attribute names are the
/// variables' paths; these spot-check both against tf-keras 2.21.
@Suite struct ZooNamingTests {
    @Test func baselineNamesAndPaths() throws {
        let model = Baseline()
        try model.build(inputShape: [32, 32, 3])
        #expect(model.name == "baseline")
        #expect(
            [model.c1.name, model.b1.name, model.a1.name, model.p1.name, model.d1.name] == [
                "conv2d", "batch_normalization", "activation", "max_pooling2d", "dropout",
            ])
        #expect(
            [model.flatten.name, model.f1.name, model.d2.name, model.f2.name] == ["flatten", "dense", "dropout_1", "dense_1"])
        let paths = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.path, $0.parameter.shape) })
        #expect(paths["c1/kernel"] == [5, 5, 3, 6])
        #expect(paths["b1/moving_variance"] == [6])
        #expect(paths["f1/kernel"] == [1536, 128])
        // tf-keras: [v.name for v in model.trainable_variables]
        #expect(
            model.kerasVariableNames.filter { $0.parameter.isTrainable }.map(\.name) == [
                "baseline/conv2d/kernel:0", "baseline/conv2d/bias:0",
                "baseline/batch_normalization/gamma:0", "baseline/batch_normalization/beta:0",
                "baseline/dense/kernel:0", "baseline/dense/bias:0",
                "baseline/dense_1/kernel:0", "baseline/dense_1/bias:0",
            ])
    }

    @Test func modelNamesAreKeras() {
        // tf-keras's to_snake_case of each class name.
        #expect(
            [Baseline(), LeNet5(), AlexNet8(), VGG16(), Inception10(), ResNet18()].map(\.defaultNameBase) == [
                "baseline", "le_net5", "alex_net8", "vgg16", "inception10", "res_net18",
            ])
        #expect(
            [ConvBNRelu(4).defaultNameBase, InceptionBlk(4).defaultNameBase, ResnetBlock(4).defaultNameBase] == [
                "conv_bn_relu", "inception_blk", "resnet_block",
            ])
    }

    @Test func vgg16ConvsAreAListOfLists() throws {
        let model = VGG16()
        try model.build(inputShape: [8, 8, 1])
        #expect(model.convs.count == 13)
        let paths = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.path, $0.parameter.shape) })
        #expect(paths["convs/0/0/kernel"] == [3, 3, 1, 64])
        #expect(paths["convs/12/1/moving_mean"] == [512])
        #expect(paths["f3/kernel"] == [512, 10])
        #expect(model.convs[1][4].name == "dropout")
        #expect([model.d6.name, model.d7.name, model.f3.name] == ["dropout_5", "dropout_6", "dense_2"])
    }

    @Test func inception10NamesAndPaths() throws {
        let model = Inception10()
        try model.build(inputShape: [8, 8, 3])
        #expect(model.c1.name == "conv_bn_relu")
        #expect(model.c1.model.name == "sequential")
        #expect(model.blocks.name == "sequential_1")
        let block = try #require(model.blocks.layers[0] as? InceptionBlk)
        #expect(block.name == "inception_blk")
        #expect(block.c1.name == "conv_bn_relu_1")
        #expect(block.c1.model.layers.map(\.name) == ["conv2d_1", "batch_normalization_1", "activation_1"])
        #expect(block.p4_1.name == "max_pooling2d")
        let paths = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.path, $0.parameter.shape) })
        #expect(paths["c1/model/0/kernel"] == [3, 3, 3, 16])
        #expect(paths["blocks/0/c3_2/model/0/kernel"] == [5, 5, 16, 16])
        #expect(paths["blocks/3/c4_2/model/1/moving_mean"] == [32])
        #expect(paths["f1/kernel"] == [128, 10])
    }

    @Test func resNet18NamesAndPaths() throws {
        let model = ResNet18()
        try model.build(inputShape: [8, 8, 3])
        #expect(model.name == "res_net18")
        #expect(
            [model.c1.name, model.b1.name, model.a1.name, model.blocks.name] == [
                "conv2d", "batch_normalization", "activation", "sequential",
            ])
        #expect(model.blocks.layers.map(\.name).prefix(3) == ["resnet_block", "resnet_block_1", "resnet_block_2"])
        let third = try #require(model.blocks.layers[2] as? ResnetBlock)
        // Keras creates down_c1 before a2: conv2d_5, conv2d_6, then conv2d_7 for the shortcut.
        #expect(
            [third.c1.name, third.c2.name, third.down_c1?.name, third.a2.name] == [
                "conv2d_5", "conv2d_6", "conv2d_7", "activation_6",
            ])
        let paths = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.path, $0.parameter.shape) })
        #expect(paths["c1/kernel"] == [3, 3, 3, 64])
        #expect(paths["c1/bias"] == nil)
        #expect(paths["blocks/0/c1/kernel"] == [3, 3, 64, 64])
        #expect(paths["blocks/0/down_c1/kernel"] == nil)
        #expect(paths["blocks/2/down_c1/kernel"] == [1, 1, 64, 128])
        #expect(paths["blocks/7/b2/moving_variance"] == [512])
        #expect(paths["f1/kernel"] == [512, 10])
    }
}

/// tf-keras drops every name scope above and including a `Sequential` (checked against
/// `[v.name for v in model.trainable_variables]` of tf-keras 2.21).
@Suite struct KerasVariableNameTests {
    @Test func sequentialRestartsTheScope() throws {
        let resnet = ResNet18()
        try resnet.build(inputShape: [8, 8, 3])
        let names = resnet.kerasVariableNames.map(\.name)
        #expect(names.first == "res_net18/conv2d/kernel:0")
        #expect(names.contains("resnet_block/conv2d_1/kernel:0"))
        #expect(names.last == "res_net18/dense/bias:0")
        #expect(!names.contains { $0.contains("sequential") })
        let inception = Inception10()
        try inception.build(inputShape: [8, 8, 3])
        let inceptionNames = inception.kerasVariableNames.map(\.name)
        #expect(inceptionNames.first == "conv2d/kernel:0")
        #expect(inceptionNames.contains("inception10/dense/kernel:0"))
    }
}
