// Shared by every libFuzzer target: Tools/fuzz/run.sh compiles this file with each one.
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
