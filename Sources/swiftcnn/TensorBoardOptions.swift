import ArgumentParser
import SwiftCNN

/// `swiftcnn train --tensorboard DIR`: Keras's TensorBoard callback.
struct TensorBoardOptions: ParsableArguments {
    @Option(
        help: "Write TensorBoard event files to DIR/train and DIR/validation (view with: tensorboard --logdir DIR).")
    var tensorboard: String?

    @Option(parsing: .unconditional, help: "With --tensorboard: a histogram of every weight each N epochs (0: none).")
    var histogramFreq: Int = 0

    @Option(help: "With --tensorboard: 'epoch', or 'batch' or N to add batch-level scalars every N steps.")
    var updateFreq: String = "epoch"

    /// The TensorBoard callback the options ask for (none without --tensorboard).
    func callbacks() throws -> [Callback] {
        guard let tensorboard else {
            if histogramFreq != 0 || updateFreq != "epoch" {
                throw SwiftCNNError("--histogram-freq and --update-freq need --tensorboard DIR")
            }
            return []
        }
        guard histogramFreq >= 0 else {
            throw SwiftCNNError("--histogram-freq must be 0 or a positive whole number, got \(histogramFreq)")
        }
        let frequency: TensorBoard.UpdateFrequency
        switch updateFreq {
        case "epoch": frequency = .epoch
        case "batch": frequency = .batches(1)
        default:
            guard let n = Int(updateFreq), n > 0 else {
                throw SwiftCNNError(
                    "--update-freq must be 'epoch', 'batch' or a positive whole number, got '\(updateFreq)'")
            }
            frequency = .batches(n)
        }
        return [try TensorBoard(logDir: tensorboard, histogramFreq: histogramFreq, updateFreq: frequency)]
    }
}
