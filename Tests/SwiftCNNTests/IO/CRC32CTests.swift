import Testing

@testable import SwiftCNN

@Suite struct CRC32CTests {
    // Vectors from RFC 3720 B.4 and leveldb/util/crc32c_test.cc.
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func extendEqualsWholeChecksum() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let extended = CRC32C.extend(CRC32C.checksum(data[..<split]), data[split...])
            #expect(extended == CRC32C.checksum(data))
        }
    }

    @Test func maskRoundTrips() {
        for crc: UInt32 in [0, 1, 0xE306_9283, 0xffff_ffff, 0x8000_0000] {
            #expect(CRC32C.unmask(CRC32C.mask(crc)) == crc)
            #expect(CRC32C.mask(crc) != crc)
            #expect(CRC32C.mask(CRC32C.mask(crc)) != crc)
        }
    }
}
