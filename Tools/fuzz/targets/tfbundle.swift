// libFuzzer target: TF checkpoint bytes as they lie on disk: LevelDB table (.index) and data shard.
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/tfbundle/.
import Foundation

@testable import SwiftCNN

// Input: a little-endian UInt32 n, then the .index bytes (n modulo what is left), then the
// bytes of the single data shard. Also runs the block decoder on the index bytes directly,
// since the table's CRCs keep most mutations out of it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard bytes.count >= 4 else { return 0 }
    let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    let indexLength = n % (bytes.count - 4 + 1)
    let index = Array(bytes[4..<(4 + indexLength)])
    let data = Array(bytes[(4 + indexLength)...])
    _ = try? decodeBlock(index[...])
    if index.count >= TableFormat.footerSize + TableFormat.blockTrailerSize {
        _ = try? decodeBlock(index[..<(index.count - TableFormat.footerSize - TableFormat.blockTrailerSize)])
    }
    _ = try? readTable(index)
    expectClearError { _ = try TensorBundle.decode(index: index, shards: [data]) }
    return 0
}
