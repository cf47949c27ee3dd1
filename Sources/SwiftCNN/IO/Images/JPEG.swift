import CJPEG
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// JPEG decoding through libjpeg, made safe for a library.
///
/// libjpeg reports a fatal error by calling `error_exit`, which must not return; C code
/// `longjmp`s out of it, which Swift cannot do. So the bytes are first checked for a sound
/// marker structure (`validate(_:path:)`), and libjpeg then runs on a short-lived worker
/// thread whose `error_exit` records the message and ends that thread with `pthread_exit`;
/// the caller joins it, frees libjpeg's memory with `jpeg_destroy_*` and throws. A failed
/// decode leaks only the worker's few bookkeeping bytes, never the process.
///
/// ```swift
/// let photo = try JPEG.read("cat.jpg")    // 8-bit RGB
/// let x = try ImageResize.modelInput(photo, height: 32, width: 32, channels: 3)
/// ```
public enum JPEG {
    static let maxFileBytes = 256 << 20
    static let maxPixels = 64 << 20

    /// Reads a JPEG file as 8-bit RGB (grayscale JPEGs are expanded to RGB).
    public static func read(_ path: String) throws -> PixelImage {
        try decode(BinaryFile.read(path, maxBytes: maxFileBytes), path: path)
    }

    /// Decodes JPEG bytes to 8-bit RGB; `path` names the source in errors.
    /// `fastDCT` uses libjpeg's fast integer inverse DCT, which TensorFlow's `decode_jpeg`
    /// uses by default (so Keras's `image_dataset_from_directory` does): pixels differ from
    /// the accurate one (Pillow's, `load_img`'s) by a few levels.
    /// `strict` refuses data libjpeg had to patch up (a truncated file, corrupt entropy
    /// data), as TensorFlow does, instead of returning the gray it fills in.
    public static func decode(_ bytes: [UInt8], path: String = "JPEG", fastDCT: Bool = false, strict: Bool = false) throws -> PixelImage {
        let frame = try validate(bytes, path: path)
        let job = LibJPEGJob(input: bytes)
        job.expectedSize = (frame.width, frame.height)
        job.fastDCT = fastDCT
        job.rejectsCorruptData = strict
        // The closure captures nothing: a context would leak when libjpeg ends the thread.
        job.work = { job in
            let frame = (width: job.expectedSize.width, height: job.expectedSize.height)
            let cinfo = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
            cinfo.initialize(to: jpeg_decompress_struct())
            job.decompressor = cinfo
            cinfo.pointee.err = jpeg_std_error(job.errorManager)
            job.installHandlers()
            jpeg_CreateDecompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
            cinfo.pointee.client_data = job.opaque
            jpeg_mem_src(cinfo, job.input.baseAddress, UInt(job.input.count))
            guard jpeg_read_header(cinfo, 1) == JPEG_HEADER_OK else {
                job.failure = "no image in the JPEG stream"
                return
            }
            cinfo.pointee.out_color_space = JCS_RGB
            if job.fastDCT { cinfo.pointee.dct_method = JDCT_IFAST }
            guard jpeg_start_decompress(cinfo) != 0 else { return }
            let width = Int(cinfo.pointee.output_width)
            let height = Int(cinfo.pointee.output_height)
            let channels = Int(cinfo.pointee.output_components)
            guard channels == 3, width == frame.width, height == frame.height else {
                job.failure =
                    "libjpeg produced \(width)×\(height)×\(channels), expected \(frame.width)×\(frame.height)×3"
                return
            }
            let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: width * height * 3)
            job.output = UnsafeMutableBufferPointer(start: pixels, count: width * height * 3)
            job.width = width
            job.height = height
            while Int(cinfo.pointee.output_scanline) < height {
                var row: JSAMPROW? = pixels + Int(cinfo.pointee.output_scanline) * width * 3
                guard jpeg_read_scanlines(cinfo, &row, 1) == 1 else {
                    job.failure = "libjpeg stopped at row \(cinfo.pointee.output_scanline)"
                    return
                }
            }
            _ = jpeg_finish_decompress(cinfo)
            if job.rejectsCorruptData, let err = cinfo.pointee.err, err.pointee.num_warnings > 0 {
                job.failure = "truncated or corrupt image data (libjpeg reported \(err.pointee.num_warnings) problem\(err.pointee.num_warnings == 1 ? "" : "s"))"
            }
        }
        try job.run(path: path)
        guard let output = job.output else {
            throw SwiftCNNError("\(path): libjpeg produced no pixels")
        }
        return PixelImage(width: job.width, height: job.height, channels: 3, pixels: Array(output))
    }

    /// Encodes 8-bit RGB pixels as a baseline JPEG (for tests and fixtures).
    static func encode(_ image: PixelImage, quality: Int32 = 90) throws -> [UInt8] {
        guard image.channels == 3, image.width > 0, image.height > 0,
            image.pixels.count == image.width * image.height * 3
        else { throw SwiftCNNError("JPEG: can only encode non-empty 8-bit RGB images") }
        let job = LibJPEGJob(input: image.pixels)
        var encoded: [UInt8] = []
        job.work = { job in
            let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
            cinfo.initialize(to: jpeg_compress_struct())
            job.compressor = cinfo
            cinfo.pointee.err = jpeg_std_error(job.errorManager)
            job.installHandlers()
            jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
            cinfo.pointee.client_data = job.opaque
            var buffer: UnsafeMutablePointer<UInt8>?
            var size: UInt = 0
            jpeg_mem_dest(cinfo, &buffer, &size)
            cinfo.pointee.image_width = JDIMENSION(image.width)
            cinfo.pointee.image_height = JDIMENSION(image.height)
            cinfo.pointee.input_components = 3
            cinfo.pointee.in_color_space = JCS_RGB
            jpeg_set_defaults(cinfo)
            jpeg_set_quality(cinfo, quality, 1)
            jpeg_start_compress(cinfo, 1)
            let base = job.input.baseAddress!
            while Int(cinfo.pointee.next_scanline) < image.height {
                var row: JSAMPROW? = UnsafeMutablePointer(
                    mutating: base + Int(cinfo.pointee.next_scanline) * image.width * 3)
                _ = jpeg_write_scanlines(cinfo, &row, 1)
            }
            jpeg_finish_compress(cinfo)
            if let buffer {
                encoded = Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
                free(buffer)
            }
        }
        try job.run(path: "JPEG encoder")
        return encoded
    }

    /// What `validate(_:path:)` learns from the frame header.
    struct Frame {
        var width: Int
        var height: Int
        var components: Int
        /// Whether the marker walk reached EOI: false for a file cut short, which libjpeg
        /// pads with gray (and a strict decode refuses).
        var complete = false
    }

    /// Checks the marker structure libjpeg would otherwise abort on: SOI first, every
    /// segment inside the file, a supported frame (baseline, extended or progressive, 8-bit,
    /// 1 or 3 components, sane sampling factors), quantisation and Huffman tables well-formed
    /// and defined before use, and scans that name the frame's components.
    static func validate(_ bytes: [UInt8], path: String) throws -> Frame {
        func fail(_ what: String) -> SwiftCNNError {
            SwiftCNNError("\(path): not a valid JPEG (\(what))")
        }
        guard !bytes.isEmpty else { throw fail("empty file") }
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw fail("no SOI marker at byte 0")
        }
        var frame: Frame?
        var componentIDs: [UInt8] = []
        var componentQuant: [Int] = []
        var quantDefined = [Bool](repeating: false, count: 4)
        var scans = 0
        var reachedEnd = false
        var i = 2
        while i < bytes.count {
            guard bytes[i] == 0xFF else {
                throw fail("expected a marker at byte \(i), found 0x\(String(bytes[i], radix: 16))")
            }
            while i < bytes.count && bytes[i] == 0xFF { i += 1 }  // fill bytes
            guard i < bytes.count else { break }
            let marker = bytes[i]
            i += 1
            if marker == 0xD9 {  // EOI
                reachedEnd = true
                break
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            guard marker != 0xD8, marker != 0x00 else {
                throw fail("unexpected marker 0xFF\(String(format: "%02X", marker)) at byte \(i - 2)")
            }
            guard i + 2 <= bytes.count else {
                throw fail("segment 0xFF\(String(format: "%02X", marker)) truncated at byte \(i)")
            }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard length >= 2, i + length <= bytes.count else {
                throw fail(
                    "segment 0xFF\(String(format: "%02X", marker)) at byte \(i - 2) claims \(length) bytes, past the end"
                )
            }
            let body = Array(bytes[(i + 2)..<(i + length)])
            switch marker {
            case 0xC0, 0xC1, 0xC2:
                guard frame == nil else { throw fail("second frame header at byte \(i - 2)") }
                guard body.count >= 6 else { throw fail("frame header too short") }
                guard body[0] == 8 else {
                    throw fail("\(body[0])-bit samples; only 8-bit JPEGs are supported")
                }
                let height = Int(body[1]) << 8 | Int(body[2])
                let width = Int(body[3]) << 8 | Int(body[4])
                let n = Int(body[5])
                guard width > 0, height > 0, width <= maxPixels / height else {
                    throw fail("image size \(width)×\(height)")
                }
                // Every 8×8 block of the full-resolution component costs at least one bit
                // (its DC code), so a short file cannot hold a large image; libjpeg would
                // pad the missing data and the pixels would be allocated regardless.
                let blocks = ((width + 7) / 8) * ((height + 7) / 8)
                guard blocks <= 8 * bytes.count else {
                    throw fail(
                        "\(width)×\(height) image needs at least \((blocks + 7) / 8) bytes of coded data, "
                            + "the file has \(bytes.count) bytes (truncated, or a forged frame header)")
                }
                guard n == 1 || n == 3 else {
                    throw fail("\(n) color components; only gray and RGB/YCbCr are supported")
                }
                guard body.count == 6 + 3 * n else {
                    throw fail("frame header length \(length) for \(n) components")
                }
                for c in 0..<n {
                    let sampling = body[7 + 3 * c]
                    let quant = Int(body[8 + 3 * c])
                    guard (1...4).contains(sampling >> 4), (1...4).contains(sampling & 15) else {
                        throw fail("component \(c) sampling factors 0x\(String(sampling, radix: 16))")
                    }
                    guard quant <= 3 else { throw fail("component \(c) uses quantisation table \(quant)") }
                    componentIDs.append(body[6 + 3 * c])
                    componentQuant.append(quant)
                }
                frame = Frame(width: width, height: height, components: n)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                throw fail("unsupported coding process (marker 0xFF\(String(format: "%02X", marker)))")
            case 0xDB:
                var o = 0
                while o < body.count {
                    let precision = Int(body[o] >> 4)
                    let id = Int(body[o] & 15)
                    guard precision <= 1, id <= 3 else {
                        throw fail("quantisation table 0x\(String(body[o], radix: 16))")
                    }
                    let size = 1 + 64 * (precision + 1)
                    guard o + size <= body.count else { throw fail("quantisation table \(id) truncated") }
                    quantDefined[id] = true
                    o += size
                }
            case 0xC4:
                var o = 0
                while o < body.count {
                    guard body[o] >> 4 <= 1, body[o] & 15 <= 3, o + 17 <= body.count else {
                        throw fail("Huffman table header at byte \(i + 2 + o)")
                    }
                    let counts = body[(o + 1)..<(o + 17)].reduce(0) { $0 + Int($1) }
                    guard counts <= 256, o + 17 + counts <= body.count else {
                        throw fail("Huffman table with \(counts) codes")
                    }
                    o += 17 + counts
                }
            case 0xDA:
                guard let frame else { throw fail("scan before the frame header") }
                guard let n = body.first.map(Int.init), (1...4).contains(n), n <= frame.components,
                    body.count == 4 + 2 * n
                else { throw fail("scan header at byte \(i - 2)") }
                for c in 0..<n {
                    guard let index = componentIDs.firstIndex(of: body[1 + 2 * c]) else {
                        throw fail("scan names component \(body[1 + 2 * c]), which the frame lacks")
                    }
                    guard quantDefined[componentQuant[index]] else {
                        throw fail("quantisation table \(componentQuant[index]) is used but never defined")
                    }
                }
                scans += 1
                // Skip the entropy-coded data up to the next real marker.
                var j = i + length
                while j + 1 < bytes.count {
                    if bytes[j] == 0xFF && bytes[j + 1] != 0 && !(0xD0...0xD7).contains(bytes[j + 1])
                        && bytes[j + 1] != 0xFF
                    {
                        break
                    }
                    j += 1
                }
                i = j + 1 >= bytes.count ? bytes.count : j
                continue
            default:
                break  // APPn, COM, DRI and others: skipped by libjpeg too.
            }
            i += length
        }
        guard var frame else { throw fail("no frame header (SOF0, SOF1 or SOF2)") }
        guard scans > 0 else { throw fail("no image data (SOS)") }
        frame.complete = reachedEnd
        return frame
    }
}

/// One libjpeg call on an expendable thread, so libjpeg's fatal errors end that thread
/// instead of the process.
final class LibJPEGJob {
    let input: UnsafeMutableBufferPointer<UInt8>
    var work: ((LibJPEGJob) -> Void)?
    let errorManager = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
    var decompressor: UnsafeMutablePointer<jpeg_decompress_struct>?
    var compressor: UnsafeMutablePointer<jpeg_compress_struct>?
    var output: UnsafeMutableBufferPointer<UInt8>?
    var width = 0, height = 0
    /// The frame size the marker check found; the decoder must produce it.
    var expectedSize = (width: 0, height: 0)
    var fastDCT = false
    var rejectsCorruptData = false
    /// Set by the work when it stops early, or from ``libjpegMessage`` after libjpeg's
    /// `error_exit`.
    var failure: String?
    /// Where `error_exit` formats libjpeg's message. Preallocated: memory that `error_exit`
    /// allocated from Swift would leak, since `pthread_exit` skips Swift's releases.
    let libjpegMessage = UnsafeMutablePointer<CChar>.allocate(capacity: Int(JMSG_LENGTH_MAX) + 1)
    var libjpegFailed = false

    init(input: [UInt8]) {
        self.input = .allocate(capacity: max(1, input.count))
        _ = self.input.initialize(from: input)
        errorManager.initialize(to: jpeg_error_mgr())
        libjpegMessage.initialize(repeating: 0, count: Int(JMSG_LENGTH_MAX) + 1)
    }

    deinit {
        if let decompressor {
            jpeg_destroy_decompress(decompressor)
            decompressor.deallocate()
        }
        if let compressor {
            jpeg_destroy_compress(compressor)
            compressor.deallocate()
        }
        output?.deallocate()
        input.deallocate()
        errorManager.deallocate()
        libjpegMessage.deallocate()
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Replaces libjpeg's exit-the-process and print-to-stderr handlers.
    func installHandlers() {
        errorManager.pointee.error_exit = { common in
            guard let common, let data = common.pointee.client_data else { pthread_exit(nil) }
            // No strong reference or Swift allocation may live in this frame: pthread_exit
            // skips its releases. The message becomes a String in `run` after the join.
            let buffer = Unmanaged<LibJPEGJob>.fromOpaque(data)._withUnsafeGuaranteedRef { job in
                job.libjpegFailed = true
                return job.libjpegMessage
            }
            common.pointee.err.pointee.format_message(common, buffer)
            pthread_exit(nil)
        }
        errorManager.pointee.output_message = { _ in }  // warnings (corrupt data) stay quiet
    }

    /// Runs `work` on a worker thread and waits; throws with libjpeg's message on failure.
    func run(path: String) throws {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(
            &thread, nil,
            { raw in
                #if !canImport(Darwin)
                    guard let raw else { return nil }
                #endif
                // Borrowed, not retained: a pthread_exit from libjpeg must not leak the job.
                Unmanaged<LibJPEGJob>.fromOpaque(raw)._withUnsafeGuaranteedRef { $0.work?($0) }
                return nil
            }, context)
        guard started == 0 else {
            Unmanaged<LibJPEGJob>.fromOpaque(context).release()
            throw SwiftCNNError("\(path): cannot start a decoding thread")
        }
        pthread_join(thread, nil)
        Unmanaged<LibJPEGJob>.fromOpaque(context).release()
        work = nil
        if libjpegFailed { failure = String(cString: libjpegMessage) }
        if let failure { throw SwiftCNNError("\(path): libjpeg: \(failure)") }
    }
}
