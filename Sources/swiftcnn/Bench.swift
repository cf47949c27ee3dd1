import ArgumentParser
import Foundation
import SwiftCNN

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training or inference speed on random CIFAR-shaped data.")

    @OptionGroup var options: ModelOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "train (fit steps with Adam) or predict.")
    var mode: String = "train"

    @Option(parsing: .unconditional, help: "Images per step.")
    var batchSize: Int = 32

    @Option(parsing: .unconditional, help: "Timed steps (after warm-up steps).")
    var steps: Int = 20

    @Option(parsing: .unconditional, help: "Warm-up steps, not timed.")
    var warmup: Int = 3

    @Option(help: "Input shape without the batch axis.")
    var input: String = "32,32,3"

    @Flag(help: "End with one JSON line for scripts.")
    var json = false

    @Flag(help: "Also print time per layer (forward, backward) over the timed steps.")
    var profile = false

    @Option(help: "With --profile: the machine's FMA peak in GFLOP/s (Tools/peak/run.sh measures it), to show each layer's share of it.")
    var peakGflops: Double?

    @Flag(help: "Count heap allocations per step (needs Tools/malloc-count preloaded; see its source).")
    var countAllocations = false

    @Option(help: "Instead: time decoding the folder dataset DIR (every image, on all cores) and print images per second.")
    var decode: String?

    func run() throws {
        try threadOptions.apply()
        if let decode { return try benchDecoding(decode) }
        guard mode == "train" || mode == "predict" else { throw SwiftCNNError("--mode must be train or predict, got '\(mode)'") }
        try requirePositive(batchSize, "--batch-size")
        try requirePositive(steps, "--steps")
        guard warmup >= 0 else { throw SwiftCNNError("--warmup must be zero or more, got \(warmup)") }
        let entry = try options.entry()
        let model = entry.make()
        let shape = try parseShape(input)
        try model.build(inputShape: shape)
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        var random = RandomGenerator(seed: 7)
        let pixels = batchSize * shape.reduce(1, *)
        let x = try Tensor(shape: [batchSize] + shape, scalars: (0..<pixels).map { _ in random.nextUniform() })
        let y = try Tensor(shape: [batchSize], scalars: (0..<batchSize).map { _ in Float(Int(random.next() % 10)) })
        // Under mpirun each rank trains on its part of the batch: images/s are the job's.
        let job = mode == "train" ? try DataParallel.current() : nil
        let part = job?.share(of: batchSize) ?? 0..<batchSize
        let local = part.isEmpty ? nil : (x.gather(batch: part), y.gather(batch: part))
        func step() throws {
            if let job {
                try model.trainStep(local, globalBatchSize: batchSize, job: job)
            } else if mode == "train" {
                try model.trainStep(x, y)
            } else {
                _ = try model.predict(x, batchSize: batchSize)
            }
        }
        for _ in 0..<warmup { try step() }
        let counter = try countAllocations ? allocationCounter() : nil
        // The counter is read inside the observed scope and the times are reserved, so
        // the bench's own bookkeeping is not counted.
        var (allocationsBefore, allocationsAfter): (UInt64, UInt64) = (0, 0)
        var times: [Double] = []
        times.reserveCapacity(steps)
        let profiler = profile ? Profiler() : nil
        try observing(profiler) {
            allocationsBefore = counter?() ?? 0
            for _ in 0..<steps {
                let start = DispatchTime.now().uptimeNanoseconds
                try step()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            allocationsAfter = counter?() ?? 0
        }
        let allocationsPerStep = counter.map { _ in Double(allocationsAfter - allocationsBefore) / Double(steps) }
        let allReduce = try model.measureGradientAllReduce()
        guard job?.isPrimary ?? true else { return }
        if let profiler {
            let work = try layerWork(model, images: part.count, training: mode == "train")
            print(profiler.report(steps: steps, work: work, peakGFLOPs: peakGflops))
        }
        if let allocationsPerStep { print(String(format: "heap allocations per step: %.1f", allocationsPerStep)) }
        let median = times.sorted()[times.count / 2]
        let imagesPerSecond = Double(batchSize) / median
        let peak = peakResidentMegabytes()
        print(String(format: "%@ %@ batch %d: %.1f images/s, %.2f ms/step (median of %d), peak RSS %.0f MB; kernels %@, OpenBLAS %@",
            entry.displayName, mode, batchSize, imagesPerSecond, median * 1e3, steps, peak, KernelISA.current,
            OpenBLASCore.current ?? "?"))
        if let job, let allReduce {
            print(String(format: "%d ranks: gradient all-reduce (%@) %.2f ms alone, %.2f ms of the last step waited for it (%.0f%% hidden behind backward)",
                job.size, job.blockingGradientSums ? "blocking" : "overlapped", allReduce.alone * 1e3, allReduce.exposed * 1e3,
                100 * max(0, 1 - allReduce.exposed / max(allReduce.alone, 1e-9))))
        }
        if json {
            let object: [String: Any] = [
                "model": entry.displayName, "mode": mode, "batch_size": batchSize,
                "images_per_second": imagesPerSecond, "ms_per_step": median * 1e3, "peak_rss_mb": peak, "steps": steps,
                "ranks": job?.size ?? 1, "openblas_core": OpenBLASCore.current ?? "",
                "kernel_isa": KernelISA.current,
            ].merging(allocationsPerStep.map { ["allocations_per_step": $0] } ?? [:]) { a, _ in a }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Each convolution's and dense layer's FLOPs in one step of `images` images, keyed by the
/// display name the profiler gives its rows. In training the first weighted layer computes
/// no input gradient.
func layerWork(_ model: Layer, images: Int, training: Bool) throws -> [String: Profiler.Work] {
    var work: [String: Profiler.Work] = [:]
    var first = true
    for row in try model.analysis() where row.flops > 0 {
        var layer = Profiler.Work(flopsPerImage: row.flops, images: images, needsInputGradient: !first)
        if !training { layer.backward = 0 }
        work["\(row.name) (\(row.typeName))"] = layer
        first = false
    }
    return work
}

/// The process's peak resident set (VmHWM) in MiB, from /proc.
func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
    return 0
}

/// The allocation counter of Tools/malloc-count, when it is preloaded.
func allocationCounter() throws -> () -> UInt64 {
    typealias Counter = @convention(c) () -> UInt64
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "swiftcnn_allocation_count") else {
        throw SwiftCNNError(
            "--count-allocations needs the counter preloaded: gcc -O2 -shared -fPIC -o /tmp/libmalloc_count.so Tools/malloc-count/malloc_count.c -ldl, then LD_PRELOAD=/tmp/libmalloc_count.so")
    }
    let function = unsafeBitCast(symbol, to: Counter.self)
    return { function() }
}

/// `swiftcnn bench --decode DIR`: every image of the folder dataset DIR (both splits of a
/// train/test layout) decoded and resized to 32×32 RGB, timed after listing the files.
func benchDecoding(_ directory: String) throws {
    var dataset = FolderDataset(directory: directory)
    if FolderDataset.splitFolders(directory) == nil { dataset.validationSplit = 0.5 }
    let train = try dataset.files(.train)
    let test = try dataset.files(.test)
    let files = ImageFiles(paths: train.paths + test.paths, labels: train.labels + test.labels, classNames: train.classNames)
    var start = DispatchTime.now().uptimeNanoseconds
    try ImageFileCheck.checkAll(files.paths)
    let checked = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "checked %d files in %.2f s: %.0f files/s (the pass before training, no pixels decoded)",
        files.paths.count, checked, Double(files.paths.count) / checked))
    start = DispatchTime.now().uptimeNanoseconds
    let images = try dataset.folder.load(files)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "decoded %d images in %.2f s: %.0f images/s on %d cores, %.1f MB as 8-bit",
        images.count, seconds, Double(images.count) / seconds, ProcessInfo.processInfo.activeProcessorCount,
        Double(images.pixels.count) / 1e6))
    start = DispatchTime.now().uptimeNanoseconds
    let sets = [try StreamingImages(files: train, folder: dataset.folder), try StreamingImages(files: test, folder: dataset.folder)]
    try StreamingImages.checkAndDecode(sets)
    let pass = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let decodedInPass = sets.reduce(0) { $0 + $1.decodedCount }
    print(String(format: "the pass before training: %d files in %.2f s, %.0f files/s, %d of them decoded then (plain PNGs of the image size)",
        files.paths.count, pass, Double(files.paths.count) / pass, decodedInPass))
}
