import Foundation

/// Per-layer time of forward and backward passes, for finding what dominates a step.
///
/// ```swift
/// let profiler = Profiler()
/// try observing(profiler) { try model.trainStep(x, y) }
/// print(profiler.report())
/// ```
/// Forward time is exclusive (a model's row excludes its layers' own rows); backward time
/// is that of the ops each layer recorded.
public final class Profiler: ExecutionObserver, @unchecked Sendable {
    /// One layer's totals.
    public struct Row: Sendable {
        /// The layer's display name.
        public var name: String
        /// Seconds in its forward passes, its layers' own time excluded.
        public var forward: Double = 0
        /// Seconds in the backward rules its forward passes recorded.
        public var backward: Double = 0
        /// Forward calls timed.
        public var calls = 0
    }

    private var rows: [String: Row] = [:]
    private var order: [String] = []
    private var stack: [(name: String, start: UInt64, children: UInt64)] = []

    /// An empty profiler; pass it to ``observing(_:_:)`` to time a step.
    public init() {}

    /// The innermost layer being run, which labels the ops it records.
    public var currentLabel: String? { stack.last?.name }

    public func layerWillRun(_ name: String) {
        stack.append((name, DispatchTime.now().uptimeNanoseconds, 0))
    }

    public func layerDidRun() {
        guard let top = stack.popLast() else { return }
        let elapsed = DispatchTime.now().uptimeNanoseconds - top.start
        update(top.name) {
            $0.forward += Double(elapsed - min(top.children, elapsed)) / 1e9
            $0.calls += 1
        }
        if !stack.isEmpty { stack[stack.count - 1].children += elapsed }
    }

    public func backwardDidRun(label: String, seconds: Double) { update(label) { $0.backward += seconds } }

    private func update(_ name: String, _ body: (inout Row) -> Void) {
        if rows[name] == nil {
            rows[name] = Row(name: name)
            order.append(name)
        }
        body(&rows[name]!)
    }

    /// Rows in first-call order.
    public var table: [Row] { order.compactMap { rows[$0] } }

    /// The floating-point work of one layer in one step, for ``report(steps:work:peakGFLOPs:)``.
    public struct Work: Sendable {
        /// FLOPs of its forward passes in one step.
        public var forward: Double
        /// FLOPs of its backward rules in one step.
        public var backward: Double
        /// A layer's work from its FLOPs per image (``LayerAnalysis/flops``): a weighted
        /// layer's backward pass computes the kernel gradient and, unless it is the first
        /// layer (whose input needs no gradient), the input gradient, each as much work as
        /// the forward pass.
        public init(flopsPerImage: Int, images: Int, needsInputGradient: Bool) {
            forward = Double(flopsPerImage) * Double(images)
            backward = forward * (needsInputGradient ? 2 : 1)
        }
    }

    /// A text table: milliseconds per layer, forward and backward, with each one's share.
    /// With `work` (keyed by display name), the layers it names also get GFLOP/s forward
    /// and backward, and with `peakGFLOPs` (the machine's FMA peak, `Tools/peak`) the
    /// share of that peak their forward and backward passes reach together.
    public func report(steps: Int = 1, work: [String: Work] = [:], peakGFLOPs: Double? = nil) -> String {
        let total = table.reduce(0) { $0 + $1.forward + $1.backward }
        let width = max(40, table.map(\.name.count).max() ?? 0)
        func cell(_ text: String, _ width: Int, left: Bool = false) -> String {
            let pad = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + pad : pad + text
        }
        var header = cell("layer", width, left: true) + cell("fwd ms", 11) + cell("bwd ms", 11) + cell("share", 8)
        if !work.isEmpty { header += cell("fwd GFLOP/s", 13) + cell("bwd GFLOP/s", 13) }
        if !work.isEmpty, peakGFLOPs != nil { header += cell("of peak", 9) }
        var lines = [header]
        for row in table {
            let share = total > 0 ? (row.forward + row.backward) / total * 100 : 0
            var line = cell(row.name, width, left: true)
                + cell(String(format: "%.3f", row.forward * 1e3 / Double(steps)), 11)
                + cell(String(format: "%.3f", row.backward * 1e3 / Double(steps)), 11)
                + cell(String(format: "%.1f%%", share), 8)
            if let w = work[row.name], w.forward > 0 {
                func rate(_ flops: Double, _ seconds: Double) -> String {
                    seconds > 0 ? String(format: "%.1f", flops * Double(steps) / seconds / 1e9) : "-"
                }
                line += cell(rate(w.forward, row.forward), 13) + cell(rate(w.backward, row.backward), 13)
                if let peakGFLOPs, row.forward + row.backward > 0 {
                    let achieved = (w.forward + w.backward) * Double(steps) / (row.forward + row.backward) / 1e9
                    line += cell(String(format: "%.0f%%", achieved / peakGFLOPs * 100), 9)
                }
            }
            lines.append(line)
        }
        lines.append(cell("total", width, left: true) + cell(String(format: "%.3f", total * 1e3 / Double(steps)), 11) + " ms per step")
        return lines.joined(separator: "\n")
    }
}
