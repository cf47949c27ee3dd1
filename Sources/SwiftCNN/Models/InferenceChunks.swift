/// How many images `predict` and `evaluate` push through the network at once.
///
/// A network that does little arithmetic per activation it writes (Inception10: 75 FLOPs
/// per activation float, against 550–700 for AlexNet8, VGG16 and ResNet18) spends its
/// inference moving activations, and a batch of 256 Inception10 images writes 330 MB of
/// them: no cache holds a layer's output when the next layer reads it. Taken in chunks
/// whose activations total about 64 MB, the same 256 images ran 9,200 → 12,200 images/s on
/// the 2-core Zen 5 (AVX-512; 5,300 → 5,550 on its AVX2 code), best between 48 and 64 images
/// a chunk. The arithmetic-heavy networks are left whole: their Winograd and SGEMM passes
/// want the big batch (ResNet18 at 32 a chunk ran 10% slower). Results are the same as
/// for the whole batch up to rounding: inference treats every image on its own.
struct InferenceChunks {
    /// Below this many FLOPs per activation float a network is bound by memory.
    static let memoryBoundIntensity = 300
    /// Activation floats a chunk may write in all (64 MB).
    static let activationBudget = 16 << 20
    /// No chunk below this (a multiple of 16, so every thread gets whole SIMD-friendly parts).
    static let smallestChunk = 16

    /// Images a chunk, or nil to run every batch whole.
    let images: Int?

    /// From the model's per-image FLOPs and activation floats (its analysis: every leaf
    /// layer's output).
    init(flopsPerImage: Int, activationFloatsPerImage: Int) {
        guard activationFloatsPerImage > 0, flopsPerImage < Self.memoryBoundIntensity * activationFloatsPerImage else {
            images = nil
            return
        }
        let fitting = Self.activationBudget / activationFloatsPerImage
        images = max(Self.smallestChunk, fitting / Self.smallestChunk * Self.smallestChunk)
    }

    /// From a built model's analysis (every leaf layer's output); nil when it cannot be
    /// analysed (not built yet).
    init?(model: Layer) {
        guard let rows = try? model.analysis(), !rows.isEmpty else { return nil }
        let flops = rows.reduce(0) { $0 + $1.flops }
        let activations = rows.reduce(0) { $0 + $1.outputShape.dropFirst().reduce(1, *) }
        self.init(flopsPerImage: flops, activationFloatsPerImage: activations)
    }

    /// The batch to run for a requested `batchSize`: the batch split into equal chunks of
    /// at most `images` (256 into six of 43, not five of 48 and a slow one of 16).
    func batch(for batchSize: Int) -> Int {
        guard let images, images < batchSize else { return batchSize }
        let count = (batchSize + images - 1) / images
        return (batchSize + count - 1) / count
    }
}

extension Model {
    /// The chunking, worked out once from the built model's analysis (its build input
    /// shape, which is what predict and evaluate are given); batches run whole until the
    /// model is built.
    var inferenceChunks: InferenceChunks {
        if let chunks { return chunks }
        guard let plan = InferenceChunks(model: self) else { return InferenceChunks(flopsPerImage: 0, activationFloatsPerImage: 0) }
        chunks = plan
        return plan
    }
}
