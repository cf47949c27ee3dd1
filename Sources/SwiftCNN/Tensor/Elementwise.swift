import CSwiftCNNSupport

/// Plain elementwise arithmetic on tensors of equal shape, without autograd.
extension Tensor {
    /// `self + other`, elementwise; both must have the same number of elements.
    func adding(_ other: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let (a, b, c) = (pointer, other.pointer, result.pointer)
        ThreadPool.shared.elementwise(count) { swiftcnn_add(a + $0.lowerBound, b + $0.lowerBound, c + $0.lowerBound, $0.count) }
        withExtendedLifetime(other) {}
        return result
    }

    /// Adds `other` into this tensor's buffer, in place and without copy-on-write: only
    /// for a buffer nothing else holds (an exclusive pending gradient, `GradNode.send`).
    func addInPlaceUnshared(_ other: Tensor) {
        let (a, b) = (pointer, other.pointer)
        ThreadPool.shared.elementwise(count) { swiftcnn_add_in_place(a + $0.lowerBound, b + $0.lowerBound, $0.count) }
        withExtendedLifetime(other) {}
    }

    /// `self * scalar`, elementwise.
    func scaled(by scalar: Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let (a, c) = (pointer, result.pointer)
        for i in 0..<count { c[i] = a[i] * scalar }
        return result
    }
}
