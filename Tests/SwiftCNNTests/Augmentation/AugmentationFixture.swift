import Foundation

@testable import SwiftCNN

/// The cases `Tools/make_augmentation_fixtures.py` wrote from Keras into
/// `Fixtures/augmentation/<file>.json`.
struct AugmentationFixture {
    let cases: [[String: Any]]

    init(_ file: String) throws {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw SwiftCNNError("fixtures folder missing from the test bundle")
        }
        let data = try Data(contentsOf: root.appendingPathComponent("augmentation/\(file).json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cases = json["cases"] as? [[String: Any]], !cases.isEmpty
        else { throw SwiftCNNError("\(file).json has no cases") }
        self.cases = cases
    }

    static func tensor(_ node: Any?, _ name: String) throws -> Tensor {
        try KerasFixture.tensor(from: node, name: name)
    }

    static func number(_ dict: [String: Any], _ key: String) -> Double? { (dict[key] as? NSNumber)?.doubleValue }
}
