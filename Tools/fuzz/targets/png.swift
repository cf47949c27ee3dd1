// libFuzzer target: PNG decoding through libpng's simplified API.
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/png/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let image = try PNG.decode(bytes, path: "fuzz.png")
        precondition(image.pixels.count == image.width * image.height * 3)
    }
    return 0
}
