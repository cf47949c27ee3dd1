// libFuzzer target: history.csv decoding (the file a resumed run reads back).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/history_csv/.
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    expectClearError { _ = try HistoryCSV.decode(String(decoding: bytes, as: UTF8.self), path: "history.csv") }
    return 0
}
