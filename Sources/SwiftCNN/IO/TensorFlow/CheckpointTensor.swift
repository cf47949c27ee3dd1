// A dtype-tagged, shaped tensor as stored in a checkpoint: raw little-endian
// element bytes, or a list of byte strings for DT_STRING. Independent of the
// rest of SwiftCNN so checkpoints can be read and written on their own.

/// Element types a checkpoint tensor can have (TensorFlow's `DataType`).
public enum CheckpointDType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Floating-point element types.
    case float32, float64, float16, bfloat16
    /// Signed integer element types.
    case int8, int16, int32, int64
    /// Unsigned integer element types.
    case uint8, uint16, uint32, uint64
    /// A boolean stored in one byte.
    case bool
    /// Variable-length byte strings (`DT_STRING`), e.g. the object graph.
    case string

    /// Bytes per element; `nil` for ``string``.
    public var byteSize: Int? {
        switch self {
        case .int8, .uint8, .bool: 1
        case .float16, .bfloat16, .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64: 8
        case .string: nil
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .float16: "float16"
        case .bfloat16: "bfloat16"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bool: "bool"
        case .string: "string"
        }
    }
}

/// A tensor as a checkpoint stores it.
public struct CheckpointTensor: Sendable, Equatable {
    /// The element type of the stored bytes.
    public let dtype: CheckpointDType
    /// Dimensions, outermost first (row-major); `[]` for a scalar.
    public let shape: [Int]
    /// Little-endian element bytes, row-major; empty for ``CheckpointDType/string``.
    public let bytes: [UInt8]
    /// The elements of a ``CheckpointDType/string`` tensor; empty otherwise.
    public let strings: [[UInt8]]

    /// A numeric tensor from raw little-endian bytes.
    /// - Precondition: `dtype` is numeric and `bytes.count` matches `shape`.
    public init(dtype: CheckpointDType, shape: [Int], bytes: [UInt8]) {
        precondition(dtype != .string, "use init(strings:shape:) for string tensors")
        precondition(byteCount(dtype, shape) == bytes.count, "byte count does not match shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.strings = []
    }

    /// A string tensor.
    /// - Precondition: `strings.count` matches `shape`.
    public init(strings: [[UInt8]], shape: [Int]) {
        precondition(checkedElementCount(shape) == strings.count, "string count does not match shape \(shape)")
        self.dtype = .string
        self.shape = shape
        self.bytes = []
        self.strings = strings
    }

    /// Internal initialiser for decoders that have already validated sizes.
    init(validated dtype: CheckpointDType, shape: [Int], bytes: [UInt8], strings: [[UInt8]]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.strings = strings
    }

    /// A float32 tensor of `shape` holding `floats` in row-major order.
    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, bytes: littleEndianBytes(floats.map(\.bitPattern)))
    }

    /// An int64 tensor of `shape` holding `int64s` in row-major order.
    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .int64, shape: shape, bytes: littleEndianBytes(int64s))
    }

    /// An int32 tensor of `shape` holding `int32s` in row-major order.
    public init(int32s: [Int32], shape: [Int]) {
        self.init(dtype: .int32, shape: shape, bytes: littleEndianBytes(int32s))
    }

    /// Number of elements (the product of `shape`).
    public var elementCount: Int { dtype == .string ? strings.count : bytes.count / (dtype.byteSize ?? 1) }

    /// The elements as `Float`s, or `nil` unless the dtype is float32.
    public var floats: [Float]? {
        dtype == .float32 ? fromLittleEndian(bytes, as: UInt32.self).map(Float.init(bitPattern:)) : nil
    }

    /// The elements as `Int64`s, or `nil` unless the dtype is int64.
    public var int64s: [Int64]? { dtype == .int64 ? fromLittleEndian(bytes, as: Int64.self) : nil }

    /// The elements as `Int32`s, or `nil` unless the dtype is int32.
    public var int32s: [Int32]? { dtype == .int32 ? fromLittleEndian(bytes, as: Int32.self) : nil }
}

/// The product of `shape`, or `nil` if a dimension is negative or the
/// product overflows.
func checkedElementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dim in shape {
        guard dim >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: dim)
        if overflow { return nil }
        count = product
    }
    return count
}

/// Bytes a numeric tensor of `shape` occupies, or `nil` for strings, negative
/// dimensions or overflow.
func byteCount(_ dtype: CheckpointDType, _ shape: [Int]) -> Int? {
    guard let size = dtype.byteSize, let count = checkedElementCount(shape) else { return nil }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
    return overflow ? nil : bytes
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(values.count * MemoryLayout<T>.size)
    for v in values {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { out.append(contentsOf: $0) }
    }
    return out
}

func fromLittleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> [T] {
    let size = MemoryLayout<T>.size
    let count = bytes.count / size
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                buffer[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * size, as: T.self))
            }
        }
        initialized = count
    }
}
