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
    func ndimageMatrix(height: Int, width: Int) -> (matrix: [Double], offset: [Double])? {
        typealias M = [[Double]]
        func dot(_ a: M, _ b: M) -> M {
            (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
        }
        var transform: M?
        func chain(_ m: M) { transform = transform.map { dot($0, m) } ?? m }
        if theta != 0 {
            let t = theta * Double.pi / 180
            chain([[cos(t), -sin(t), 0], [sin(t), cos(t), 0], [0, 0, 1]])
        }
        if tx != 0 || ty != 0 { chain([[1, 0, tx], [0, 1, ty], [0, 0, 1]]) }
        if shear != 0 {
            let s = shear * Double.pi / 180
            chain([[1, -sin(s), 0], [0, cos(s), 0], [0, 0, 1]])
        }
        if zx != 1 || zy != 1 { chain([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]) }
        guard var m = transform else { return nil }
        // transform_matrix_offset_center(matrix, h, w): about the centre.
        let (ox, oy) = (Double(height) / 2 - 0.5, Double(width) / 2 - 0.5)
        m = dot(dot([[1, 0, ox], [0, 1, oy], [0, 0, 1]], m), [[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
        // col_axis > row_axis: Keras swaps the first two columns, then the first two rows.
        m = m.map { [$0[1], $0[0], $0[2]] }
        m.swapAt(0, 1)
        return ([m[0][0], m[0][1], m[1][0], m[1][1]], [m[0][2], m[1][2]])
    }

    /// `ImageDataGenerator.apply_transform` on one [h, w, c] image at `image`, through
    /// `scratch` (h·w·c floats): the affine resampling, then the flips.
    func apply(
        _ image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
        channels c: Int, fillMode: FillMode, cval: Float, order: Int
    ) {
        if let (matrix, offset) = ndimageMatrix(height: h, width: w) {
            swiftcnn_affine_ndimage(image, scratch, h, w, c, matrix, offset, Int32(order), fillMode.code, cval)
            image.update(from: scratch, count: h * w * c)
        }
        guard flipHorizontal || flipVertical else { return }
        scratch.update(from: image, count: h * w * c)
        for y in 0..<h {
            let sy = flipVertical ? h - 1 - y : y
            for x in 0..<w {
                let sx = flipHorizontal ? w - 1 - x : x
                (image + (y * w + x) * c).update(from: scratch + (sy * w + sx) * c, count: c)
            }
        }
    }
}
