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
    /// Call `build(inputShape:)` or run the model once first so the variables exist.
    public func summary(lineLength: Int = 65) -> String {
        let columns = [Int(Double(lineLength) * 0.45), Int(Double(lineLength) * 0.85), lineLength]
        var lines: [String] = []
        lines.append("Model: \"\(name)\"")
        lines.append(String(repeating: "_", count: lineLength))
        lines.append(row(["Layer (type)", "Output Shape", "Param #"], columns))
        lines.append(String(repeating: "=", count: lineLength))
        let rows = children
        for (index, child) in rows.enumerated() {
            let layer = child.layer
            let shape = layer.lastOutputShape.map(kerasShape) ?? "(unbuilt)"
            lines.append(row(["\(layer.name) (\(layer.typeName))", shape, "\(layer.parameterCount)"], columns))
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
