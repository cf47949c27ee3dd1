/// The heap buffer behind a `Tensor`: 64-byte aligned so SIMD loads and BLAS panels start
/// on a cache line. `Tensor` shares one storage between copies and copies on write.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    @usableFromInline
    init(count: Int) {
        self.count = count
        pointer = StoragePool.shared.take(count: count)
    }

    @usableFromInline
    convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let other = TensorStorage(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit { StoragePool.shared.give(pointer, count: count) }
}
