import Foundation

/// The image files of a folder dataset and their labels, in the order Keras's
/// `image_dataset_from_directory` lists them (before its shuffle): class folders in sorted
/// order, each walked recursively with folders and files sorted.
public struct ImageFiles: Sendable, Equatable {
    /// Paths of the image files.
    public var paths: [String]
    /// The class index of each file.
    public var labels: [Int]
    /// Class names in index order.
    public var classNames: [String]

    public init(paths: [String], labels: [Int], classNames: [String]) {
        self.paths = paths
        self.labels = labels
        self.classNames = classNames
    }

    /// Keras's `ALLOWLIST_FORMATS`: the names it indexes (`.bmp` and `.gif` are indexed
    /// too, so that a file SwiftCNN cannot decode is reported rather than skipped).
    static let extensions = [".bmp", ".gif", ".jpeg", ".jpg", ".png"]

    static func isImageName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    /// Python's `sorted` on `str`: by code point, which is UTF-8 byte order.
    static func pythonSorted(_ names: [String]) -> [String] {
        names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// One subfolder per class (`labels="inferred"`): class names are the subfolders'
    /// names, sorted, hidden ones left out.
    /// - Throws: when `directory` cannot be read, has no class folders, or a class folder
    ///   holds no image files.
    public static func inferred(directory: String) throws -> ImageFiles {
        let classes = try subfolders(of: directory)
        guard !classes.isEmpty else {
            throw SwiftCNNError("\(directory): no class folders (expected one subfolder per class, e.g. \(directory)/cat/*.jpg)")
        }
        var files = ImageFiles(paths: [], labels: [], classNames: classes)
        var empty: [String] = []
        for (label, name) in classes.enumerated() {
            let folder = (directory as NSString).appendingPathComponent(name)
            let found = try imagePaths(under: folder)
            if found.isEmpty { empty.append(folder) }
            files.paths += found
            files.labels += Array(repeating: label, count: found.count)
        }
        guard empty.isEmpty else {
            throw SwiftCNNError(
                "\(empty.count == 1 ? "\(empty[0]): class folder has" : "class folders \(empty.joined(separator: ", ")) have") "
                    + "no images (.png, .jpg or .jpeg files)")
        }
        return files
    }

    /// The course's home-made format: images in `directory` and a text file of
    /// `filename label` lines (label a whole number ≥ 0). Class names are the labels as
    /// text, sorted by value (Keras's `class_names` for given labels).
    /// - Throws: one error naming the file and line for anything malformed.
    public static func labelled(directory: String, labelsFile: String) throws -> ImageFiles {
        let bytes = try BinaryFile.read(labelsFile, maxBytes: 64 << 20)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SwiftCNNError("\(labelsFile): not UTF-8 text")
        }
        let entries = try parseLabels(text, file: labelsFile)
        guard !entries.isEmpty else { throw SwiftCNNError("\(labelsFile): no `filename label` lines") }
        let values = Array(Set(entries.map(\.label))).sorted()
        let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        return ImageFiles(
            paths: entries.map { (directory as NSString).appendingPathComponent($0.name) },
            labels: entries.map { index[$0.label]! },
            classNames: values.map(String.init))
    }

    /// `filename label` per line; blank lines are skipped, the name may hold spaces (the
    /// label is the last field), a `\r` before the newline is allowed.
    static func parseLabels(_ text: String, file: String) throws -> [(name: String, label: Int)] {
        var entries: [(name: String, label: Int)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard let space = line.lastIndex(where: { $0 == " " || $0 == "\t" }) else {
                throw SwiftCNNError("\(file):\(number + 1): expected `filename label`, got '\(line.prefix(80))'")
            }
            let name = line[..<space].trimmingCharacters(in: .whitespaces)
            let field = line[line.index(after: space)...]
            guard let label = Int(field), label >= 0, label < 1 << 24 else {
                throw SwiftCNNError("\(file):\(number + 1): label '\(field.prefix(20))' is not a whole number from 0")
            }
            guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw SwiftCNNError("\(file):\(number + 1): '\(name.prefix(80))' is not a file name inside the image folder")
            }
            entries.append((name, label))
        }
        return entries
    }

    /// Keras's `validation_split`/`subset` after its shuffle with `seed`: the files in
    /// NumPy's shuffled order, the last `Int(fraction · n)` of them for validation.
    public func split(validation fraction: Double, seed: UInt32) throws -> (training: ImageFiles, validation: ImageFiles) {
        guard fraction > 0, fraction < 1 else {
            throw SwiftCNNError("--validation-split must be between 0 and 1, got \(fraction)")
        }
        let order = NumpyShuffle.permutation(count: paths.count, seed: seed)
        let held = Int(fraction * Double(paths.count))
        guard held > 0, held < paths.count else {
            throw SwiftCNNError(
                "--validation-split \(fraction) of \(paths.count) images leaves \(held == 0 ? "no validation" : "no training") images")
        }
        let shuffled = self.picking(order)
        return (shuffled.picking(Array(0..<(paths.count - held))), shuffled.picking(Array((paths.count - held)..<paths.count)))
    }

    /// The files at `indices`, in that order.
    public func picking(_ indices: [Int]) -> ImageFiles {
        ImageFiles(paths: indices.map { paths[$0] }, labels: indices.map { labels[$0] }, classNames: classNames)
    }

    /// The non-hidden subfolders of `directory`, sorted.
    static func subfolders(of directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SwiftCNNError("\(directory): cannot list the folder (\(error.localizedDescription))")
        }
        return pythonSorted(names.filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name), isDirectory: &isFolder)
                && isFolder.boolValue
        })
    }

    /// The image files under `folder`, recursively (as `os.walk`: folders in sorted path
    /// order, each one's files sorted). Symbolic links to folders are not followed.
    static func imagePaths(under folder: String) throws -> [String] {
        var folders = [folder]
        var result: [(folder: String, files: [String])] = []
        var visited = 0
        while let current = folders.popLast() {
            visited += 1
            guard visited <= 100_000 else { throw SwiftCNNError("\(folder): more than 100000 folders") }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: current)
            } catch {
                throw SwiftCNNError("\(current): cannot list the folder (\(error.localizedDescription))")
            }
            var files: [String] = []
            for name in names {
                let path = (current as NSString).appendingPathComponent(name)
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    folders.append(path)
                } else if isImageName(name) {
                    files.append(name)
                }
            }
            result.append((current, pythonSorted(files)))
        }
        result.sort { $0.folder.utf8.lexicographicallyPrecedes($1.folder.utf8) }
        return result.flatMap { entry in entry.files.map { (entry.folder as NSString).appendingPathComponent($0) } }
    }
}
