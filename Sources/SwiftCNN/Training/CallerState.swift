import COpenBLAS
import CSwiftCNNSupport
import Synchronization

/// The caller's settings the library changes for its own work and puts back after, so a
/// call into SwiftCNN leaves the caller's state as it found it:
///
/// - the calling thread's flush-to-zero and denormals-are-zero bits (MXCSR on x86-64),
///   set during the call because denormal gradients slow arithmetic tenfold (TensorFlow
///   flushes them too), restored when it returns;
/// - OpenBLAS's thread count, a process-wide setting: one thread while any library call
///   runs (each layer's batch is split over SwiftCNN's own threads instead), the caller's
///   count again once the last one returns, unless the caller set another in between.
///   Other threads of the process that call OpenBLAS during a SwiftCNN call get one
///   thread too.
enum CallerState {
    /// Library calls in flight, and the OpenBLAS thread count from before the first.
    private static let blas = Mutex<(depth: Int32, saved: Int32)>((0, 1))

    /// Runs `body` with the library's settings and restores the caller's after.
    static func preserving<R>(_ body: () throws -> R) rethrows -> R {
        let flags = swiftcnn_enter_flush_to_zero()
        enterBLAS()
        defer {
            leaveBLAS()
            swiftcnn_restore_flush_to_zero(flags)
        }
        return try body()
    }

    private static func enterBLAS() {
        blas.withLock { state in
            if state.depth == 0 {
                state.saved = openblas_get_num_threads()
                if state.saved != 1 { openblas_set_num_threads(1) }
            }
            state.depth += 1
        }
    }

    private static func leaveBLAS() {
        blas.withLock { state in
            state.depth -= 1
            // A count the caller set meanwhile (not our 1) is theirs to keep.
            if state.depth == 0, state.saved != 1, openblas_get_num_threads() == 1 {
                openblas_set_num_threads(state.saved)
            }
        }
    }
}
