// libFuzzer target: the structural check of a folder dataset's image files (PNG chunk
// walk to IEND, JPEG markers to EOI) and, when a file passes, its decoding.
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/image_check/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { try ImageCheckFuzzInput.run(bytes) }
    return 0
}
