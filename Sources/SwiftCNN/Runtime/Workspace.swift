import Synchronization

/// Scratch memory reused across steps: it grows to the largest size asked for and is
/// never shrunk, so the steady state of training allocates nothing here. Its owner is
/// whoever keeps it: a layer (batch normalisation's partial sums) or a
/// `WorkspaceLender`, which lends a set of them to one kernel call at a time.
final class Workspace {
    private var storage: UnsafeMutablePointer<Float>?
    private(set) var capacity = 0

    func buffer(count: Int) -> UnsafeMutablePointer<Float> {
        if let storage, capacity >= count { return storage }
        storage.map { UnsafeMutableRawPointer($0).deallocate() }
        capacity = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
        let fresh = raw.bindMemory(to: Float.self, capacity: capacity)
        storage = fresh
        return fresh
    }

    deinit { storage.map { UnsafeMutableRawPointer($0).deallocate() } }
}

/// One workspace per thread-pool part, so parallel parts never share scratch memory.
/// Parts touch only their own workspace, hence the unchecked sendability.
final class WorkspaceSet: @unchecked Sendable {
    private let workspaces = (0..<ThreadPool.shared.parts).map { _ in Workspace() }
    subscript(part: Int) -> Workspace { workspaces[part] }

    /// Grows every part's workspace to the largest one's. Which part runs which chunk
    /// depends on scheduling, so without this a part could first meet the largest layer
    /// many steps into training and allocate there; called between parallel regions.
    func equalizeParts() {
        let largest = workspaces.reduce(0) { max($0, $1.capacity) }
        for workspace in workspaces where workspace.capacity < largest { _ = workspace.buffer(count: largest) }
    }
    /// Scratch prepared before a parallel region and read by every part (a packed kernel).
    let shared = Workspace()
    /// Per-chunk partial results of a reduction (kernel gradients).
    let partials = Workspace()
    /// Intermediate results every part writes a slice of (Winograd's transformed tiles).
    let staging = Workspace()
}

/// Lends workspace sets to kernel calls. Scratch only lives for one call, so all layers
/// share the same sets instead of each keeping its own grown to its largest shape (that
/// was a few hundred MB in ResNet18). A call made while another holds the set (models
/// run from two threads) gets a set of its own, kept for later calls.
final class WorkspaceLender: Sendable {
    static let shared = WorkspaceLender()
    private let idle = Mutex<[WorkspaceSet]>([])

    func borrow<R>(_ body: (WorkspaceSet) throws -> R) rethrows -> R {
        let set = idle.withLock { $0.popLast() } ?? WorkspaceSet()
        defer {
            set.equalizeParts()
            idle.withLock { $0.append(set) }
        }
        return try body(set)
    }
}
