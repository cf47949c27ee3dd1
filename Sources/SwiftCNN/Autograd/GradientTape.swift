/// Scopes gradient recording, like `tf.GradientTape`: inside `record`, every read of a
/// trainable parameter is tracked whatever `training` says. That keeps "record gradients"
/// apart from "training behaviour": the course's Inception runs its batch-norm with
/// `training: false` inside `fit`, and its gamma, beta and convolution must still learn.
/// Outside a scope, parameters are tracked when `training` is true or the input is tracked.
public enum GradientTape {
    @TaskLocal public static var isRecording = false

    /// Runs `body` with recording on.
    public static func record<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(true) { try body() }
    }
}
