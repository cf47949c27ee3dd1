/// Copies one [h, w, c] image from `source` to `target` (which must not overlap), flipped
/// top to bottom and/or left to right: `RandomFlip` and `ImageDataGenerator`'s flips.
func copyFlipped(
    _ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
    channels c: Int, vertical: Bool, horizontal: Bool
) {
    for y in 0..<h {
        let sy = vertical ? h - 1 - y : y
        for x in 0..<w {
            let sx = horizontal ? w - 1 - x : x
            (target + (y * w + x) * c).update(from: source + (sy * w + sx) * c, count: c)
        }
    }
}
