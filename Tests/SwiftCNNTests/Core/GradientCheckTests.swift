import Testing

@testable import SwiftCNN

/// Finite-difference checks of every op's backward rule: for a random upstream g and
/// L = Σ op(x)·g, the analytic dL/dx and dL/dθ must match central differences.
@Suite struct GradientCheckTests {
    /// Compares analytic and numeric gradients for `input` and the layer's trainable
    /// parameters (after one build call).
    /// `distinct` spaces the inputs apart (a shuffled ramp) so no max-pool window has a near
    /// tie that a finite-difference step could flip.
    func check(
        _ layer: Layer, inputShape: [Int], training: Bool = false, seed: UInt64 = 1, tolerance: Float = 2e-2,
        distinct: Bool = false
    ) throws {
        var random = RandomGenerator(seed: seed)
        let count = inputShape.reduce(1, *)
        let values =
            distinct
            ? (0..<count).map { Float($0) * 0.05 - 1 }.shuffled(using: &random)
            : (0..<count).map { _ in random.nextUniform() * 2 - 1 }
        let input = try Tensor(shape: inputShape, scalars: values)
        _ = try layer(input, training: false)
        let tracked = input.trackingGradient()
        let output = try layer(tracked, training: training)
        let upstream = try Tensor(shape: output.shape, scalars: (0..<output.count).map { _ in random.nextUniform() * 2 - 1 })
        for parameter in layer.parameters { parameter.zeroGradient() }
        try output.backward(seed: upstream)

        func objective(_ x: Tensor) throws -> Double {
            let y = try layer(x, training: training)
            var sum = 0.0
            for i in 0..<y.count { sum += Double(y.pointer[i]) * Double(upstream.pointer[i]) }
            return sum
        }
        let h: Float = 1e-2
        var x = input
        for i in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
            let original = x.pointer[i]
            x.withUnsafeMutableBufferPointer { $0[i] = original + h }
            let plus = try objective(x)
            x.withUnsafeMutableBufferPointer { $0[i] = original - h }
            let minus = try objective(x)
            x.withUnsafeMutableBufferPointer { $0[i] = original }
            let numeric = Float((plus - minus) / Double(2 * h))
            let analytic = tracked.gradient?.pointer[i] ?? .nan
            #expect(abs(numeric - analytic) <= tolerance * max(1, abs(numeric)), "\(layer.typeName) dx[\(i)]: \(analytic) vs \(numeric)")
        }
        for parameter in layer.parameters where parameter.isTrainable {
            let analytic = parameter.gradient
            for i in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 20)) {
                let original = parameter.value.pointer[i]
                parameter.value.withUnsafeMutableBufferPointer { $0[i] = original + h }
                let plus = try objective(input)
                parameter.value.withUnsafeMutableBufferPointer { $0[i] = original - h }
                let minus = try objective(input)
                parameter.value.withUnsafeMutableBufferPointer { $0[i] = original }
                let numeric = Float((plus - minus) / Double(2 * h))
                let value = analytic?.pointer[i] ?? .nan
                #expect(abs(numeric - value) <= tolerance * max(1, abs(numeric)), "\(layer.typeName) d\(parameter.name)[\(i)]: \(value) vs \(numeric)")
            }
        }
    }

    @Test func conv2D() throws {
        try check(Conv2D(3, kernelSize: 3, strides: 2, padding: .same), inputShape: [2, 7, 6, 2])
        try check(Conv2D(2, kernelSize: [2, 3], padding: .valid, activation: .tanh), inputShape: [1, 5, 5, 3])
        try check(Conv2D(4, kernelSize: 1), inputShape: [2, 3, 3, 3])
    }

    @Test func batchNormalization() throws {
        // Training mode: the batch statistics depend on every input. Moving statistics
        // change per call but do not affect training-mode outputs.
        try check(BatchNormalization(), inputShape: [3, 4, 4, 2], training: true, tolerance: 3e-2)
        try check(BatchNormalization(), inputShape: [4, 3], training: false)
    }

    @Test func pooling() throws {
        try check(MaxPool2D(poolSize: 3, strides: 2, padding: .same), inputShape: [2, 7, 7, 2], distinct: true)
        try check(AveragePooling2D(poolSize: 3, strides: 2, padding: .same), inputShape: [2, 7, 7, 2])
        try check(GlobalAveragePooling2D(), inputShape: [2, 3, 4, 3])
    }

    @Test func denseFlattenAndActivations() throws {
        try check(Dense(4, activation: .sigmoid), inputShape: [3, 5])
        try check(Flatten(), inputShape: [2, 2, 3, 2])
        for function in ActivationFunction.allCases {
            try check(Activation(function), inputShape: [3, 6])
        }
    }

    @Test func dropoutInTrainingUsesOneMaskPerCall() throws {
        let layer = Dropout(0.5)
        let input = Tensor(shape: [1000], repeating: 1)
        let output = try layer(input, training: true)
        let kept = output.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 2 })
        #expect(abs(Double(kept.count) / 1000 - 0.5) < 0.06)
        #expect(try layer(input, training: false).scalars == input.scalars)
    }

    @Test func mergeOps() throws {
        var random = RandomGenerator(seed: 3)
        let a = try Tensor(shape: [2, 3, 3, 2], scalars: (0..<36).map { _ in random.nextUniform() }).trackingGradient()
        let b = try Tensor(shape: [2, 3, 3, 1], scalars: (0..<18).map { _ in random.nextUniform() }).trackingGradient()
        let joined = try concatenate([a, b])
        #expect(joined.shape == [2, 3, 3, 3])
        try joined.backward()
        #expect(a.gradient?.scalars.allSatisfy { $0 == 1 } == true)
        #expect(b.gradient?.scalars.allSatisfy { $0 == 1 } == true)
        let c = a.detached.trackingGradient()
        let sum = try c + c
        try sum.backward()
        #expect(c.gradient?.scalars.allSatisfy { $0 == 2 } == true)
    }

    @Test func lossesMatchFiniteDifferences() throws {
        let logits = try Tensor(shape: [2, 3], scalars: [0.2, -1, 0.5, 1.5, 0.1, -0.3])
        let labels = try Tensor(shape: [2], scalars: [2, 0])
        let oneHot = try Tensor(shape: [2, 3], scalars: [0, 0, 1, 1, 0, 0])
        let cases: [(Loss, Tensor, Bool)] = [
            (SparseCategoricalCrossentropy(fromLogits: true), labels, false),
            (SparseCategoricalCrossentropy(), labels, true),
            (CategoricalCrossentropy(), oneHot, true),
            (MeanSquaredError(), oneHot, false),
        ]
        for (loss, target, throughSoftmax) in cases {
            func value(_ z: Tensor) throws -> Float {
                try loss(target, throughSoftmax ? ActivationFunction.softmax.apply(z) : z).scalar
            }
            let tracked = logits.trackingGradient()
            try loss(target, throughSoftmax ? ActivationFunction.softmax.apply(tracked) : tracked).backward()
            var z = logits
            for i in 0..<z.count {
                let original = z.pointer[i]
                z.withUnsafeMutableBufferPointer { $0[i] = original + 1e-2 }
                let plus = try value(z)
                z.withUnsafeMutableBufferPointer { $0[i] = original - 1e-2 }
                let minus = try value(z)
                z.withUnsafeMutableBufferPointer { $0[i] = original }
                let numeric = (plus - minus) / 2e-2
                #expect(abs(numeric - (tracked.gradient?.pointer[i] ?? .nan)) < 1e-3, "\(loss.name) dz[\(i)]")
            }
        }
    }
}
