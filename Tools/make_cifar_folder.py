"""Writes CIFAR-10 images as a folder dataset of JPEG (or PNG) files, to measure
`swiftcnn train --data DIR` on a folder against the same images from the binary:

    DIR/train/<class>/<n>.jpg   from data_batch_1.bin (10,000 images; --train-batches 5
                                for all five, the 50,000 of the binary's training split)
    DIR/test/<class>/<n>.jpg    from test_batch.bin (--test images drawn at random: some
                                copies of it are sorted by class)

Run: /work/venv/bin/python Tools/make_cifar_folder.py /work/shared/data/cifar-10-batches-bin /tmp/cifar-jpeg
     [--format png] [--quality 95] [--test 1000] [--train-batches 1]
"""
import argparse
import os

import numpy as np
from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def records(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return raw[:, 0], raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def write(labels, images, folder, fmt, quality):
    for name in CLASSES:
        os.makedirs(os.path.join(folder, name), exist_ok=True)
    for n, (label, image) in enumerate(zip(labels, images)):
        path = os.path.join(folder, CLASSES[label], f"{n:05d}.{fmt}")
        if fmt == "jpg":
            Image.fromarray(image).save(path, quality=quality)
        else:
            Image.fromarray(image).save(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cifar")
    parser.add_argument("out")
    parser.add_argument("--format", default="jpg", choices=["jpg", "png"])
    parser.add_argument("--quality", type=int, default=95)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--train-batches", type=int, default=1, choices=range(1, 6))
    args = parser.parse_args()
    # The records in the binary's order: file names number them, so the folder lists
    # each class's images in that order too.
    parts = [records(os.path.join(args.cifar, f"data_batch_{i}.bin")) for i in range(1, args.train_batches + 1)]
    labels = np.concatenate([p[0] for p in parts])
    images = np.concatenate([p[1] for p in parts])
    write(labels, images, os.path.join(args.out, "train"), args.format, args.quality)
    labels, images = records(os.path.join(args.cifar, "test_batch.bin"))
    sample = np.random.RandomState(0).permutation(len(labels))[: args.test]
    write(labels[sample], images[sample], os.path.join(args.out, "test"), args.format, args.quality)


if __name__ == "__main__":
    main()
