/// The course's `ImageDataGenerator` augmentation: one random affine transform per image
/// (rotation, shifts, shear, zoom about the centre) and random flips, with Keras's
/// argument meanings and its resampling (scipy.ndimage, spline order 1, `nearest` fill).
///
/// Each image draws its parameters from the batch's generator in Keras's order, skipping
/// those that are off: the angle, the height shift, the width shift, the shear, the width
/// and height zooms, the horizontal flip, the vertical flip.
public struct ImageAugmentation: BatchAugmentation, Equatable {
    /// Degrees: the angle is drawn from [−rotationRange, rotationRange].
    public let rotationRange: Double
    /// Below 1 a fraction of the width, else pixels; drawn from [−range, range].
    public let widthShiftRange: Double
    /// Below 1 a fraction of the height, else pixels.
    public let heightShiftRange: Double
    /// Degrees, counter-clockwise: drawn from [−shearRange, shearRange].
    public let shearRange: Double
    /// The zooms, drawn separately for x and y from [lower, upper]; values below 1 zoom in.
    public let zoomRange: (lower: Double, upper: Double)
    public let horizontalFlip: Bool
    public let verticalFlip: Bool
    public let fillMode: FillMode
    public let cval: Float
    /// Spline order of the resampling: 1 (bilinear, Keras's default) or 0 (nearest).
    public let interpolationOrder: Int

    /// `zoomRange` z stands for [1 − z, 1 + z], as Keras's float `zoom_range`.
    public init(
        rotationRange: Double = 0, widthShiftRange: Double = 0, heightShiftRange: Double = 0, shearRange: Double = 0,
        zoomRange: Double = 0, horizontalFlip: Bool = false, verticalFlip: Bool = false,
        fillMode: FillMode = .nearest, cval: Float = 0, interpolationOrder: Int = 1
    ) throws {
        guard zoomRange >= 0, zoomRange < 1 else {
            throw SwiftCNNError("zoom range must be in [0, 1) (zooms are drawn from [1 - z, 1 + z]), got \(zoomRange)")
        }
        try self.init(
            rotationRange: rotationRange, widthShiftRange: widthShiftRange, heightShiftRange: heightShiftRange,
            shearRange: shearRange, zoomBounds: (1 - zoomRange, 1 + zoomRange), horizontalFlip: horizontalFlip,
            verticalFlip: verticalFlip, fillMode: fillMode, cval: cval, interpolationOrder: interpolationOrder)
    }

    /// `zoomBounds` as Keras's `[lower, upper]` `zoom_range`.
    public init(
        rotationRange: Double = 0, widthShiftRange: Double = 0, heightShiftRange: Double = 0, shearRange: Double = 0,
        zoomBounds: (Double, Double), horizontalFlip: Bool = false, verticalFlip: Bool = false,
        fillMode: FillMode = .nearest, cval: Float = 0, interpolationOrder: Int = 1
    ) throws {
        for (name, value) in [
            ("rotation range", rotationRange), ("width shift range", widthShiftRange),
            ("height shift range", heightShiftRange), ("shear range", shearRange),
        ] where !(value >= 0 && value.isFinite) {
            throw SwiftCNNError("\(name) must be a finite number ≥ 0, got \(value)")
        }
        guard zoomBounds.0 > 0, zoomBounds.0 <= zoomBounds.1, zoomBounds.1.isFinite else {
            throw SwiftCNNError("zoom range must be 0 < lower ≤ upper, got [\(zoomBounds.0), \(zoomBounds.1)]")
        }
        guard interpolationOrder == 0 || interpolationOrder == 1 else {
            throw SwiftCNNError("interpolation order must be 0 or 1, got \(interpolationOrder)")
        }
        (self.rotationRange, self.widthShiftRange, self.heightShiftRange) = (rotationRange, widthShiftRange, heightShiftRange)
        (self.shearRange, self.zoomRange) = (shearRange, (zoomBounds.0, zoomBounds.1))
        (self.horizontalFlip, self.verticalFlip) = (horizontalFlip, verticalFlip)
        (self.fillMode, self.cval, self.interpolationOrder) = (fillMode, cval, interpolationOrder)
    }

    public static func == (a: ImageAugmentation, b: ImageAugmentation) -> Bool {
        a.rotationRange == b.rotationRange && a.widthShiftRange == b.widthShiftRange
            && a.heightShiftRange == b.heightShiftRange && a.shearRange == b.shearRange
            && a.zoomRange == b.zoomRange && a.horizontalFlip == b.horizontalFlip && a.verticalFlip == b.verticalFlip
            && a.fillMode == b.fillMode && a.cval == b.cval && a.interpolationOrder == b.interpolationOrder
    }

    /// One image's parameters, as `get_random_transform` draws them.
    public func drawParameters(height: Int, width: Int, using generator: inout RandomGenerator) -> AffineTransformParameters {
        var p = AffineTransformParameters()
        if rotationRange != 0 { p.theta = generator.uniform(-rotationRange, rotationRange) }
        if heightShiftRange != 0 {
            p.tx = generator.uniform(-heightShiftRange, heightShiftRange)
            if heightShiftRange < 1 { p.tx *= Double(height) }
        }
        if widthShiftRange != 0 {
            p.ty = generator.uniform(-widthShiftRange, widthShiftRange)
            if widthShiftRange < 1 { p.ty *= Double(width) }
        }
        if shearRange != 0 { p.shear = generator.uniform(-shearRange, shearRange) }
        if zoomRange != (1, 1) {
            p.zx = generator.uniform(zoomRange.lower, zoomRange.upper)
            p.zy = generator.uniform(zoomRange.lower, zoomRange.upper)
        }
        if horizontalFlip { p.flipHorizontal = generator.nextUnitDouble() < 0.5 }
        if verticalFlip { p.flipVertical = generator.nextUnitDouble() < 0.5 }
        return p
    }

    public func augment(_ images: inout Tensor, using generator: inout RandomGenerator) throws {
        let (n, h, w, _) = try imageBatchDimensions(images, "ImageAugmentation")
        let parameters = (0..<n).map { _ in drawParameters(height: h, width: w, using: &generator) }
        try apply(parameters, to: &images)
    }

    /// Applies given per-image parameters (for tests against Keras and for replaying draws).
    public func apply(_ parameters: [AffineTransformParameters], to images: inout Tensor) throws {
        let (n, h, w, c) = try imageBatchDimensions(images, "ImageAugmentation")
        guard parameters.count == n else {
            throw SwiftCNNError("ImageAugmentation: \(parameters.count) transforms for \(n) images")
        }
        let size = h * w * c
        images.withUnsafeMutableBufferPointer { buffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: size) { scratch in
                for (i, p) in parameters.enumerated() {
                    p.apply(
                        buffer.baseAddress! + i * size, scratch: scratch.baseAddress!, height: h, width: w, channels: c,
                        fillMode: fillMode, cval: cval, order: interpolationOrder)
                }
            }
        }
    }
}
