// libFuzzer target: the zip container of .keras files (libzip through ZipArchive: central
// directory, local headers, sizes, CRCs). Built and run by Tools/fuzz/run.sh; seeds in
// Tools/fuzz/corpus/keras_zip/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        _ = try ZipArchive.read(
            bytes, entries: ["metadata.json", "config.json", "model.weights.h5"], limit: 1 << 20, file: "fuzz.keras")
    }
    return 0
}
