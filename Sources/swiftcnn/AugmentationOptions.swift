import ArgumentParser
import SwiftCNN

/// The course's `ImageDataGenerator` settings for `train`: `--rotation-range 45
/// --width-shift-range 0.15 --height-shift-range 0.15 --zoom-range 0.5 --horizontal-flip`,
/// with Keras's meanings (degrees; shifts below 1 are fractions of the size, else pixels;
/// zooms drawn from [1 − z, 1 + z] separately for x and y; `nearest` fill).
struct AugmentationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Random rotations in [-D, D] degrees (ImageDataGenerator's rotation_range).")
    var rotationRange: Double?

    @Option(
        parsing: .unconditional,
        help: "Random horizontal shifts: a fraction of the width below 1, else pixels (width_shift_range).")
    var widthShiftRange: Double?

    @Option(
        parsing: .unconditional,
        help: "Random vertical shifts: a fraction of the height below 1, else pixels (height_shift_range).")
    var heightShiftRange: Double?

    @Option(parsing: .unconditional, help: "Random shear in [-D, D] degrees (shear_range).")
    var shearRange: Double?

    @Option(parsing: .unconditional, help: "Random zoom, x and y drawn from [1-Z, 1+Z], Z in [0, 1) (zoom_range).")
    var zoomRange: Double?

    @Flag(help: "Flip half the images left to right (horizontal_flip).")
    var horizontalFlip = false

    @Flag(help: "Flip half the images top to bottom (vertical_flip).")
    var verticalFlip = false

    @Option(help: "Fill outside the image: nearest (default), reflect, constant (0) or wrap (fill_mode).")
    var fillMode: String?

    /// The augmentation these flags ask for, nil when none is given.
    func make() throws -> BatchAugmentation? {
        let ranges = [
            ("--rotation-range", rotationRange), ("--width-shift-range", widthShiftRange),
            ("--height-shift-range", heightShiftRange), ("--shear-range", shearRange), ("--zoom-range", zoomRange),
        ]
        for case let (option, value?) in ranges where !(value >= 0 && value.isFinite) {
            throw SwiftCNNError("\(option) must be a number ≥ 0, got \(value)")
        }
        if let zoomRange, zoomRange >= 1 {
            throw SwiftCNNError("--zoom-range must be below 1 (zooms are drawn from [1 - z, 1 + z]), got \(zoomRange)")
        }
        let fill = try fillMode.map { name in
            do { return try FillMode(keras: name) } catch { throw SwiftCNNError("--fill-mode: \(error)") }
        }
        guard ranges.contains(where: { $0.1 != nil }) || horizontalFlip || verticalFlip else {
            if fill != nil { throw SwiftCNNError("--fill-mode needs an augmentation option such as --rotation-range") }
            return nil
        }
        return try ImageAugmentation(
            rotationRange: rotationRange ?? 0, widthShiftRange: widthShiftRange ?? 0,
            heightShiftRange: heightShiftRange ?? 0, shearRange: shearRange ?? 0, zoomRange: zoomRange ?? 0,
            horizontalFlip: horizontalFlip, verticalFlip: verticalFlip, fillMode: fill ?? .nearest)
    }
}
