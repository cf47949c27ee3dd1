// libFuzzer target: the `filename label` file of the course's home-made datasets.
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/labels_file/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let entries = try ImageFiles.parseLabels(String(decoding: bytes, as: UTF8.self), file: "labels.txt")
        precondition(entries.allSatisfy { !$0.name.isEmpty && $0.label >= 0 })
    }
    return 0
}
