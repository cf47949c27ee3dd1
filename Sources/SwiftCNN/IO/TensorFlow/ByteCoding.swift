// Little-endian fixed-width integers and LevelDB/protobuf-style varints, the
// primitives of the LevelDB table format (tensorflow/core/lib/core/coding.cc).
// The reader checks every bound, so hostile input throws instead of trapping.

extension Array where Element == UInt8 {
    mutating func appendFixed32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendFixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }
}

/// A bounds-checked cursor over a byte range.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - position }
    var isAtEnd: Bool { position >= bytes.endIndex }

    mutating func readBytes(_ count: Int) throws(FormatError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw FormatError("needs \(count) bytes at offset \(position) but only \(remaining) remain")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func readFixed32() throws(FormatError) -> UInt32 {
        let b = try readBytes(4)
        return b.reversed().reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
    }

    mutating func readFixed64() throws(FormatError) -> UInt64 {
        let b = try readBytes(8)
        return b.reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }

    /// A varint of at most `maxBytes` bytes (5 for 32-bit, 10 for 64-bit
    /// values, as LevelDB's GetVarint32/GetVarint64 allow).
    mutating func readVarint(maxBytes: Int = 10) throws(FormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            guard position < bytes.endIndex else {
                throw FormatError("varint runs past the end at offset \(position)")
            }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7f) &<< shift
            if byte & 0x80 == 0 {
                if maxBytes == 5, result > UInt64(UInt32.max) {
                    throw FormatError("varint32 overflows at offset \(position)")
                }
                return result
            }
            shift += 7
        }
        throw FormatError("varint longer than \(maxBytes) bytes at offset \(position)")
    }

    mutating func readVarint32() throws(FormatError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readVarint(maxBytes: 5))
    }

    /// A varint32 that must fit a non-negative `Int` (a length or count).
    mutating func readLength() throws(FormatError) -> Int {
        Int(try readVarint32())
    }
}

func readFixed32(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
    var value: UInt32 = 0
    for i in (0..<4).reversed() { value = (value << 8) | UInt32(bytes[offset + i]) }
    return value
}

/// `a < b` in unsigned byte order, the order of LevelDB's BytewiseComparator
/// (and of `std::map<std::string>` keys in TensorFlow's BundleWriter).
func bytewiseLess<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
    a.lexicographicallyPrecedes(b)
}
