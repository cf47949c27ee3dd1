// libFuzzer target: IDX images and labels, plain or gzip (inflate, header, dimensions, pixels).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/idx/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let plain = try IDX.inflatedIfGzip(bytes, path: "fuzz.idx")
        expectClearError { _ = try IDX.decodeImages(plain, path: "fuzz.idx", limit: nil) }
        expectClearError { _ = try IDX.decodeImages(plain, path: "fuzz.idx", limit: 1) }
        expectClearError { _ = try IDX.decodeLabels(plain, path: "fuzz.idx", classCount: 10, limit: nil) }
    }
    return 0
}
