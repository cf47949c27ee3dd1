import Foundation

/// The datasets the course trains on.
public enum DatasetName: String, Sendable, CaseIterable {
    /// CIFAR-10: 32×32 colour images in ten classes (binary batches).
    case cifar10
    /// MNIST: 28×28 gray hand-written digits (IDX files).
    case mnist
    /// Fashion-MNIST: 28×28 gray clothing images in ten classes (IDX files).
    case fashionMNIST = "fashion-mnist"

    /// The class names in label order.
    public var classNames: [String] {
        switch self {
        case .cifar10: return CIFAR10.defaultClassNames
        case .mnist: return IDX.mnistClassNames
        case .fashionMNIST: return IDX.fashionMNISTClassNames
        }
    }
}

/// Finds a dataset's files on disk, downloading CIFAR-10 into the cache when it is absent.
///
/// Resolution order: the explicit directory (`--data DIR`) when given, and nothing else;
/// otherwise `$SWIFTCNN_DATA`, then the cache `~/.swiftcnn/datasets/<name>/`, then system
/// folders (Debian's `dataset-fashion-mnist` installs `/usr/share/datasets/fashion-mnist/`).
/// Each root is tried as the dataset folder itself, as `<root>/<name>/`, and for CIFAR-10
/// also with a `cifar-10-batches-bin/` subfolder.
///
/// ```swift
/// let directory = try DatasetLocator(explicitDirectory: nil).locate(.cifar10)
/// let train = try CIFAR10.load(split: .train, directory: directory)
/// ```
public struct DatasetLocator: Sendable {
    /// The official CIFAR-10 binary archive and its published MD5.
    public static let cifar10URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    /// The MD5 the official CIFAR-10 archive must have; a download that differs is
    /// rejected.
    public static let cifar10MD5 = "c32a1d4ab5d03f1284b67883e8d87530"

    /// `--data DIR`: when set, the only place looked at.
    public var explicitDirectory: String?
    /// `$SWIFTCNN_DATA`.
    public var environmentDirectory: String?
    /// The cache root, `~/.swiftcnn/datasets`.
    public var cacheRoot: String
    /// Folders system packages install datasets into.
    public var systemDirectories: [DatasetName: [String]]
    /// Whether a missing CIFAR-10 may be downloaded into the cache.
    public var allowDownload: Bool

    /// A locator reading `$SWIFTCNN_DATA` and `$HOME` from the process environment.
    public init(explicitDirectory: String? = nil, allowDownload: Bool = true) {
        let env = ProcessInfo.processInfo.environment
        let home = env["HOME"] ?? NSHomeDirectory()
        self.init(
            explicitDirectory: explicitDirectory,
            environmentDirectory: env["SWIFTCNN_DATA"].flatMap { $0.isEmpty ? nil : $0 },
            cacheRoot: (home as NSString).appendingPathComponent(".swiftcnn/datasets"),
            systemDirectories: [.fashionMNIST: ["/usr/share/datasets/fashion-mnist"]],
            allowDownload: allowDownload)
    }

    /// A locator with every place spelled out (for tests).
    public init(
        explicitDirectory: String?, environmentDirectory: String?, cacheRoot: String,
        systemDirectories: [DatasetName: [String]], allowDownload: Bool
    ) {
        self.explicitDirectory = explicitDirectory
        self.environmentDirectory = environmentDirectory
        self.cacheRoot = cacheRoot
        self.systemDirectories = systemDirectories
        self.allowDownload = allowDownload
    }

    /// The folders searched for `name`, in order.
    public func candidates(for name: DatasetName) -> [String] {
        var roots: [String] = []
        if let explicitDirectory {
            roots = [explicitDirectory]
        } else {
            if let environmentDirectory { roots.append(environmentDirectory) }
            roots.append((cacheRoot as NSString).appendingPathComponent(name.rawValue))
            roots += systemDirectories[name] ?? []
        }
        var result: [String] = []
        for root in roots {
            var forms = [root, (root as NSString).appendingPathComponent(name.rawValue)]
            if name == .cifar10 {
                forms += forms.map { ($0 as NSString).appendingPathComponent("cifar-10-batches-bin") }
            }
            for form in forms where !result.contains(form) { result.append(form) }
        }
        return result
    }

    /// Whether `directory` holds the files of `name` (both splits).
    public static func holds(_ name: DatasetName, directory: String) -> Bool {
        let fm = FileManager.default
        switch name {
        case .cifar10:
            return (CIFAR10.fileNames(for: .train) + CIFAR10.fileNames(for: .test)).allSatisfy {
                fm.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
            }
        case .mnist, .fashionMNIST:
            return DatasetSplit.allCases.allSatisfy { split in
                let stems = IDX.fileStems(for: split)
                return IDX.findFile(stem: stems.images, directory: directory) != nil
                    && IDX.findFile(stem: stems.labels, directory: directory) != nil
            }
        }
    }

    /// The folder holding `name`'s files; downloads CIFAR-10 into the cache if allowed.
    /// - Throws: one ``SwiftCNNError`` that lists where it looked and where to put the files.
    public func locate(_ name: DatasetName) throws -> String {
        let places = candidates(for: name)
        if let found = places.first(where: { Self.holds(name, directory: $0) }) { return found }
        var downloadNote = ""
        if name == .cifar10 && explicitDirectory == nil && allowDownload {
            do {
                return try downloadCIFAR10()
            } catch let error as SwiftCNNError {
                downloadNote = " Download failed: \(error.message)."
            }
        }
        let cache = (cacheRoot as NSString).appendingPathComponent(name.rawValue)
        let looked = explicitDirectory.map { "--data \($0)" } ?? places.joined(separator: ", ")
        switch name {
        case .cifar10:
            throw SwiftCNNError(
                "CIFAR-10 not found (looked in \(looked)).\(downloadNote) Put data_batch_1.bin … data_batch_5.bin "
                    + "and test_batch.bin (the binary version, \(Self.cifar10URL)) in \(cache)/, "
                    + "or pass --data DIR, or set SWIFTCNN_DATA.")
        case .mnist, .fashionMNIST:
            let apt =
                name == .fashionMNIST
                ? ", or install Debian's package: apt-get install dataset-fashion-mnist" : ""
            throw SwiftCNNError(
                "\(name == .mnist ? "MNIST" : "Fashion-MNIST") not found (looked in \(looked)). Put "
                    + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                    + "t10k-labels-idx1-ubyte (plain or .gz) in \(cache)/, or pass --data DIR, or set SWIFTCNN_DATA"
                    + "\(apt).")
        }
    }

    /// Downloads the official archive with `curl` or `wget` (their progress bar on stderr),
    /// checks its MD5 and unpacks it into the cache. Returns the unpacked folder.
    func downloadCIFAR10() throws -> String {
        let cache = (cacheRoot as NSString).appendingPathComponent(DatasetName.cifar10.rawValue)
        do {
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        } catch {
            throw SwiftCNNError("cannot create \(cache)")
        }
        let archive = (cache as NSString).appendingPathComponent("cifar-10-binary.tar.gz.part")
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let fetched: Bool
        if Self.which("curl") != nil {
            fetched = Self.run(
                "curl",
                ["-fL", "--progress-bar", "--connect-timeout", "15", "-o", archive, Self.cifar10URL])
        } else if Self.which("wget") != nil {
            fetched = Self.run(
                "wget", ["-q", "--show-progress", "--timeout=15", "-O", archive, Self.cifar10URL])
        } else {
            throw SwiftCNNError("neither curl nor wget is installed")
        }
        guard fetched else { throw SwiftCNNError("could not fetch \(Self.cifar10URL) (no network?)") }
        guard let digest = Self.md5(of: archive) else {
            throw SwiftCNNError("could not compute the MD5 of \(archive)")
        }
        guard digest == Self.cifar10MD5 else {
            throw SwiftCNNError("\(archive): MD5 \(digest) is not the published \(Self.cifar10MD5)")
        }
        guard Self.run("tar", ["-xzf", archive, "-C", cache]) else {
            throw SwiftCNNError("\(archive): tar could not unpack it")
        }
        let unpacked = (cache as NSString).appendingPathComponent("cifar-10-batches-bin")
        guard Self.holds(.cifar10, directory: unpacked) else {
            throw SwiftCNNError("\(archive): unpacked, but \(unpacked) lacks the batch files")
        }
        return unpacked
    }

    /// The full path of `tool` on `$PATH`, if any.
    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `tool` with its output going to this process's stderr; `true` on exit status 0.
    static func run(_ tool: String, _ arguments: [String], output: FileHandle? = nil) -> Bool {
        guard let executable = which(tool) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output ?? FileHandle.standardError
        process.standardError = FileHandle.standardError
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// The MD5 of a file as lowercase hex, via `md5sum` (or `md5 -q` on macOS).
    static func md5(of path: String) -> String? {
        let pipe = Pipe()
        let ok: Bool
        if which("md5sum") != nil {
            ok = run("md5sum", [path], output: pipe.fileHandleForWriting)
        } else {
            ok = run("md5", ["-q", path], output: pipe.fileHandleForWriting)
        }
        try? pipe.fileHandleForWriting.close()
        guard ok, let data = try? pipe.fileHandleForReading.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: " ").first
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
    }
}

extension Dataset {
    /// Finds and loads one split of a named dataset.
    ///
    /// ```swift
    /// let test = try Dataset.load(.fashionMNIST, split: .test, locator: DatasetLocator(), limit: 2000)
    /// ```
    public static func load(
        _ name: DatasetName, split: DatasetSplit, locator: DatasetLocator = DatasetLocator(),
        limit: Int? = nil
    ) throws -> Dataset {
        let directory = try locator.locate(name)
        switch name {
        case .cifar10: return try CIFAR10.load(split: split, directory: directory, limit: limit)
        case .mnist, .fashionMNIST:
            return try IDX.load(
                split: split, directory: directory, classNames: name.classNames, limit: limit)
        }
    }
}
