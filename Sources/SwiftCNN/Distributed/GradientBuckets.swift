import Foundation

// Gradients averaged over the ranks as PyTorch's DDP and Horovod do it: packed into
// buckets of about 25 MB in reverse layer order (the order backward produces them), each
// bucket's all-reduce started as soon as its last gradient is final, so that the
// communication of the last layers overlaps the backward pass of the first ones. A small
// network fits in one bucket: one all-reduce a step, never one per tensor.
//
// The buckets are summed: each rank's backward starts from its share of the global batch
// (its samples / the batch's) instead of 1, so the sum is the gradient of the global
// batch's mean loss, as one process computing the whole batch gets it, up to summation
// order.

/// The trainable parameters' gradients, reduced over a ``DataParallel`` job each step.
final class GradientBuckets {
    private struct Bucket {
        var parameters: [Parameter]
        var offsets: [Int]
        var count: Int
        var buffer: UnsafeMutablePointer<Float>
        var what: String
        var ready = 0
        var started = false
        var request: DataParallel.Request?
    }

    private let job: DataParallel
    private var buckets: [Bucket] = []
    private var place: [ObjectIdentifier: (bucket: Int, slot: Int)] = [:]
    /// Seconds the last step waited for its all-reduces: the blocking ones whole, the
    /// overlapped ones after backward ended (the communication that did not hide).
    private(set) var lastExposedWait = 0.0
    private var blockingWait = 0.0

    /// Buckets for `parameters` (in forward order), `capacity` bytes each at most
    /// (`SWIFTCNN_BUCKET_MB`, default 25) unless one parameter alone is larger.
    init(_ parameters: [Parameter], job: DataParallel, capacity: Int) {
        self.job = job
        var current: [Parameter] = []
        var size = 0
        func close() {
            guard !current.isEmpty else { return }
            var offsets: [Int] = []
            var offset = 0
            for parameter in current {
                offsets.append(offset)
                offset += parameter.count
            }
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(offset, 1))
            for (slot, parameter) in current.enumerated() {
                place[ObjectIdentifier(parameter)] = (buckets.count, slot)
            }
            buckets.append(Bucket(parameters: current, offsets: offsets, count: offset, buffer: buffer, what: ""))
            current = []
            size = 0
        }
        for parameter in parameters.reversed() {
            if size > 0 && size + parameter.count * 4 > capacity { close() }
            current.append(parameter)
            size += parameter.count * 4
        }
        close()
        for index in buckets.indices { buckets[index].what = "gradient bucket \(index + 1) of \(buckets.count)" }
    }

    deinit {
        for bucket in buckets { bucket.buffer.deallocate() }
    }

    /// Whether these buckets were made for exactly `parameters`.
    func covers(_ parameters: [Parameter]) -> Bool {
        parameters.count == place.count && parameters.allSatisfy { place[ObjectIdentifier($0)] != nil }
    }

    /// Starts a step.
    func begin() {
        for index in buckets.indices {
            buckets[index].ready = 0
            buckets[index].started = false
            buckets[index].request = nil
        }
        blockingWait = 0
    }

    /// Called by backward once `parameter`'s gradient is final: packs it, and starts its
    /// bucket's all-reduce when it was the bucket's last. Also lets MPI progress the
    /// all-reduces in flight (Open MPI advances non-blocking collectives only inside calls).
    func gradientReady(_ parameter: Parameter) throws {
        guard let (index, slot) = place[ObjectIdentifier(parameter)] else { return }
        pack(parameter, into: index, slot: slot)
        buckets[index].ready += 1
        if buckets[index].ready == buckets[index].parameters.count { try start(index) }
        for other in buckets.indices where buckets[other].request != nil {
            _ = try job.poll(&buckets[other].request!)
        }
    }

    /// After backward: reduces the buckets whose gradients never all became ready (a
    /// parameter the loss does not reach), waits for every all-reduce and writes the
    /// averaged gradients back.
    func finish() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        for index in buckets.indices where !buckets[index].started {
            for (slot, parameter) in buckets[index].parameters.enumerated() where buckets[index].ready < buckets[index].parameters.count {
                pack(parameter, into: index, slot: slot)
            }
            try self.start(index)
        }
        for index in buckets.indices {
            if buckets[index].request != nil { try job.wait(&buckets[index].request!) }
            let bucket = buckets[index]
            for (slot, parameter) in bucket.parameters.enumerated() {
                var gradient = Tensor(uninitializedShape: parameter.shape)
                gradient.pointer.update(from: bucket.buffer + bucket.offsets[slot], count: parameter.count)
                parameter.gradient = gradient
            }
        }
        lastExposedWait = blockingWait + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Seconds to all-reduce every bucket once, nothing else running (the buckets'
    /// contents are scratch between steps).
    func timeAlone() throws -> Double {
        try job.synchronize(what: "the all-reduce timing")
        let began = DispatchTime.now().uptimeNanoseconds
        for index in buckets.indices { try start(index) }
        for index in buckets.indices where buckets[index].request != nil { try job.wait(&buckets[index].request!) }
        return Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
    }

    private func pack(_ parameter: Parameter, into index: Int, slot: Int) {
        let destination = buckets[index].buffer + buckets[index].offsets[slot]
        guard let gradient = parameter.gradient else {
            destination.update(repeating: 0, count: parameter.count)
            return
        }
        destination.update(from: gradient.pointer, count: parameter.count)
    }

    /// Sums the bucket: at once with the blocking all-reduce, or started in the background
    /// (see ``DataParallel/blockingGradientSums``).
    private func start(_ index: Int) throws {
        buckets[index].started = true
        let bucket = buckets[index]
        if job.blockingGradientSums {
            let began = DispatchTime.now().uptimeNanoseconds
            try job.sumBlocking(bucket.buffer, count: bucket.count, what: bucket.what)
            blockingWait += Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        } else {
            buckets[index].request = try job.startSum(bucket.buffer, count: bucket.count, what: bucket.what)
        }
    }
}
