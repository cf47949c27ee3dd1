/// A height × width pair that reads like Keras's arguments: `3` means 3×3, `[3, 5]` or
/// `(3, 5)` a rectangle.
public struct Size2D: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// Rows.
    public let height: Int
    /// Columns.
    public let width: Int

    /// A size of `height` rows and `width` columns.
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }
    /// A square size.
    public init(_ both: Int) { self.init(both, both) }
    /// A size from a `(height, width)` pair, as Keras's `(3, 5)`.
    public init(_ pair: (Int, Int)) { self.init(pair.0, pair.1) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(arrayLiteral elements: Int...) {
        self.init(elements.first ?? 0, elements.count > 1 ? elements[1] : elements.first ?? 0)
    }

    var pair: (Int, Int) { (height, width) }
    var isValid: Bool { height > 0 && width > 0 }
}
