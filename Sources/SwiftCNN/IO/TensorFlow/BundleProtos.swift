// Conversions between the checkpoint types and the generated TensorFlow
// protobuf messages of a tensor bundle's .index entries.

extension CheckpointDType {
    var protoValue: Tensorflow_DataType {
        switch self {
        case .float32: .dtFloat
        case .float64: .dtDouble
        case .float16: .dtHalf
        case .bfloat16: .dtBfloat16
        case .int8: .dtInt8
        case .int16: .dtInt16
        case .int32: .dtInt32
        case .int64: .dtInt64
        case .uint8: .dtUint8
        case .uint16: .dtUint16
        case .uint32: .dtUint32
        case .uint64: .dtUint64
        case .bool: .dtBool
        case .string: .dtString
        }
    }

    init?(proto: Tensorflow_DataType) {
        guard let match = CheckpointDType.allCases.first(where: { $0.protoValue == proto }) else { return nil }
        self = match
    }
}

/// Versions of the bundle format (tensor_bundle.cc): this code writes
/// producer 1 and reads anything whose min_consumer allows consumer 1.
enum BundleVersion {
    static let producer: Int32 = 1
    static let consumer: Int32 = 1
    static let minProducer: Int32 = 0
}

func bundleHeader() -> Tensorflow_BundleHeaderProto {
    var header = Tensorflow_BundleHeaderProto()
    header.numShards = 1
    header.endianness = .little
    header.version.producer = BundleVersion.producer
    return header
}

func shapeProto(_ shape: [Int]) -> Tensorflow_TensorShapeProto {
    var proto = Tensorflow_TensorShapeProto()
    proto.dim = shape.map { size in
        var dim = Tensorflow_TensorShapeProto.Dim()
        dim.size = Int64(size)
        return dim
    }
    return proto
}
