/// Interrupting and resuming a run inside an epoch, in the spirit of Keras's
/// `BackupAndRestore`: `fit` asks its callbacks whether to stop after each step and where
/// an earlier, interrupted run stopped. `swiftcnn train` passes one of these, set by Ctrl-C
/// or SIGTERM and holding the progress read from the `-last` files; a library user who
/// wants the same passes one too, and `fit` itself knows nothing of signals or files.
public final class ResumeCallback: Callback {
    /// Set to stop after the current step; nil to never stop.
    public let interruption: InterruptFlag?
    /// Where the interrupted run stopped: `fit` continues that epoch from the next step,
    /// with its running sums, as if it had never stopped.
    public let progress: EpochProgress?

    /// A callback that stops when `interruption` is set and resumes at `progress`.
    public init(interruption: InterruptFlag? = nil, resumingAt progress: EpochProgress? = nil) {
        self.interruption = interruption
        self.progress = progress
    }

    public var stopRequested: Bool { interruption?.isRequested == true }
    public var resumePoint: EpochProgress? { progress }
}
