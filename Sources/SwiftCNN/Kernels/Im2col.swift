import CSwiftCNNSupport

/// NHWC im2col and its adjoint. A row of the column matrix is one output pixel; its
/// columns run over (kernel row, kernel column, input channel), the order of a Keras
/// kernel `[kh, kw, in, out]` flattened, so `columns × kernel` is the convolution.
enum Im2col {
    /// Fills `columns` ([images × outH × outW, kh × kw × channels]) for `images` images
    /// starting at `input`.
    static func pack(
        _ input: UnsafePointer<Float>, images: Int, channels: Int, window: Window2D,
        into columns: UnsafeMutablePointer<Float>
    ) {
        let (h, w) = (window.rows.input, window.cols.input)
        let (kh, kw) = (window.rows.window, window.cols.window)
        let rowLength = kw * channels
        var out = columns
        for image in 0..<images {
            let base = input + image * h * w * channels
            for oy in 0..<window.rows.output {
                let y0 = oy * window.rows.stride - window.rows.padBefore
                for ox in 0..<window.cols.output {
                    let x0 = ox * window.cols.stride - window.cols.padBefore
                    for ky in 0..<kh {
                        let y = y0 + ky
                        if y < 0 || y >= h {
                            out.update(repeating: 0, count: rowLength)
                            out += rowLength
                            continue
                        }
                        if x0 >= 0 && x0 + kw <= w {
                            out.update(from: base + (y * w + x0) * channels, count: rowLength)
                            out += rowLength
                            continue
                        }
                        for kx in 0..<kw {
                            let x = x0 + kx
                            if x < 0 || x >= w {
                                out.update(repeating: 0, count: channels)
                            } else {
                                out.update(from: base + (y * w + x) * channels, count: channels)
                            }
                            out += channels
                        }
                    }
                }
            }
        }
    }

    /// Adds each column entry back onto the input pixel it was copied from (the gradient of
    /// `pack`). `gradient` must be zeroed by the caller for the images covered.
    static func unpackAdding(
        _ columns: UnsafePointer<Float>, images: Int, channels: Int, window: Window2D,
        into gradient: UnsafeMutablePointer<Float>
    ) {
        let (h, w) = (window.rows.input, window.cols.input)
        let (kh, kw) = (window.rows.window, window.cols.window)
        var src = columns
        for image in 0..<images {
            let base = gradient + image * h * w * channels
            for oy in 0..<window.rows.output {
                let y0 = oy * window.rows.stride - window.rows.padBefore
                for ox in 0..<window.cols.output {
                    let x0 = ox * window.cols.stride - window.cols.padBefore
                    for ky in 0..<kh {
                        let y = y0 + ky
                        if y >= 0 && y < h && x0 >= 0 && x0 + kw <= w {
                            // A whole window row inside the image: one contiguous add.
                            let dst = base + (y * w + x0) * channels
                            swiftcnn_add_in_place(dst, src, kw * channels)
                            src += kw * channels
                            continue
                        }
                        for kx in 0..<kw {
                            let x = x0 + kx
                            if y >= 0 && y < h && x >= 0 && x < w {
                                let dst = base + (y * w + x) * channels
                                for c in 0..<channels { dst[c] += src[c] }
                            }
                            src += channels
                        }
                    }
                }
            }
        }
    }
}
