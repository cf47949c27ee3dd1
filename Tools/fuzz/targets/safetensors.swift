// libFuzzer target: safetensors decoding (header length, JSON header, offsets, shapes).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/safetensors/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { _ = try SafeTensors.decode(bytes, file: "fuzz.safetensors") }
    return 0
}
