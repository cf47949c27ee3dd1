import Foundation

/// Keras's progress output for `fit`: `Epoch 1/5`, then
/// `1563/1563 [==============================] - 12s 8ms/step - loss: … - val_loss: …`.
/// On a terminal the bar redraws in place; into a pipe or file only the finished line
/// of each epoch is written.
public final class ProgressBar: Callback {
    private let interactive: Bool
    private let write: (String) -> Void
    private var steps = 0
    private var epochs = 0
    private var epochStart = Date()
    private var lastDraw = Date.distantPast

    /// A bar that redraws in place when `interactive` (a terminal) and writes through
    /// `write`.
    public init(interactive: Bool = isatty(STDOUT_FILENO) != 0, write: @escaping (String) -> Void = { text in
        // Through stdio, so lines stay in order with `print` when output goes to a pipe.
        print(text, terminator: "")
        fflush(nil)
    }) {
        self.interactive = interactive
        self.write = write
    }

    /// Remembers the epochs and steps to show.
    public func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) {
        (self.epochs, steps) = (epochs, stepsPerEpoch)
    }

    /// Prints `Epoch n/N` and starts the epoch's clock.
    public func onEpochBegin(_ epoch: Int, model: Model) {
        write("Epoch \(epoch + 1)/\(epochs)\n")
        epochStart = Date()
    }

    /// Redraws the bar (on a terminal, at most a few times a second).
    public func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) {
        guard interactive else { return }
        let now = Date()
        guard batch + 1 == steps || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        write("\r" + line(done: batch + 1, logs: logs, finished: false))
    }

    /// Prints the epoch's finished line with its time and logs.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) {
        write((interactive ? "\r" : "") + line(done: steps, logs: logs, finished: true) + "\n")
    }

    private func line(done: Int, logs: [String: Double], finished: Bool) -> String {
        let width = 30
        let filled = steps == 0 ? width : width * done / steps
        var bar = String(repeating: "=", count: max(filled - 1, 0))
        bar += done >= steps ? "=" : (filled > 0 ? ">" : "")
        bar += String(repeating: ".", count: max(width - bar.count, 0))
        let counter = String(repeating: " ", count: max(String(steps).count - String(done).count, 0)) + "\(done)/\(steps)"
        let elapsed = Date().timeIntervalSince(epochStart)
        let timing: String
        if finished || done >= steps {
            let perStep = elapsed / Double(max(done, 1))
            timing = "\(Int(elapsed.rounded()))s \(formatStepTime(perStep))/step"
        } else {
            let eta = elapsed / Double(max(done, 1)) * Double(steps - done)
            timing = "ETA: \(Int(eta.rounded()))s"
        }
        return "\(counter) [\(bar)] - \(timing)" + formatLogs(logs)
    }
}

/// ` - loss: 1.2345 - sparse_categorical_accuracy: 0.5000 …` in Keras's order:
/// training values first, then validation values.
func formatLogs(_ logs: [String: Double]) -> String {
    let keys = logs.keys.sorted { a, b in
        let (va, vb) = (a.hasPrefix("val_"), b.hasPrefix("val_"))
        if va != vb { return !va }
        let (ba, bb) = (va ? String(a.dropFirst(4)) : a, vb ? String(b.dropFirst(4)) : b)
        if (ba == "loss") != (bb == "loss") { return ba == "loss" }
        return ba < bb
    }
    return keys.map { " - \($0): \(String(format: "%.4f", logs[$0] ?? 0))" }.joined()
}

private func formatStepTime(_ seconds: Double) -> String {
    if seconds >= 1 { return "\(Int(seconds.rounded()))s" }
    if seconds >= 1e-3 { return "\(Int((seconds * 1e3).rounded()))ms" }
    return "\(Int((seconds * 1e6).rounded()))us"
}
