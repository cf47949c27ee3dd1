import Synchronization

/// A request to stop training after the current step, safe to set from a signal handler's
/// queue (`swiftcnn train` sets it on Ctrl-C or SIGTERM).
public final class InterruptFlag: Sendable {
    private let requested = Atomic<Bool>(false)

    /// A flag not yet set.
    public init() {}

    /// Asks training to stop; returns whether it had been asked already.
    @discardableResult
    public func request() -> Bool { requested.exchange(true, ordering: .sequentiallyConsistent) }

    /// Whether stopping has been asked for.
    public var isRequested: Bool { requested.load(ordering: .sequentiallyConsistent) }
}
