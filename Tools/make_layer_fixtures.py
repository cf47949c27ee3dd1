"""Writes the Keras 3 reference fixtures of the layers beyond the course's first set
(DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, ZeroPadding2D, UpSampling2D,
LeakyReLU, ReLU, LayerNormalization, Reshape, Rescaling) to
Tests/SwiftCNNTests/Fixtures/keras3_layers/<case>.json, with Keras 3 itself
(keras 3.15, TensorFlow 2.21):

    /work/venv/bin/python Tools/make_layer_fixtures.py

A folder of its own, because Tools/make_keras_fixtures.py empties Fixtures/keras first.

Each fixture: case, layer (Keras class name), keras_config ({"class_name", "config"}:
the layer's full get_config(), as a .keras config.json holds it, so the test builds the
layer through SwiftCNN's config reader), input, weights (every variable, Keras names, set
to random values before the call), output, upstream R, and grads of L = sum(output * R)
with respect to the input and every trainable variable (tf.GradientTape). All data is
float32 from numpy generators seeded per case (crc32 of the case name).
"""
import json
import os
import sys
import zlib
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

F32 = np.float32
OUT_DIR = Path(__file__).resolve().parent.parent / "Tests/SwiftCNNTests/Fixtures/keras3_layers"


def rng_for(case):
    return np.random.default_rng(zlib.crc32(case.encode()))


def T(a):
    a = np.asarray(a, dtype=F32)
    # The shortest decimal that reads back as the same float32 (half the digits of a double).
    return {"shape": list(a.shape), "data": [float(str(F32(v))) for v in a.reshape(-1)]}


def plain(value):
    """get_config() values as JSON (tuples to lists)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def random_weight(rng, name, shape):
    if name == "gamma":
        return rng.uniform(0.5, 1.5, shape).astype(F32)
    if "kernel" in name:
        fan_in = int(np.prod(shape[:-1]))
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(F32)
    return (rng.standard_normal(shape) * 0.5).astype(F32)


def case(name, layer, shape, scale=1.0):
    rng = rng_for(name)
    x = (rng.standard_normal(shape) * scale).astype(F32)
    layer.build(x.shape)
    weights = {}
    for v in layer.weights:
        value = random_weight(rng, v.name, tuple(v.shape))
        v.assign(value)
        weights[v.name] = value
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=False)
        r = rng_for(name + "/r").standard_normal(tuple(y.shape)).astype(F32)
        loss = tf.reduce_sum(y * r)
    trainable = layer.trainable_variables
    grads = tape.gradient(loss, [xt] + trainable)
    fixture = {
        "case": name,
        "layer": type(layer).__name__,
        "keras_config": {"class_name": type(layer).__name__, "config": plain(layer.get_config())},
        "input": T(x),
        "weights": {k: T(v) for k, v in weights.items()},
        "output": T(y.numpy()),
        "upstream": T(r),
        "grads": {"input": T(grads[0].numpy()), **{v.name: T(g.numpy()) for v, g in zip(trainable, grads[1:])}},
        "generator": f"keras {keras.__version__}, tensorflow {tf.__version__}",
    }
    text = json.dumps(fixture, separators=(",", ":"))
    (OUT_DIR / f"{name}.json").write_text(text + "\n")
    print(name, tuple(y.shape), len(text))


def model_fixture():
    """model.keras (Keras 3's model.save of a small Sequential of the new layers after two
    Adam steps), model.input.npy and model.expected.npy (its predict)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((6, 6, 2)),
        L.Rescaling(2.0, offset=-1.0),
        L.ZeroPadding2D(1),
        L.DepthwiseConv2D(3, depth_multiplier=2),
        L.LeakyReLU(),
        L.SeparableConv2D(4, 3, strides=2, padding="same"),
        L.LayerNormalization(),
        L.Conv2DTranspose(3, 2, strides=2),
        L.ReLU(max_value=6.0),
        L.UpSampling2D(2, interpolation="bilinear"),
        L.Reshape((-1, 3)),
        L.Flatten(),
        L.Dense(3, activation="softmax"),
    ], name="new_layers")
    x = np.random.default_rng(3).random((4, 6, 6, 2), dtype=F32)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, np.arange(4) % 3, batch_size=2, epochs=1, verbose=0, shuffle=False)
    model.save(OUT_DIR / "model.keras")
    np.save(OUT_DIR / "model.input.npy", x)
    np.save(OUT_DIR / "model.expected.npy", model.predict(x, verbose=0).astype(F32))


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in list(OUT_DIR.glob("*.json")) + list(OUT_DIR.glob("model.*")):
        old.unlink()
    img = (2, 5, 4, 3)
    case("depthwise_k3_s1_same", L.DepthwiseConv2D(3, padding="same"), img)
    case("depthwise_k3_s2_valid_m2", L.DepthwiseConv2D(3, strides=2, depth_multiplier=2), img)
    case("depthwise_k2x3_s2_same_m2_nobias_relu",
         L.DepthwiseConv2D((2, 3), strides=2, padding="same", depth_multiplier=2, use_bias=False,
                           activation="relu"), img)
    case("depthwise_k3_s1_valid_nobias", L.DepthwiseConv2D(3, use_bias=False), (1, 5, 5, 2))
    case("separable_f4_k3_s1_same", L.SeparableConv2D(4, 3, padding="same"), img)
    case("separable_f3_k3_s2_valid_m2_nobias",
         L.SeparableConv2D(3, 3, strides=2, depth_multiplier=2, use_bias=False), img)
    case("separable_f2_k2_s2_same_m2_relu",
         L.SeparableConv2D(2, 2, strides=2, padding="same", depth_multiplier=2, activation="relu"), img)
    tin = (2, 3, 3, 2)
    case("transpose_f2_k3_s1_same", L.Conv2DTranspose(2, 3, padding="same"), tin)
    case("transpose_f2_k3_s2_same", L.Conv2DTranspose(2, 3, strides=2, padding="same"), tin)
    case("transpose_f3_k3_s2_valid", L.Conv2DTranspose(3, 3, strides=2), tin)
    case("transpose_f2_k2_s2_valid_nobias", L.Conv2DTranspose(2, 2, strides=2, use_bias=False), tin)
    case("transpose_f2_k1_s3_valid", L.Conv2DTranspose(2, 1, strides=3), tin)
    case("transpose_f2_k4_s2_same_relu", L.Conv2DTranspose(2, 4, strides=2, padding="same", activation="relu"), tin)
    case("transpose_f2_k3x2_s2x1_same", L.Conv2DTranspose(2, (3, 2), strides=(2, 1), padding="same"), tin)
    case("zero_padding_1", L.ZeroPadding2D(1), (2, 3, 4, 2))
    case("zero_padding_1x2", L.ZeroPadding2D((1, 2)), (2, 3, 4, 2))
    case("zero_padding_02_10", L.ZeroPadding2D(((0, 2), (1, 0))), (2, 3, 4, 2))
    case("up_sampling_nearest_2", L.UpSampling2D(2), (2, 3, 4, 2))
    case("up_sampling_nearest_2x3", L.UpSampling2D((2, 3)), (1, 3, 2, 2))
    case("up_sampling_bilinear_2", L.UpSampling2D(2, interpolation="bilinear"), (2, 3, 4, 2))
    case("up_sampling_bilinear_3x2", L.UpSampling2D((3, 2), interpolation="bilinear"), (1, 4, 3, 2))
    case("leaky_relu_default", L.LeakyReLU(), (3, 7))
    case("leaky_relu_0.1", L.LeakyReLU(negative_slope=0.1), (2, 3, 3, 2))
    case("relu_default", L.ReLU(), (3, 7))
    case("relu_max6", L.ReLU(max_value=6.0), (4, 6), scale=5.0)
    case("relu_max1_slope0.2_threshold0.5", L.ReLU(max_value=1.0, negative_slope=0.2, threshold=0.5), (4, 6))
    case("relu_threshold0.3", L.ReLU(threshold=0.3), (4, 6))
    case("relu_slope0.1", L.ReLU(negative_slope=0.1), (4, 6))
    case("layer_normalization_2d", L.LayerNormalization(), (4, 5))
    case("layer_normalization_4d", L.LayerNormalization(), (2, 3, 3, 4))
    case("layer_normalization_nocenter_eps1e-5", L.LayerNormalization(center=False, epsilon=1e-5), (3, 6))
    case("layer_normalization_noscale", L.LayerNormalization(scale=False), (2, 2, 5))
    case("reshape_4x6", L.Reshape((4, 6)), (2, 3, 4, 2))
    case("reshape_infer", L.Reshape((-1, 2)), (2, 3, 4, 2))
    case("rescaling_255", L.Rescaling(1 / 255), (2, 3, 3, 2), scale=100.0)
    case("rescaling_offset", L.Rescaling(0.5, offset=-1.0), (3, 5))
    # Last, so the cases' layers keep their first Keras names.
    model_fixture()


if __name__ == "__main__":
    sys.exit(main())
