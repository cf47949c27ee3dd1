import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Files that are only valid together (a tensor bundle's data and index, or an interrupted
// run's state beside its bundle) cannot be replaced by renames alone: a kill between two
// renames pairs a new file with an old one, and TensorFlow's own writer has that window.
// A set is replaced here so that one complete copy is on disk at every moment:
//
//   1. every new file is written to a temporary and fsync'd;
//   2. if the set on disk is complete, each of its files gets a second name under the
//      backup prefix `<prefix>-previous` (a hard link: nothing is copied) and the
//      directory is synced. An incomplete set on disk means an earlier save was cut
//      short after step 2; its backup is then the complete copy and is kept as it is;
//   3. the temporaries are renamed over the set, the file that completes it last, and the
//      directory is synced;
//   4. the backups are removed.
//
// Between any two system calls, either the set or its backup is complete; readers ask
// ``FileSet/completePrefix(_:isComplete:)`` which. The file names stay the course's, so
// TensorFlow reads the set as before; it just never finds it torn.

/// Files `<prefix><suffix>` replaced together so that a kill at any moment leaves a
/// complete set: the old one, its backup, or the new one.
struct FileSet {
    /// The common start of the files' paths (`checkpoint/Baseline.ckpt`).
    var prefix: String
    /// Each file's suffix and contents, in commit order: the file that makes the set
    /// whole (a bundle's index) comes last.
    var files: [(suffix: String, bytes: [UInt8])]
    /// Whether a complete set lies at a prefix; asked of `prefix` and of its backup.
    var isComplete: (String) -> Bool

    /// What the backup of a set's prefix ends with.
    static let backupSuffix = "-previous"

    /// `prefix` + `-previous`.
    static func backupPrefix(_ prefix: String) -> String { prefix + backupSuffix }

    /// The prefix of a complete copy of a set: `prefix` itself, else its backup (a save
    /// was cut short), else nil.
    static func completePrefix(_ prefix: String, isComplete: (String) -> Bool) -> String? {
        if isComplete(prefix) { return prefix }
        let backup = backupPrefix(prefix)
        return isComplete(backup) ? backup : nil
    }

    /// Replaces the set on disk. On an error (a full disk, say) the set on disk is left as
    /// it was, or with its backup complete, and no temporary file is left behind.
    func write() throws { _ = try write(stoppingAfter: nil) }

    /// Runs the save's steps, or only the first `limit` of them, leaving the files as a
    /// kill after that step would. Returns how many steps ran. For tests: a crash between
    /// any two steps must leave a loadable set.
    @discardableResult
    func write(stoppingAfter limit: Int?) throws -> Int {
        let paths = files.map { prefix + $0.suffix }
        let backup = Self.backupPrefix(prefix)
        let backups = files.map { backup + $0.suffix }
        for path in paths + backups { AtomicFile.removeStaleTemporaries(of: path) }
        guard let first = paths.first else { return 0 }
        try AtomicFile.createParentDirectory(of: first)
        let directory = AtomicFile.parentDirectory(of: first)

        var done = 0
        let delay = Self.testDelay
        func step(_ body: () throws -> Void) throws {
            if let limit, done >= limit { throw StoppedForTest() }
            if let delay { usleep(delay) }
            try body()
            done += 1
        }
        var temporaries: [String] = []
        do {
            for (path, file) in zip(paths, files) {
                let temp = AtomicFile.temporaryPath(for: path)
                temporaries.append(temp)
                try step { try AtomicFile.writeAndSync(file.bytes, to: temp, reportingAs: path) }
            }
            if isComplete(prefix) {
                for (path, copy) in zip(paths, backups) {
                    try step { try AtomicFile.duplicate(path, as: copy) }
                }
                try step { AtomicFile.syncDirectory(directory) }
            }
            for (temp, path) in zip(temporaries, paths) {
                try step { try AtomicFile.rename(temp, over: path) }
            }
            temporaries = []
            try step { AtomicFile.syncDirectory(directory) }
            for copy in backups.reversed() {
                try step { _ = unlink(copy) }
            }
            try step { AtomicFile.syncDirectory(directory) }
        } catch is StoppedForTest {
            return done
        } catch {
            for temp in temporaries { unlink(temp) }
            throw error
        }
        return done
    }

    /// `SWIFTCNN_TEST_SAVE_DELAY_MS`: a pause before each step of every save, so that
    /// `Tools/kill_test.sh` lands its kills inside saves often. Unset in normal use.
    private static let testDelay: useconds_t? = {
        guard let text = ProcessInfo.processInfo.environment["SWIFTCNN_TEST_SAVE_DELAY_MS"],
            let ms = Double(text), ms > 0, ms <= 10_000
        else { return nil }
        return useconds_t(ms * 1000)
    }()
}

/// Thrown inside ``FileSet/write(stoppingAfter:)`` when the test's step limit is reached.
private struct StoppedForTest: Error {}
