import Foundation
import SwiftCNN
import Testing

/// One case of `Fixtures/ops/<op>.json`, written by `Tools/make_op_fixtures.py` from
/// TensorFlow: the op's inputs and arguments, its outputs, the upstream R per output, and
/// the gradients of L = Σ sum(output · R) with respect to the differentiable inputs.
struct OpCase: @unchecked Sendable, CustomTestStringConvertible {
    let op: String
    let name: String
    let args: [String: Any]
    /// Input names in the op's argument order.
    let order: [String]
    let inputs: [String: Tensor]
    let outputs: [String: Tensor]
    let upstream: [String: Tensor]
    let grads: [String: Tensor]

    var testDescription: String { name }

    /// The cases of `Fixtures/ops/<op>.json`; a missing or unreadable file gives one case
    /// whose test then fails naming the problem.
    static func load(_ op: String) -> [OpCase] {
        do {
            guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw OpFixtureError("fixtures folder missing from the test bundle")
            }
            let data = try Data(contentsOf: root.appendingPathComponent("ops/\(op).json"))
            guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let cases = json["cases"] as? [[String: Any]]
            else { throw OpFixtureError("ops/\(op).json has no cases") }
            return try cases.map { try OpCase(op: op, json: $0) }
        } catch {
            return [OpCase(broken: op, error)]
        }
    }

    /// Every op with a fixture file.
    static var ops: [String] {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("ops").path)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    let loadError: String?

    init(op: String, json: [String: Any]) throws {
        self.op = op
        name = json["case"] as? String ?? "?"
        args = json["args"] as? [String: Any] ?? [:]
        order = json["order"] as? [String] ?? []
        let name = self.name
        func tensors(_ key: String) throws -> [String: Tensor] {
            guard let dict = json[key] as? [String: Any] else { throw OpFixtureError("\(name): no '\(key)'") }
            return try dict.mapValues { try OpCase.tensor($0, "\(name).\(key)") }
        }
        inputs = try tensors("inputs")
        outputs = try tensors("outputs")
        upstream = try tensors("upstream")
        grads = try tensors("grads")
        loadError = nil
    }

    private init(broken op: String, _ error: Error) {
        self.op = op
        name = "\(op) (unreadable)"
        args = [:]
        order = []
        inputs = [:]
        outputs = [:]
        upstream = [:]
        grads = [:]
        loadError = "\(error)"
    }

    static func tensor(_ node: Any, _ what: String) throws -> Tensor {
        guard let dict = node as? [String: Any], let shape = dict["shape"] as? [Int], let data = dict["data"] as? [Any]
        else { throw OpFixtureError("fixture tensor '\(what)' is malformed") }
        return try Tensor(shape: shape, scalars: data.map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) })
    }

    func int(_ key: String) throws -> Int {
        guard let value = (args[key] as? NSNumber)?.intValue else { throw OpFixtureError("\(name): no int arg '\(key)'") }
        return value
    }
    func float(_ key: String) throws -> Float {
        guard let value = (args[key] as? NSNumber)?.floatValue else { throw OpFixtureError("\(name): no float arg '\(key)'") }
        return value
    }
    func ints(_ key: String) throws -> [Int] {
        guard let value = args[key] as? [Int] else { throw OpFixtureError("\(name): no int list '\(key)'") }
        return value
    }
    /// An int list that may be JSON null.
    func optionalInts(_ key: String) -> [Int]? { args[key] as? [Int] }
    func bool(_ key: String) throws -> Bool {
        guard let value = args[key] as? Bool else { throw OpFixtureError("\(name): no bool arg '\(key)'") }
        return value
    }
    func string(_ key: String) throws -> String {
        guard let value = args[key] as? String else { throw OpFixtureError("\(name): no string arg '\(key)'") }
        return value
    }
    /// An int (both sides) or an [height, width] pair.
    func size2D(_ key: String) throws -> Size2D {
        if let pair = args[key] as? [Int], pair.count == 2 { return Size2D(pair[0], pair[1]) }
        return Size2D(try int(key))
    }
    func padding() throws -> Padding {
        guard let padding = Padding(rawValue: try string("padding")) else { throw OpFixtureError("\(name): bad padding") }
        return padding
    }
}

struct OpFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The worst element of `actual` against `expected` under |a − b| ≤ tolerance · (1 + |b|):
/// nil when every element passes, else a line naming the index, both values and the excess.
func closeness(_ actual: Tensor, _ expected: Tensor, tolerance: Double, label: String = "") -> String? {
    guard actual.shape == expected.shape else {
        return "shape \(actual.shape) instead of \(expected.shape)"
    }
    let a = actual.scalars, b = expected.scalars
    var worst: (index: Int, ratio: Double)?
    var failures = 0
    for i in a.indices {
        let difference = abs(Double(a[i]) - Double(b[i]))
        let allowed = tolerance * (1 + abs(Double(b[i])))
        if !(difference <= allowed) {
            failures += 1
            let ratio = difference.isNaN ? .infinity : difference / allowed
            if worst == nil || ratio > worst!.ratio { worst = (i, ratio) }
        }
    }
    if ProcessInfo.processInfo.environment["SWIFTCNN_PRINT_DEVIATIONS"] != nil {
        // `SWIFTCNN_PRINT_DEVIATIONS=1 swift test --filter Ops | grep deviation`: the worst
        // |Δ| / (1 + |b|) of each comparison, for the fidelity margins.
        var ratio = 0.0
        for i in a.indices {
            let reference = Double(b[i])
            let difference: Double = Swift.abs(Double(a[i]) - reference)
            ratio = Swift.max(ratio, difference / (1 + Swift.abs(reference)))
        }
        print("deviation \(String(format: "%.3g", ratio)) (tolerance \(tolerance)) \(label)")
    }
    guard let worst else { return nil }
    let i = worst.index
    let absolute = abs(Double(a[i]) - Double(b[i]))
    let ratio = String(format: "%.1f", worst.ratio)
    return "\(failures)/\(a.count) elements off; worst [\(i)]: \(a[i]) vs expected \(b[i]) (|Δ| = \(absolute), \(ratio)× the tolerance); got \(preview(a)) expected \(preview(b))"
}

private func preview(_ values: [Float]) -> String {
    let shown = values.prefix(6).map { String(format: "%.5g", $0) }.joined(separator: ", ")
    return "[\(shown)\(values.count > 6 ? ", …]" : "]")"
}

/// Σ x·r in Float64, straight from the scalars (no op involved).
func dot(_ x: Tensor, _ r: Tensor) -> Double {
    zip(x.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}
