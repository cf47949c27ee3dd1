/// Scopes gradient recording, like `tf.GradientTape`: inside `record`, every read of a
/// trainable parameter is tracked whatever `training` says. That keeps "record gradients"
/// apart from "training behaviour": the course's Inception runs its batch-norm with
/// `training: false` inside `fit`, and its gamma, beta and convolution must still learn.
/// Outside a scope, parameters are tracked when `training` is true or the input is tracked.
public enum GradientTape {
    /// How many `record` scopes enclose the calling thread. `record`'s body is synchronous,
    /// so it runs on the thread that entered the scope; a per-thread count scopes it
    /// exactly, and unlike a task-local value, entering costs no heap allocation.
    private static let depth = ThreadLocalWord()

    /// Whether the calling code runs inside `record`.
    public static var isRecording: Bool { depth.value > 0 }

    /// Runs `body` with recording on.
    public static func record<R>(_ body: () throws -> R) rethrows -> R {
        try depth.withValue(depth.value + 1, body)
    }
}
