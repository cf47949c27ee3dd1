import Foundation
import Testing

@testable import SwiftCNN

/// Keras 3's preprocessing layers against Keras for fixed factors: a factor range of one
/// value, e.g. `RandomRotation(factor=(0.1, 0.1))`, draws exactly that value.
@Suite struct PreprocessingLayerFidelityTests {
    static func layer(for item: [String: Any]) throws -> Layer? {
        let factors = item["factors"] as? [String: Any] ?? [:]
        func f(_ key: String) -> Double? { AugmentationFixture.number(factors, key) }
        let fill = try FillMode(keras: item["fill_mode"] as? String ?? "")
        let interpolation = try #require(Interpolation(rawValue: item["interpolation"] as? String ?? ""))
        let fillValue = Float(AugmentationFixture.number(item, "fill_value") ?? .nan)
        switch item["layer"] as? String {
        case "rotation", "rotation_negative":
            let a = try #require(f("factor"))
            return try RandomRotation(range: (a, a), fillMode: fill, interpolation: interpolation, fillValue: fillValue)
        case "translation":
            let (h, w) = (try #require(f("height")), try #require(f("width")))
            return try RandomTranslation(
                heightRange: (h, h), widthRange: (w, w), fillMode: fill, interpolation: interpolation,
                fillValue: fillValue)
        case "zoom", "zoom_height_only":
            let h = try #require(f("height"))
            return try RandomZoom(
                heightRange: (h, h), widthRange: f("width").map { ($0, $0) }, fillMode: fill,
                interpolation: interpolation, fillValue: fillValue)
        default: return nil
        }
    }

    @Test func geometricLayersMatchKeras() throws {
        let fixture = try AugmentationFixture("layers")
        var checked = 0
        for item in fixture.cases where item["fill_mode"] != nil {
            let name = item["name"] as? String ?? "?"
            let layer = try #require(try Self.layer(for: item), "\(name): no layer")
            let input = try AugmentationFixture.tensor(item["input"], "input")
            let expected = try AugmentationFixture.tensor(item["output"], "output")
            expectClose(try layer(input, training: true), expected, 1e-4, "\(name)")
            checked += 1
        }
        #expect(checked == 40)
    }

    @Test func flipContrastAndRescalingMatchKeras() throws {
        let fixture = try AugmentationFixture("layers")
        var checked = 0
        for item in fixture.cases {
            let name = item["name"] as? String ?? "?"
            switch item["layer"] as? String {
            case "flip":
                let mode = try #require(RandomFlip.Mode(rawValue: item["mode"] as? String ?? ""))
                let input = try AugmentationFixture.tensor(item["input"], "input")
                let output = Tensor(shape: input.shape)
                RandomFlip(mode).flip(input, into: output, flips: [1, 0])
                expectClose(output, try AugmentationFixture.tensor(item["output"], "output"), 0, name)
            case "contrast":
                let input = try AugmentationFixture.tensor(item["input"], "input")
                let (output, passed) = (Tensor(shape: input.shape), Tensor(shape: input.shape))
                let factors = (item["contrast_factors"] as? [NSNumber] ?? []).map(\.floatValue)
                try RandomContrast(0.5).adjust(input, into: output, factors: factors, passed: passed)
                expectClose(output, try AugmentationFixture.tensor(item["output"], "output"), 1e-4, name)
                #expect(passed.scalars.contains(0), "the fixture exercises the clip")
            case "contrast_range":
                // A single factor f means (0, f) in the installed Keras: draws in [1, 1 + f].
                let keras = (item["keras_factor"] as? [NSNumber] ?? []).map(\.doubleValue)
                let layer = try RandomContrast(AugmentationFixture.number(item, "factor") ?? .nan)
                #expect([layer.lower, layer.upper] == keras)
            case "rescaling":
                let input = try AugmentationFixture.tensor(item["input"], "input")
                let layer = Rescaling(
                    Float(AugmentationFixture.number(item, "scale") ?? .nan),
                    offset: Float(AugmentationFixture.number(item, "offset") ?? .nan))
                expectClose(try layer(input), try AugmentationFixture.tensor(item["output"], "output"), 1e-6, name)
            default: continue
            }
            checked += 1
        }
        #expect(checked == 6)
    }
}
