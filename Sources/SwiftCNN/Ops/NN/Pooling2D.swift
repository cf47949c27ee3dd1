import CSwiftCNNSupport

/// Pooling as functions, as `tf.nn.max_pool2d`/`avg_pool2d` (`keras.ops.max_pool`/
/// `average_pool`), over NHWC images; `strides` defaults to `poolSize`. `MaxPool2D` and
/// `AveragePooling2D` call them.

/// The maximum of each window; with `.same`, padded positions never win.
public func maxPool2d(
    _ x: some TensorOperand, poolSize: Size2D = 2, strides: Size2D? = nil, padding: Padding = .valid
) throws -> Tensor {
    try maxPool2d(x.operand, poolSize: poolSize, strides: strides ?? poolSize, padding: padding, op: "maxPool2d")
}

/// The mean of each window; with `.same`, of the real pixels a window covers, as TensorFlow.
public func avgPool2d(
    _ x: some TensorOperand, poolSize: Size2D = 2, strides: Size2D? = nil, padding: Padding = .valid
) throws -> Tensor {
    try avgPool2d(x.operand, poolSize: poolSize, strides: strides ?? poolSize, padding: padding, op: "avgPool2d")
}

func maxPool2d(_ input: Tensor, poolSize: Size2D, strides: Size2D, padding: Padding, op: String) throws -> Tensor {
    let window = try poolingWindow(op, input, poolSize: poolSize, strides: strides, padding: padding)
    let (images, channels) = (input.shape[0], input.shape[3])
    var output = Tensor(uninitializedShape: Shapes.of(images, window.rows.output, window.cols.output, channels))
    let shape = poolingShape(window, channels: channels)
    // Where the indices come from, for the backward scatter; only when it will run. They
    // are Int32, the size of a Float, so they live in a recycled tensor storage.
    let argmax = input.gradNode == nil ? nil : Tensor(uninitializedShape: output.shape)
    let (source, destination) = (input.pointer, output.pointer)
    if let argmax {
        argmax.pointer.withMemoryRebound(to: Int32.self, capacity: max(argmax.count, 1)) { indices in
            ThreadPool.shared.parallelFor(images, minimumWork: 1 << 14, work: output.count) { _, part in
                swiftcnn_maxpool_forward(source, destination, indices, part.lowerBound, part.count, shape)
            }
        }
    } else {
        WorkspaceLender.shared.borrow { workspaces in
            ThreadPool.shared.parallelFor(images, minimumWork: 1 << 14, work: output.count) { thread, part in
                let columns = workspaces[thread].buffer(count: shape.width * shape.channels)
                swiftcnn_maxpool_forward_values(source, destination, part.lowerBound, part.count, shape, columns)
            }
        }
    }
    if let argmax {
        output.record(MaxPoolGradient.shared, input)?.saved = .maxPooling(argmax: argmax, inputShape: input.shape)
    }
    return output
}

func avgPool2d(_ input: Tensor, poolSize: Size2D, strides: Size2D, padding: Padding, op: String) throws -> Tensor {
    let window = try poolingWindow(op, input, poolSize: poolSize, strides: strides, padding: padding)
    let (images, channels) = (input.shape[0], input.shape[3])
    var output = Tensor(uninitializedShape: Shapes.of(images, window.rows.output, window.cols.output, channels))
    Pooling.averageForward(input: input.pointer, images: images, channels: channels, window: window, output: output.pointer)
    output.record(AveragePoolGradient.shared, input)?.saved = .averagePooling(inputShape: input.shape, window: window)
    return output
}

/// The C kernels' description of a pooling window over `channels` channels.
func poolingShape(_ window: Window2D, channels: Int) -> swiftcnn_conv_shape {
    swiftcnn_conv_shape(
        height: window.rows.input, width: window.cols.input, channels: channels,
        kernelHeight: window.rows.window, kernelWidth: window.cols.window, filters: channels,
        strideHeight: window.rows.stride, strideWidth: window.cols.stride,
        padTop: window.rows.padBefore, padLeft: window.cols.padBefore,
        outputHeight: window.rows.output, outputWidth: window.cols.output)
}

/// Max pooling's gradient: each output's gradient goes to the input that won its window.
final class MaxPoolGradient: BackwardRule, Sendable {
    static let shared = MaxPoolGradient()

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .maxPooling(argmax, inputShape) = node.saved else { throw SavedForBackward.mismatch("maxPool2d") }
        // The scatter adds, so it adds straight into the input's gradient when another
        // branch has already sent one (an Inception block's pooling branch).
        let target = node.accumulator(forInput: 0, shape: inputShape)
        let gradInput = target == nil ? Tensor(uninitializedShape: inputShape) : nil
        let images = inputShape[0]
        let perImageOut = argmax.count / max(images, 1)
        let perImageIn = inputShape.reduce(1, *) / max(images, 1)
        let (dy, dx) = (gradOutput.pointer, target ?? gradInput!.pointer)
        argmax.pointer.withMemoryRebound(to: Int32.self, capacity: max(argmax.count, 1)) { index in
            ThreadPool.shared.parallelFor(images) { _, part in
                if target == nil { (dx + part.lowerBound * perImageIn).update(repeating: 0, count: part.count * perImageIn) }
                for i in (part.lowerBound * perImageOut)..<(part.upperBound * perImageOut) { dx[Int(index[i])] += dy[i] }
            }
        }
        if let gradInput { node.send(gradInput, toInput: 0, exclusive: true) }
    }
}

/// Average pooling's gradient: each output's gradient shared among the pixels it averaged.
final class AveragePoolGradient: BackwardRule, Sendable {
    static let shared = AveragePoolGradient()

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .averagePooling(inputShape, window) = node.saved else { throw SavedForBackward.mismatch("avgPool2d") }
        let gradInput = Tensor(uninitializedShape: inputShape)
        Pooling.averageBackward(
            gradOutput: gradOutput.pointer, images: inputShape[0], channels: inputShape[3], window: window,
            gradInput: gradInput.pointer)
        node.send(gradInput, toInput: 0, exclusive: true)
    }
}

/// Checks a pooling op's input and returns its window geometry.
func poolingWindow(_ op: String, _ input: Tensor, poolSize: Size2D, strides: Size2D, padding: Padding) throws -> Window2D {
    guard poolSize.isValid, strides.isValid else {
        throw SwiftCNNError("\(op): pool size and strides must be positive, got \(poolSize.pair) and \(strides.pair)")
    }
    guard input.rank == 4 else {
        throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input.shape))")
    }
    let window = Window2D(
        height: input.shape[1], width: input.shape[2], window: poolSize.pair, strides: strides.pair, padding: padding)
    guard window.rows.output > 0, window.cols.output > 0 else {
        throw SwiftCNNError("\(op): input shape \(describe(input.shape)) is smaller than the pool \(poolSize.pair) with valid padding")
    }
    return window
}
