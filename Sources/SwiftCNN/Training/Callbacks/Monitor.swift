/// Which way a monitored value improves, as Keras's callback `mode`.
public enum MonitorMode: String, Sendable {
    /// Lower is better for `loss`; for a metric, as the metric says (``Metric/higherIsBetter``).
    case auto
    /// Lower is better.
    case min
    /// Higher is better.
    case max
}

/// Keras 3's `MonitorCallback`: compares a logged value with the best so far, after
/// `minDelta`, in the direction `mode` gives (resolved at the first epoch end, when the
/// model's metrics are known).
struct Monitor {
    let name: String
    let mode: MonitorMode
    private let delta: Double
    /// +1 when higher is better, −1 when lower is; nil until resolved.
    private var sign: Double?

    init(_ name: String, mode: MonitorMode, minDelta: Double) {
        self.name = name
        self.mode = mode
        self.delta = abs(minDelta)
    }

    /// Settles the direction: `auto` looks at the name (`loss`, `val_loss`) and the model's metrics.
    mutating func resolve(model: Model, callback: String) throws {
        guard sign == nil else { return }
        switch mode {
        case .min: sign = -1
        case .max: sign = 1
        case .auto:
            let metric = name.hasPrefix("val_") ? String(name.dropFirst(4)) : name
            if metric == "loss" { sign = -1 }
            if let higher = model.metrics.first(where: { $0.name == metric })?.higherIsBetter { sign = higher ? 1 : -1 }
            guard sign != nil else {
                throw SwiftCNNError(
                    "\(callback): cannot tell whether '\(name)' should be minimised or maximised; pass mode: .min or .max")
            }
        }
    }

    /// Keras's `_is_improvement`: `current − minDelta < reference` (min) or
    /// `current + minDelta > reference` (max); anything improves on no reference.
    func isImprovement(_ current: Double, over reference: Double?) -> Bool {
        guard let reference else { return true }
        let sign = self.sign ?? -1
        return sign > 0 ? current - delta > reference : current + delta < reference
    }
}
