import Foundation
import Testing

@testable import SwiftCNN

/// `ImageAugmentation.apply` against Keras's `ImageDataGenerator.apply_transform` for fixed
/// parameters, every fill mode and both spline orders.
@Suite struct ImageDataGeneratorFidelityTests {
    @Test func matchesKerasApplyTransform() throws {
        let fixture = try AugmentationFixture("image_data_generator")
        #expect(fixture.cases.count >= 30)
        for item in fixture.cases {
            let name = item["name"] as? String ?? "?"
            let p = item["parameters"] as? [String: Any] ?? [:]
            func value(_ key: String, _ fallback: Double) -> Double { AugmentationFixture.number(p, key) ?? fallback }
            let parameters = AffineTransformParameters(
                theta: value("theta", 0), tx: value("tx", 0), ty: value("ty", 0), shear: value("shear", 0),
                zx: value("zx", 1), zy: value("zy", 1), flipHorizontal: p["flip_horizontal"] as? Bool ?? false,
                flipVertical: p["flip_vertical"] as? Bool ?? false)
            let augmentation = try ImageAugmentation(
                fillMode: FillMode(keras: item["fill_mode"] as? String ?? ""),
                cval: Float(AugmentationFixture.number(item, "cval") ?? 0),
                interpolationOrder: (item["order"] as? NSNumber)?.intValue ?? -1)
            let input = try AugmentationFixture.tensor(item["input"], "input")
            let expected = try AugmentationFixture.tensor(item["output"], "output")
            var images = try input.reshaped([1] + input.shape)
            try augmentation.apply([parameters], to: &images)
            expectClose(try images.reshaped(input.shape), expected, 1e-4, "ImageDataGenerator \(name)")
        }
    }

    /// The course's settings draw within their ranges, in Keras's order and meanings.
    @Test func drawsStayInTheCoursesRanges() throws {
        let course = try ImageAugmentation(
            rotationRange: 45, widthShiftRange: 0.15, heightShiftRange: 0.15, zoomRange: 0.5, horizontalFlip: true)
        var generator = RandomGenerator(seed: 7)
        var flips = 0
        var zooms: Set<Bool> = []
        for _ in 0..<2_000 {
            let p = course.drawParameters(height: 32, width: 40, using: &generator)
            #expect(abs(p.theta) <= 45 && abs(p.tx) <= 0.15 * 32 && abs(p.ty) <= 0.15 * 40)
            #expect(p.zx >= 0.5 && p.zx <= 1.5 && p.zy >= 0.5 && p.zy <= 1.5 && p.shear == 0 && !p.flipVertical)
            zooms.insert(p.zx > p.zy)
            flips += p.flipHorizontal ? 1 : 0
        }
        #expect(zooms.count == 2, "x and y zooms are drawn separately")
        #expect(flips > 900 && flips < 1_100)
    }
}
