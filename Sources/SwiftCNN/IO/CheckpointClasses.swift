import Foundation

/// What a checkpoint was trained on, kept beside it as `<prefix>.classes.json`: the class
/// names in label order and the input shape, so `swiftcnn predict --weights …` names the
/// classes of a user's own folder dataset without `--data`, and `evaluate` can refuse a
/// dataset whose classes differ.
public struct CheckpointClasses: Codable, Equatable, Sendable {
    public var classNames: [String]
    /// `[H, W, C]` of one input image.
    public var imageShape: [Int]

    public init(classNames: [String], imageShape: [Int]) {
        self.classNames = classNames
        self.imageShape = imageShape
    }

    public static func path(prefix: String) -> String { prefix + ".classes.json" }

    /// Writes the file atomically (a reader sees the old file or the new one, whole).
    public func write(prefix: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)) + [0x0A], to: Self.path(prefix: prefix))
    }

    /// The file beside `prefix`, or nil when there is none.
    /// - Throws: when it is there but is not such a file.
    public static func read(prefix: String) throws -> CheckpointClasses? {
        let path = path(prefix: prefix)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let value: CheckpointClasses
        do {
            value = try JSONDecoder().decode(CheckpointClasses.self, from: Data(BinaryFile.read(path, maxBytes: 16 << 20)))
        } catch let error as SwiftCNNError {
            throw error
        } catch {
            throw SwiftCNNError("\(path): not a class-names file (\(error))")
        }
        guard value.imageShape.count == 3, value.imageShape.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else {
            throw SwiftCNNError("\(path): image shape \(value.imageShape) is not [height, width, channels]")
        }
        return value
    }
}
