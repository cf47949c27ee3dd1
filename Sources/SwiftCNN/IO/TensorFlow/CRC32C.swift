// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) as in
// tensorflow/core/lib/hash/crc32c.h, with TensorFlow's mask: checksums stored
// next to the data they cover are masked so that a CRC of a string containing
// embedded CRCs stays well distributed.

/// CRC32C checksums and TensorFlow's mask/unmask.
public enum CRC32C {
    /// Eight 256-entry tables for slicing-by-8: table k advances a byte k
    /// positions further through the register.
    private static let tables: [[UInt32]] = {
        var t = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            t[0][i] = crc
        }
        for i in 0..<256 {
            for k in 1..<8 {
                let prev = t[k - 1][i]
                t[k][i] = (prev >> 8) ^ t[0][Int(prev & 0xff)]
            }
        }
        return t
    }()

    /// The CRC32C of `bytes`.
    public static func checksum<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        extend(0, bytes)
    }

    /// Extends `crc` (the CRC32C of some bytes A) to the CRC32C of A followed
    /// by `bytes`.
    public static func extend<C: Collection<UInt8>>(_ crc: UInt32, _ bytes: C) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ extend(crc, UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return extend(crc, Array(bytes))
    }

    /// Extends `crc` (the CRC32C of some bytes A) to the CRC32C of A followed by the bytes
    /// of `buffer`.
    public static func extend(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        var i = 0
        let n = buffer.count
        tables.withUnsafeBufferPointer { t in
            let t0 = t[0]
            let t1 = t[1]
            let t2 = t[2]
            let t3 = t[3]
            let t4 = t[4]
            let t5 = t[5]
            let t6 = t[6]
            let t7 = t[7]
            while n - i >= 8 {
                let lo =
                    c
                    ^ (UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8
                        | UInt32(buffer[i + 2]) << 16 | UInt32(buffer[i + 3]) << 24)
                let hi =
                    UInt32(buffer[i + 4]) | UInt32(buffer[i + 5]) << 8
                    | UInt32(buffer[i + 6]) << 16 | UInt32(buffer[i + 7]) << 24
                c =
                    t7[Int(lo & 0xff)] ^ t6[Int((lo >> 8) & 0xff)] ^ t5[Int((lo >> 16) & 0xff)]
                    ^ t4[Int(lo >> 24)] ^ t3[Int(hi & 0xff)] ^ t2[Int((hi >> 8) & 0xff)]
                    ^ t1[Int((hi >> 16) & 0xff)] ^ t0[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ t0[Int((c ^ UInt32(buffer[i])) & 0xff)]
                i += 1
            }
        }
        return ~c
    }

    private static let maskDelta: UInt32 = 0xa282_ead8

    /// TensorFlow's `crc32c::Mask`: rotate right by 15 bits and add a constant.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Inverse of ``mask(_:)``.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rot = masked &- maskDelta
        return (rot >> 17) | (rot << 15)
    }
}
