import Foundation

// The summaries tf.summary (TensorFlow 2) writes and Keras's TensorBoard callback
// uses: every value is a tensor with the reading plugin named in its metadata.
// A scalar is a float32 tensor of shape [] (plugin "scalars"); a histogram is a float64
// tensor [buckets, 3] of (left edge, right edge, count) rows (plugin "histograms"),
// bucketed as tensorboard/plugins/histogram/summary_v2.py's `_buckets` does.

enum Summaries {
    /// TensorBoard's default number of histogram buckets.
    static let histogramBuckets = 30

    /// An event holding one scalar.
    static func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double = Date().timeIntervalSince1970)
        -> Tensorflow_Event
    {
        var tensor = Tensorflow_TensorProto()
        tensor.dtype = .dtFloat
        tensor.tensorShape = Tensorflow_TensorShapeProto()
        withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { tensor.tensorContent = Data($0) }
        return event(tag, tensor, plugin: "scalars", step: step, wallTime: wallTime)
    }

    /// An event holding a histogram of `values`.
    static func histogram(
        _ tag: String, _ values: UnsafeBufferPointer<Float>, step: Int, wallTime: Double = Date().timeIntervalSince1970
    ) -> Tensorflow_Event {
        let rows = buckets(values, count: histogramBuckets)
        var tensor = Tensorflow_TensorProto()
        tensor.dtype = .dtDouble
        var shape = Tensorflow_TensorShapeProto()
        for size in [rows.count / 3, 3] {
            var dim = Tensorflow_TensorShapeProto.Dim()
            dim.size = Int64(size)
            shape.dim.append(dim)
        }
        tensor.tensorShape = shape
        tensor.tensorContent = rows.withUnsafeBufferPointer { buffer in
            Data(buffer.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) })
        }
        return event(tag, tensor, plugin: "histograms", step: step, wallTime: wallTime)
    }

    /// `count` rows of (left edge, right edge, count), flattened: equal-width buckets from
    /// the minimum to the maximum, the maximum counted in the last; all values in the
    /// last bucket (edges at the value) when they are equal; zeros when there are none.
    /// Non-finite values (a diverged weight) are left out rather than trapping.
    static func buckets(_ values: UnsafeBufferPointer<Float>, count: Int) -> [Double] {
        var rows = [Double](repeating: 0, count: count * 3)
        var low = Double.infinity
        var high = -Double.infinity
        var finite = 0
        for value in values where value.isFinite {
            low = min(low, Double(value))
            high = max(high, Double(value))
            finite += 1
        }
        guard finite > 0, count > 0 else { return rows }
        let range = high - low
        if range == 0 {
            for i in 0..<count { (rows[3 * i], rows[3 * i + 1]) = (high, high) }
            rows[3 * (count - 1) + 2] = Double(finite)
            return rows
        }
        let width = range / Double(count)
        for value in values where value.isFinite {
            let index = min(Int(((Double(value) - low) / width).rounded(.down)), count - 1)
            rows[3 * index + 2] += 1
        }
        for i in 0..<count {
            rows[3 * i] = low + Double(i) * width
            rows[3 * i + 1] = i == count - 1 ? high : low + Double(i + 1) * width
        }
        return rows
    }

    private static func event(
        _ tag: String, _ tensor: Tensorflow_TensorProto, plugin: String, step: Int, wallTime: Double
    ) -> Tensorflow_Event {
        var value = Tensorflow_Summary.Value()
        value.tag = tag
        value.tensor = tensor
        value.metadata.pluginData.pluginName = plugin
        var event = Tensorflow_Event()
        event.wallTime = wallTime
        event.step = Int64(step)
        event.summary.value = [value]
        return event
    }
}
