import Synchronization

/// Conv2D → BatchNormalization (→ ReLU) (→ MaxPooling2D) run as one step in inference
/// (`predict`, `evaluate`): the convolution's fresh output is normalised with the moving
/// statistics and rectified in place, in one pass, where the two layers made two passes and
/// two new tensors of the activation's size. A max pooling after such a chain, or right
/// after a convolution with its own activation (LeNet5's sigmoid), is done image by image
/// with the convolution where its kernel works image by image, so the full-size output
/// never reaches memory. A stride-1 `same` max pooling whose one reader is a convolution
/// passes its input through, and the convolution pools it first (``deferredPool(before:_:)``).
///
/// The chains come from one traced forward pass of the model (the graph ONNX export reads,
/// so a subclassed model's own `call` counts, Inception's and ResNet's branches too): a
/// convolution without its own activation whose output goes only to a batch norm over its
/// channels, whose output goes only to a ReLU (or nowhere else but the model's further
/// layers, which then read the normalised value). Each layer must be called once in the
/// pass. While the plan runs, the convolution marks its output; the batch norm and the
/// activation return their input unchanged only when it is that marked tensor, so a call
/// the trace did not see (another branch, another input shape) computes as before.
// Unchecked: it holds layers (not Sendable) only to tell them apart and to call them from
// the task that predicts with their model; the one mutable part is locked.
final class InferenceFusion: @unchecked Sendable {
    /// The plan of the `predict` or `evaluate` running on this thread, if any. A thread
    /// word, not a `@TaskLocal`: binding a task-local value allocates, once per call.
    static var active: InferenceFusion? {
        guard let address = UnsafeRawPointer(bitPattern: slot.value) else { return nil }
        return Unmanaged<InferenceFusion>.fromOpaque(address).takeUnretainedValue()
    }
    private static let slot = ThreadLocalWord()

    /// Runs `body` (synchronous, on this thread) with `plan` active.
    static func withActive<R>(_ plan: InferenceFusion?, _ body: () throws -> R) rethrows -> R {
        try withExtendedLifetime(plan) {
            try slot.withValue(plan.map { UInt(bitPattern: Unmanaged.passUnretained($0).toOpaque()) } ?? 0, body)
        }
    }

    struct Chain {
        /// The batch norm after a convolution without its own activation.
        let normalization: BatchNormalization?
        /// The ReLU layer after the batch norm, fused too.
        let activation: Layer?
        /// The max pooling after the chain, which the convolution does image by image
        /// where its kernel allows (``Convolution/poolsPerImage(_:after:)``).
        let pool: MaxPool2D?
    }

    /// By convolution.
    private let chains: [ObjectIdentifier: Chain]
    /// Batch norms and activations whose work their convolution does.
    private let absorbed: Set<ObjectIdentifier>
    /// The storage of the output each absorbed layer may pass through (set by its
    /// convolution in this forward pass). Locked: two tasks may predict with one model.
    private let marked = Mutex<[ObjectIdentifier: ObjectIdentifier]>([:])

    /// The number of fused chains.
    var count: Int { chains.count }
    /// The number of poolings left to the convolution after them.
    var deferredCount: Int { deferredPools.count }

    /// The plan for `model` on inputs of `inputShape` (no batch axis), from one traced
    /// forward pass on a zero image; an empty plan when the graph cannot be traced.
    init(model: Layer, inputShape: [Int]) {
        (chains, absorbed, deferredPools) = Self.chains(of: model, inputShape: inputShape)
        deferringTo = Dictionary(uniqueKeysWithValues: deferredPools.map { (ObjectIdentifier($0.value), $0.key) })
    }

    /// The convolution each deferred pooling leaves its work to.
    private let deferringTo: [ObjectIdentifier: ObjectIdentifier]

    /// Max poolings that keep their input's shape (stride 1, `same`) and whose one reader is a
    /// convolution, by pooling: the pooling passes its input through and the convolution
    /// pools each image into cache before convolving it (Inception10's branch poolings,
    /// 16.8 MB written and read back each at batch 256 otherwise). By convolution, the pooling.
    private let deferredPools: [ObjectIdentifier: MaxPool2D]

    private static func chains(of model: Layer, inputShape: [Int])
        -> ([ObjectIdentifier: Chain], Set<ObjectIdentifier>, [ObjectIdentifier: MaxPool2D])
    {
        var chains: [ObjectIdentifier: Chain] = [:]
        var absorbed: Set<ObjectIdentifier> = []
        var deferred: [ObjectIdentifier: MaxPool2D] = [:]
        let input = Tensor.zeros([1] + inputShape)
        let trace = GraphTrace(input: input)
        guard (try? GraphTrace.$current.withValue(trace) { try model(input, training: false) }) != nil, trace.problem == nil
        else { return (chains, absorbed, deferred) }
        var consumers: [Int: [Int]] = [:]  // value → nodes reading it
        var calls: [ObjectIdentifier: Int] = [:]
        for (index, node) in trace.nodes.enumerated() {
            for value in node.inputs { consumers[value, default: []].append(index) }
            if case let .layer(layer) = node.operation { calls[ObjectIdentifier(layer), default: 0] += 1 }
        }
        let finalValue = trace.nodes.last?.output
        /// The one layer (called once) that reads `value`, with the value it makes.
        func onlyConsumer(of value: Int) -> (layer: Layer, output: Int)? {
            guard value != finalValue, let readers = consumers[value], readers.count == 1,
                case let .layer(layer) = trace.nodes[readers[0]].operation, calls[ObjectIdentifier(layer)] == 1
            else { return nil }
            return (layer, trace.nodes[readers[0]].output)
        }
        /// The max pooling that alone reads `value`.
        func pool(after value: Int) -> MaxPool2D? { onlyConsumer(of: value).flatMap { $0.layer as? MaxPool2D } }
        for node in trace.nodes {
            guard case let .layer(layer) = node.operation, let conv = layer as? Conv2D,
                calls[ObjectIdentifier(conv)] == 1, let next = onlyConsumer(of: node.output)
            else { continue }
            let chain: Chain
            if conv.activation == .linear, let bn = next.layer as? BatchNormalization {
                let after = onlyConsumer(of: next.output)
                let relu = after.map(\.layer).flatMap { Self.isPlainReLU($0) ? $0 : nil }
                chain = Chain(normalization: bn, activation: relu, pool: pool(after: relu == nil ? next.output : after!.output))
            } else if ConvolutionEpilogue.supports(conv.activation), let pooling = next.layer as? MaxPool2D {
                chain = Chain(normalization: nil, activation: nil, pool: pooling)
            } else {
                continue
            }
            chains[ObjectIdentifier(conv)] = chain
            for layer in [chain.normalization, chain.activation, chain.pool] as [Layer?] {
                if let layer { absorbed.insert(ObjectIdentifier(layer)) }
            }
        }
        for node in trace.nodes {
            guard case let .layer(layer) = node.operation, let pool = layer as? MaxPool2D,
                !absorbed.contains(ObjectIdentifier(pool)), calls[ObjectIdentifier(pool)] == 1,
                pool.strides.height == 1, pool.strides.width == 1, pool.padding == .same,
                let next = onlyConsumer(of: node.output), let conv = next.layer as? Conv2D
            else { continue }
            deferred[ObjectIdentifier(conv)] = pool
            absorbed.insert(ObjectIdentifier(pool))
        }
        return (chains, absorbed, deferred)
    }

    /// Whether `pool` leaves its pooling to the convolution that reads it; if so, records
    /// `input` as what that convolution must pool.
    func defers(_ pool: MaxPool2D, _ input: Tensor) -> Bool {
        guard let conv = deferringTo[ObjectIdentifier(pool)] else { return false }
        marked.withLock { $0[conv] = ObjectIdentifier(input.storage) }
        return true
    }

    /// The pooling `conv` must apply to `input` first, when one deferred it on exactly that tensor.
    func deferredPool(before conv: Conv2D, _ input: Tensor) -> MaxPool2D? {
        let key = ObjectIdentifier(conv)
        guard let pool = deferredPools[key] else { return nil }
        let storage = ObjectIdentifier(input.storage)
        let matched = marked.withLock {
            guard $0[key] == storage else { return false }
            $0[key] = nil
            return true
        }
        return matched ? pool : nil
    }

    /// `Activation(.relu)` or `ReLU()` with Keras's defaults: max(x, 0).
    private static func isPlainReLU(_ layer: Layer) -> Bool {
        if let activation = layer as? Activation { return activation.function == .relu }
        if let relu = layer as? ReLU { return relu.maxValue == nil && relu.negativeSlope == 0 && relu.threshold == 0 }
        return false
    }

    /// The chain `conv` starts, if fused.
    func chain(startingAt conv: Conv2D) -> Chain? { chains[ObjectIdentifier(conv)] }

    /// Records that `output` (its convolution's, already normalised and rectified, and
    /// max-pooled when `pooled`) is what the chain's layers pass through.
    func mark(_ output: Tensor, for chain: Chain, pooled: Bool) {
        let storage = ObjectIdentifier(output.storage)
        marked.withLock {
            for layer in [chain.normalization, chain.activation, pooled ? chain.pool : nil] as [Layer?] {
                if let layer { $0[ObjectIdentifier(layer)] = storage }
            }
        }
    }

    /// Whether `layer`'s work was done by its convolution on exactly `input`.
    func passesThrough(_ layer: Layer, _ input: Tensor) -> Bool {
        let key = ObjectIdentifier(layer)
        guard absorbed.contains(key) else { return false }
        return marked.withLock {
            guard $0[key] == ObjectIdentifier(input.storage) else { return false }
            $0[key] = nil
            return true
        }
    }
}
