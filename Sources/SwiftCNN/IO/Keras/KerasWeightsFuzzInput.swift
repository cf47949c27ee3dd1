/// The input of the `keras_weights` fuzz target (Tools/fuzz/targets/keras_weights.swift) and
/// of its regression replay: a `.weights.h5` file's bytes loaded into the model of the
/// `global_pooling` fixture (Conv2D, GlobalAveragePooling2D, Dense), compiled with Adam so
/// that the optimizer's variables and its `name` attribute are read too.
enum KerasWeightsFuzzInput {
    /// Either throws one clear error or loads; a load keeps the model's parameter shapes.
    static func run(_ bytes: [UInt8]) throws {
        let model = Sequential {
            Conv2D(3, kernelSize: 3, padding: .same)
            GlobalAveragePooling2D()
            Dense(2, activation: .softmax)
        }
        try model.build(inputShape: [6, 6, 2])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let shapes = model.namedParameters.map(\.parameter.shape)
        try KerasWeightsFile.load(into: model, bytes: bytes, file: "fuzz.weights.h5")
        precondition(model.namedParameters.map(\.parameter.shape) == shapes, "a load changed a parameter's shape")
    }
}
