import CDeflate
import CSwiftCNNSupport
import Dispatch

/// The commonest PNG of an image dataset (8-bit RGB, not interlaced, no chunk that changes
/// colours: what Pillow writes for CIFAR-sized images) decoded with libdeflate and the five
/// row filters, without libpng's per-image setup, which costs more than the inflate for a
/// 32×32 image. Anything else, and any file whose data is not exactly right, goes to
/// libpng (`nil` here), so errors keep libpng's messages.
extension PNG {
    /// The pixels of `bytes` when it is a sound plain 8-bit RGB PNG, else nil.
    static func decodePlainRGB(_ bytes: [UInt8]) -> PixelImage? {
        let decoder = PNGPlainRGBDecoder()
        return bytes.withUnsafeBufferPointer { file -> PixelImage? in
            guard let (width, height) = decoder.size(of: file) else { return nil }
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            let sound = pixels.withUnsafeMutableBufferPointer { decoder.decode(file, into: $0.baseAddress!) }
            return sound ? PixelImage(width: width, height: height, channels: 3, pixels: pixels) : nil
        }
    }
}

/// Decodes plain 8-bit RGB PNGs one after another, keeping its decompressor and buffers
/// between files, so a folder pass allocates per thread, not per image. One thread at a
/// time: give each worker its own.
///
/// libdeflate rather than zlib: it inflates a whole buffer in one call two to three times
/// faster, and zlib's inflate and checksums were a third of a CIFAR folder's pass. Its
/// verdicts are zlib's for these streams: bad data, a wrong Adler-32, or a stream that does
/// not inflate to exactly the image's rows all fail, and bytes after the stream's end are
/// ignored as zlib's inflate ignores them.
final class PNGPlainRGBDecoder {
    private let decompressor: OpaquePointer?
    /// The inflated rows, each with its filter byte; grown to the largest image seen.
    private var filtered: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)
    /// The IDAT chunks' data joined, when a file splits it over several chunks.
    private var joined: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)
    /// The IDAT chunks' data of the file ``size(of:)`` read last.
    private var idat: [Range<Int>] = []
    private var width = 0
    private var height = 0

    init() {
        decompressor = libdeflate_alloc_decompressor()
        idat.reserveCapacity(8)
    }

    /// Runs `body(decoder, index)` for every index in `0..<count` on all cores, 64 indices
    /// to a task, each task with its own decoder: one decoder's setup serves many small
    /// images, and there are still enough tasks to balance the cores.
    static func forEachFile(_ count: Int, _ body: @Sendable (PNGPlainRGBDecoder, Int) -> Void) {
        let chunk = 64
        DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { task in
            let decoder = PNGPlainRGBDecoder()
            for index in (task * chunk)..<min(count, (task + 1) * chunk) { body(decoder, index) }
        }
    }

    deinit {
        if let decompressor { libdeflate_free_decompressor(decompressor) }
        filtered.deallocate()
        joined.deallocate()
    }

    // Chunk types as big-endian words, compared without making strings.
    private static let ihdr: UInt32 = 0x4948_4452, idatType: UInt32 = 0x4944_4154, iend: UInt32 = 0x4945_4E44
    /// Chunks that leave the pixels of an 8-bit RGB image as stored: sRGB, tEXt, zTXt,
    /// iTXt, tIME, pHYs. gAMA, cHRM, iCCP, sBIT or tRNS may change them, so a file with
    /// one goes to libpng.
    private static let colourNeutral: Set<UInt32> = [0x7352_4742, 0x7445_5874, 0x7A54_5874, 0x6954_5874, 0x7449_4D45, 0x7048_5973]

    private static func word(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3])
    }

    /// Width and height when `file` is a plain 8-bit RGB PNG whose chunks are sound (CRCs of
    /// the critical ones, order, lengths), else nil. Remembers where its image data is for
    /// ``decode(_:into:)``.
    func size(of file: UnsafeBufferPointer<UInt8>) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard file.count >= 8, signature.indices.allSatisfy({ file[$0] == signature[$0] }) else { return nil }
        idat.removeAll(keepingCapacity: true)
        (width, height) = (0, 0)
        var offset = 8
        var idatEnded = false  // another chunk came after the IDAT run
        while offset + 12 <= file.count {
            let length = Int(Self.word(file, offset))
            guard length <= file.count - offset - 12 else { return nil }
            let type = Self.word(file, offset + 4)
            let data = (offset + 8)..<(offset + 8 + length)
            let critical = type == Self.ihdr || type == Self.idatType || type == Self.iend
            guard critical || Self.colourNeutral.contains(type) else { return nil }
            if !idat.isEmpty && type != Self.idatType { idatEnded = true }
            if critical {
                // libpng refuses a critical chunk whose CRC is wrong: let it say so.
                let crc = libdeflate_crc32(0, file.baseAddress! + offset + 4, length + 4)
                guard crc == Self.word(file, data.upperBound) else { return nil }
            }
            switch type {
            case Self.ihdr:
                guard offset == 8, length == 13 else { return nil }
                let at = data.lowerBound
                let (w, h) = (Int(Self.word(file, at)), Int(Self.word(file, at + 4)))
                // 8-bit RGB, deflate, adaptive filtering, not interlaced; a small image.
                guard file[at + 8] == 8, file[at + 9] == 2, file[at + 10] == 0, file[at + 11] == 0, file[at + 12] == 0,
                    w > 0, h > 0, w <= 4096, h <= 4096
                else { return nil }
                (width, height) = (w, h)
            case Self.idatType:
                guard width > 0, !idatEnded else { return nil }
                if length > 0 { idat.append(data) }
            case Self.iend:
                return idat.isEmpty ? nil : (width, height)
            default:
                break
            }
            offset = data.upperBound + 4
        }
        return nil
    }

    /// The pixels of the file ``size(of:)`` accepted last (the same bytes), `height · width
    /// · 3` of them, into `output`. False when its data does not inflate to exactly the
    /// image's rows or a row has an unknown filter.
    func decode(_ file: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Bool {
        let stride = width * 3
        let needed = height * (stride + 1)
        guard width > 0, needed > 0, inflateAll(file, count: needed) else { return false }
        return swiftcnn_png_unfilter_rgb8(filtered.baseAddress!, output, height, stride) == 1
    }

    /// Inflates the IDAT chunks into ``filtered``: true when they hold one zlib stream of
    /// exactly `count` bytes.
    private func inflateAll(_ file: UnsafeBufferPointer<UInt8>, count: Int) -> Bool {
        guard let decompressor, let first = idat.first else { return false }
        if filtered.count < count {
            filtered.deallocate()
            filtered = .allocate(capacity: count)
        }
        // One chunk (what Pillow writes for a small image) is inflated where it lies; several
        // are joined first, since libdeflate takes the stream whole.
        var input = UnsafeRawPointer(file.baseAddress! + first.lowerBound)
        var inputCount = first.count
        if idat.count > 1 {
            let total = idat.reduce(0) { $0 + $1.count }
            if joined.count < total {
                joined.deallocate()
                joined = .allocate(capacity: total)
            }
            var at = 0
            for range in idat {
                (joined.baseAddress! + at).initialize(from: file.baseAddress! + range.lowerBound, count: range.count)
                at += range.count
            }
            (input, inputCount) = (UnsafeRawPointer(joined.baseAddress!), total)
        }
        return libdeflate_zlib_decompress(decompressor, input, inputCount, filtered.baseAddress, count, nil)
            == LIBDEFLATE_SUCCESS
    }
}
