"""Writes the TensorFlow-made fixture checkpoints that SwiftCNN's IO tests read.

Run from the repository root with TensorFlow 2.x and tf-keras installed:

    TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 python Tools/make_checkpoint_fixtures.py

Output: Tests/SwiftCNNTests/Fixtures/checkpoints/
  raw/mixed.{index,data-00000-of-00001}   SaveV2 of many dtypes/shapes, > 16 keys
  raw/mixed.json                          every value, dtype, shape, and the order
                                          the tensors were written to the data file
  tfckpt/                                 tf.train.CheckpointManager output (2 saves)
                                          with its `checkpoint` state file
Verified with TensorFlow 2.21.0 / tf-keras 2.21.0 (numpy 2.x). Values are fixed
(no randomness), so re-running reproduces the files except for timestamps in
the `checkpoint` state files.
"""
import json
import os
import shutil

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "Tests", "SwiftCNNTests", "Fixtures", "checkpoints")


def values_for(shape, dtype, seed):
    """Deterministic values that exercise sign, magnitude and fractions."""
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.float64)
    if dtype in (np.float32, np.float64):
        v = np.sin(i * 1.7 + seed) * (10.0 ** ((i % 7) - 3))
    elif dtype == np.bool_:
        v = (i + seed) % 3 == 0
    elif dtype == np.uint8:
        v = (i * 37 + seed) % 256
    else:
        v = (i * 7919 - 5000 + seed) * (1 if dtype == np.int32 else 1_000_003)
    return np.asarray(v).astype(dtype).reshape(shape)


def raw_bundle():
    """SaveV2 with many dtypes and shapes; keys share prefixes so the index
    table uses prefix compression and several restart points."""
    out = os.path.join(ROOT, "raw")
    os.makedirs(out, exist_ok=True)
    specs = [
        ("model/c1/kernel/.ATTRIBUTES/VARIABLE_VALUE", (5, 5, 3, 6), np.float32),
        ("model/c1/bias/.ATTRIBUTES/VARIABLE_VALUE", (6,), np.float32),
        ("model/b1/gamma/.ATTRIBUTES/VARIABLE_VALUE", (6,), np.float32),
        ("model/b1/beta/.ATTRIBUTES/VARIABLE_VALUE", (6,), np.float32),
        ("model/b1/moving_mean/.ATTRIBUTES/VARIABLE_VALUE", (6,), np.float32),
        ("model/b1/moving_variance/.ATTRIBUTES/VARIABLE_VALUE", (6,), np.float32),
        ("model/f1/kernel/.ATTRIBUTES/VARIABLE_VALUE", (12, 4), np.float32),
        ("model/f1/bias/.ATTRIBUTES/VARIABLE_VALUE", (4,), np.float32),
        ("scalar_float", (), np.float32),
        ("empty_rows", (0, 3), np.float32),
        ("empty_cols", (3, 0), np.float32),
        ("save_counter/.ATTRIBUTES/VARIABLE_VALUE", (), np.int64),
        ("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", (), np.int64),
        ("int64_vector", (4,), np.int64),
        ("int32_matrix", (2, 3), np.int32),
        ("double_vector", (3,), np.float64),
        ("bool_vector", (5,), np.bool_),
        ("uint8_vector", (7,), np.uint8),
    ]
    # 20 more keys with a long shared prefix push the data block past two
    # restart intervals (16 entries each).
    specs += [(f"blocks/{k:02d}/conv/kernel", (1, 1, 2, 2), np.float32) for k in range(20)]
    names, tensors, manifest = [], [], []
    for seed, (key, shape, dtype) in enumerate(specs):
        v = values_for(shape, dtype, seed)
        names.append(key)
        tensors.append(tf.constant(v))
        manifest.append({"key": key, "dtype": np.dtype(dtype).name, "shape": list(shape),
                         "values": [bool(x) if dtype == np.bool_ else x.item() for x in v.reshape(-1)]})
    strings = [b"", b"hello", bytes(range(256)) * 2]
    names += ["string_scalar", "string_vector"]
    tensors += [tf.constant(b"object graph"), tf.constant(strings)]
    manifest += [{"key": "string_scalar", "dtype": "string", "shape": [],
                  "values": [list(b"object graph")]},
                 {"key": "string_vector", "dtype": "string", "shape": [3],
                  "values": [list(s) for s in strings]}]
    tf.raw_ops.SaveV2(prefix=os.path.join(out, "mixed"), tensor_names=names,
                      shape_and_slices=[""] * len(names), tensors=tensors)
    with open(os.path.join(out, "mixed.json"), "w") as f:
        json.dump({"written_order": names, "tensors": manifest}, f, indent=0)


def tf_checkpoint():
    """Object-based checkpoint: the object graph string tensor, save_counter,
    and the `checkpoint` state file with timestamps."""
    out = os.path.join(ROOT, "tfckpt")
    shutil.rmtree(out, ignore_errors=True)
    ckpt = tf.train.Checkpoint(
        w=tf.Variable(values_for((2, 3), np.float32, 1)),
        step=tf.Variable(np.int64(42)),
        empty=tf.Variable(np.zeros((0, 4), np.float32)))
    manager = tf.train.CheckpointManager(ckpt, out, max_to_keep=3)
    manager.save()
    ckpt.w.assign_add(tf.ones((2, 3)))
    manager.save()


if __name__ == "__main__":
    raw_bundle()
    tf_checkpoint()
    print("TF", tf.__version__, "numpy", np.__version__, "->", os.path.normpath(ROOT))
