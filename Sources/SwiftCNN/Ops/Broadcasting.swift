/// NumPy's broadcasting, which `keras.ops` and TensorFlow follow: shapes are aligned at
/// their last axes, and each pair of sizes must be equal or one of them 1.

/// The shape `lhs` and `rhs` broadcast to, or an error naming `op` and both shapes.
func broadcastShape(_ lhs: [Int], _ rhs: [Int], op: String) throws -> [Int] {
    if lhs == rhs { return lhs }
    let rank = max(lhs.count, rhs.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let a = axis - (rank - lhs.count) >= 0 ? lhs[axis - (rank - lhs.count)] : 1
        let b = axis - (rank - rhs.count) >= 0 ? rhs[axis - (rank - rhs.count)] : 1
        guard a == b || a == 1 || b == 1 else {
            throw SwiftCNNError("\(op): shapes \(describe(lhs)) and \(describe(rhs)) cannot be broadcast together")
        }
        result[axis] = a == 1 ? b : a
    }
    return result
}

/// The strides of a row-major tensor of `shape` read as a tensor of `target` (its
/// broadcast shape, of equal or higher rank): 0 along the axes it is repeated on.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    var strides = [Int](repeating: 0, count: target.count)
    var stride = 1
    for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
        let targetAxis = axis + target.count - shape.count
        strides[targetAxis] = shape[axis] == 1 && target[targetAxis] != 1 ? 0 : stride
        stride *= shape[axis]
    }
    return strides
}

/// Calls `body` for each row (run along the last axis) of a tensor of `shape`, with the
/// row's index and the offset of its first element in each operand laid out with
/// `strides[k]`. Rows are split over the pool when there is enough work.
func forEachRow(
    of shape: [Int], strides: [[Int]], _ body: (_ row: Int, _ offsets: UnsafeMutableBufferPointer<Int>) -> Void
) {
    let inner = shape.last ?? 1
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    let rows = count / inner
    let outer = Array(shape.dropLast())
    let operands = strides.count
    ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: count) { _, range in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(outer.count, 1) + operands) { scratch in
            let index = UnsafeMutableBufferPointer(rebasing: scratch[0..<max(outer.count, 1)])
            let offsets = UnsafeMutableBufferPointer(rebasing: scratch[max(outer.count, 1)...])
            // The multi-index of the range's first row, then one step per row.
            var rest = range.lowerBound
            for axis in Swift.stride(from: outer.count - 1, through: 0, by: -1) {
                index[axis] = rest % outer[axis]
                rest /= outer[axis]
            }
            for row in range {
                for k in 0..<operands {
                    var offset = 0
                    for axis in 0..<outer.count { offset += index[axis] * strides[k][axis] }
                    offsets[k] = offset
                }
                body(row, offsets)
                var axis = outer.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < outer[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}

extension Tensor {
    /// This tensor repeated to `shape` (which it must broadcast to), without autograd.
    func broadcast(to shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let result = Tensor(uninitializedShape: shape)
        let strides = broadcastStrides(self.shape, to: shape)
        let inner = shape.last ?? 1
        let innerStride = strides.last ?? 0
        let (source, target) = (pointer, result.pointer)
        forEachRow(of: shape, strides: [strides]) { row, offsets in
            let (from, to) = (source + offsets[0], target + row * inner)
            if innerStride == 0 {
                to.update(repeating: from[0], count: inner)
            } else {
                to.update(from: from, count: inner)
            }
        }
        return result
    }

    /// The sum of this tensor (a gradient of the broadcast shape) over the axes that
    /// `shape` was broadcast along, in `shape`: the gradient of broadcasting.
    func summed(toShape shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let result = Tensor(shape: shape, repeating: 0)
        let count = self.count
        guard count > 0 else { return result }
        let strides = broadcastStrides(shape, to: self.shape)
        let inner = self.shape.last ?? 1
        let innerStride = strides.last ?? 0
        let (source, target) = (pointer, result.pointer)
        // Sequential: rows of the source may add into the same target elements.
        let outer = Array(self.shape.dropLast())
        var index = [Int](repeating: 0, count: outer.count)
        for row in 0..<(count / inner) {
            var offset = 0
            for axis in 0..<outer.count { offset += index[axis] * strides[axis] }
            let (from, to) = (source + row * inner, target + offset)
            if innerStride == 0 {
                var sum: Float = 0
                for j in 0..<inner { sum += from[j] }
                to[0] += sum
            } else {
                for j in 0..<inner { to[j] += from[j] }
            }
            var axis = outer.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outer[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}

/// `axis` counted from the end when negative, checked against `rank`.
func normalizedAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else {
        throw SwiftCNNError("\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    return resolved
}

/// `axes` normalised, sorted and checked for repeats; nil means every axis.
func normalizedAxes(_ axes: [Int]?, rank: Int, op: String) throws -> [Int] {
    guard let axes else { return Array(0..<rank) }
    let resolved = try axes.map { try normalizedAxis($0, rank: rank, op: op) }.sorted()
    guard Set(resolved).count == resolved.count else {
        throw SwiftCNNError("\(op): axes \(axes) name an axis twice")
    }
    return resolved
}
