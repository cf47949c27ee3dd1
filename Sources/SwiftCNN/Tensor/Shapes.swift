import Synchronization

/// Shared arrays for the shapes ops build. Building `[batch, units]` allocates an array
/// every time; a step builds the same few dozen shapes, so looking them up by an inline
/// key and handing out one canonical array keeps shape building off the heap.
enum Shapes {
    /// Up to four dimensions, held inline so a lookup allocates nothing.
    struct Key: Hashable {
        var rank: Int
        var d0 = 0, d1 = 0, d2 = 0, d3 = 0

        static let capacity = 4

        init(_ d0: Int) { (rank, self.d0) = (1, d0) }
        init(_ d0: Int, _ d1: Int) { (rank, self.d0, self.d1) = (2, d0, d1) }
        init(_ d0: Int, _ d1: Int, _ d2: Int) { (rank, self.d0, self.d1, self.d2) = (3, d0, d1, d2) }
        init(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) { (rank, self.d0, self.d1, self.d2, self.d3) = (4, d0, d1, d2, d3) }

        /// The key of `shape`, or nil when its rank is beyond `capacity`.
        init?(_ shape: [Int]) {
            guard shape.count <= Self.capacity else { return nil }
            rank = shape.count
            for (axis, size) in shape.enumerated() { self[axis] = size }
        }

        subscript(axis: Int) -> Int {
            get {
                switch axis {
                case 0: d0
                case 1: d1
                case 2: d2
                default: d3
                }
            }
            set {
                switch axis {
                case 0: d0 = newValue
                case 1: d1 = newValue
                case 2: d2 = newValue
                default: d3 = newValue
                }
            }
        }

        var array: [Int] { (0..<rank).map { self[$0] } }
    }

    /// Distinct shapes kept; past this, shapes are built without being kept.
    private static let limit = 4096
    private static let table = Mutex<[Key: [Int]]>([:])

    /// The canonical array of `key`.
    static func of(_ key: Key) -> [Int] {
        if let known = table.withLock({ $0[key] }) { return known }
        let array = key.array
        table.withLock { table in
            if table.count < limit, table[key] == nil { table[key] = array }
        }
        return array
    }

    static func of(_ d0: Int) -> [Int] { of(Key(d0)) }
    static func of(_ d0: Int, _ d1: Int) -> [Int] { of(Key(d0, d1)) }
    static func of(_ d0: Int, _ d1: Int, _ d2: Int) -> [Int] { of(Key(d0, d1, d2)) }
    static func of(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) -> [Int] { of(Key(d0, d1, d2, d3)) }

    /// `shape` with the size of `axis` changed (a batch of another size, concatenated channels).
    static func replacing(_ axis: Int, of shape: [Int], with size: Int) -> [Int] {
        if shape[axis] == size { return shape }
        guard var key = Key(shape) else {
            var copy = shape
            copy[axis] = size
            return copy
        }
        key[axis] = size
        return of(key)
    }
}
