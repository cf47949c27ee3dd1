#!/usr/bin/env python3
"""Reads SwiftCNN's TensorBoard event files with TensorBoard's own EventAccumulator and
compares them with the history.csv of the same run.

    swiftcnn train --model baseline --epochs 3 --tensorboard logs --update-freq 10 --histogram-freq 1
    /work/venv/bin/python Tools/check_tensorboard_logs.py --logdir logs --history history.csv \
        [--learning-rate 0.001] [--histograms] [--batch-every 10]

Checks: every epoch of history.csv appears as epoch_loss / epoch_<metric> in logs/train
and, for its val_ columns, in logs/validation, at step = epoch - 1, equal to the CSV value
rounded to float32; epoch_learning_rate is the learning rate; with --histograms each epoch
has weight histograms of 30 buckets whose counts (the weight's size) agree across epochs; with
--batch-every N the batch_loss steps are the multiples of N. Exits non-zero on the first
difference, printing it.
"""
import argparse
import csv
import sys

import numpy as np
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util


def load(folder):
    acc = event_accumulator.EventAccumulator(folder, size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    return acc


def series(acc, tag):
    return {e.step: tensor_util.make_ndarray(e.tensor_proto) for e in acc.Tensors(tag)}


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logdir", required=True)
    parser.add_argument("--history", required=True)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--histograms", action="store_true")
    parser.add_argument("--batch-every", type=int, default=0)
    args = parser.parse_args()

    with open(args.history) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        fail(f"{args.history} has no epochs")
    train, validation = load(args.logdir + "/train"), load(args.logdir + "/validation")
    checked = 0
    for column in rows[0]:
        if column == "epoch":
            continue
        acc, tag = (validation, "epoch_" + column[4:]) if column.startswith("val_") else (train, "epoch_" + column)
        values = series(acc, tag)
        for row in rows:
            step = int(row["epoch"]) - 1
            if step not in values:
                fail(f"{tag}: no value at step {step}")
            expected = np.float32(float(row[column]))
            if values[step].dtype != np.float32 or values[step].shape != ():
                fail(f"{tag}: step {step} is {values[step].dtype} {values[step].shape}, expected a float32 scalar")
            if values[step] != expected:
                fail(f"{tag}: step {step} is {values[step]!r}, history.csv says {expected!r}")
            checked += 1
        if len(values) != len(rows):
            fail(f"{tag}: {len(values)} steps, history.csv has {len(rows)} epochs")
    rates = series(train, "epoch_learning_rate")
    for step, rate in rates.items():
        if not np.isclose(rate, args.learning_rate, rtol=1e-6):
            fail(f"epoch_learning_rate at step {step} is {rate}, expected {args.learning_rate}")
    print(f"{checked} epoch scalars equal history.csv; epoch_learning_rate = {args.learning_rate} at {len(rates)} steps")
    if args.histograms:
        tags = [t for t in train.Tags()["tensors"] if t.endswith("/histogram")]
        if not tags:
            fail("no weight histograms in logs/train")
        for tag in tags:
            for step, table in series(train, tag).items():
                if table.shape != (30, 3) or table.dtype != np.float64:
                    fail(f"{tag} at step {step}: table {table.dtype} {table.shape}, expected float64 (30, 3)")
                if np.any(table[:, 0] > table[:, 1]):
                    fail(f"{tag} at step {step}: a bucket's left edge is right of its right edge")
        counts = {}
        for tag in tags:
            totals = {int(table[:, 2].sum()) for table in series(train, tag).values()}
            if len(totals) != 1:
                fail(f"{tag}: bucket counts add up to {sorted(totals)} on different epochs")
            counts[tag] = totals.pop()
        print(f"{len(tags)} weight histograms, e.g. {tags[0]} counts {int(counts[tags[0]])} values")
    if args.batch_every:
        steps = sorted(series(train, "batch_loss"))
        if not steps or any(s % args.batch_every for s in steps):
            fail(f"batch_loss steps {steps[:10]} are not multiples of {args.batch_every}")
        print(f"batch_loss at {len(steps)} steps, every {args.batch_every}")
    print("OK")


if __name__ == "__main__":
    main()
