import Foundation
import Testing

@testable import SwiftCNN

/// Paths and helpers shared by the IO tests.
enum IOFixtures {
    /// `Tests/SwiftCNNTests/Fixtures/checkpoints` inside the test bundle.
    static var checkpoints: URL {
        get throws {
            let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            return root.appendingPathComponent("checkpoints")
        }
    }

    static func path(_ relative: String) throws -> String {
        try checkpoints.appendingPathComponent(relative).path
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: checkpoints.appendingPathComponent(relative)))
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: checkpoints.appendingPathComponent(relative), encoding: .utf8)
    }
}

/// A fresh temporary directory, removed when the returned closure runs.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("swiftcnn-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// Runs `body`, expecting a ``CheckpointError``; returns it.
@discardableResult
func expectCheckpointError(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> CheckpointError? {
    do {
        try body()
        Issue.record("expected a CheckpointError, got success", sourceLocation: sourceLocation)
    } catch let error as CheckpointError {
        return error
    } catch {
        Issue.record("expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
