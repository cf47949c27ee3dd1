// A scalar variable-length string attribute, read from the file's bytes instead of through
// H5Aread. Debian's libhdf5 1.10 follows the string's global-heap reference without
// bounds checks: a corrupt heap collection (a free-space object of size 0) makes
// H5HG__cache_heap_deserialize loop forever, and a corrupt object index or size makes
// H5HG_read copy from outside the heap (SIGSEGV). Both were found by flipping bytes of a
// Keras file. Here every offset is checked against the file before it is followed.
//
// Layouts read (the ones h5py and libhdf5 write with the default "earliest" format): the
// superblock's offset and length sizes, version-1 object headers with their continuation
// blocks, attribute messages of versions 1 to 3, and global heap collections. Anything else
// that is well formed (a version-2 object header, a shared or densely stored attribute)
// gives nil, as for an absent attribute; bytes that contradict themselves throw.

struct HDF5VariableString {
    let bytes: [UInt8]
    let file: String
    private let offsetSize: Int
    private let lengthSize: Int

    /// Nil when the superblock is one this reader does not follow (a nonzero base address).
    init?(bytes: [UInt8], file: String) throws {
        self.bytes = bytes
        self.file = file
        guard bytes.count > 16 else { throw Self.corrupt(file, "no superblock") }
        let version = bytes[8]
        let baseAt: Int
        switch version {
        case 0, 1:
            (offsetSize, lengthSize) = (Int(bytes[13]), Int(bytes[14]))
            baseAt = version == 0 ? 24 : 28
        case 2, 3:
            (offsetSize, lengthSize) = (Int(bytes[9]), Int(bytes[10]))
            baseAt = 12
        default: throw Self.corrupt(file, "superblock version \(version)")
        }
        guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else {
            throw Self.corrupt(file, "superblock sizes of offsets \(offsetSize) and lengths \(lengthSize)")
        }
        var reader = Reader(bytes: bytes, at: baseAt, file: file)
        guard try reader.uint(offsetSize) == 0 else { return nil }
    }

    static func corrupt(_ file: String, _ what: String) -> CheckpointError {
        CheckpointError(file: file, message: "corrupt HDF5 file (\(what))")
    }

    /// The value of the attribute `name` of the object whose header is at `header`, or nil
    /// when that header holds no such attribute in a layout read here.
    func attribute(_ name: String, header: UInt64) throws -> String? {
        guard let start = Int(exactly: header), start < bytes.count else {
            throw Self.corrupt(file, "object header at \(header), past the end")
        }
        var reader = Reader(bytes: bytes, at: start, file: file)
        if bytes[start...].starts(with: Array("OHDR".utf8)) { return nil }
        guard try reader.uint(1) == 1 else { throw Self.corrupt(file, "object header version at \(header)") }
        reader.skip(1)
        let messageCount = try reader.uint(2)
        reader.skip(4)
        let firstSize = try reader.uint(4)
        reader.skip(4)
        var chunks = [(start: reader.position, size: firstSize)]
        var seen = 0
        // Continuations may only add chunks up to the message count, so the walk ends.
        while let chunk = chunks.popLast() {
            var at = chunk.start
            let end = try checkedEnd(chunk.start, chunk.size, "object header chunk")
            while at + 8 <= end, seen < messageCount {
                var message = Reader(bytes: bytes, at: at, file: file)
                let type = try message.uint(2)
                let size = try message.uint(2)
                let flags = try message.uint(1)
                message.skip(3)
                let dataEnd = try checkedEnd(message.position, size, "header message")
                guard dataEnd <= end else { throw Self.corrupt(file, "header message past its chunk") }
                seen += 1
                switch type {
                case 0x10:
                    let offset = try message.uint(offsetSize)
                    let length = try message.uint(lengthSize)
                    chunks.append((start: offset, size: length))
                case 0x0C where flags & 0x02 == 0:
                    if let value = try attributeMessage(&message, end: dataEnd, wanted: name) { return value }
                default: break
                }
                at = dataEnd
            }
        }
        return nil
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
        guard case (let end, false) = start.addingReportingOverflow(size), end <= bytes.count else {
            throw Self.corrupt(file, "\(what) of \(size) bytes at \(start) runs past the end of the file")
        }
        return end
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
                throw HDF5VariableString.corrupt(file, "a field at \(position) runs past the end of the file")
            }
            var value: UInt64 = 0
            for i in 0..<size { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += size
            guard let result = Int(exactly: value), result < Int(Int32.max) * 4096 else {
                throw HDF5VariableString.corrupt(file, "a field at \(position - size) holds \(value)")
            }
            return result
        }
    }
}
