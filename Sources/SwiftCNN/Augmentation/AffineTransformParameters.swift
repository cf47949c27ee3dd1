import CSwiftCNNSupport
import Foundation

/// One image's transform in `ImageDataGenerator`'s terms (its `get_random_transform`
/// dictionary): rotation and shear in degrees, shifts in pixels, zooms as factors.
///
/// Keras's names are kept, with Keras's quirk: `tx` is the height shift (drawn from
/// `height_shift_range` and scaled by the height) and `ty` the width shift, but
/// `apply_affine_transform` swaps the matrix's axes for channels-last images, so `tx`
/// moves the content along the width and `zx` scales the width, as in Keras.
public struct AffineTransformParameters: Sendable, Equatable {
    public var theta: Double = 0
    public var tx: Double = 0
    public var ty: Double = 0
    public var shear: Double = 0
    public var zx: Double = 1
    public var zy: Double = 1
    public var flipHorizontal = false
    public var flipVertical = false

    public init(
        theta: Double = 0, tx: Double = 0, ty: Double = 0, shear: Double = 0, zx: Double = 1, zy: Double = 1,
        flipHorizontal: Bool = false, flipVertical: Bool = false
    ) {
        (self.theta, self.tx, self.ty, self.shear, self.zx, self.zy) = (theta, tx, ty, shear, zx, zy)
        (self.flipHorizontal, self.flipVertical) = (flipHorizontal, flipVertical)
    }

    /// `apply_affine_transform`'s matrix for an image of `height`×`width`, as the 2×2 matrix
    /// (row-major) and offset scipy.ndimage.affine_transform takes over (row, column)
    /// coordinates; nil when Keras would leave the image untouched.
    func ndimageMatrix(height: Int, width: Int) -> (matrix: SIMD4<Double>, offset: SIMD2<Double>)? {
        var transform: Matrix3?
        func chain(_ m: Matrix3) { transform = transform.map { $0 * m } ?? m }
        if theta != 0 {
            let t = theta * Double.pi / 180
            chain(Matrix3([cos(t), -sin(t), 0], [sin(t), cos(t), 0]))
        }
        if tx != 0 || ty != 0 { chain(Matrix3([1, 0, tx], [0, 1, ty])) }
        if shear != 0 {
            let s = shear * Double.pi / 180
            chain(Matrix3([1, -sin(s), 0], [0, cos(s), 0]))
        }
        if zx != 1 || zy != 1 { chain(Matrix3([zx, 0, 0], [0, zy, 0])) }
        guard let m = transform else { return nil }
        // transform_matrix_offset_center(matrix, h, w): about the centre.
        let (ox, oy) = (Double(height) / 2 - 0.5, Double(width) / 2 - 0.5)
        let centred = Matrix3([1, 0, ox], [0, 1, oy]) * m * Matrix3([1, 0, -ox], [0, 1, -oy])
        // col_axis > row_axis: Keras swaps the first two columns, then the first two rows.
        let (r0, r1) = (centred.rows.1, centred.rows.0)
        return (SIMD4(r0.y, r0.x, r1.y, r1.x), SIMD2(r0.z, r1.z))
    }

    /// `ImageDataGenerator.apply_transform` on one [h, w, c] image at `image`, through
    /// `scratch` (h·w·c floats): the affine resampling, then the flips.
    func apply(
        _ image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
        channels c: Int, fillMode: FillMode, cval: Float, order: Int
    ) {
        if let (matrix, offset) = ndimageMatrix(height: h, width: w) {
            // The flips are applied as the resampler writes its output.
            withUnsafeBytes(of: matrix) { m in
                withUnsafeBytes(of: offset) { o in
                    swiftcnn_affine_ndimage(
                        image, scratch, h, w, c, m.bindMemory(to: Double.self).baseAddress!,
                        o.bindMemory(to: Double.self).baseAddress!, Int32(order), fillMode.code, cval,
                        flipVertical ? 1 : 0, flipHorizontal ? 1 : 0)
                }
            }
            image.update(from: scratch, count: h * w * c)
            return
        }
        guard flipHorizontal || flipVertical else { return }
        scratch.update(from: image, count: h * w * c)
        copyFlipped(scratch, to: image, height: h, width: w, channels: c, vertical: flipVertical, horizontal: flipHorizontal)
    }
}

/// A 3×3 matrix of homogeneous 2-D coordinates (last row 0 0 1), without heap storage.
struct Matrix3 {
    var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    init(_ first: SIMD3<Double>, _ second: SIMD3<Double>, _ third: SIMD3<Double> = [0, 0, 1]) {
        rows = (first, second, third)
    }

    static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        func row(_ r: SIMD3<Double>) -> SIMD3<Double> { r.x * b.rows.0 + r.y * b.rows.1 + r.z * b.rows.2 }
        return Matrix3(row(a.rows.0), row(a.rows.1), row(a.rows.2))
    }
}
