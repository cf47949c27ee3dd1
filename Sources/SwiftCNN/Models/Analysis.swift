import Foundation

/// What one layer does to the geometry and the cost of a built model (course §5.2).
///
/// - Receptive field: how many input pixels (height × width) one output position sees,
///   following `r_out = r_in + (k − 1) · j_in`, where `k` is the kernel or pool size and
///   `j_in` the jump before the layer. Two stacked 3×3 stride-1 convolutions see 5×5, as
///   one 5×5 convolution does, with 2·9 = 18 instead of 25 weights per channel pair.
///   It is the theoretical field (padding ignored), so it may exceed the image. After
///   `Flatten`, `Dense` or `GlobalAveragePooling2D` every output sees the whole image:
///   `receptiveField` and `jump` are nil there.
/// - Jump: the distance in input pixels between neighbouring output positions, the
///   product of the strides so far (`j_out = j_in · s`).
/// - FLOPs per image: 2 × the multiply-adds of `Conv2D` (`kh·kw·C_in` per output value)
///   and `Dense` (`inputs` per output value), the convention of most papers' tables. Bias
///   additions, batch normalisation, activations, pooling and the residual sums are
///   elementwise and not counted (under 1% of any zoo model's total).
///
/// Branches (Inception's four paths, ResNet's shortcut) are followed separately; where
/// they meet, the field is the largest of theirs.
public struct LayerAnalysis: Sendable, Equatable {
    /// Parameter path of the layer (`blocks/0/c2_1/model/0`).
    public let path: String
    /// Keras-style name (`conv2d_3`).
    public let name: String
    /// Keras class name (`Conv2D`).
    public let typeName: String
    /// Output shape of the build, batch axis included.
    public let outputShape: [Int]
    /// Receptive field after this layer; nil where it is the whole input.
    public let receptiveField: Size2D?
    /// Cumulative stride after this layer; nil where the output no longer has positions.
    public let jump: Size2D?
    /// Floating-point operations for one image (2 × multiply-adds; see the type's notes).
    public let flops: Int
    /// This layer's own parameter count.
    public let parameters: Int
}

extension Layer {
    /// Every leaf layer call of a built model in forward order, with its receptive field,
    /// jump and FLOPs (see `LayerAnalysis`). The graph is read off one traced forward
    /// pass on a zero image, as the ONNX export reads it, so branches (Inception's four
    /// paths, ResNet's shortcut, a Functional model's graph) are the model's own `call`.
    public func analysis() throws -> [LayerAnalysis] {
        var walker = try AnalysisWalker(self)
        _ = try walker.walk()
        return walker.rows
    }

    /// Floating-point operations of one forward pass for one image (built model).
    public func flopsPerImage() throws -> Int { try analysis().reduce(0) { $0 + $1.flops } }

    /// Weighted layers (Conv2D, Dense) on the longest path through the built model.
    public func weightedDepth() throws -> Int {
        var walker = try AnalysisWalker(self)
        return try walker.walk().depth
    }
}

extension Model {
    /// `summary()` followed by the per-layer receptive field, jump and FLOPs
    /// (`swiftcnn summary --details`). Build the model first.
    public func detailedSummary(lineLength: Int? = nil) throws -> String {
        let rows = try analysis()
        let header = ["Layer path", "Name (type)", "Output Shape", "RF", "Jump", "FLOPs"]
        let table =
            [header]
            + rows.map { row -> [String] in
                [
                    row.path, "\(row.name) (\(row.typeName))", kerasShape(row.outputShape),
                    row.receptiveField.map(sizeText) ?? "all", row.jump.map(sizeText) ?? "-",
                    groupedThousands(row.flops),
                ]
            }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [3, 4, 5]
        func line(_ fields: [String]) -> String {
            fields.enumerated().map { column, field in
                let pad = String(repeating: " ", count: widths[column] - field.count)
                return rightAligned.contains(column) ? pad + field : field + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        let width = widths.reduce(0, +) + 2 * (widths.count - 1)
        var lines = [
            summary(lineLength: lineLength), "", "Receptive field (RF), jump and FLOPs per image",
            String(repeating: "_", count: width),
        ]
        lines.append(line(header))
        lines.append(String(repeating: "=", count: width))
        lines += table.dropFirst().map(line)
        lines.append(String(repeating: "=", count: width))
        let total = rows.reduce(0) { $0 + $1.flops }
        lines.append(
            "Total FLOPs per image: \(groupedThousands(total)) (\(String(format: "%.2f", Double(total) / 1e6)) MFLOPs; 2 x multiply-adds of Conv2D and Dense)"
        )
        return lines.joined(separator: "\n")
    }
}

/// One network's row of the course's §5.16 table, measured on a freshly built model.
public struct ModelStatistics: Sendable {
    /// The zoo model these numbers describe.
    public let entry: ModelZoo.Entry
    /// The input the model was built on (without the batch axis).
    public let inputShape: [Int]
    /// All parameters, as `summary()`'s `Total params`.
    public let parameters: Int
    /// The parameters the optimizer updates.
    public let trainableParameters: Int
    /// FLOPs for one image (see `LayerAnalysis`).
    public let flops: Int
    /// Weighted layers on the longest path, computed from the model.
    public let depth: Int
}

extension ModelZoo {
    /// Builds each network on `inputShape` and measures it (`swiftcnn models`).
    public static func statistics(inputShape: [Int] = [32, 32, 3], only names: [String]? = nil) throws -> [ModelStatistics] {
        let entries = try names.map { try $0.map { try entry(named: $0) } } ?? all
        return try entries.map { entry in
            let model = entry.make()
            try model.build(inputShape: inputShape)
            return ModelStatistics(
                entry: entry, inputShape: inputShape, parameters: model.parameterCount,
                trainableParameters: model.trainableParameterCount, flops: try model.flopsPerImage(),
                depth: try model.weightedDepth())
        }
    }

    /// The §5.16 summary as a text table: year, depth, parameters, FLOPs per image and the
    /// idea each network introduced.
    public static func table(_ statistics: [ModelStatistics]) -> String {
        let shape = statistics.first.map { $0.inputShape.map(String.init).joined(separator: "x") } ?? "32x32x3"
        let header = ["Model", "Year", "Depth", "Params", "FLOPs/image (\(shape))", "Idea"]
        let rows = statistics.map { s -> [String] in
            [
                s.entry.displayName, s.entry.year.map(String.init) ?? "-", "\(s.depth)",
                groupedThousands(s.parameters), megaFLOPs(s.flops), s.entry.idea,
            ]
        }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [1, 2, 3, 4]
        let lines = all.map { fields in
            fields.enumerated().map { column, field in
                let pad = String(repeating: " ", count: widths[column] - field.count)
                return column == fields.count - 1 ? field : (rightAligned.contains(column) ? pad + field : field + pad)
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: min(lines.map(\.count).max() ?? 0, 120))
        return ([lines[0], rule] + lines.dropFirst()).joined(separator: "\n")
    }
}

private func sizeText(_ size: Size2D) -> String {
    size.height == size.width ? "\(size.height)" : "\(size.height)x\(size.width)"
}

private func megaFLOPs(_ flops: Int) -> String {
    let m = Double(flops) / 1e6
    return m >= 1000 ? String(format: "%.2f G", m / 1000) : String(format: "%.1f M", m)
}

/// `1234567` → `1,234,567`.
func groupedThousands(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

private struct Geometry {
    /// nil: the whole input.
    var field: (Int, Int)?
    var jump: (Int, Int)?
    var depth: Int

    static let start = Geometry(field: (1, 1), jump: (1, 1), depth: 0)

    static func merge(_ parts: [Geometry]) -> Geometry {
        guard let first = parts.first else { return .start }
        return parts.dropFirst().reduce(first) { a, b in
            let field = a.field.flatMap { fa in b.field.map { fb in (max(fa.0, fb.0), max(fa.1, fb.1)) } }
            let jump = a.jump.flatMap { ja in b.jump.map { jb in (max(ja.0, jb.0), max(ja.1, jb.1)) } }
            return Geometry(field: field, jump: jump, depth: max(a.depth, b.depth))
        }
    }
}

private struct AnalysisWalker {
    var rows: [LayerAnalysis] = []
    let trace: GraphTrace
    let output: Int
    /// Each layer's parameter path (its first, for a layer held twice).
    let paths: [ObjectIdentifier: String]

    init(_ model: Layer) throws {
        guard let shape = model.lastInputShape else {
            throw SwiftCNNError("\(model.displayName): not built; build the model (or run it once) before analysing it")
        }
        let input = Tensor.zeros([1] + shape.dropFirst())
        let trace = GraphTrace(input: input)
        let result = try GraphTrace.$current.withValue(trace) { try model(input, training: false) }
        if let problem = trace.problem { throw SwiftCNNError("cannot analyse \(model.displayName): \(problem)") }
        guard let output = trace.number(of: result) else {
            throw SwiftCNNError("cannot analyse \(model.displayName): its output was made by an operation the analysis cannot follow")
        }
        var paths: [ObjectIdentifier: String] = [:]
        func collect(_ layer: Layer, _ path: String) {
            if paths[ObjectIdentifier(layer)] == nil { paths[ObjectIdentifier(layer)] = path }
            for (label, child) in layer.children { collect(child, path.isEmpty ? label : "\(path)/\(label)") }
        }
        collect(model, "")
        (self.trace, self.output, self.paths) = (trace, output, paths)
    }

    /// The geometry of every traced value, in trace order; the output's is returned.
    mutating func walk() throws -> Geometry {
        var geometry: [Int: Geometry] = [:]
        for node in trace.nodes {
            switch node.operation {
            case .input:
                geometry[node.output] = .start
            case .add, .concatenate:
                geometry[node.output] = .merge(node.inputs.map { geometry[$0] ?? .start })
            case .layer(let layer):
                let input = node.inputs[0]
                geometry[node.output] = try leaf(
                    layer, path: paths[ObjectIdentifier(layer)] ?? layer.name, geometry[input] ?? .start,
                    inputShape: trace.shapes[input], output: trace.shapes[node.output])
            }
        }
        return geometry[output] ?? .start
    }

    mutating func leaf(_ layer: Layer, path: String, _ input: Geometry, inputShape: [Int], output: [Int]) throws -> Geometry {
        let positions = output.dropFirst().reduce(1, *)  // one image's output values
        var g = input
        var flops = 0
        func window(_ k: Size2D, _ s: Size2D) {
            if let field = g.field, let jump = g.jump {
                g.field = (field.0 + (k.height - 1) * jump.0, field.1 + (k.width - 1) * jump.1)
                g.jump = (jump.0 * s.height, jump.1 * s.width)
            }
        }
        switch layer {
        case let conv as Conv2D:
            window(conv.kernelSize, conv.strides)
            flops = 2 * positions * conv.kernelSize.height * conv.kernelSize.width * (inputShape.last ?? 0)
            g.depth += 1
        case let dense as Dense:
            (g.field, g.jump) = (nil, nil)
            flops = 2 * positions * (inputShape.last ?? 0)
            _ = dense
            g.depth += 1
        case let pool as MaxPool2D:
            window(pool.poolSize, pool.strides)
        case let pool as AveragePooling2D:
            window(pool.poolSize, pool.strides)
        case is Flatten, is GlobalAveragePooling2D:
            (g.field, g.jump) = (nil, nil)
        default:
            break  // elementwise: BatchNormalization, Activation, Dropout, …
        }
        rows.append(
            LayerAnalysis(
                path: path, name: layer.name, typeName: layer.typeName, outputShape: output,
                receptiveField: g.field.map { Size2D($0.0, $0.1) }, jump: g.jump.map { Size2D($0.0, $0.1) },
                flops: flops, parameters: layer.parameterCount))
        return g
    }
}
