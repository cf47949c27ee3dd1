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

    /// `self * scalar`, elementwise.
    func scaled(by scalar: Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let (a, c) = (pointer, result.pointer)
        for i in 0..<count { c[i] = a[i] * scalar }
        return result
    }
}
