import COpenBLAS
import CSwiftCNNSupport
import Foundation
import Testing

@testable import SwiftCNN

/// The library leaves its caller's state as it found it: the calling thread's
/// flush-to-zero/denormals-are-zero bits, and OpenBLAS's process-wide thread count.
@Suite(.serialized) struct CallerStateTests {
    /// This thread's FTZ and DAZ bits (MXCSR & 0x8040), read without changing them.
    static func flushBits() -> UInt32 {
        let bits = swiftcnn_enter_flush_to_zero()
        swiftcnn_restore_flush_to_zero(bits)
        return bits
    }

    /// Records this thread's FTZ/DAZ bits at each step of `fit`.
    final class FlushDuringFit: Callback {
        var seen: [UInt32] = []
        func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) { seen.append(CallerStateTests.flushBits()) }
    }

    static func model() throws -> (Sequential, Tensor, Tensor) {
        let fixture = try KerasFixture("optim_rmsprop_default")
        let model = try OptimizerFidelityTests.model(fixture)
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        return (model, try fixture.tensor("input"), try fixture.tensor("labels"))
    }

    @Test func theCallersFlushToZeroBitsAreRestored() throws {
        #if arch(x86_64)
            let (model, x, y) = try Self.model()
            // A caller without flush-to-zero keeps it off after each entry point…
            swiftcnn_restore_flush_to_zero(0)
            _ = try model.predict(x)
            #expect(Self.flushBits() == 0)
            try model.trainStep(x, y)
            #expect(Self.flushBits() == 0)
            _ = try model.evaluate(x: x, y: y)
            #expect(Self.flushBits() == 0)
            // …while the library's work runs flushed.
            let probe = FlushDuringFit()
            try model.fit(x: x, y: y, batchSize: 3, callbacks: [probe], verbose: false)
            #expect(Self.flushBits() == 0)
            #expect(probe.seen == [0x8040, 0x8040])
            // A caller with them on keeps them on.
            swiftcnn_restore_flush_to_zero(0x8040)
            _ = try model.predict(x)
            #expect(Self.flushBits() == 0x8040)
            swiftcnn_restore_flush_to_zero(0)
        #endif
    }

    @Test func theCallersOpenBLASThreadCountIsRestored() throws {
        let original = openblas_get_num_threads()
        defer { openblas_set_num_threads(original) }
        openblas_set_num_threads(3)
        // Creating a thread pool (as the first model does) leaves the setting alone…
        _ = secondPool.parts
        #expect(openblas_get_num_threads() == 3)
        // …and so does a model that predicts and trains, which run OpenBLAS on one thread.
        let (model, x, y) = try Self.model()
        _ = try model.predict(x)
        #expect(openblas_get_num_threads() == 3)
        try model.trainStep(x, y)
        #expect(openblas_get_num_threads() == 3)
    }
}

/// A second pool, created lazily in the test (its workers live as long as the process, so it
/// must too).
private let secondPool = ThreadPool(threads: 2)
