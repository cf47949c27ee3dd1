// libFuzzer target: CIFAR-10 binary records (record count from the size, label check, planar→NHWC decode).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/cifar10/.
import Foundation

@testable import SwiftCNN

/// The reader may throw a SwiftCNNError or CheckpointError; anything else (a trap, an ASan
/// report, another error type) is a finding. With FUZZ_VERBOSE set (replaying files:
/// `FUZZ_VERBOSE=1 .build-fuzz/fuzz/<target> file...`) each outcome is printed.
let verbose = getenv("FUZZ_VERBOSE") != nil
func expectClearError(_ body: () throws -> Void) {
    do {
        try body()
        if verbose { print("OUTCOME: decoded") }
    } catch let error as SwiftCNNError {
        if verbose { print("OUTCOME: \(error.message)") }
    } catch let error as CheckpointError {
        if verbose { print("OUTCOME: \(error)") }
    } catch {
        fatalError("unexpected error type \(type(of: error)): \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let records = try CIFAR10.recordCount(path: "fuzz.bin", size: bytes.count)
        var images = [Float](repeating: 0, count: records * 32 * 32 * 3)
        var labels = [Float](repeating: 0, count: records)
        try bytes.withUnsafeBufferPointer { raw in
            images.withUnsafeMutableBufferPointer { i in
                labels.withUnsafeMutableBufferPointer { l in
                    CIFAR10.decode(raw, records: records, images: i.baseAddress!, labels: l.baseAddress!)
                }
            }
            try CIFAR10.checkLabels(raw, records: records, path: "fuzz.bin")
        }
    }
    return 0
}
