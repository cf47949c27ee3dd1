// libFuzzer target: JPEG decoding (marker validation, then libjpeg on a worker thread).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/jpeg/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let image = try JPEG.decode(bytes, path: "fuzz.jpg")
        precondition(image.pixels.count == image.width * image.height * 3)
    }
    return 0
}
