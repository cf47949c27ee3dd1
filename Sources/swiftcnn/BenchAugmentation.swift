import ArgumentParser
import Dispatch
import SwiftCNN

/// `swiftcnn bench-augmentation`: the time to augment one batch, the cost the data producer
/// adds to every training step (compare with `swiftcnn bench --model baseline --mode train`).
struct BenchAugmentation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-augmentation",
        abstract: "Time ImageDataGenerator-style augmentation of one batch (default: the course's settings).")

    @OptionGroup var augmentation: AugmentationOptions

    @Option(parsing: .unconditional, help: "Images per batch.")
    var batchSize: Int = 32

    @Option(parsing: .unconditional, help: "Timed batches.")
    var steps: Int = 200

    @Option(help: "Image shape, H,W,C.")
    var input: String = "32,32,3"

    func run() throws {
        try requirePositive(batchSize, "--batch-size")
        try requirePositive(steps, "--steps")
        let shape = try parseShape(input)
        guard shape.count == 3 else { throw SwiftCNNError("--input must be H,W,C, got '\(input)'") }
        // The course's augmentation lesson when no flag is given.
        let augmenter =
            try augmentation.make()
            ?? ImageAugmentation(
                rotationRange: 45, widthShiftRange: 0.15, heightShiftRange: 0.15, zoomRange: 0.5, horizontalFlip: true)
        var random = RandomGenerator(seed: 7)
        let count = batchSize * shape.reduce(1, *)
        let batch = try Tensor(shape: [batchSize] + shape, scalars: (0..<count).map { _ in random.nextUniform() })
        var times: [Double] = []
        for step in 0..<(steps + 3) {
            var images = batch
            // The producer owns its batch; make this one unique before the clock starts.
            images.withUnsafeMutableBufferPointer { _ in }
            var generator = RandomGenerator(seed: UInt64(step))
            let start = DispatchTime.now().uptimeNanoseconds
            try augmenter.augment(&images, using: &generator)
            // The first batches warm the caches; they are not timed.
            if step >= 3 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        let median = times.sorted()[times.count / 2]
        print(String(format: "augment batch %d of %@: %.3f ms/batch (median of %d), %.0f images/s, one thread",
            batchSize, shape.map(String.init).joined(separator: "×"), median * 1e3, steps, Double(batchSize) / median))
    }
}
