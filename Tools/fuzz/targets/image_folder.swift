// libFuzzer target: the folder-dataset walker, labels file and decoders together, on a
// folder tree written from the input (format: FolderFuzzInput in Sources/SwiftCNN/Data).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/image_folder/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let dir = NSTemporaryDirectory() + "swiftcnn-fuzz-folder-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    expectClearError { try FolderFuzzInput.run(bytes, in: dir) }
    return 0
}
