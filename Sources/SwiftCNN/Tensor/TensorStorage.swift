/// The heap buffer behind a `Tensor`: 64-byte aligned so SIMD loads and BLAS panels start
/// on a cache line. `Tensor` shares one storage between copies and copies on write.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    /// Floats in use. An arena may hand a free storage out again for fewer floats than its
    /// `capacity` (inference), and sets this then; nothing else holds it at that moment.
    @usableFromInline var count: Int
    /// Floats allocated.
    let capacity: Int
    /// Whether a `TensorArena` keeps this storage for reuse. The arena's reference means
    /// the storage never looks uniquely referenced, so a tensor copies it before writing in
    /// place (`Tensor.withUnsafeMutableBufferPointer`), and the copy is not recycled.
    @usableFromInline let isRecycled: Bool

    static func byteCount(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Float>.stride }

    init(count: Int, recycled: Bool) {
        self.count = count
        capacity = count
        isRecycled = recycled
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Self.byteCount(count), alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Uninitialised storage for `count` floats from the current arena.
    @usableFromInline
    static func make(count: Int) -> TensorStorage { TensorArena.current.storage(count: count) }

    @usableFromInline
    static func make(count: Int, repeating value: Float) -> TensorStorage {
        let storage = make(count: count)
        storage.pointer.initialize(repeating: value, count: count)
        return storage
    }

    /// A private copy to write in place: it is left out of any arena, as its owner keeps it.
    @usableFromInline
    func copy() -> TensorStorage {
        let other = TensorStorage(count: count, recycled: false)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
