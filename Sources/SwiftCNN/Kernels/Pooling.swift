/// Average pooling over NHWC input with TensorFlow's window geometry: padded positions
/// never count towards an average. (Max pooling is `swiftcnn_maxpool_forward`, in C.)
enum Pooling {
    static func averageForward(
        input: UnsafePointer<Float>, images: Int, channels: Int, window: Window2D,
        output: UnsafeMutablePointer<Float>
    ) {
        let (h, w) = (window.rows.input, window.cols.input)
        var o = 0
        for image in 0..<images {
            let imageBase = image * h * w * channels
            for oy in 0..<window.rows.output {
                let rows = window.rows.covered(oy)
                let (y0, y1) = (rows.lowerBound, rows.upperBound)
                for ox in 0..<window.cols.output {
                    let cols = window.cols.covered(ox)
                    let (x0, x1) = (cols.lowerBound, cols.upperBound)
                    let out = output + o
                    out.update(repeating: 0, count: channels)
                    for y in y0..<y1 {
                        for x in x0..<x1 {
                            let at = input + imageBase + (y * w + x) * channels
                            for c in 0..<channels { out[c] += at[c] }
                        }
                    }
                    let scale = 1 / Float(max((y1 - y0) * (x1 - x0), 1))
                    for c in 0..<channels { out[c] *= scale }
                    o += channels
                }
            }
        }
    }

    static func averageBackward(
        gradOutput: UnsafePointer<Float>, images: Int, channels: Int, window: Window2D,
        gradInput: UnsafeMutablePointer<Float>
    ) {
        let (h, w) = (window.rows.input, window.cols.input)
        gradInput.update(repeating: 0, count: images * h * w * channels)
        var o = 0
        for image in 0..<images {
            let imageBase = image * h * w * channels
            for oy in 0..<window.rows.output {
                let rows = window.rows.covered(oy)
                let (y0, y1) = (rows.lowerBound, rows.upperBound)
                for ox in 0..<window.cols.output {
                    let cols = window.cols.covered(ox)
                    let (x0, x1) = (cols.lowerBound, cols.upperBound)
                    let scale = 1 / Float(max((y1 - y0) * (x1 - x0), 1))
                    let dy = gradOutput + o
                    for y in y0..<y1 {
                        for x in x0..<x1 {
                            let at = gradInput + imageBase + (y * w + x) * channels
                            for c in 0..<channels { at[c] += dy[c] * scale }
                        }
                    }
                    o += channels
                }
            }
        }
    }
}
