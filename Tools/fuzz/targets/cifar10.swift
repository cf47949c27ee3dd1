// libFuzzer target: CIFAR-10 binary records (record count from the size, label check, planar→NHWC decode).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/cifar10/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError {
        let records = try CIFAR10.recordCount(path: "fuzz.bin", size: bytes.count)
        var images = [Float](repeating: 0, count: records * 32 * 32 * 3)
        var labels = [Float](repeating: 0, count: records)
        try bytes.withUnsafeBufferPointer { raw in
            images.withUnsafeMutableBufferPointer { i in
                labels.withUnsafeMutableBufferPointer { l in
                    CIFAR10.decode(raw, records: records, images: i.baseAddress!, labels: l.baseAddress!)
                }
            }
            try CIFAR10.checkLabels(raw, records: records, path: "fuzz.bin")
        }
    }
    return 0
}
