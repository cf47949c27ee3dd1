// libFuzzer target: TF checkpoint index entries behind valid table CRCs (header and BundleEntryProtos).
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/tfbundle_entries/.
import Foundation

@testable import SwiftCNN

// Input: records `u16 key length, key, u16 value length, value` (little-endian) until a key
// length of 0xFFFF or the end; what follows the 0xFFFF is the data shard. The target builds
// a well-formed table from the records (keys sorted, duplicates dropped) so the fuzzer
// reaches the protobuf parsing and the per-entry checks that the table's CRCs guard.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    var records: [[UInt8]: [UInt8]] = [:]
    var i = 0
    func u16() -> Int? {
        guard i + 2 <= bytes.count else { return nil }
        defer { i += 2 }
        return Int(bytes[i]) | Int(bytes[i + 1]) << 8
    }
    func take(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, i + n)
        defer { i = end }
        return Array(bytes[i..<end])
    }
    while let keyLength = u16(), keyLength != 0xFFFF {
        let key = take(keyLength)
        let value = take(u16() ?? 0)
        if records[key] == nil { records[key] = value }
    }
    let data = Array(bytes[min(i, bytes.count)...])
    var table = TableWriter()
    for key in records.keys.sorted(by: { bytewiseLess($0, $1) }) { table.add(key: key, value: records[key]!) }
    let index = table.finish()
    expectClearError { _ = try TensorBundle.decode(index: index, shards: [data]) }
    return 0
}
