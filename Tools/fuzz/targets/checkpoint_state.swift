// libFuzzer target: the `checkpoint` text file (CheckpointState.parse).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/checkpoint_state/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let state = try CheckpointState.parse(bytes, file: "checkpoint")
        _ = state.text
        _ = state.latestPrefix(directory: "dir")
    }
    return 0
}
