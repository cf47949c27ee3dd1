// libFuzzer target: a .keras file's config.json (JSON via Codable, the Sequential layer
// arguments, the course classes' arguments). Built and run by Tools/fuzz/run.sh; seeds in
// Tools/fuzz/corpus/keras_config/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { _ = try KerasModelConfig(json: bytes, file: "fuzz.keras") }
    return 0
}
