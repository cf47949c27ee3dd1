// libFuzzer target: Keras 3 `.weights.h5` files (libhdf5 through HDF5File, plus the
// variable-length string attributes SwiftCNN reads from the bytes itself), loaded into a
// small compiled model (format: KerasWeightsFuzzInput in Sources/SwiftCNN/IO/Keras).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/keras_weights/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { try KerasWeightsFuzzInput.run(bytes) }
    return 0
}
