// The structures of an HDF5 file that SwiftCNN checks in the file's bytes before (or
// instead of) letting Debian's libhdf5 1.10 near them, each found by flipping bytes of a
// Keras file:
// - variable-length string attributes, read here instead of through H5Aread: libhdf5
//   follows the string's global-heap reference without bounds checks, so a corrupt heap
//   collection (a free-space object of size 0) makes H5HG__cache_heap_deserialize loop
//   forever, and a corrupt object index or size makes H5HG_read copy from outside the heap
//   (SIGSEGV);
// - object headers, checked before libhdf5 loads one: a header chunk running past the end
//   of the file fails in H5C_load_entry ("actual_len exceeds EOA") leaking a free-list
//   block, and the leaked blocks make the library print "HDF5: infinite loop closing
//   library" at process exit.
// Every offset is checked against the file (and its end-of-file address) before it is followed.
//
// Layouts read (the ones h5py and libhdf5 write with the default "earliest" format): the
// superblock's offset and length sizes, version-1 object headers with their continuation
// blocks, attribute messages of versions 1 to 3, and global heap collections. Anything else
// that is well formed (a version-2 object header, a shared or densely stored attribute)
// gives nil, as for an absent attribute; bytes that contradict themselves throw.

struct HDF5FileBytes {
    let bytes: [UInt8]
    let file: String
    private let offsetSize: Int
    private let lengthSize: Int
    /// The file's size, or the superblock's end-of-file address when that is smaller:
    /// libhdf5 reads nothing past either.
    private let end: Int
    /// The root group's object header, which H5Fopen loads.
    let rootHeader: UInt64

    /// Nil when the superblock is one this reader does not follow (a nonzero base address).
    init?(bytes: [UInt8], file: String) throws {
        self.bytes = bytes
        self.file = file
        guard bytes.count > 16 else { throw Self.corrupt(file, "no superblock") }
        let version = bytes[8]
        let baseAt: Int
        // Offsets after the base address: the end-of-file address, and the root's header
        // (inside the root's symbol table entry for versions 0 and 1).
        let (eofField, rootField): (Int, Int)
        switch version {
        case 0, 1:
            (offsetSize, lengthSize) = (Int(bytes[13]), Int(bytes[14]))
            baseAt = version == 0 ? 24 : 28
            (eofField, rootField) = (2, 5)
        case 2, 3:
            (offsetSize, lengthSize) = (Int(bytes[9]), Int(bytes[10]))
            baseAt = 12
            (eofField, rootField) = (2, 3)
        default: throw Self.corrupt(file, "superblock version \(version)")
        }
        guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else {
            throw Self.corrupt(file, "superblock sizes of offsets \(offsetSize) and lengths \(lengthSize)")
        }
        var reader = Reader(bytes: bytes, at: baseAt, file: file)
        guard try reader.uint(offsetSize) == 0 else { return nil }
        reader.position = baseAt + eofField * offsetSize
        end = min(bytes.count, try reader.uint(offsetSize))
        reader.position = baseAt + rootField * offsetSize
        rootHeader = UInt64(try reader.uint(offsetSize))
    }

    /// Throws unless the object header at `header` (a version-1 one: its chunks and
    /// messages) lies inside the file; a version-2 header is left to libhdf5, which
    /// checksums it.
    func checkObjectHeader(_ header: UInt64) throws {
        _ = try messages(header)
    }

    static func corrupt(_ file: String, _ what: String) -> CheckpointError {
        CheckpointError(file: file, message: "corrupt HDF5 file (\(what))")
    }

    /// The value of the attribute `name` of the object whose header is at `header`, or nil
    /// when that header holds no such attribute in a layout read here.
    func attribute(_ name: String, header: UInt64) throws -> String? {
        for message in try messages(header) ?? [] where message.type == 0x0C && message.flags & 0x02 == 0 {
            var reader = Reader(bytes: bytes, at: message.start, file: file)
            if let value = try attributeMessage(&reader, end: message.end, wanted: name) { return value }
        }
        return nil
    }

    /// The messages of the version-1 object header at `header`, continuation chunks
    /// followed, each checked to lie inside its chunk and the file; nil for a version-2 header.
    private func messages(_ header: UInt64) throws -> [(type: Int, flags: Int, start: Int, end: Int)]? {
        guard let start = Int(exactly: header), start + 16 <= end else {
            throw Self.corrupt(file, "object header at \(header), past the end")
        }
        if bytes[start...].starts(with: Array("OHDR".utf8)) { return nil }
        var reader = Reader(bytes: bytes, at: start, file: file)
        guard try reader.uint(1) == 1 else { throw Self.corrupt(file, "object header version at \(header)") }
        reader.skip(1)
        reader.skip(6)
        let firstSize = try reader.uint(4)
        reader.skip(4)
        var chunks = [(start: reader.position, size: firstSize)]
        var found: [(type: Int, flags: Int, start: Int, end: Int)] = []
        // Every message of every chunk, as libhdf5 decodes them whatever the header's message
        // count says; each chunk is visited once, so the walk ends.
        var visited = Set<Int>()
        while let chunk = chunks.popLast() {
            guard visited.insert(chunk.start).inserted else {
                throw Self.corrupt(file, "object header at \(header) continues into itself")
            }
            var at = chunk.start
            let chunkEnd = try checkedEnd(chunk.start, chunk.size, "object header chunk")
            while at + 8 <= chunkEnd {
                var message = Reader(bytes: bytes, at: at, file: file)
                let type = try message.uint(2)
                let size = try message.uint(2)
                let flags = try message.uint(1)
                message.skip(3)
                let dataEnd = try checkedEnd(message.position, size, "header message")
                guard dataEnd <= chunkEnd else { throw Self.corrupt(file, "header message past its chunk") }
                found.append((type, flags, message.position, dataEnd))
                if type == 0x10 {
                    let offset = try message.uint(offsetSize)
                    let length = try message.uint(lengthSize)
                    chunks.append((start: offset, size: length))
                }
                at = dataEnd
            }
        }
        return found
    }

    /// An attribute message's value when it is `wanted` and a variable-length string.
    private func attributeMessage(_ reader: inout Reader, end: Int, wanted: String) throws -> String? {
        let version = try reader.uint(1)
        guard (1...3).contains(version) else { throw Self.corrupt(file, "attribute message version \(version)") }
        reader.skip(1)
        let nameSize = try reader.uint(2)
        let typeSize = try reader.uint(2)
        let spaceSize = try reader.uint(2)
        if version == 3 { reader.skip(1) }
        let pad: (Int) -> Int = { version == 1 ? ($0 + 7) / 8 * 8 : $0 }
        let nameStart = reader.position
        let typeStart = try checkedEnd(nameStart, pad(nameSize), "attribute name")
        let spaceStart = try checkedEnd(typeStart, pad(typeSize), "attribute datatype")
        let dataStart = try checkedEnd(spaceStart, pad(spaceSize), "attribute dataspace")
        guard dataStart <= end else { throw Self.corrupt(file, "attribute message past its end") }
        guard nameSize > 0, Array(bytes[nameStart..<(nameStart + nameSize - 1)]) == Array(wanted.utf8) else {
            return nil
        }
        // Class 9 (variable length) with type 1 (string) in its low class bits.
        guard typeSize >= 8, bytes[typeStart] & 0x0F == 9, bytes[typeStart + 1] & 0x0F == 1 else { return nil }
        var data = Reader(bytes: bytes, at: dataStart, file: file)
        let length = try data.uint(4)
        let collection = try data.uint(offsetSize)
        let index = try data.uint(4)
        guard data.position <= end else { throw Self.corrupt(file, "attribute value past its message") }
        return try heapObject(collection: collection, index: index, length: length)
    }

    /// The first `length` bytes of object `index` of the global heap collection at `collection`.
    private func heapObject(collection: Int, index: Int, length: Int) throws -> String {
        guard collection < bytes.count, bytes[collection...].starts(with: Array("GCOL".utf8)) else {
            throw Self.corrupt(file, "string attribute points at \(collection), which is no global heap")
        }
        var reader = Reader(bytes: bytes, at: collection + 4, file: file)
        guard try reader.uint(1) == 1 else { throw Self.corrupt(file, "global heap version at \(collection)") }
        reader.skip(3)
        let size = try reader.uint(lengthSize)
        let end = try checkedEnd(collection, size, "global heap at \(collection)")
        let objectHeader = 8 + lengthSize
        var at = reader.position
        while at + objectHeader <= end {
            var object = Reader(bytes: bytes, at: at, file: file)
            let id = try object.uint(2)
            object.skip(6)
            let objectSize = try object.uint(lengthSize)
            // Index 0 is the collection's free space, which ends it.
            if id == 0 { break }
            let dataEnd = try checkedEnd(object.position, objectSize, "global heap object")
            guard dataEnd <= end else { throw Self.corrupt(file, "global heap object \(id) past its collection") }
            if id == index {
                guard length <= objectSize else {
                    throw Self.corrupt(file, "string of \(length) bytes in a heap object of \(objectSize)")
                }
                return String(decoding: bytes[object.position..<(object.position + length)], as: UTF8.self)
            }
            at = object.position + (objectSize + 7) / 8 * 8
        }
        throw Self.corrupt(file, "string attribute names global heap object \(index), which is not there")
    }

    /// `start + size`, when that lies inside the file.
    private func checkedEnd(_ start: Int, _ size: Int, _ what: String) throws -> Int {
        guard start >= 0, case (let sum, false) = start.addingReportingOverflow(size), sum <= end else {
            throw Self.corrupt(file, "\(what) of \(size) bytes at \(start) runs past the end of the file")
        }
        return sum
    }

    /// Little-endian unsigned integers from the file, bounds-checked.
    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        let file: String

        init(bytes: [UInt8], at position: Int, file: String) {
            self.bytes = bytes
            self.position = position
            self.file = file
        }

        mutating func skip(_ count: Int) { position += count }

        /// Values that do not fit an Int (an undefined address is all ones) are corrupt here.
        mutating func uint(_ size: Int) throws -> Int {
            guard position >= 0, position + size <= bytes.count else {
                throw HDF5FileBytes.corrupt(file, "a field at \(position) runs past the end of the file")
            }
            var value: UInt64 = 0
            for i in 0..<size { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += size
            guard let result = Int(exactly: value), result < Int(Int32.max) * 4096 else {
                throw HDF5FileBytes.corrupt(file, "a field at \(position - size) holds \(value)")
            }
            return result
        }
    }
}
