// weights.txt as the course writes it after training:
//
//   for v in model.trainable_variables:
//       file.write(str(v.name) + '\n')
//       file.write(str(v.shape) + '\n')
//       file.write(str(v.numpy()) + '\n')
//
// with np.set_printoptions(threshold=np.inf), i.e. every value printed.

/// The course's `weights.txt` format.
public enum WeightsText {
    /// The three-part record of one variable: its name (e.g.
    /// `baseline/conv2d/kernel:0`), its shape as TensorFlow prints a
    /// `TensorShape` (`(5, 5, 3, 6)`, `(6,)`, `()`), and numpy's `str()` of
    /// its values. Each part ends with a newline.
    public static func record(name: String, shape: [Int], values: [Float], style: NumpyPrintStyle = .numpy2) -> String {
        name + "\n" + shapeString(shape) + "\n" + NumpyFormat.arrayString(values, shape: shape, style: style) + "\n"
    }

    /// The whole file for variables in order.
    public static func text(
        _ variables: [(name: String, shape: [Int], values: [Float])], style: NumpyPrintStyle = .numpy2
    ) -> String {
        variables.map { record(name: $0.name, shape: $0.shape, values: $0.values, style: style) }.joined()
    }

    /// Writes the file atomically.
    public static func write(
        _ variables: [(name: String, shape: [Int], values: [Float])], to path: String,
        style: NumpyPrintStyle = .numpy2
    ) throws {
        try AtomicFile.write(Array(text(variables, style: style).utf8), to: path)
    }

    /// `str(tf.TensorShape(shape))`.
    public static func shapeString(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
