// libFuzzer target: .npy decoding (magic, version, header dictionary, shape, data).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/npy/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { _ = try NPY.decode(bytes, path: "fuzz.npy") }
    return 0
}
