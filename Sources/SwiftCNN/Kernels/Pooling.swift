/// Average pooling over NHWC input with TensorFlow's window geometry: padded positions
/// never count towards an average. (Max pooling's kernel is C: `swiftcnn_max_pool_forward`.)
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
                let y0 = max(oy * window.rows.stride - window.rows.padBefore, 0)
                let y1 = min(oy * window.rows.stride - window.rows.padBefore + window.rows.window, h)
                for ox in 0..<window.cols.output {
                    let x0 = max(ox * window.cols.stride - window.cols.padBefore, 0)
                    let x1 = min(ox * window.cols.stride - window.cols.padBefore + window.cols.window, w)
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
                let y0 = max(oy * window.rows.stride - window.rows.padBefore, 0)
                let y1 = min(oy * window.rows.stride - window.rows.padBefore + window.rows.window, h)
                for ox in 0..<window.cols.output {
                    let x0 = max(ox * window.cols.stride - window.cols.padBefore, 0)
                    let x1 = min(ox * window.cols.stride - window.cols.padBefore + window.cols.window, w)
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
