// libFuzzer target: TensorBoard event files (TFRecord framing with masked CRC32C, then
// Event protos). The checksums stop almost every mutation of a whole file at the first
// record, so the bytes are also framed as one valid record after a valid file-version
// record: the fuzzer then reaches the Event decoding itself.
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/tfevents/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { _ = try EventFile.decode(bytes, path: "fuzz.tfevents") }
    expectClearError { _ = try EventFile.decode(fuzzFirstRecord + TFRecord.frame(bytes), path: "fuzz.tfevents") }
    return 0
}

/// A valid first record: the file-version event.
let fuzzFirstRecord: [UInt8] = {
    var first = Tensorflow_Event()
    first.fileVersion = "brain.Event:2"
    return TFRecord.frame(Array(try! first.serializedData()))
}()
