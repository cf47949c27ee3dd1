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
"""
import json
import os
import sys

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


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
