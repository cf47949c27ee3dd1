import CSwiftCNNSupport

/// Max pooling over NHWC images, as Keras's `MaxPool2D` (`MaxPooling2D`).
/// `strides` defaults to `poolSize`; with `.same`, padded positions never win.
public final class MaxPool2D: Layer {
    /// The window's height and width.
    public let poolSize: Size2D
    /// How far the window moves between outputs (defaults to the pool size).
    public let strides: Size2D
    /// `valid` (only whole windows) or `same` (padded windows; padding never wins the
    /// maximum).
    public let padding: Padding

    /// Keras's `MaxPooling2D(pool_size, strides, padding)`; `strides` defaults to
    /// `poolSize`.
    public init(poolSize: Size2D = 2, strides: Size2D? = nil, padding: Padding = .valid) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    public override var typeName: String { "MaxPooling2D" }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        let window = try poolingWindow(self, input, poolSize: poolSize, strides: strides, padding: padding)
        let (images, channels) = (input.shape[0], input.shape[3])
        var output = Tensor(uninitializedShape: Shapes.of(images, window.rows.output, window.cols.output, channels))
        let shape = Self.cShape(window, channels: channels)
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
        if let argmax, let node = output.record(self, input) {
            node.save(argmax)
            node.savedShape = input.shape
        }
        return output
    }
}

extension MaxPool2D {
    /// The C kernels' description of a pooling window over `channels` channels.
    static func cShape(_ window: Window2D, channels: Int) -> swiftcnn_conv_shape {
        swiftcnn_conv_shape(
            height: window.rows.input, width: window.cols.input, channels: channels,
            kernelHeight: window.rows.window, kernelWidth: window.cols.window, filters: channels,
            strideHeight: window.rows.stride, strideWidth: window.cols.stride,
            padTop: window.rows.padBefore, padLeft: window.cols.padBefore,
            outputHeight: window.rows.output, outputWidth: window.cols.output)
    }
}

extension MaxPool2D: BackwardRule {
    /// Saved: the argmax indices; the input's shape.
    func backward(_ node: GradNode, _ gradOutput: Tensor) {
        let argmax = node.saved[0]
        let gradInput = Tensor(uninitializedShape: node.savedShape)
        let images = node.savedShape[0]
        let perImageOut = argmax.count / max(images, 1)
        let perImageIn = gradInput.count / max(images, 1)
        let (dy, dx) = (gradOutput.pointer, gradInput.pointer)
        argmax.pointer.withMemoryRebound(to: Int32.self, capacity: max(argmax.count, 1)) { index in
            ThreadPool.shared.parallelFor(images) { _, part in
                (dx + part.lowerBound * perImageIn).update(repeating: 0, count: part.count * perImageIn)
                for i in (part.lowerBound * perImageOut)..<(part.upperBound * perImageOut) { dx[Int(index[i])] += dy[i] }
            }
        }
        node.send(gradInput, toInput: 0)
    }
}

/// Checks a pooling layer's input and returns its window geometry.
func poolingWindow(_ layer: Layer, _ input: Tensor, poolSize: Size2D, strides: Size2D, padding: Padding) throws -> Window2D {
    guard poolSize.isValid, strides.isValid else {
        throw layer.shapeError("pool size and strides must be positive, got \(poolSize.pair) and \(strides.pair)")
    }
    guard input.rank == 4 else {
        throw layer.shapeError("expected a 4-D NHWC input, got shape \(describe(input.shape))")
    }
    let window = Window2D(
        height: input.shape[1], width: input.shape[2], window: poolSize.pair, strides: strides.pair, padding: padding)
    guard window.rows.output > 0, window.cols.output > 0 else {
        throw layer.shapeError("input shape \(describe(input.shape)) is smaller than the pool \(poolSize.pair) with valid padding")
    }
    return window
}
