import Synchronization

/// Recycles tensor buffers by element count. Training allocates the same shapes every
/// step; handing back last step's buffers avoids malloc's fresh pages (and their page
/// faults) so the steady state of a step allocates nothing from the system.
final class StoragePool: Sendable {
    static let shared = StoragePool()

    /// Cached bytes above this are released to the system instead of kept.
    private let limitBytes = 2 << 30
    private let state = Mutex(State())

    private struct State: ~Copyable {
        /// Addresses of free buffers by element count (as integers, which are Sendable).
        var free: [Int: [UInt]] = [:]
        var cachedBytes = 0
    }

    private static func bytes(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Float>.stride }

    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let reused: UInt? = state.withLock { state in
            guard var list = state.free[count], let address = list.popLast() else { return nil }
            state.free[count] = list
            state.cachedBytes -= Self.bytes(count)
            return address
        }
        let raw =
            reused.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
            ?? UnsafeMutableRawPointer.allocate(byteCount: Self.bytes(count), alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(pointer)
        let address = UInt(bitPattern: raw)
        let kept = state.withLock { state -> Bool in
            guard state.cachedBytes + Self.bytes(count) <= limitBytes else { return false }
            state.free[count, default: []].append(address)
            state.cachedBytes += Self.bytes(count)
            return true
        }
        if !kept { raw.deallocate() }
    }
}
