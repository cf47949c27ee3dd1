"""Keras writes, SwiftCNN reads: `swiftcnn evaluate` on a checkpoint that tf.keras wrote
must give the accuracy (and loss) that Keras's own `evaluate` gives on the same images.

    venv/bin/python Tools/check_evaluate_interop.py /tmp/evaluate_interop [Baseline|ResNet18]
    .build/release/swiftcnn evaluate --model baseline --weights /tmp/evaluate_interop/Baseline.ckpt \
        --data ../shared/data/cifar-10-batches-bin

The script trains the course's Keras model for one epoch on 5,000 CIFAR-10 training images
(batch 32, Adam), saves it with `model.save_weights` (TF format, tf-keras 2 with
TF_USE_LEGACY_KERAS=1), and prints Keras's `evaluate` on all 10,000 test images.
"""
import json
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "bench"))
import keras_models  # noqa: E402

DATA = os.environ.get("CIFAR10", os.path.join(HERE, "..", "..", "shared", "data", "cifar-10-batches-bin"))


def load(name, limit=None):
    raw = np.fromfile(os.path.join(DATA, name), dtype=np.uint8).reshape(-1, 3073)[:limit]
    x = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32) / 255.0
    return x, raw[:, 0].astype(np.int64)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/evaluate_interop"
    name = sys.argv[2] if len(sys.argv) > 2 else "Baseline"
    os.makedirs(out, exist_ok=True)
    tf.keras.utils.set_random_seed(1)
    x, y = load("data_batch_1.bin", 5000)
    xt, yt = load("test_batch.bin")
    model = keras_models.MODELS[name]()
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["sparse_categorical_accuracy"])
    model.fit(x, y, batch_size=32, epochs=1, verbose=2)
    model.save_weights(os.path.join(out, f"{name}.ckpt"))
    loss, accuracy = model.evaluate(xt, yt, batch_size=32, verbose=0)
    print(json.dumps({"model": name, "tensorflow": tf.__version__, "keras_loss": loss, "keras_accuracy": accuracy,
                      "checkpoint": os.path.join(out, f"{name}.ckpt"), "test_images": int(len(yt))}))


if __name__ == "__main__":
    main()
