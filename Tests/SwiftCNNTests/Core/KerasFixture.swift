import Foundation
import Testing

@testable import SwiftCNN

/// One reference case written by `Tools/make_keras_fixtures.py` from tf-keras.
struct KerasFixture {
    let json: [String: Any]

    init(_ name: String) throws {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw SwiftCNNError("fixtures folder missing from the test bundle")
        }
        let data = try Data(contentsOf: root.appendingPathComponent("keras/\(name).json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SwiftCNNError("\(name).json is not a JSON object")
        }
        self.json = json
    }

    static func names(prefix: String) -> [String] {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("keras").path)
        else { return [] }
        return files.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    var config: [String: Any] { json["config"] as? [String: Any] ?? [:] }
    var training: Bool { json["training"] as? Bool ?? false }

    func tensor(_ path: String...) throws -> Tensor {
        var node: Any? = json
        for key in path { node = (node as? [String: Any])?[key] }
        return try Self.tensor(from: node, name: path.joined(separator: "."))
    }

    func tensors(_ key: String) throws -> [Tensor] {
        guard let list = json[key] as? [Any] else { throw SwiftCNNError("fixture has no list '\(key)'") }
        return try list.map { try Self.tensor(from: $0, name: key) }
    }

    func has(_ path: String...) -> Bool {
        var node: Any? = json
        for key in path { node = (node as? [String: Any])?[key] }
        return node != nil
    }

    static func tensor(from node: Any?, name: String) throws -> Tensor {
        guard let dict = node as? [String: Any], let shape = dict["shape"] as? [Int], let data = dict["data"] as? [Any]
        else { throw SwiftCNNError("fixture has no tensor '\(name)'") }
        let values = data.map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
        return try Tensor(shape: shape, scalars: values)
    }

    func int(_ key: String, in dict: [String: Any]? = nil) -> Int? { ((dict ?? config)[key] as? NSNumber)?.intValue }
    func pair(_ key: String) -> Size2D? {
        guard let list = config[key] as? [Int], list.count == 2 else { return nil }
        return Size2D(list[0], list[1])
    }
}

/// `#expect` that two tensors agree within `tolerance`, naming what is compared.
func expectClose(_ actual: Tensor?, _ expected: Tensor, _ tolerance: Float, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("\(what): missing", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    let difference = actual.maxAbsDifference(expected)
    #expect(difference <= tolerance, "\(what): max |Δ| = \(difference)", sourceLocation: sourceLocation)
    if ProcessInfo.processInfo.environment["SWIFTCNN_PRINT_DEVIATIONS"] != nil {
        // For the fidelity report: `SWIFTCNN_PRINT_DEVIATIONS=1 swift test | grep deviation`.
        print("deviation \(difference) \(what)")
    }
}
