// libFuzzer target: IDX images and labels, plain or gzip (inflate, header, dimensions, pixels).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/idx/.
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
        let plain = try IDX.inflatedIfGzip(bytes, path: "fuzz.idx")
        expectClearError { _ = try IDX.decodeImages(plain, path: "fuzz.idx", limit: nil) }
        expectClearError { _ = try IDX.decodeImages(plain, path: "fuzz.idx", limit: 1) }
        expectClearError { _ = try IDX.decodeLabels(plain, path: "fuzz.idx", classCount: 10, limit: nil) }
    }
    return 0
}
