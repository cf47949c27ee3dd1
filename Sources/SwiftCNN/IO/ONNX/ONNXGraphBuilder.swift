import Foundation

/// Appends nodes and constant tensors to an ONNX graph, giving every value a unique name.
struct ONNXGraphBuilder {
    private(set) var graph = Onnx_GraphProto()
    private var used: Set<String> = []

    /// `base`, or `base_1`, `base_2`, … if taken.
    mutating func uniqueName(_ base: String) -> String {
        var name = base
        var n = 0
        while used.contains(name) {
            n += 1
            name = "\(base)_\(n)"
        }
        used.insert(name)
        return name
    }

    /// Adds a float32 constant (little-endian raw data) and returns its name.
    mutating func initializer(_ base: String, shape: [Int], values: UnsafeBufferPointer<Float>) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(base)
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = Data(values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) })
        graph.initializer.append(tensor)
        return tensor.name
    }

    /// Adds an int64 constant (shapes, pads) and returns its name.
    mutating func initializer(_ base: String, shape: [Int], int64 values: [Int64]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(base)
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.rawData = Data(values.map { $0.littleEndian }.withUnsafeBytes { Array($0) })
        graph.initializer.append(tensor)
        return tensor.name
    }

    /// Adds a float32 constant from an array.
    mutating func initializer(_ base: String, shape: [Int], values: [Float]) -> String {
        values.withUnsafeBufferPointer { initializer(base, shape: shape, values: $0) }
    }

    /// Adds a node of the default operator set and returns its output's name.
    @discardableResult
    mutating func node(
        _ opType: String, _ inputs: [String], name: String, output: String? = nil,
        _ attributes: [Onnx_AttributeProto] = []
    ) -> String {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = uniqueName(name)
        node.input = inputs
        node.output = [output.map { uniqueName($0) } ?? uniqueName(node.name + "_out")]
        node.attribute = attributes
        graph.node.append(node)
        return node.output[0]
    }

    /// Renames value `old` to `new` wherever nodes produce or read it.
    mutating func rename(_ old: String, to new: String) {
        used.insert(new)
        for i in graph.node.indices {
            graph.node[i].input = graph.node[i].input.map { $0 == old ? new : $0 }
            graph.node[i].output = graph.node[i].output.map { $0 == old ? new : $0 }
        }
    }

    /// A float32 tensor value description with a symbolic batch axis.
    static func valueInfo(_ name: String, batch: String, shape: [Int]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var type = Onnx_TypeProto.Tensor()
        type.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var dimensions = Onnx_TensorShapeProto()
        var first = Onnx_TensorShapeProto.Dimension()
        first.dimParam = batch
        dimensions.dim.append(first)
        for size in shape {
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            dimensions.dim.append(dimension)
        }
        type.shape = dimensions
        info.type.tensorType = type
        return info
    }

    mutating func addInput(_ info: Onnx_ValueInfoProto) { graph.input.append(info) }
    mutating func addOutput(_ info: Onnx_ValueInfoProto) { graph.output.append(info) }
}

/// ONNX node attributes.
enum ONNXAttribute {
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .string
        attribute.s = Data(value.utf8)
        return attribute
    }
}
