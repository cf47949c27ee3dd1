import Foundation
import Testing

/// Runs the built `swiftcnn` executable, as a user does, and captures what it prints.
/// `swift test` builds the executable with the tests; it sits beside the test bundle.
struct CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The executable beside the test bundle (`.build/<configuration>/swiftcnn`).
    static let executable: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("swiftcnn")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("swiftcnn")
    }()

    /// Runs `swiftcnn arguments…` in `directory` with `environment` added. With `timeout`,
    /// a run still going after that many seconds is killed and reported as an error.
    static func run(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], timeout: Double? = nil
    ) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw CLIRunnerError("no swiftcnn executable at \(executable.path): build it with `swift build` first")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Into files rather than pipes, so neither stream can fill up and block it.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-cli-\(UUID().uuidString)")
        let outFile = capture.appendingPathExtension("out")
        let errFile = capture.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw CLIRunnerError("swiftcnn \(arguments.joined(separator: " ")) ran past \(timeout) s and was killed")
            }
        }
        process.waitUntilExit()
        let stdout = try Data(contentsOf: outFile)
        let stderr = try Data(contentsOf: errFile)
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

struct CLIRunnerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
