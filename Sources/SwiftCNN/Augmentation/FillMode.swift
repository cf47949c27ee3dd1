import CSwiftCNNSupport

/// How a resampler fills points that fall outside the image, with Keras's names. The
/// resamplers follow the library each Keras family calls, which differ at the borders:
/// `reflect` is half-sample symmetric (`d c b a | a b c d | d c b a`) in both, `nearest`
/// repeats the edge pixel, `constant` uses the fill value, `wrap` tiles the image.
public enum FillMode: String, Sendable, CaseIterable {
    case reflect, nearest, constant, wrap

    var code: Int32 {
        switch self {
        case .reflect: Int32(SWIFTCNN_FILL_REFLECT)
        case .nearest: Int32(SWIFTCNN_FILL_NEAREST)
        case .constant: Int32(SWIFTCNN_FILL_CONSTANT)
        case .wrap: Int32(SWIFTCNN_FILL_WRAP)
        }
    }

    /// Parses a Keras name, with an error that lists the accepted ones.
    public init(keras name: String) throws {
        guard let mode = FillMode(rawValue: name) else {
            throw SwiftCNNError(
                "fill mode '\(name)' is not one of \(FillMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = mode
    }
}

/// Keras 3's `interpolation` for the geometric preprocessing layers.
public enum Interpolation: String, Sendable, CaseIterable {
    case bilinear, nearest
}

extension RandomGenerator {
    /// A uniform double in [0, 1) from 53 bits of one draw: augmentation parameters.
    mutating func nextUnitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform double in [lower, upper), `lower` when the range is empty.
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnitDouble()
    }
}

/// Checks that `images` is a batch of NHWC images, naming `who` in the error.
func imageBatchDimensions(_ images: Tensor, _ who: String) throws -> (n: Int, h: Int, w: Int, c: Int) {
    guard images.rank == 4, images.shape.allSatisfy({ $0 > 0 }) else {
        throw SwiftCNNError("\(who): expects images [N, H, W, C], got \(describe(images.shape))")
    }
    return (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
}
