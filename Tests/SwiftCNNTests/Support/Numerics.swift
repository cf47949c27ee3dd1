/// The largest |a − b| over two sequences of floats; NaN when a pair differs by NaN (as
/// `Tensor.maxAbsDifference`), infinity when they are empty. `zip(a, b).map { abs($0 - $1) }.max()` is not that: `max()` compares with `>`,
/// which is false for NaN, so a NaN after the first element (an output never written, in a
/// buffer that started as NaN) is skipped and the check passes.
func maxAbsDifference<A: Sequence<Float>, B: Sequence<Float>>(_ a: A, _ b: B) -> Float {
    var worst: Float = 0
    var any = false
    for (x, y) in zip(a, b) {
        let difference = abs(x - y)
        if difference.isNaN { return .nan }
        worst = max(worst, difference)
        any = true
    }
    return any ? worst : .infinity
}
