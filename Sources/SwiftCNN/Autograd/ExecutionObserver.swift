/// Watches a forward and backward pass from outside: told when each layer starts and ends
/// and how long each recorded op's backward rule took. `Profiler` is one; the layers and
/// the tape know only this protocol, so nothing below `Training` depends on a profiler.
///
/// ```swift
/// let profiler = Profiler()
/// try observing(profiler) { try model.trainStep(x, y) }
/// print(profiler.report())
/// ```
public protocol ExecutionObserver: AnyObject, Sendable {
    /// A layer named `name` (its display name) starts its forward pass.
    func layerWillRun(_ name: String)
    /// The innermost running layer finished its forward pass.
    func layerDidRun()
    /// The name the ops recorded now are labelled with (the innermost running layer), or
    /// nil to leave them unlabelled.
    var currentLabel: String? { get }
    /// The backward rule of an op labelled `label` ran for `seconds`.
    func backwardDidRun(label: String, seconds: Double)
}

/// The observer bound to the current task by `observing(_:_:)`.
enum ExecutionObservation {
    @TaskLocal static var current: (any ExecutionObserver)?
}

/// Runs `body` with `observer` watching every layer called and every backward rule run on
/// this task.
public func observing<R>(_ observer: (any ExecutionObserver)?, _ body: () throws -> R) rethrows -> R {
    try ExecutionObservation.$current.withValue(observer, operation: body)
}
