/// The input of the `image_check` fuzz target (Tools/fuzz/targets/image_check.swift) and
/// of its regression replay: one file's bytes through the check a folder dataset runs
/// before training, then, when it passes, through the decoder training runs later.
enum ImageCheckFuzzInput {
    /// Either throws one clear error or decodes; a file that passes the check and decodes
    /// must have the size its header gave.
    static func run(_ bytes: [UInt8]) throws {
        try ImageFileCheck.check(bytes, path: "fuzz.img")
        let header = bytes.starts(with: [0x89, 0x50]) ? try PNG.checkStructure(bytes, path: "fuzz.png") : nil
        let image = try ImageDecoder.decode(bytes, path: "fuzz.img", asTensorFlow: true)
        precondition(image.pixels.count == image.width * image.height * 3)
        if let header { precondition(header.width == image.width && header.height == image.height) }
    }
}
