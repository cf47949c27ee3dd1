import CHDF5
import Foundation

// A small layer over Debian's HDF5 C library: the files Keras 3 writes with h5py (groups,
// float32/int64 datasets, string attributes), always in memory through HDF5's core
// driver. Reading opens a file image (the bytes were read and size-checked first);
// writing builds the file in memory and hands its image to the atomic writer, so a
// `.weights.h5` on disk is never half written and the `.keras` archive gets its
// `model.weights.h5` without a temporary file.
//
// HDF5's own error printing is switched off; a failed call becomes one CheckpointError
// naming the file, the object path and HDF5's innermost message. Debian's serial HDF5 is
// not thread-safe, so every use runs under one process-wide lock (`HDF5.locked`), and no
// handle outlives it.

enum HDF5 {
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var imageCount = 0

    /// Runs `body` holding the library lock, with HDF5's error printing off (Debian's
    /// build keeps that setting per thread, so it is set on every call) and put back as
    /// the caller had it afterwards.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        var printer: H5E_auto2_t?
        var context: UnsafeMutableRawPointer?
        let saved = H5Eget_auto2(swiftcnn_h5e_default(), &printer, &context) >= 0
        H5Eset_auto2(swiftcnn_h5e_default(), nil, nil)
        defer { if saved { H5Eset_auto2(swiftcnn_h5e_default(), printer, context) } }
        return try body()
    }

    /// A name for an in-memory file that is no file on disk: the core driver refuses to
    /// open an image under the name of an existing file.
    static func imageName() -> String {
        imageCount += 1
        return "/swiftcnn-hdf5-image-\(getpid())-\(imageCount)"
    }

    /// The most specific message on HDF5's error stack (the library records why a call
    /// failed there instead of printing it, once printing is off).
    static func lastError() -> String {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { pointer in
            _ = H5Ewalk2(swiftcnn_h5e_default(), H5E_WALK_UPWARD, { _, error, context in
                if let error, let description = error.pointee.desc, let context {
                    context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: description))
                }
                return 0
            }, pointer)
        }
        H5Eclear2(swiftcnn_h5e_default())
        return messages.first ?? "HDF5 error"
    }
}

/// A dataset's element type, as Keras writes them.
enum HDF5Element: Equatable {
    case float32, int64
    case other(String)
}

/// An HDF5 file held in memory.
final class HDF5File {
    let id: hid_t
    /// The path reported in errors.
    let name: String
    /// The bytes an opened file was read from (empty for a new one), which string
    /// attributes are read from and reads are bounded by.
    let bytes: [UInt8]

    private init(id: hid_t, name: String, bytes: [UInt8] = []) {
        self.id = id
        self.name = name
        self.bytes = bytes
    }

    // Under the lock too: the last reference may go on any thread while another uses HDF5.
    deinit { HDF5.locked { _ = H5Fclose(id) } }

    /// Opens the HDF5 file whose bytes are `bytes`, read-only.
    static func open(bytes: [UInt8], name: String) throws -> HDF5File {
        guard bytes.count >= 8, bytes.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) else {
            throw CheckpointError(file: name, message: "not an HDF5 file (no HDF5 signature)")
        }
        // H5Fopen loads the root group's header; one past the end would leak in libhdf5.
        if let checked = try HDF5FileBytes(bytes: bytes, file: name) { try checked.checkObjectHeader(checked.rootHeader) }
        let access = H5Pcreate(swiftcnn_h5p_file_access())
        defer { H5Pclose(access) }
        let id: hid_t = bytes.withUnsafeBytes { raw in
            guard H5Pset_fapl_core(access, 1 << 16, false) >= 0,
                H5Pset_file_image(access, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count) >= 0
            else { return -1 }
            return H5Fopen(HDF5.imageName(), swiftcnn_h5f_acc_rdonly(), access)
        }
        guard id >= 0 else {
            throw CheckpointError(file: name, message: "cannot be read as HDF5 (\(HDF5.lastError()); truncated or corrupt?)")
        }
        return HDF5File(id: id, name: name, bytes: bytes)
    }

    /// A new, empty file in memory; ``image()`` gives its bytes.
    static func create(name: String) throws -> HDF5File {
        let access = H5Pcreate(swiftcnn_h5p_file_access())
        defer { H5Pclose(access) }
        guard H5Pset_fapl_core(access, 1 << 16, false) >= 0 else {
            throw CheckpointError(file: name, message: "HDF5: \(HDF5.lastError())")
        }
        let id = H5Fcreate(HDF5.imageName(), swiftcnn_h5f_acc_trunc(), swiftcnn_h5p_default(), access)
        guard id >= 0 else { throw CheckpointError(file: name, message: "HDF5: \(HDF5.lastError())") }
        return HDF5File(id: id, name: name)
    }

    /// The file's bytes, as they would be on disk.
    func image() throws -> [UInt8] {
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw CheckpointError(file: name, message: "HDF5: \(HDF5.lastError())")
        }
        let size = H5Fget_file_image(id, nil, 0)
        guard size > 0 else { throw CheckpointError(file: name, message: "HDF5: \(HDF5.lastError())") }
        var bytes = [UInt8](repeating: 0, count: size)
        let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(id, $0.baseAddress, size) }
        guard copied == size else { throw CheckpointError(file: name, message: "HDF5: \(HDF5.lastError())") }
        return bytes
    }

    var root: HDF5Group { HDF5Group(file: self, id: nil, path: "") }

    /// Throws unless the object header at `address` lies inside the file (opened files;
    /// a new one is libhdf5's own).
    func checkObjectHeader(_ address: UInt64) throws {
        guard !bytes.isEmpty else { return }
        try HDF5FileBytes(bytes: bytes, file: name)?.checkObjectHeader(address)
    }
}

/// A group of an open file; `id == nil` is the root group (the file itself).
final class HDF5Group {
    let file: HDF5File
    private let ownID: hid_t?
    /// Its path from the root, without a leading slash ("" for the root).
    let path: String

    init(file: HDF5File, id: hid_t?, path: String) {
        self.file = file
        self.ownID = id
        self.path = path
    }

    deinit { if let ownID { HDF5.locked { _ = H5Gclose(ownID) } } }

    var id: hid_t { ownID ?? file.id }

    func childPath(_ name: String) -> String { path.isEmpty ? name : "\(path)/\(name)" }

    private func failure(_ name: String?, _ message: String) -> CheckpointError {
        CheckpointError(file: file.name, variable: name.map(childPath) ?? (path.isEmpty ? nil : path), message: message)
    }

    /// What the link `name` in this group points to, or nil when there is none; throws
    /// when its object header is corrupt.
    func kind(of name: String) throws -> H5O_type_t? {
        guard !name.isEmpty, !name.contains("/"), H5Lexists(id, name, swiftcnn_h5p_default()) > 0 else {
            H5Eclear2(swiftcnn_h5e_default())
            return nil
        }
        // libhdf5 leaks on a header that runs past the file (HDF5FileBytes says how), so a
        // hard link's header is checked first.
        var link = H5L_info_t()
        guard H5Lget_info(id, name, &link, swiftcnn_h5p_default()) >= 0, link.type == H5L_TYPE_HARD else {
            H5Eclear2(swiftcnn_h5e_default())
            return nil
        }
        do {
            try file.checkObjectHeader(UInt64(link.u.address))
        } catch let error as CheckpointError {
            throw failure(name, error.message)
        }
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), swiftcnn_h5p_default()) >= 0 else {
            H5Eclear2(swiftcnn_h5e_default())
            return nil
        }
        return info.type
    }

    /// The subgroup `name`, or nil when there is no group of that name.
    func group(_ name: String) throws -> HDF5Group? {
        guard try kind(of: name) == H5O_TYPE_GROUP else { return nil }
        let child = H5Gopen2(id, name, swiftcnn_h5p_default())
        guard child >= 0 else { throw failure(name, "cannot open the group (\(HDF5.lastError()))") }
        return HDF5Group(file: file, id: child, path: childPath(name))
    }

    /// The subgroup at a `/`-separated path below this one, or nil.
    func group(atPath relative: String) throws -> HDF5Group? {
        var current = self
        for part in relative.split(separator: "/") {
            guard let next = try current.group(String(part)) else { return nil }
            current = next
        }
        return current
    }

    func createGroup(_ name: String) throws -> HDF5Group {
        if let existing = try group(name) { return existing }
        let child = H5Gcreate2(id, name, swiftcnn_h5p_default(), swiftcnn_h5p_default(), swiftcnn_h5p_default())
        guard child >= 0 else { throw failure(name, "cannot create the group (\(HDF5.lastError()))") }
        return HDF5Group(file: file, id: child, path: childPath(name))
    }

    /// The names of the group's links, in name order (as h5py lists them).
    func childNames() throws -> [String] {
        var names: [String] = []
        var index: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { pointer in
            H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in
                if let name, let context {
                    context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                }
                return 0
            }, pointer)
        }
        guard status >= 0 else { throw failure(nil, "cannot list the group (\(HDF5.lastError()))") }
        return names
    }

    // MARK: Datasets

    /// A dataset's element type, shape and values (float32 or int64).
    struct Dataset {
        var element: HDF5Element
        var shape: [Int]
        var floats: [Float] = []
        var int64s: [Int64] = []
    }

    /// Reads dataset `name`, refusing ranks above 8 and more elements than `limit`. Values
    /// are read only for IEEE float32 and two's-complement int64 (either byte order), and
    /// only when the shape is `expected` (when given), so a corrupt header cannot make
    /// HDF5 allocate or convert what the caller would refuse anyway.
    func dataset(_ name: String, limit: Int, expected: [Int]? = nil) throws -> Dataset {
        guard try kind(of: name) == H5O_TYPE_DATASET else { throw failure(name, "not in the file") }
        let dataset = H5Dopen2(id, name, swiftcnn_h5p_default())
        guard dataset >= 0 else { throw failure(name, "cannot open the dataset (\(HDF5.lastError()))") }
        defer { H5Dclose(dataset) }
        let type = H5Dget_type(dataset)
        guard type >= 0 else { throw failure(name, "has no readable type (\(HDF5.lastError()))") }
        defer { H5Tclose(type) }
        let size = H5Tget_size(type)
        let element: HDF5Element
        // Exact types: a float class of 4 bytes with a corrupt exponent or mantissa layout
        // would otherwise be converted to floats that are silently wrong.
        let isType = { (candidates: [hid_t]) in candidates.contains { H5Tequal(type, $0) > 0 } }
        if isType([swiftcnn_h5t_ieee_f32le(), swiftcnn_h5t_ieee_f32be()]) {
            element = .float32
        } else if isType([swiftcnn_h5t_std_i64le(), swiftcnn_h5t_std_i64be()]) {
            element = .int64
        } else {
            element = .other("HDF5 type class \(H5Tget_class(type).rawValue) of \(size) bytes")
        }
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw failure(name, "has no readable shape (\(HDF5.lastError()))") }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 8 else { throw failure(name, "has an unreadable or too large rank \(rank)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else {
            throw failure(name, "has an unreadable shape (\(HDF5.lastError()))")
        }
        var shape: [Int] = []
        var count = 1
        for dim in dims {
            guard let value = Int(exactly: dim), case (let product, false) = count.multipliedReportingOverflow(by: value),
                product <= limit
            else { throw failure(name, "has shape \(dims) with more than \(limit) elements") }
            shape.append(value)
            count = product
        }
        var result = Dataset(element: element, shape: shape)
        if let expected, expected != shape { return result }
        if case .other = element { return result }
        try checkStorage(dataset, name: name, byteCount: count * 8 / (element == .float32 ? 2 : 1))
        let status: herr_t
        switch element {
        case .float32:
            result.floats = [Float](repeating: 0, count: count)
            status = result.floats.withUnsafeMutableBytes {
                H5Dread(dataset, swiftcnn_h5t_native_float(), swiftcnn_h5s_all(), swiftcnn_h5s_all(),
                        swiftcnn_h5p_default(), $0.baseAddress)
            }
        case .int64:
            result.int64s = [Int64](repeating: 0, count: count)
            status = result.int64s.withUnsafeMutableBytes {
                H5Dread(dataset, swiftcnn_h5t_native_int64(), swiftcnn_h5s_all(), swiftcnn_h5s_all(),
                        swiftcnn_h5p_default(), $0.baseAddress)
            }
        case .other:
            return result
        }
        guard status >= 0 else { throw failure(name, "cannot read the values (\(HDF5.lastError()); truncated or corrupt?)") }
        return result
    }

    /// A contiguous dataset's values must lie inside the file and fill the shape: HDF5 reads
    /// unallocated storage as zeros, which would load silently wrong. Chunked and compact
    /// storage are bounded by HDF5's own checks of the chunk index and header.
    private func checkStorage(_ dataset: hid_t, name: String, byteCount: Int) throws {
        let plist = H5Dget_create_plist(dataset)
        guard plist >= 0 else { throw failure(name, "has no readable layout (\(HDF5.lastError()))") }
        let layout = H5Pget_layout(plist)
        H5Pclose(plist)
        let stored = H5Dget_storage_size(dataset)
        guard byteCount == 0 || stored > 0 else {
            throw failure(name, "corrupt HDF5 file (the values were never written)")
        }
        guard layout == H5D_CONTIGUOUS else { return }
        // HADDR_UNDEF (all ones, for unallocated storage) is past the end as well.
        let offset = UInt64(H5Dget_offset(dataset))
        let fileSize = UInt64(file.bytes.count)
        guard stored == byteCount, byteCount == 0 || (offset < fileSize && UInt64(byteCount) <= fileSize - offset)
        else {
            throw failure(
                name, "corrupt HDF5 file (\(byteCount) bytes of values stored as \(stored) at \(offset) in \(file.bytes.count))")
        }
    }

    /// Writes a little-endian float32 dataset (a scalar for shape `[]`), as h5py does.
    func writeFloats(_ name: String, _ values: [Float], shape: [Int]) throws {
        try write(name, shape: shape, fileType: swiftcnn_h5t_ieee_f32le(), memoryType: swiftcnn_h5t_native_float()) {
            values.withUnsafeBytes($0)
        }
    }

    /// Writes a little-endian int64 dataset.
    func writeInt64s(_ name: String, _ values: [Int64], shape: [Int]) throws {
        try write(name, shape: shape, fileType: swiftcnn_h5t_std_i64le(), memoryType: swiftcnn_h5t_native_int64()) {
            values.withUnsafeBytes($0)
        }
    }

    private func write(
        _ name: String, shape: [Int], fileType: hid_t, memoryType: hid_t,
        bytes: ((UnsafeRawBufferPointer) -> herr_t) -> herr_t
    ) throws {
        let dims = shape.map { hsize_t($0) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
        guard space >= 0 else { throw failure(name, "cannot create the dataspace (\(HDF5.lastError()))") }
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(
            id, name, fileType, space, swiftcnn_h5p_default(), swiftcnn_h5p_default(), swiftcnn_h5p_default())
        guard dataset >= 0 else { throw failure(name, "cannot create the dataset (\(HDF5.lastError()))") }
        defer { H5Dclose(dataset) }
        let status = bytes { raw in
            H5Dwrite(dataset, memoryType, swiftcnn_h5s_all(), swiftcnn_h5s_all(), swiftcnn_h5p_default(), raw.baseAddress)
        }
        guard status >= 0 else { throw failure(name, "cannot write the values (\(HDF5.lastError()))") }
    }

    // MARK: Attributes

    /// Sets a scalar variable-length UTF-8 string attribute, as h5py stores a Python `str`.
    func setStringAttribute(_ name: String, _ value: String) throws {
        let type = H5Tcopy(swiftcnn_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, swiftcnn_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(id, name, type, space, swiftcnn_h5p_default(), swiftcnn_h5p_default())
        guard attribute >= 0 else { throw failure(nil, "cannot create attribute '\(name)' (\(HDF5.lastError()))") }
        defer { H5Aclose(attribute) }
        let status = value.withCString { text -> herr_t in
            var pointer: UnsafePointer<CChar>? = text
            return H5Awrite(attribute, type, &pointer)
        }
        guard status >= 0 else { throw failure(nil, "cannot write attribute '\(name)' (\(HDF5.lastError()))") }
    }

    /// A scalar string attribute (variable or fixed length), or nil when absent or not a
    /// string. A variable-length one is read from the file's bytes (HDF5VariableString
    /// says why), so this reads attributes of opened files only.
    func stringAttribute(_ name: String) throws -> String? {
        guard H5Aexists(id, name) > 0 else {
            H5Eclear2(swiftcnn_h5e_default())
            return nil
        }
        let attribute = H5Aopen(id, name, swiftcnn_h5p_default())
        guard attribute >= 0 else { throw failure(nil, "cannot open attribute '\(name)' (\(HDF5.lastError()))") }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw failure(nil, "attribute '\(name)' has no readable type (\(HDF5.lastError()))") }
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw failure(nil, "attribute '\(name)' has no readable shape (\(HDF5.lastError()))") }
        defer { H5Sclose(space) }
        guard H5Tget_class(type) == H5T_STRING, H5Sget_simple_extent_npoints(space) == 1 else { return nil }
        if H5Tis_variable_str(type) > 0 {
            var info = H5O_info_t()
            guard H5Oget_info2(id, &info, UInt32(H5O_INFO_BASIC)) >= 0 else {
                throw failure(nil, "has no readable object header (\(HDF5.lastError()))")
            }
            do {
                return try HDF5FileBytes(bytes: file.bytes, file: file.name)?.attribute(name, header: UInt64(info.addr))
            } catch let error as CheckpointError {
                throw failure(nil, "attribute '\(name)': \(error.message)")
            }
        }
        let size = H5Tget_size(type)
        guard size > 0, size < 1 << 20 else { throw failure(nil, "attribute '\(name)' has a string size of \(size)") }
        var buffer = [UInt8](repeating: 0, count: size)
        guard buffer.withUnsafeMutableBytes({ H5Aread(attribute, type, $0.baseAddress) }) >= 0 else {
            throw failure(nil, "cannot read attribute '\(name)' (\(HDF5.lastError()))")
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}
