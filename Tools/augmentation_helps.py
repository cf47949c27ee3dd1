#!/usr/bin/env python3
"""Does the course's augmentation help? Baseline on CIFAR-10 for E epochs (batch 32, Adam),
with and without the course's ImageDataGenerator settings (rotation 45, shifts 0.15,
zoom 0.5, horizontal flip), test accuracy per epoch: Keras here, and SwiftCNN through its
own binary with the same flags.

    /work/venv/bin/python Tools/augmentation_helps.py --data ../shared/data/cifar-10-batches-bin \
        [--epochs 5] [--binary .build/release/swiftcnn] [--keras] [--swift] [--work DIR]
"""
import argparse
import csv
import os
import subprocess
import sys

FLAGS = ["--rotation-range", "45", "--width-shift-range", "0.15", "--height-shift-range", "0.15",
         "--zoom-range", "0.5", "--horizontal-flip"]


def cifar(folder):
    import numpy as np
    def read(names):
        raw = np.concatenate([np.fromfile(os.path.join(folder, n), dtype=np.uint8).reshape(-1, 3073) for n in names])
        x = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float32") / 255.0
        return x, raw[:, 0].astype("int64")
    return read([f"data_batch_{i}.bin" for i in range(1, 6)]), read(["test_batch.bin"])


def keras_run(data, epochs, augment):
    import numpy as np
    import tensorflow as tf
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "bench"))
    from keras_models import build
    from keras.src.legacy.preprocessing.image import ImageDataGenerator
    (x, y), (xt, yt) = cifar(data)
    tf.keras.utils.set_random_seed(0)
    model = build("Baseline")
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["sparse_categorical_accuracy"])
    if augment:
        generator = ImageDataGenerator(rotation_range=45, width_shift_range=0.15, height_shift_range=0.15,
                                       horizontal_flip=True, zoom_range=0.5)
        generator.fit(x)
        history = model.fit(generator.flow(x, y, batch_size=32), epochs=epochs, validation_data=(xt, yt), verbose=2)
    else:
        history = model.fit(x, y, batch_size=32, epochs=epochs, validation_data=(xt, yt), verbose=2)
    return history.history["val_sparse_categorical_accuracy"]


def swift_run(binary, data, epochs, augment, work):
    folder = os.path.join(work, "augmented" if augment else "plain")
    os.makedirs(folder, exist_ok=True)
    command = [binary, "train", "--model", "baseline", "--data", data, "--epochs", str(epochs), "--fresh",
               "--checkpoint", os.path.join(folder, "ckpt"), "--weights-txt", os.path.join(folder, "weights.txt"),
               "--curves", os.path.join(folder, "curves.png"), "--history", os.path.join(folder, "history.csv")]
    subprocess.run(command + (FLAGS if augment else []), check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(folder, "history.csv")) as f:
        return [float(row["val_sparse_categorical_accuracy"]) for row in csv.DictReader(f)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--binary", default=".build/release/swiftcnn")
    p.add_argument("--work", default="/tmp/augmentation_helps")
    p.add_argument("--keras", action="store_true")
    p.add_argument("--swift", action="store_true")
    a = p.parse_args()
    runs = []
    if a.swift or not a.keras:
        runs += [("SwiftCNN", False, lambda: swift_run(a.binary, a.data, a.epochs, False, a.work)),
                 ("SwiftCNN", True, lambda: swift_run(a.binary, a.data, a.epochs, True, a.work))]
    if a.keras or not a.swift:
        runs += [("Keras", False, lambda: keras_run(a.data, a.epochs, False)),
                 ("Keras", True, lambda: keras_run(a.data, a.epochs, True))]
    for name, augment, run in runs:
        accuracy = run()
        label = "with the course's augmentation" if augment else "without augmentation"
        print(f"{name} {label}: test accuracy per epoch " + ", ".join(f"{v:.4f}" for v in accuracy), flush=True)


if __name__ == "__main__":
    main()
