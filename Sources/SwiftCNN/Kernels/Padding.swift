/// How a convolution or pooling window treats the border, as in Keras.
public enum Padding: String, Sendable, CaseIterable {
    /// No padding: only windows that fit entirely inside the input.
    case valid
    /// Zero padding so the output has `ceil(input / stride)` positions.
    case same
}

/// Output size and leading pad along one spatial axis, exactly as TensorFlow computes them.
struct WindowGeometry: Equatable {
    let input: Int
    let window: Int
    let stride: Int
    let output: Int
    /// Padding before the first input; TensorFlow puts the odd extra pixel after (bottom/right).
    let padBefore: Int

    init(input: Int, window: Int, stride: Int, padding: Padding) {
        self.input = input
        self.window = window
        self.stride = stride
        switch padding {
        case .valid:
            output = input >= window ? (input - window) / stride + 1 : 0
            padBefore = 0
        case .same:
            output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + window - input, 0)
            padBefore = total / 2
        }
    }

    /// The real (unpadded) input positions the window of output position `index` covers.
    func covered(_ index: Int) -> Range<Int> {
        let start = index * stride - padBefore
        return max(start, 0)..<min(start + window, input)
    }
}

/// Both spatial axes of a window op over NHWC input.
struct Window2D: Equatable {
    let rows: WindowGeometry
    let cols: WindowGeometry

    init(height: Int, width: Int, window: (Int, Int), strides: (Int, Int), padding: Padding) {
        rows = WindowGeometry(input: height, window: window.0, stride: strides.0, padding: padding)
        cols = WindowGeometry(input: width, window: window.1, stride: strides.1, padding: padding)
    }

    static func == (a: Window2D, b: Window2D) -> Bool { a.rows == b.rows && a.cols == b.cols }
}
