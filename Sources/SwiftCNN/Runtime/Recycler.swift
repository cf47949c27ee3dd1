import Synchronization

/// Objects kept for reuse. An object is free again once the recycler holds its only
/// reference, so nothing has to hand it back: a tensor or autograd node that is simply
/// dropped becomes reusable, and one that a caller keeps is never handed out twice.
///
/// Not thread-safe; `TensorArena` calls it under its lock. Other threads may drop their
/// references meanwhile: that can only turn a "not free" answer into a free object.
final class Recycler<Object: AnyObject> {
    private var objects: [Object] = []
    /// Where the next search starts. A step makes and drops objects in the same order every
    /// time, so searching on from the last hit usually finds a free object at once.
    private var cursor = 0

    var count: Int { objects.count }

    /// A held object that nothing else references, or nil when all are in use.
    func reuse() -> Object? {
        let count = objects.count
        var index = cursor
        for _ in 0..<count {
            if index >= count { index = 0 }
            if isKnownUniquelyReferenced(&objects[index]) {
                // The last owner may have written to it on another thread just before
                // dropping it; see those writes before the object is written again.
                atomicMemoryFence(ordering: .acquiring)
                cursor = index + 1
                return objects[index]
            }
            index += 1
        }
        return nil
    }

    func keep(_ object: Object) { objects.append(object) }
}
