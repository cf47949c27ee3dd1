import Foundation

extension Layer {
    /// Number of scalars in this layer's parameters and its descendants'.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }
    /// Number of scalars the optimizer updates.
    public var trainableParameterCount: Int {
        namedParameters.reduce(0) { $0 + ($1.parameter.isTrainable ? $1.parameter.count : 0) }
    }
    /// Number of scalars the optimizer leaves alone (moving statistics).
    public var nonTrainableParameterCount: Int { parameterCount - trainableParameterCount }
}

extension Model {
    /// Keras's `model.summary()` table: one row per direct child (a nested model is one
    /// row), its output shape from the last call, its parameter count, and the totals.
    /// A Functional model's table also has Keras's "Connected to" column: the layer
    /// calls each layer reads (`conv2d[0][0]`, one per line), and is 108 wide by default
    /// (65 otherwise). Call `build(inputShape:)` or run the model once first so the
    /// variables exist.
    public func summary(lineLength: Int? = nil) -> String {
        let connections = graph.map(Self.connections)
        let lineLength = lineLength ?? (connections == nil ? 65 : 108)
        let positions = connections == nil ? [0.45, 0.85, 1.0] : [0.3, 0.56, 0.74, 1.0]
        let columns = positions.map { Int(Double(lineLength) * $0) }
        var header = ["Layer (type)", "Output Shape", "Param #"]
        if connections != nil { header.append("Connected to") }
        var lines: [String] = []
        lines.append("Model: \"\(name)\"")
        lines.append(String(repeating: "_", count: lineLength))
        lines.append(row(header, columns))
        lines.append(String(repeating: "=", count: lineLength))
        let rows = children
        for (index, child) in rows.enumerated() {
            let layer = child.layer
            let shape = layer.lastOutputShape.map(kerasShape) ?? "(unbuilt)"
            var fields = ["\(layer.name) (\(layer.typeName))", shape, "\(layer.parameterCount)"]
            if let connections {
                let inbound = connections[index]
                fields.append(inbound.first ?? "-")
                lines.append(row(fields, columns))
                for more in inbound.dropFirst() { lines.append(row(["", "", "", more], columns)) }
            } else {
                lines.append(row(fields, columns))
            }
            lines.append(String(repeating: index == rows.count - 1 ? "=" : " ", count: index == rows.count - 1 ? lineLength : 0))
        }
        if rows.isEmpty { lines.append(String(repeating: "=", count: lineLength)) }
        lines = lines.filter { !$0.isEmpty }
        lines.append("Total params: \(parameterCount) (\(readableSize(parameterCount * 4)))")
        lines.append("Trainable params: \(trainableParameterCount) (\(readableSize(trainableParameterCount * 4)))")
        lines.append("Non-trainable params: \(nonTrainableParameterCount) (\(readableSize(nonTrainableParameterCount * 4)))")
        lines.append(String(repeating: "_", count: lineLength))
        return lines.joined(separator: "\n")
    }

    /// Per layer of `graph.layers`, the tensors its calls read as Keras names them:
    /// `layer[node][0]`, node counting the producing layer's calls in this model.
    static func connections(_ graph: FunctionalGraph) -> [[String]] {
        graph.layers.map { layer in
            graph.calls(of: layer).flatMap { call in
                call.inboundTensors.map { "\($0.layer.name)[\(graph.nodeIndex(of: $0))][0]" }
            }
        }
    }
}

/// `(None, 16, 16, 6)`: Keras's shape with the batch axis unknown.
func kerasShape(_ shape: [Int]) -> String {
    let dims = ["None"] + shape.dropFirst().map(String.init)
    return "(" + dims.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
}

private func row(_ fields: [String], _ columns: [Int]) -> String {
    var line = " "
    var start = 0
    for (field, end) in zip(fields, columns) {
        let width = end - start
        let text = field.count > width - 1 ? String(field.prefix(width - 1)) : field
        line += text.padding(toLength: width, withPad: " ", startingAt: 0)
        start = end
    }
    return line.trimmingCharacters(in: .whitespaces).isEmpty ? line : String(line.dropLast(line.count - line.reversed().drop(while: { $0 == " " }).count))
}

/// Keras's `readable_memory_size`: powers of 1024 with two decimals.
func readableSize(_ bytes: Int) -> String {
    let units = ["Byte", "KB", "MB", "GB", "TB"]
    var size = Double(bytes)
    var unit = 0
    while size >= 1024, unit < units.count - 1 {
        size /= 1024
        unit += 1
    }
    return String(format: "%.2f %@", size, units[unit])
}
