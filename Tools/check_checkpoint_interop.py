"""Checks that TensorFlow reads a tensor bundle written by SwiftCNN.

    mkdir -p /tmp/interop
    SWIFTCNN_INTEROP_DIR=/tmp/interop swift test --filter writeBundleForTensorFlow
    TF_CPP_MIN_LOG_LEVEL=2 python Tools/check_checkpoint_interop.py /tmp/interop

Loads <dir>/swift.ckpt with tf.train.load_checkpoint, and compares every
key, dtype, shape and value (first 64 bytes + CRC32C of all bytes, recomputed
here) with <dir>/swift.json written by the Swift side. Prints one summary line.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64,
          "uint8": np.uint8, "bool": np.bool_}


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def main(directory):
    manifest = json.load(open(os.path.join(directory, "swift.json")))
    reader = tf.train.load_checkpoint(os.path.join(directory, "swift.ckpt"))
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    entries = manifest["entries"]
    assert set(shapes) == {e["key"] for e in entries}, "key sets differ"
    checked = 0
    for e in entries:
        key = e["key"]
        value = reader.get_tensor(key)
        assert list(shapes[key]) == e["shape"], (key, shapes[key], e["shape"])
        if e["dtype"] == "string":
            assert dtypes[key] == tf.string, key
            got = [value] if np.ndim(value) == 0 else list(np.asarray(value).reshape(-1))
            assert [list(bytes(s)) for s in got] == e["strings"], key
        else:
            assert dtypes[key].as_numpy_dtype == DTYPES[e["dtype"]], (key, dtypes[key])
            raw = np.ascontiguousarray(np.asarray(value, dtype=DTYPES[e["dtype"]])).tobytes()
            assert list(raw[:64]) == e["bytes"], key
            if len(raw) <= 100_000:
                assert crc32c(raw) == e["crc"], key
            else:  # the 1M-element tensor: compare against the formula instead
                expected = ((np.arange(1_000_000) % 977).astype(np.float32) * np.float32(0.001)
                            - np.float32(0.3)).astype(np.float32)
                assert np.array_equal(np.asarray(value).reshape(-1), expected), key
        checked += 1
    print(f"OK: TensorFlow {tf.__version__} read {checked} tensors from a SwiftCNN bundle "
          f"(index {manifest['index_size']} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
