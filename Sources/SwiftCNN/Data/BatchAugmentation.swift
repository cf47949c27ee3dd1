/// A random transformation of a training batch, as Keras's `ImageDataGenerator.flow` applies
/// one to each batch before the step. The data producer calls it on every training batch
/// (never on validation or test data), off the training thread.
///
/// Reproducibility: the producer hands each batch a generator seeded from the run's seed,
/// the epoch and the step, so the draws depend only on those three and a resumed run draws
/// what an uninterrupted one would have.
public protocol BatchAugmentation: Sendable {
    /// Transforms `images` (`[N, H, W, C]`, values in the model's input scale) in place,
    /// drawing every random parameter from `generator`.
    func augment(_ images: inout Tensor, using generator: inout RandomGenerator) throws
}
