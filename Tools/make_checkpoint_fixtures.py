"""Writes the TensorFlow-made fixture checkpoints that SwiftCNN's IO tests read.

Run from the repository root with TensorFlow 2.x and tf-keras installed:

    TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 python Tools/make_checkpoint_fixtures.py [GROUP ...]

Output: Tests/SwiftCNNTests/Fixtures/checkpoints/
  raw/mixed.{index,data-00000-of-00001}   SaveV2 of many dtypes/shapes, > 16 keys
  raw/mixed.json                          every value, dtype, shape, and the order
                                          the tensors were written to the data file
  tfckpt/                                 tf.train.CheckpointManager output (2 saves)
                                          with its `checkpoint` state file
  safetensors/mixed.safetensors           written by the `safetensors` package
  keras/                                  tf.keras 2 checkpoints of the course models
                                          (see keras_fixtures)
  numpy/print_cases.json                  float32 arrays (as bit patterns) with numpy's
                                          str() of each, for weights.txt formatting
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


def numpy_print_cases(n_random=60):
    """str() of float32 arrays under np.set_printoptions(threshold=np.inf), as
    the course prints weights; `expected_legacy_2_2` is the numpy <= 2.2 output
    (scientific cutoff 1e8 instead of 1e6 for float32)."""
    out = os.path.join(ROOT, "numpy")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1234)
    f32 = np.float32
    cases = [
        ("positional mix", np.array([1.0, 2.5, -0.0, 0.001953125, 0.123456789, 3.0000001, 100.0], f32)),
        ("half-even cut", np.array([2.0 ** -9, 0.5, 0.25], f32)),
        ("scientific", np.array([1e-5, 2.5, 1234.5], f32)),
        ("scientific negative", np.array([1e-5, -2.5e-7], f32)),
        ("scientific zero precision", np.array([2e6, 1.0], f32)),
        ("non-finite", np.array([np.nan, 1.5, -np.inf], f32)),
        ("only non-finite", np.array([np.nan, np.inf], f32)),
        ("zeros", np.zeros((2, 2), f32)),
        ("negative zero", np.array([-0.0, 0.0], f32)),
        ("tiny and huge", np.array([1e-45, 3.4028235e38], f32)),
        ("exactly 1e-4", np.array([1e-4, 0.5], f32)),
        ("1e6 boundary", np.array([999999.0, 1.0], f32)),
        ("1e6", np.array([1e6, 1.0], f32)),
        ("1e8", np.array([1e8, 1.0], f32)),
        ("millions", np.array([1e6, 2.5e6, 1234567.0, -3e6], f32)),
        ("integers", np.arange(30, dtype=f32)),
        ("3d sevenths", (np.arange(24, dtype=f32).reshape(2, 3, 4) / 7).astype(f32)),
        ("4d kernel", (rng.standard_normal((3, 3, 2, 4)) * 0.1).astype(f32)),
        ("wide row", rng.standard_normal(40).astype(f32)),
        ("column", rng.standard_normal((5, 1)).astype(f32)),
        ("single", np.array([0.3], f32)),
        ("5d", rng.uniform(-1, 1, (2, 1, 2, 1, 3)).astype(f32)),
    ]
    scales = [1e-3, 1e-2, 0.05, 0.1, 1.0, 10.0, 300.0]
    for k in range(n_random):
        shape = [(7,), (3, 5), (2, 2, 3), (13,), (1, 1, 2, 6)][k % 5]
        kind = k % 4
        if kind == 0:
            v = rng.standard_normal(shape) * scales[k % len(scales)]
        elif kind == 1:
            v = rng.uniform(-1, 1, shape) * scales[(k // 2) % len(scales)]
        elif kind == 2:  # random float32 bit patterns in a sane exponent range
            bits = rng.integers(0x3a000000, 0x44000000, size=shape, dtype=np.uint32)
            v = bits.view(f32) * np.where(rng.random(shape) < 0.5, -1, 1)
        else:  # glorot-like weights, as freshly built layers have
            v = rng.uniform(-0.3, 0.3, shape)
        cases.append((f"random {k}", np.asarray(v).astype(f32)))
    records = []
    for name, a in cases:
        np.set_printoptions(threshold=np.inf)
        expected = str(a)
        np.set_printoptions(threshold=np.inf, legacy="2.2")
        legacy = str(a)
        np.set_printoptions(legacy=False)
        records.append({"name": name, "shape": list(a.shape),
                        "bits": [int(b) for b in a.reshape(-1).view(np.uint32)],
                        "expected": expected, "expected_legacy_2_2": legacy})
    np.set_printoptions(threshold=np.inf)
    scalars = [np.float32(x) for x in (1.0, 1e-5, 1.5e20, 0.1, 123456789.0, 1e16, -0.0, 999999.0,
                                        1e6, 1e-4, 3.0, 0.3, -2.5e-7, 65504.0)]
    scalar_records = [{"bits": int(np.array(x).view(np.uint32)), "expected": str(x)} for x in scalars]
    with open(os.path.join(out, "print_cases.json"), "w") as f:
        json.dump({"numpy": np.__version__, "arrays": records, "scalars": scalar_records}, f, indent=0)


def numpy_stress_cases(path="/tmp/numpy_stress_cases.json", n=4000):
    """Not a committed fixture: many more arrays (random bit patterns over the
    whole float32 range included) for an offline check, run as
    SWIFTCNN_NUMPY_CASES=/tmp/numpy_stress_cases.json swift test --filter stress"""
    rng = np.random.default_rng(99)
    records = []
    for k in range(n):
        shape = [(int(rng.integers(1, 30)),), (int(rng.integers(1, 6)), int(rng.integers(1, 12))),
                 (2, int(rng.integers(1, 4)), int(rng.integers(1, 9)))][k % 3]
        kind = k % 5
        if kind == 0:
            v = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 4)
        elif kind == 1:
            v = rng.integers(0, 2**32, size=shape, dtype=np.uint32).view(np.float32)
        elif kind == 2:
            v = rng.integers(0x30000000, 0x4b000000, size=shape, dtype=np.uint32).view(np.float32)
        elif kind == 3:
            v = np.round(rng.standard_normal(shape) * 100) / 2.0 ** rng.integers(0, 12)
        else:
            v = rng.uniform(-1, 1, shape) * 10.0 ** rng.integers(-2, 2)
        a = np.asarray(v).astype(np.float32)
        records.append({"name": f"stress {k}", "shape": list(a.shape),
                        "bits": [int(b) for b in a.reshape(-1).view(np.uint32)],
                        "expected": str(a), "expected_legacy_2_2": ""})
    with open(path, "w") as f:
        json.dump({"numpy": np.__version__, "arrays": records, "scalars": []}, f)


def safetensors_fixture():
    """A file written by the reference `safetensors` package (pip install
    safetensors), to compare SwiftCNN's writer byte for byte."""
    from safetensors.numpy import save_file
    out = os.path.join(ROOT, "safetensors")
    os.makedirs(out, exist_ok=True)
    tensors = {
        "c1.kernel": values_for((5, 5, 3, 6), np.float32, 0),
        "c1.bias": values_for((6,), np.float32, 1),
        "f1.kernel": values_for((12, 4), np.float32, 2),
        "empty": np.zeros((0, 3), np.float32),
        "scalar": np.array(2.5, np.float32),
        "step": values_for((), np.int64, 3),
        "labels": values_for((2, 3), np.int32, 4),
        "mask": values_for((5,), np.bool_, 5),
    }
    save_file(tensors, os.path.join(out, "mixed.safetensors"), metadata={"format": "np"})


def _course_models():
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "reference"))
    sys.path.insert(0, "/work/shared/reference")
    import keras_models
    return keras_models


def keras_fixtures():
    """What tf.keras 2 writes for the course's models.

    keras/keys.json: every variable key and shape of each of the six course
    models built for 32x32x3 input (too big to commit whole).
    keras/<name>/: small versions (4x4x3 input, fewer filters) trained one
    epoch with Adam on random data, then saved twice: `trained.ckpt` by the
    trained model (optimizer slots included) and `fresh.ckpt` by a new,
    never-compiled instance given the same weights (what SwiftCNN writes);
    `checkpoint` state file; `weights.txt` exactly as the course writes it;
    `predictions.json`: inputs and predicted probabilities.
    """
    km = _course_models()
    out = os.path.join(ROOT, "keras")
    os.makedirs(out, exist_ok=True)
    keys = {}
    for name in ["Baseline", "LeNet5", "AlexNet8", "VGG16", "Inception10", "ResNet18"]:
        model = getattr(km, name)()
        model(np.zeros((1, 32, 32, 3), np.float32))
        keys[name] = {v.name: list(v.shape) for v in model.variables}
        path = "/tmp/swiftcnn_keys_probe/" + name + ".ckpt"
        model.save_weights(path)
        reader = tf.train.load_checkpoint(path)
        keys[name] = {k: list(s) for k, s in sorted(reader.get_variable_to_shape_map().items())
                      if k != "_CHECKPOINTABLE_OBJECT_GRAPH"}
    with open(os.path.join(out, "keys.json"), "w") as f:
        json.dump(keys, f, indent=0, sort_keys=True)

    small = {
        "Baseline": lambda: km.Baseline(),
        "ResNet18": lambda: km.ResNet18(block_list=(1, 1), initial_filters=4),
        "Inception10": lambda: km.Inception10(num_blocks=1, init_ch=4),
    }
    rng = np.random.default_rng(7)
    for name, make in small.items():
        # A fresh name scope, as in the course's one-model scripts, so the
        # variables are named baseline/conv2d/kernel:0 and not conv2d_7.
        tf.keras.backend.clear_session()
        tf.keras.utils.set_random_seed(1)
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        x = rng.random((16, 4, 4, 3), dtype=np.float32)
        y = rng.integers(0, 10, 16)
        model = make()
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                      metrics=["sparse_categorical_accuracy"])
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        model.save_weights(os.path.join(d, "trained.ckpt"))
        fresh = make()
        fresh(x[:1])
        fresh.set_weights(model.get_weights())
        fresh.save_weights(os.path.join(d, "fresh.ckpt"))
        np.set_printoptions(threshold=np.inf)
        with open(os.path.join(d, "weights.txt"), "w") as f:
            for v in model.trainable_variables:
                f.write(str(v.name) + "\n")
                f.write(str(v.shape) + "\n")
                f.write(str(v.numpy()) + "\n")
        probe = x[:4]
        probs = model.predict(probe, verbose=0)
        with open(os.path.join(d, "predictions.json"), "w") as f:
            json.dump({"input_shape": list(probe.shape), "inputs": [float(v) for v in probe.reshape(-1)],
                       "probabilities": [float(v) for v in probs.reshape(-1)]}, f)


FIXTURES = {"keras": keras_fixtures, "safetensors": safetensors_fixture, "raw": raw_bundle, "tfckpt": tf_checkpoint, "numpy": numpy_print_cases,
            "numpy-stress": numpy_stress_cases}

if __name__ == "__main__":
    # Optional arguments name the fixture groups to (re)make; default: all.
    import sys
    for name in sys.argv[1:] or ["raw", "tfckpt", "numpy", "safetensors", "keras"]:
        FIXTURES[name]()
    print("TF", tf.__version__, "numpy", np.__version__, "->", os.path.normpath(ROOT))
