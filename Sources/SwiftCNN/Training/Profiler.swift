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

    /// A text table: milliseconds per layer, forward and backward, with each one's share.
    public func report(steps: Int = 1) -> String {
        let total = table.reduce(0) { $0 + $1.forward + $1.backward }
        var lines = [String(format: "%-40@ %10@ %10@ %7@", "layer" as NSString, "fwd ms" as NSString, "bwd ms" as NSString, "share" as NSString)]
        for row in table {
            let share = total > 0 ? (row.forward + row.backward) / total * 100 : 0
            lines.append(
                String(
                    format: "%-40@ %10.3f %10.3f %6.1f%%", row.name as NSString, row.forward * 1e3 / Double(steps),
                    row.backward * 1e3 / Double(steps), share))
        }
        lines.append(String(format: "%-40@ %10.3f ms per step", "total" as NSString, total * 1e3 / Double(steps)))
        return lines.joined(separator: "\n")
    }
}
