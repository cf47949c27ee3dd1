import Foundation
import Synchronization

/// Recycles the objects a step makes: tensor storages (with their buffers) and autograd
/// nodes. Training and inference make the same objects every step, so once the first
/// steps have filled the arena the steady state allocates nothing from the heap.
///
/// A model owns an arena and binds it around `trainStep`, `predict` and `evaluate`
/// (`run`); code outside such a scope uses `shared`. An arena holds a reference to every
/// object it made; one that nothing else references is free for reuse (`Recycler`).
/// When the arena goes, objects still in use live on and are freed as usual.
final class TensorArena: @unchecked Sendable {
    static let shared = TensorArena()

    private static let bound = ThreadLocalWord()

    /// The arena bound on this thread by `run`, else `shared`.
    static var current: TensorArena {
        guard let address = UnsafeRawPointer(bitPattern: bound.value) else { return shared }
        return Unmanaged<TensorArena>.fromOpaque(address).takeUnretainedValue()
    }

    /// Storages beyond this many bytes are not kept: they are freed when dropped.
    private let limitBytes: Int
    /// Guards the recyclers and `keptBytes`. (A lock rather than a `Mutex` around them:
    /// nodes are not `Sendable`, and a `Mutex` would not let one be handed out.)
    private let lock = NSLock()
    private var storages: [Int: Recycler<TensorStorage>] = [:]
    private let nodes = Recycler<GradNode>()
    private var keptBytes = 0
    /// Whether a request may take a free storage up to `largerFactor` times its size when
    /// none of its own size is free: set for inference, where each layer's output dies as
    /// the next is made, so the first layers' large buffers can serve the later, smaller
    /// ones instead of the arena keeping a set of each size. (Training keeps exact sizes:
    /// its steady state must find every storage where the last step left it.)
    private var reusesLarger = false
    private let largerFactor = 4
    private let storagesMade = Atomic<Int>(0)
    private let nodesMade = Atomic<Int>(0)

    init(limitBytes: Int = 2 << 30) { self.limitBytes = limitBytes }

    /// Runs `body` with this arena bound on the calling thread (the caller keeps it alive).
    /// `inference` lets requests take larger free storages (see `reusesLarger`).
    func run<R>(inference: Bool = false, _ body: () throws -> R) rethrows -> R {
        lock.lock()
        let previous = reusesLarger
        reusesLarger = inference
        lock.unlock()
        defer {
            lock.lock()
            reusesLarger = previous
            lock.unlock()
        }
        return try Self.bound.withValue(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()), body)
    }

    /// Storages and nodes this arena has made rather than reused; tests watch these stay put.
    var storagesCreated: Int { storagesMade.load(ordering: .relaxed) }
    var nodesCreated: Int { nodesMade.load(ordering: .relaxed) }

    /// A storage of `count` floats, uninitialised: a free one of that size, else a new one.
    func storage(count: Int) -> TensorStorage {
        lock.lock()
        defer { lock.unlock() }
        if let free = storages[count]?.reuse() {
            free.count = count  // it may last have served a smaller request
            return free
        }
        if reusesLarger, let free = largerFreeStorage(count: count) { return free }
        storagesMade.add(1, ordering: .relaxed)
        let bytes = TensorStorage.byteCount(count)
        guard keptBytes + bytes <= limitBytes else { return TensorStorage(count: count, recycled: false) }
        keptBytes += bytes
        let fresh = TensorStorage(count: count, recycled: true)
        if let recycler = storages[count] {
            recycler.keep(fresh)
        } else {
            let recycler = Recycler<TensorStorage>()
            recycler.keep(fresh)
            storages[count] = recycler
        }
        return fresh
    }

    /// The smallest free storage of more than `count` floats (within `largerFactor`), set to
    /// `count`. Called under the lock.
    private func largerFreeStorage(count: Int) -> TensorStorage? {
        var floor = count
        while true {
            var next: (capacity: Int, recycler: Recycler<TensorStorage>)?
            for (capacity, recycler) in storages where capacity > floor && capacity <= largerFactor * count {
                if capacity < next?.capacity ?? .max { next = (capacity, recycler) }
            }
            guard let next else { return nil }
            if let free = next.recycler.reuse() {
                free.count = count
                return free
            }
            floor = next.capacity
        }
    }

    /// A cleared autograd node: a free one, else a new one.
    func node() -> GradNode {
        lock.lock()
        defer { lock.unlock() }
        if let free = nodes.reuse() {
            free.clear()
            return free
        }
        nodesMade.add(1, ordering: .relaxed)
        let fresh = GradNode()
        nodes.keep(fresh)
        return fresh
    }
}
