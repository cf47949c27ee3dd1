import Foundation

/// The course's figure after `fit`: two panels side by side, "Training and Validation
/// Accuracy" and "Training and Validation Loss", each with the training curve (blue) and the
/// validation curve (orange) per epoch, tick labels and a legend, as matplotlib draws it.
///
/// ```swift
/// try TrainingCurves.write(history: history, to: "curves.png")
/// ```
public enum TrainingCurves {
    /// One curve to draw: its legend label, values per epoch and color.
    struct Series {
        var label: String
        var values: [Double]
        var color: RGB
    }

    /// Renders the figure (default 1000×400).
    /// - Parameters:
    ///   - history: `loss`, `sparse_categorical_accuracy`, `val_loss`,
    ///     `val_sparse_categorical_accuracy` (or `accuracy`/`val_accuracy`), one value per epoch.
    ///   - width: the image's width in pixels.
    ///   - height: the image's height in pixels.
    /// - Throws: when the history has no accuracy or loss values, or the size is too small.
    public static func render(history: [String: [Double]], width: Int = 1000, height: Int = 400)
        throws -> Canvas
    {
        guard width >= 300, height >= 150, width <= 8000, height <= 8000 else {
            throw SwiftCNNError("curves: size \(width)×\(height) is outside 300×150 … 8000×8000")
        }
        let acc = history["sparse_categorical_accuracy"] ?? history["accuracy"] ?? []
        let valAcc = history["val_sparse_categorical_accuracy"] ?? history["val_accuracy"] ?? []
        let loss = history["loss"] ?? []
        let valLoss = history["val_loss"] ?? []
        guard !(acc.isEmpty && valAcc.isEmpty && loss.isEmpty && valLoss.isEmpty) else {
            throw SwiftCNNError("curves: the history holds no loss or accuracy values")
        }
        var canvas = Canvas(width: width, height: height)
        let half = width / 2
        drawPanel(
            &canvas, frame: (0, 0, half, height), title: "Training and Validation Accuracy",
            series: [
                Series(label: "Training Accuracy", values: acc, color: .matplotlibBlue),
                Series(label: "Validation Accuracy", values: valAcc, color: .matplotlibOrange),
            ])
        drawPanel(
            &canvas, frame: (half, 0, width - half, height), title: "Training and Validation Loss",
            series: [
                Series(label: "Training Loss", values: loss, color: .matplotlibBlue),
                Series(label: "Validation Loss", values: valLoss, color: .matplotlibOrange),
            ])
        return canvas
    }

    /// Renders the figure and writes it as a PNG, atomically.
    public static func write(
        history: [String: [Double]], to path: String, width: Int = 1000, height: Int = 400
    )
        throws
    {
        let canvas: Canvas
        do { canvas = try render(history: history, width: width, height: height) } catch let error
            as SwiftCNNError
        {
            throw SwiftCNNError("\(path): \(error.message)")
        }
        try PNG.write(canvas.image, to: path)
    }

    static func drawPanel(
        _ canvas: inout Canvas, frame: (x: Int, y: Int, w: Int, h: Int), title: String, series: [Series]
    ) {
        let scale = frame.h >= 300 ? 2 : 1
        let charH = Canvas.textHeight(scale: scale)
        let left = frame.x + 12 * scale + Canvas.textWidth("0.000", scale: scale)
        let right = frame.x + frame.w - 12 * scale
        let top = frame.y + 10 * scale + charH + 8 * scale
        let bottom = frame.y + frame.h - (charH * 2 + 16 * scale)
        guard right - left > 20, bottom - top > 20 else { return }

        // Title, centred over the axes.
        let titleX = (left + right - Canvas.textWidth(title, scale: scale)) / 2
        canvas.text(title, x: titleX, y: frame.y + 8 * scale, color: .black, scale: scale)

        let finite = series.flatMap(\.values).filter(\.isFinite)
        let epochs = max(1, series.map(\.values.count).max() ?? 1)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if high - low < 1e-9 {
            low -= 0.05 * max(1, abs(low))
            high += 0.05 * max(1, abs(high))
        }
        let pad = (high - low) * 0.05
        low -= pad
        high += pad
        // x: epochs 1…n spread over the axes with matplotlib's 5 % margins.
        func px(_ epoch: Int) -> Int {
            if epochs == 1 { return (left + right) / 2 }
            let t = (Double(epoch) + 0.05 * Double(epochs - 1)) / (Double(epochs - 1) * 1.1)
            return left + Int((t * Double(right - left)).rounded())
        }
        func py(_ value: Double) -> Int {
            bottom - Int(((value - low) / (high - low) * Double(bottom - top)).rounded())
        }

        // Grid-free axes: y ticks at "nice" steps, x ticks at epochs.
        let step = niceStep((high - low) / 5)
        let decimals = max(0, min(4, Int(-floor(log10(step)))))
        var tick = (low / step).rounded(.up) * step
        while tick <= high + step * 1e-9 {
            let y = py(tick)
            canvas.fillRect(x: left - 4 * scale, y: y, width: 4 * scale, height: 1, color: .black)
            let label = String(format: "%.\(decimals)f", tick)
            canvas.text(
                label, x: left - 6 * scale - Canvas.textWidth(label, scale: scale), y: y - charH / 2,
                color: .black,
                scale: scale)
            tick += step
        }
        let maxLabels = max(1, (right - left) / (Canvas.textWidth("000", scale: scale) + 8 * scale))
        let every = max(1, Int((Double(epochs) / Double(maxLabels)).rounded(.up)))
        for epoch in stride(from: 0, to: epochs, by: every) {
            let x = px(epoch)
            canvas.fillRect(x: x, y: bottom, width: 1, height: 4 * scale, color: .black)
            let label = "\(epoch + 1)"
            canvas.text(
                label, x: x - Canvas.textWidth(label, scale: scale) / 2, y: bottom + 6 * scale,
                color: .black,
                scale: scale)
        }
        let axisLabel = "epoch"
        canvas.text(
            axisLabel, x: (left + right - Canvas.textWidth(axisLabel, scale: scale)) / 2,
            y: bottom + 6 * scale + charH + 4 * scale, color: .black, scale: scale)

        // Curves, with a small marker on each epoch so a one-epoch run still shows.
        for s in series {
            var previous: (Int, Int)?
            for (epoch, value) in s.values.enumerated() {
                guard value.isFinite else {
                    previous = nil
                    continue
                }
                let point = (px(epoch), py(value))
                if let p = previous {
                    canvas.line(
                        x0: p.0, y0: p.1, x1: point.0, y1: point.1, color: s.color, thickness: scale + 1)
                }
                canvas.fillRect(
                    x: point.0 - 2 * scale, y: point.1 - 2 * scale, width: 4 * scale + 1,
                    height: 4 * scale + 1, color: s.color)
                previous = point
            }
        }
        canvas.strokeRect(
            x: left, y: top, width: right - left + 1, height: bottom - top + 1, color: .black)

        // Legend in the corner that covers the fewest points.
        let shown = series.filter { !$0.values.isEmpty }
        guard !shown.isEmpty else { return }
        let lineW = 20 * scale
        let boxW =
            lineW + 12 * scale + (shown.map { Canvas.textWidth($0.label, scale: scale) }.max() ?? 0)
        let rowH = charH + 6 * scale
        let boxH = rowH * shown.count + 6 * scale
        let margin = 8 * scale
        let corners = [
            (right - margin - boxW, bottom - margin - boxH), (right - margin - boxW, top + margin),
            (left + margin, bottom - margin - boxH), (left + margin, top + margin),
        ]
        var points: [(x: Int, y: Int)] = []
        for s in series {
            for (epoch, value) in s.values.enumerated() where value.isFinite {
                points.append((px(epoch), py(value)))
            }
        }
        func covered(_ c: (Int, Int)) -> Int {
            var n = 0
            for p in points
            where p.x >= c.0 - 4 && p.x <= c.0 + boxW + 4 && p.y >= c.1 - 4 && p.y <= c.1 + boxH + 4 {
                n += 1
            }
            return n
        }
        let corner = corners.min { covered($0) < covered($1) } ?? corners[0]
        canvas.fillRect(x: corner.0, y: corner.1, width: boxW, height: boxH, color: .white)
        canvas.strokeRect(x: corner.0, y: corner.1, width: boxW, height: boxH, color: .gray)
        for (row, s) in shown.enumerated() {
            let y = corner.1 + 6 * scale + row * rowH
            canvas.fillRect(
                x: corner.0 + 4 * scale, y: y + charH / 2 - scale / 2, width: lineW, height: scale + 1,
                color: s.color)
            canvas.text(s.label, x: corner.0 + 8 * scale + lineW, y: y, color: .black, scale: scale)
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, floor(log10(raw)))
        for m in [1.0, 2.0, 5.0, 10.0] where m * power >= raw { return m * power }
        return 10 * power
    }
}
