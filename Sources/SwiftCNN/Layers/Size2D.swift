/// A height × width pair that reads like Keras's arguments: `3` means 3×3, `[3, 5]` or
/// `(3, 5)` a rectangle.
public struct Size2D: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    public let height: Int
    public let width: Int

    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }
    public init(_ both: Int) { self.init(both, both) }
    public init(_ pair: (Int, Int)) { self.init(pair.0, pair.1) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(arrayLiteral elements: Int...) {
        self.init(elements.first ?? 0, elements.count > 1 ? elements[1] : elements.first ?? 0)
    }

    var pair: (Int, Int) { (height, width) }
    var isValid: Bool { height > 0 && width > 0 }
}
