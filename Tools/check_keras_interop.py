"""Offline check, both directions, on the course's full-size models and 100
CIFAR-10 test images (every 100th record of test_batch.bin, which is grouped
by class), with tf.keras 2 (TF_USE_LEGACY_KERAS=1):

    D=/tmp/keras_interop
    python Tools/check_keras_interop.py write $D        # Keras trains briefly, saves, predicts
    SWIFTCNN_KERAS_INTEROP_DIR=$D swift test --filter kerasInterop
    python Tools/check_keras_interop.py read $D         # Keras loads SwiftCNN's checkpoints

`write`: for Baseline and ResNet18, trains one epoch on 2,000 training images
(batch 32, Adam), saves `<D>/<Model>/keras/<Model>.ckpt` with
model.save_weights, and stores its predicted probabilities.
The Swift test loads those checkpoints (and compares its own predictions),
then saves its own `<D>/<Model>/swift/<Model>.ckpt` from a differently
initialised model and stores its predictions.
`read`: builds the course model, `model.load_weights` on SwiftCNN's file, and
prints the largest |Keras - SwiftCNN| probability difference.

Keras 3 mode (a plain `pip install tensorflow`, Keras 3's `.weights.h5` and `.keras`):

    D=/tmp/keras3_interop
    python Tools/check_keras_interop.py write-keras3 $D
    SWIFTCNN_KERAS3_INTEROP_DIR=$D swift test --filter keras3Interop
    python Tools/check_keras_interop.py read-keras3 $D

`write-keras3`: all six course models, a Sequential CNN and a Functional CNN (a branch,
a skip, a shared layer, Add and Concatenate) train one epoch on 320 training images
with Keras 3, save `<D>/<Model>/keras/<Model>.weights.h5` (the Sequential and the
Functional also `<Model>.keras`) and store their predictions. Models named after the
directory limit both halves to them (and SWIFTCNN_KERAS3_INTEROP_MODELS=Functional the
Swift test):

    python Tools/check_keras_interop.py write-keras3 $D Functional The Swift test loads them,
compares, then writes `<D>/<Model>/swift/<Model>.weights.h5` and `<Model>.keras` from a
differently initialised model after two Adam steps. `read-keras3`: Keras 3's
`load_weights` and `keras.models.load_model` (the course classes as custom_objects) open
SwiftCNN's files; it prints the largest probability difference and whether Adam's
restored variables equal SwiftCNN's.
"""
import json
import os
import sys

KERAS3 = len(sys.argv) > 1 and sys.argv[1].endswith("-keras3")
if not KERAS3:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, "/work/shared/reference")
import keras_models  # noqa: E402

DATA = "/work/shared/data/cifar-10-batches-bin"
MODELS = ["Baseline", "ResNet18"]


def records(path, indices):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)[indices]
    x = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32) / 255.0
    return x, raw[:, 0].astype(np.int64)


def probe():
    return records(os.path.join(DATA, "test_batch.bin"), np.arange(0, 10000, 100))


def write(directory):
    x_train, y_train = records(os.path.join(DATA, "data_batch_1.bin"), np.arange(2000))
    x, _ = probe()
    for name in MODELS:
        tf.keras.backend.clear_session()
        tf.keras.utils.set_random_seed(0)
        model = getattr(keras_models, name)()
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                      metrics=["sparse_categorical_accuracy"])
        model.fit(x_train, y_train, batch_size=32, epochs=1, verbose=0)
        d = os.path.join(directory, name, "keras")
        os.makedirs(d, exist_ok=True)
        model.save_weights(os.path.join(d, name + ".ckpt"))
        probs = model.predict(x, verbose=0)
        json.dump({"probabilities": probs.reshape(-1).tolist()}, open(os.path.join(d, "predictions.json"), "w"))
        print(f"{name}: Keras trained and saved; probe accuracy "
              f"{(probs.argmax(1) == probe()[1]).mean():.2f}")


def read(directory):
    x, _ = probe()
    for name in MODELS:
        tf.keras.backend.clear_session()
        model = getattr(keras_models, name)()
        prefix = os.path.join(directory, name, "swift", name + ".ckpt")
        model.load_weights(prefix).assert_existing_objects_matched()
        probs = model.predict(x, verbose=0)
        swift = np.array(json.load(open(os.path.join(directory, name, "swift", "predictions.json")))["probabilities"],
                         np.float32).reshape(probs.shape)
        print(f"{name}: Keras load_weights(SwiftCNN checkpoint) on 100 CIFAR-10 test images: "
              f"max |p_keras - p_swift| = {np.abs(probs - swift).max():.3g}, "
              f"argmax agreement {(probs.argmax(1) == swift.argmax(1)).mean():.2f}")
        # Optimizer state: SwiftCNN took two Adam steps before saving.
        tf.keras.backend.clear_session()
        trained = getattr(keras_models, name)()
        trained.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        trained(x[:1])
        trained.optimizer.build(trained.trainable_variables)
        trained.load_weights(prefix).assert_consumed()
        reader = tf.train.load_checkpoint(prefix)
        same = all(np.array_equal(v.numpy(), reader.get_tensor(f"optimizer/_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE"))
                   for i, v in enumerate(trained.optimizer.variables) if i > 0)
        print(f"{name}: Keras Adam restored from SwiftCNN: iterations={int(trained.optimizer.iterations.numpy())}, "
              f"{len(trained.optimizer.variables) - 1} slot variables {'equal' if same else 'DIFFER'}, assert_consumed OK")
        # The course's weights.txt loop on the loaded model vs SwiftCNN's file.
        np.set_printoptions(threshold=np.inf)
        text = "".join(str(v.name) + "\n" + str(v.shape) + "\n" + str(v.numpy()) + "\n"
                       for v in model.trainable_variables)
        ours = open(os.path.join(directory, name, "swift", "weights.txt")).read()
        print(f"{name}: weights.txt ({len(text)} bytes) "
              f"{'identical to' if text == ours else 'DIFFERS from'} the course loop's output")


KERAS3_MODELS = ["Baseline", "LeNet5", "AlexNet8", "VGG16", "Inception10", "ResNet18", "Sequential", "Functional"]
COURSE_MODELS = KERAS3_MODELS[:6]


def keras3_models():
    """The models named after the directory (`read-keras3 $D Functional`), else all."""
    return sys.argv[3:] or KERAS3_MODELS


def keras3_model(name):
    import keras
    if name == "Functional":
        # A branch, a skip, a layer shared by two calls, Add and Concatenate; the Swift
        # half builds the same graph (Keras3InteropOfflineTests.functional()).
        from keras import layers
        inputs = keras.Input((32, 32, 3), name="image")
        x = layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
        x = layers.BatchNormalization()(x)
        a = layers.Activation("relu")(x)
        b = layers.Conv2D(8, 1, activation="relu")(a)
        c = layers.Conv2D(8, 3, padding="same")(a)
        shared = layers.Conv2D(8, 1, name="shared")
        s = layers.Add()([shared(b), shared(c), a])
        x = layers.Concatenate()([s, a])
        x = layers.MaxPool2D(2, 2)(x)
        x = layers.Conv2D(16, 3, strides=2, activation="relu")(x)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x), name="functional")
    if name == "Sequential":
        from keras import layers
        return keras.Sequential([
            keras.Input((32, 32, 3)),
            layers.Conv2D(8, 3, padding="same", use_bias=False), layers.BatchNormalization(),
            layers.Activation("relu"), layers.MaxPool2D(2, 2, padding="same"), layers.Dropout(0.2),
            layers.Conv2D(16, 5, strides=2, activation="relu"), layers.AveragePooling2D(2),
            layers.Flatten(), layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax"),
        ], name="sequential")
    model = getattr(keras_models, name)()
    model(np.zeros((1, 32, 32, 3), np.float32))
    return model


def write_keras3(directory):
    import keras
    x_train, y_train = records(os.path.join(DATA, "data_batch_1.bin"), np.arange(320))
    x, _ = probe()
    for name in keras3_models():
        keras.utils.set_random_seed(0)
        model = keras3_model(name)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
        model.fit(x_train, y_train, batch_size=32, epochs=1, verbose=0)
        d = os.path.join(directory, name, "keras")
        os.makedirs(d, exist_ok=True)
        model.save_weights(os.path.join(d, name + ".weights.h5"))
        if name in ("Sequential", "Functional"):
            model.save(os.path.join(d, name + ".keras"))
        probs = model.predict(x, verbose=0)
        json.dump({"probabilities": probs.reshape(-1).tolist()}, open(os.path.join(d, "predictions.json"), "w"))
        print(f"{name}: Keras 3 trained and saved; probe accuracy {(probs.argmax(1) == probe()[1]).mean():.2f}")


def read_keras3(directory):
    import h5py
    import keras
    x, _ = probe()
    custom = {name: getattr(keras_models, name) for name in COURSE_MODELS}
    custom.update(ConvBNRelu=keras_models.ConvBNRelu, InceptionBlk=keras_models.InceptionBlk,
                  ResnetBlock=keras_models.ResnetBlock)
    for name in keras3_models():
        d = os.path.join(directory, name, "swift")
        swift = np.array(json.load(open(os.path.join(d, "predictions.json")))["probabilities"], np.float32)
        path = os.path.join(d, name + ".weights.h5")
        model = keras3_model(name)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.optimizer.build(model.trainable_variables)
        model.load_weights(path)
        probs = model.predict(x, verbose=0)
        with h5py.File(path) as f:
            stored = [f[f"optimizer/vars/{i}"][()] for i in range(len(f["optimizer/vars"]))]
        same = len(stored) == len(model.optimizer.variables) and all(
            np.array_equal(v.numpy(), s) for v, s in zip(model.optimizer.variables, stored))
        print(f"{name}: Keras 3 load_weights(SwiftCNN .weights.h5): max |p_keras - p_swift| = "
              f"{np.abs(probs.reshape(-1) - swift).max():.3g}, argmax agreement "
              f"{(probs.argmax(1) == swift.reshape(probs.shape).argmax(1)).mean():.2f}; Adam restored: "
              f"iterations={int(model.optimizer.iterations.numpy())}, "
              f"{len(stored) - 2} slots {'equal' if same else 'DIFFER'}")
        loaded = keras.models.load_model(os.path.join(d, name + ".keras"), custom_objects=custom)
        probs = loaded.predict(x, verbose=0)
        print(f"{name}: Keras 3 load_model(SwiftCNN .keras) -> {type(loaded).__name__}: max |p_keras - p_swift| = "
              f"{np.abs(probs.reshape(-1) - swift).max():.3g}")


if __name__ == "__main__":
    {"write": write, "read": read, "write-keras3": write_keras3,
     "read-keras3": read_keras3}[sys.argv[1]](sys.argv[2])
