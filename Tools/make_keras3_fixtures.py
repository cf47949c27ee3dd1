"""Writes the Keras 3 fixtures of Tests/SwiftCNNTests/Fixtures/checkpoints/keras3 with
Keras 3 itself (keras 3.15, TensorFlow 2.21; run with the venv's python):

    /work/venv/bin/python Tools/make_keras3_fixtures.py Tests/SwiftCNNTests/Fixtures/checkpoints/keras3

For each small model, trained for two Adam steps (so the files carry optimizer state and
batch-norm statistics that are not the initial ones):
  <name>.weights.h5   model.save_weights (Keras 3's layout)
  <name>.keras        model.save (config.json + model.weights.h5 in a zip)
  <name>.input.npy    a float32 batch of inputs
  <name>.expected.npy model.predict on it (inference mode)

The models cover every layer SwiftCNN builds from a .keras config: a Sequential of
Conv2D (same/valid, strides, use_bias, activation), BatchNormalization (momentum,
epsilon), Activation, MaxPooling2D, AveragePooling2D, Dropout, Flatten, Dense and
GlobalAveragePooling2D; the course's subclassed Inception10 and ResNet18 at small sizes
(nested Sequential, layers reached through `model.layers`, an optional branch); and a
subclassed model with a list of lists (VGG16's `convs` shape), as `ListsModel` below; and
a Functional model (`functional` below: a branch, a skip, a layer shared by two calls, Add
and Concatenate). Name models after the directory to write only those:

    /work/venv/bin/python Tools/make_keras3_fixtures.py Tests/SwiftCNNTests/Fixtures/checkpoints/keras3 functional
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference"))
sys.path.insert(0, "/work/shared/reference")
import keras_models  # noqa: E402


@keras.saving.register_keras_serializable(package="SwiftCNNFixtures")
class ListsModel(keras.Model):
    """A subclassed model whose layers sit in a list of lists, as VGG16's `convs`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.convs = [[layers.Conv2D(4, 3, padding="same"), layers.BatchNormalization(), layers.Activation("relu")],
                      [layers.Conv2D(4, 3, padding="same"), layers.MaxPool2D(2, 2, padding="same"),
                       layers.Dropout(0.2)]]
        self.flatten = layers.Flatten()
        self.f1 = layers.Dense(5, activation="softmax")

    def call(self, x, training=None):
        for block in self.convs:
            for layer in block:
                x = layer(x)
        return self.f1(self.flatten(x))


def sequential():
    return keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.Conv2D(4, (3, 3), strides=(1, 1), padding="same", use_bias=True, activation="relu"),
        layers.BatchNormalization(momentum=0.9, epsilon=1e-3),
        layers.Activation("tanh"),
        layers.MaxPool2D(pool_size=(2, 2), strides=(2, 2), padding="same"),
        layers.Conv2D(5, (3, 2), strides=(2, 1), padding="valid", use_bias=False),
        layers.BatchNormalization(momentum=0.99, epsilon=1e-5),
        layers.Activation("sigmoid"),
        layers.AveragePooling2D(pool_size=(1, 2), strides=(1, 1), padding="valid"),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(6, activation="relu"),
        layers.Dense(3, activation="softmax", use_bias=False),
    ], name="sequential")


def global_pooling():
    return keras.Sequential([
        keras.Input((6, 6, 2)),
        layers.Conv2D(3, 3, padding="same", activation="linear"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation="softmax"),
    ], name="global_pooling")


def functional():
    """A Functional model with a branch, a skip, a shared layer, Add and Concatenate."""
    inputs = keras.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization(momentum=0.9)(x)
    a = layers.Activation("relu")(x)
    b = layers.Conv2D(4, 1, padding="same", activation="relu")(a)
    c = layers.Conv2D(4, 3, padding="same")(a)
    shared = layers.Conv2D(4, 1, padding="same", name="shared")
    s = layers.Add()([shared(b), shared(c), a])
    x = layers.Concatenate(axis=-1)([s, a])
    x = layers.MaxPool2D(2, 2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="functional_fixture")


MODELS = {
    "sequential": (sequential, (8, 8, 3)),
    "global_pooling": (global_pooling, (6, 6, 2)),
    "inception10": (lambda: keras_models.Inception10(num_blocks=1, num_classes=3, init_ch=2), (8, 8, 3)),
    "resnet18": (lambda: keras_models.ResNet18(block_list=[1, 1], initial_filters=2), (8, 8, 3)),
    "lists": (ListsModel, (6, 6, 3)),
    "functional": (functional, (8, 8, 3)),
}


def main(directory, only=None):
    os.makedirs(directory, exist_ok=True)
    for name, (make, shape) in MODELS.items():
        if only and name not in only:
            continue
        keras.utils.set_random_seed(0)
        model = make()
        rng = np.random.default_rng(1)
        x = rng.random((4,) + shape, dtype=np.float32)
        model(x[:1])
        y = np.arange(4) % model(x[:1]).shape[-1]
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False)
        model.save_weights(os.path.join(directory, name + ".weights.h5"))
        model.save(os.path.join(directory, name + ".keras"))
        np.save(os.path.join(directory, name + ".input.npy"), x)
        np.save(os.path.join(directory, name + ".expected.npy"), model.predict(x, verbose=0).astype(np.float32))
        print(name, "iterations", int(model.optimizer.iterations.numpy()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
