import Testing

@testable import SwiftCNN

/// What the Keras fixtures cannot show: reproducible draws, inference as the identity,
/// gradients through the layers, and clear errors for bad arguments.
@Suite struct AugmentationBehaviourTests {
    static func batch(_ shape: [Int] = [4, 8, 10, 3], seed: UInt64 = 3) throws -> Tensor {
        var random = RandomGenerator(seed: seed)
        return try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() })
    }

    static let course = try! ImageAugmentation(
        rotationRange: 45, widthShiftRange: 0.15, heightShiftRange: 0.15, zoomRange: 0.5, horizontalFlip: true)

    @Test func sameSeedSameBatchOtherSeedAnother() throws {
        let input = try Self.batch()
        func augmented(_ seed: UInt64) throws -> [Float] {
            var images = input
            var generator = RandomGenerator(seed: seed)
            try Self.course.augment(&images, using: &generator)
            return images.scalars
        }
        #expect(try augmented(10) == augmented(10))
        #expect(try augmented(10) != augmented(11))
        #expect(try augmented(10) != input.scalars)
        #expect(input.scalars == (try Self.batch()).scalars, "the caller's copy is untouched")
    }

    /// Each image draws its own transform: identical images come out different.
    @Test func oneTransformPerImage() throws {
        let one = try Self.batch([1, 8, 8, 1])
        var images = try Tensor(shape: [2, 8, 8, 1], scalars: one.scalars + one.scalars)
        var generator = RandomGenerator(seed: 1)
        try Self.course.augment(&images, using: &generator)
        #expect(Array(images.scalars[0..<64]) != Array(images.scalars[64...]))
    }

    static func layers() throws -> [Layer] {
        [
            RandomFlip(), try RandomRotation(0.2), try RandomTranslation(heightFactor: 0.2, widthFactor: 0.3),
            try RandomZoom(heightFactor: 0.3, widthFactor: 0.2), try RandomContrast(0.5, valueRange: (-10, 10)),
        ]
    }

    @Test func layersAreTheIdentityInInferenceAndDrawWhileTraining() throws {
        let input = try Self.batch()
        for layer in try Self.layers() {
            #expect(try layer(input, training: false).scalars == input.scalars, "\(layer.typeName)")
            let first = try layer(input, training: true).scalars
            #expect(first != input.scalars, "\(layer.typeName) changes a batch while training")
            #expect(try layer(input, training: true).scalars != first, "\(layer.typeName) draws again each call")
        }
        let rescaled = try Rescaling(0.5, offset: 1)(input, training: false)
        #expect(rescaled.scalars == input.scalars.map { $0 * 0.5 + 1 })
    }

    /// The layers are linear in the image for a fixed draw, so the gradient they send back
    /// must satisfy ⟨f(x + v) − f(x), g⟩ = ⟨∇, v⟩ for any direction v.
    @Test func gradientsPassBackThroughEachLayer() throws {
        let input = try Self.batch([2, 6, 7, 2])
        let direction = try Self.batch([2, 6, 7, 2], seed: 9)
        let upstream = try Self.batch([2, 6, 7, 2], seed: 10)
        for layer in try Self.layers() + [Rescaling(3, offset: 1)] {
            _ = try layer(input, training: false)
            func run(_ x: Tensor) throws -> Tensor {
                layer.random = RandomGenerator(seed: 77)
                return try layer(x, training: true)
            }
            let tracked = input.trackingGradient()
            try run(tracked).backward(seed: upstream)
            let gradient = try #require(tracked.gradient, "\(layer.typeName) sent no gradient")
            var moved = input
            moved.withUnsafeMutableBufferPointer { x in for i in 0..<x.count { x[i] += direction.pointer[i] } }
            let (before, after) = (try run(input), try run(moved))
            var change = 0.0, predicted = 0.0
            for i in 0..<input.count {
                change += Double(after.pointer[i] - before.pointer[i]) * Double(upstream.pointer[i])
                predicted += Double(gradient.pointer[i]) * Double(direction.pointer[i])
            }
            #expect(abs(change - predicted) <= 1e-3 * max(1, abs(change)), "\(layer.typeName): \(change) vs \(predicted)")
        }
    }

    @Test func layersSitInASequentialBeforeTheFirstConvolution() throws {
        // The same convolution in both models, with and without augmentation in front.
        let conv = Conv2D(2, kernelSize: (3, 3))
        let model = Sequential {
            Rescaling(1 / 255)
            RandomFlip(.horizontal)
            try! RandomRotation(0.1)
            try! RandomZoom(heightFactor: 0.2)
            conv
            Flatten()
        }
        model.seed = 5
        let input = try Self.batch([2, 8, 8, 3])
        let plain = Sequential {
            Rescaling(1 / 255)
            conv
            Flatten()
        }
        #expect(try model(input, training: false).scalars == plain(input, training: false).scalars)
        let output = try model(input, training: true)
        try output.backward(seed: Tensor(shape: output.shape, repeating: 1))
        #expect(model.parameters.allSatisfy { $0.gradient?.scalars.allSatisfy(\.isFinite) == true })
    }

    @Test func badArgumentsSayWhatIsWrong() throws {
        func message(_ body: () throws -> Any) -> String {
            do {
                _ = try body()
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message { try ImageAugmentation(rotationRange: -1) }.contains("rotation range must be a finite number ≥ 0, got -1"))
        #expect(message { try ImageAugmentation(widthShiftRange: .nan) }.contains("width shift range"))
        #expect(message { try ImageAugmentation(zoomRange: 1.5) }.contains("zoom range must be in [0, 1)"))
        #expect(message { try ImageAugmentation(zoomBounds: (2, 1)) }.contains("0 < lower ≤ upper"))
        #expect(message { try ImageAugmentation(interpolationOrder: 3) }.contains("interpolation order must be 0 or 1"))
        #expect(message { try FillMode(keras: "mirror") }.contains("'mirror' is not one of reflect, nearest, constant, wrap"))
        #expect(message { try RandomRotation(1.5) }.contains("RandomRotation: factor must be in [-1, 1]"))
        #expect(message { try RandomTranslation(heightFactor: 1.2, widthFactor: 0) }.contains("height_factor must be in (-1, 1]"))
        #expect(message { try RandomZoom(heightFactor: 0.1, widthFactor: -1) }.contains("width_factor must be in (-1, 1]"))
        #expect(message { try RandomContrast(1.5) }.contains("RandomContrast: factor must be in [0, 1]"))
        #expect(message { try RandomContrast(0.2, valueRange: (1, 0)) }.contains("value_range must be increasing"))
        var flat = try Tensor(shape: [3, 4], scalars: Array(repeating: 0, count: 12))
        var generator = RandomGenerator(seed: 1)
        #expect(message { try Self.course.augment(&flat, using: &generator) }.contains("expects images [N, H, W, C]"))
        #expect(message { try RandomFlip()(flat, training: true) }.contains("expects images [N, H, W, C]"))
    }
}
