#!/usr/bin/env python3
"""Generate Keras reference fixtures for SwiftCNN's numerical tests.

Writes one small JSON file per case to
``Tests/SwiftCNNTests/Fixtures/keras/<case>.json`` (the directory's *.json files
are deleted first, so the output is exactly what this script produces).

Setup from scratch (Keras 2 line via tf-keras, the course's runtime)::

    python3 -m venv venv && venv/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0
    TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 venv/bin/python Tools/make_keras_fixtures.py

Last run with: Python 3, tensorflow 2.21.0, tf-keras 2.21.0, numpy 2.4.6
(the script prints the versions it runs with and stores them in every
fixture under "generator").  The script sets TF_USE_LEGACY_KERAS=1 and
TF_ENABLE_ONEDNN_OPTS=0 (deterministic, non-oneDNN CPU kernels) itself unless
they are already set.  All data is float32 and comes from numpy generators
seeded per case (crc32 of the case name), so adding a case does not change
the others.

Fixture format (all tensors are {"shape": [...], "data": [flat row-major]},
NHWC layout, conv kernels HWIO, dense kernels [in, out]; integer tensors add
"dtype": "int32")::

    case, layer, config, training, input (or inputs: [..] for Concatenate/Add),
    weights (all layer variables BEFORE the call, Keras names),
    output, upstream (g), grads (of L = sum(output * g) w.r.t. input and every
    trainable variable), weights_after (BatchNormalization only).

Loss cases use the loss value itself as L (no upstream).  Model cases
(optimizer steps, fit) store per-layer weights and optimizer slots.

FINDINGS (checked by this script every run; it asserts them):

* BatchNormalization moving variance update in tf-keras 2.21 depends on the
  input rank.  4-D input (NHWC) uses the fused kernel (FusedBatchNormV3), whose
  running variance uses the Bessel-corrected (unbiased, n/(n-1)) batch
  variance:  mv' = momentum*mv + (1-momentum) * var_biased * n/(n-1),
  n = N*H*W.  2-D input ([batch, features]) takes the non-fused path and uses
  the biased variance:  mv' = momentum*mv + (1-momentum) * var_biased.
  In both cases the training-mode output is normalised with the BIASED batch
  variance, and moving_mean' = momentum*mm + (1-momentum)*batch_mean.
* Sparse/categorical crossentropy with from_logits=False on the output of a
  Keras softmax (Dense(activation='softmax') / Activation('softmax')) does NOT
  use the probabilities: Keras attaches the logits to the tensor
  (`_keras_logits`) and computes the loss from logits (no 1e-7 clipping).
  On a plain probability tensor it computes -log(clip(p, 1e-7, 1-1e-7)[y]),
  renormalised by sum(p) (sparse: via softmax(log p); categorical: p/sum(p)),
  so dL/dp_j = (1/sum(p) - [j==y]/p_j)/N, 0 where clipped.
* Loss reduction is SUM_OVER_BATCH_SIZE (mean over the batch; MSE also means
  over the last axis first).  In fit(), the epoch "loss" is the batch-size
  weighted mean of the per-batch losses (a partial last batch counts less),
  each computed on the weights BEFORE that batch's update in training mode;
  accuracy is the mean over all samples of the epoch.  Validation metrics use
  the end-of-epoch weights in inference mode (BN moving stats).
* The new tf-keras optimizers (tf.keras.optimizers.Adam/SGD) update as
  Adam:  m += (g-m)(1-b1); v += (g^2-v)(1-b2);
         w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)   (eps = 1e-7,
         applied to the uncorrected sqrt(v), "epsilon hat")
  SGD:   m = mu*m - lr*g;  w += m   (nesterov: w += mu*m - lr*g)
  Only trainable variables are updated by the optimizer; BN moving stats are
  updated by the forward pass.
"""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

keras = tf.keras
assert "tf_keras" in keras.__name__, (
    "tf.keras is not tf-keras (Keras 2); set TF_USE_LEGACY_KERAS=1: " + keras.__name__)

OUT_DIR = Path(__file__).resolve().parent.parent / "Tests" / "SwiftCNNTests" / "Fixtures" / "keras"
GENERATOR = {
    "script": "Tools/make_keras_fixtures.py",
    "python": sys.version.split()[0],
    "tensorflow": tf.__version__,
    "tf_keras": tf_keras.__version__,
    "numpy": np.__version__,
}
F32 = np.float32
RTOL, ATOL = 2e-5, 2e-5
WRITTEN = []


# ---------------------------------------------------------------- helpers

def rng_for(case):
    return np.random.default_rng(zlib.crc32(case.encode()))


def T(a):
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        return {"shape": list(a.shape), "dtype": "int32", "data": [int(v) for v in a.reshape(-1)]}
    a = np.asarray(a, dtype=F32)
    return {"shape": list(a.shape), "data": [float(F32(v)) for v in a.reshape(-1)]}


def close(a, b, what, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=rtol, atol=atol, err_msg=what)


def write(case, obj):
    obj = {"case": case, **obj, "generator": GENERATOR}
    path = OUT_DIR / f"{case}.json"
    text = json.dumps(obj, separators=(",", ":"))
    # every float must round-trip to the same float32
    path.write_text(text + "\n")
    WRITTEN.append((case, len(text) + 1))


def vname(v):
    return v.name.split("/")[-1].split(":")[0]


def normal(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(F32)


def distinct(rng, shape, scale=0.1):
    """Distinct values (no ties) for pooling, centred on 0."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * scale).astype(F32).reshape(shape)


def random_weight(rng, name, shape):
    if name == "gamma":
        return rng.uniform(0.5, 1.5, shape).astype(F32)
    if name == "moving_variance":
        return rng.uniform(0.5, 2.0, shape).astype(F32)
    if name == "kernel":
        fan_in = int(np.prod(shape[:-1]))
        return normal(rng, shape, 1.0 / math.sqrt(fan_in))
    return normal(rng, shape, 0.5)  # bias, beta, moving_mean


CONFIG_KEYS = ["filters", "kernel_size", "strides", "padding", "activation", "use_bias",
               "dilation_rate", "units", "axis", "momentum", "epsilon", "center", "scale",
               "pool_size", "rate", "data_format"]


def layer_config(layer, extra=None):
    cfg = layer.get_config()
    out = {}
    for k in CONFIG_KEYS:
        if k in cfg:
            v = cfg[k]
            if isinstance(v, (tuple, list)) or type(v).__name__ == "ListWrapper":
                v = list(v)
            out[k] = v
    if extra:
        out.update(extra)
    return out


def run_layer_case(case, layer, x, training=False, extra_config=None, weights=None):
    """Build layer, set random weights, call under a tape, write fixture. Returns dict of numpy."""
    rng = rng_for(case + "/w")
    layer.build(x.shape)
    w_before = {}
    for v in layer.weights:
        n = vname(v)
        val = weights[n] if weights and n in weights else random_weight(rng, n, tuple(v.shape))
        v.assign(val)
        w_before[n] = val
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        g = normal(rng_for(case + "/g"), tuple(y.shape))
        L = tf.reduce_sum(y * g)
    tv = layer.trainable_variables
    grads = tape.gradient(L, [xt] + tv)
    gd = {"input": grads[0].numpy()}
    for v, gv in zip(tv, grads[1:]):
        gd[vname(v)] = gv.numpy()
    res = {"x": x, "w": w_before, "y": y.numpy(), "g": g, "grads": gd, "L": float(L)}
    obj = {
        "layer": type(layer).__name__,
        "config": layer_config(layer, extra_config),
        "training": bool(training),
        "input": T(x),
        "weights": {k: T(v) for k, v in w_before.items()},
        "output": T(res["y"]),
        "upstream": T(g),
        "grads": {k: T(v) for k, v in gd.items()},
    }
    if isinstance(layer, keras.layers.BatchNormalization):
        res["w_after"] = {vname(v): v.numpy() for v in layer.weights}
        obj["weights_after"] = {k: T(res["w_after"][k]) for k in ("moving_mean", "moving_variance")}
    write(case, obj)
    return res


# ---------------------------------------------------------- numpy references

def out_and_pads(n, k, s, padding):
    if padding == "valid":
        out = (n - k) // s + 1
        assert out == math.ceil((n - k + 1) / s)
        return out, 0, 0
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def np_conv2d(x, K, b, strides, padding):
    N, H, W, C = x.shape
    kh, kw, _, F = K.shape
    sh, sw = strides
    oh, pt, pb = out_and_pads(H, kh, sh, padding)
    ow, pl, pr = out_and_pads(W, kw, sw, padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    y = np.zeros((N, oh, ow, F))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            y[:, i, j, :] = np.einsum("nhwc,hwcf->nf", patch, K)
    if b is not None:
        y += b
    return y


def np_pool(x, pool, strides, padding, kind):
    N, H, W, C = x.shape
    oh, pt, pb = out_and_pads(H, pool[0], strides[0], padding)
    ow, pl, pr = out_and_pads(W, pool[1], strides[1], padding)
    pads = ((0, 0), (pt, pb), (pl, pr), (0, 0))
    if kind == "max":
        xp = np.pad(x.astype(np.float64), pads, constant_values=-np.inf)
    else:
        xp = np.pad(x.astype(np.float64), pads)
        cnt = np.pad(np.ones_like(x, np.float64), pads)
    y = np.zeros((N, oh, ow, C))
    for i in range(oh):
        for j in range(ow):
            sl = (slice(None), slice(i * strides[0], i * strides[0] + pool[0]),
                  slice(j * strides[1], j * strides[1] + pool[1]), slice(None))
            if kind == "max":
                y[:, i, j, :] = xp[sl].max(axis=(1, 2))
            else:  # divide by the number of real (non-padding) inputs
                y[:, i, j, :] = xp[sl].sum(axis=(1, 2)) / cnt[sl].sum(axis=(1, 2))
    return y


def np_act(name, z):
    z = z.astype(np.float64)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    assert name == "linear"
    return z


# ------------------------------------------------------------------- Conv2D

def conv_cases():
    specs = [
        # case, input shape, kernel, strides, padding, use_bias, activation
        ("conv2d_same_s1_k3", (2, 7, 7, 3), (3, 3), (1, 1), "same", True, "linear"),
        ("conv2d_same_s2_k3", (2, 7, 7, 3), (3, 3), (2, 2), "same", True, "linear"),
        ("conv2d_valid_s1_k3", (2, 7, 7, 3), (3, 3), (1, 1), "valid", True, "linear"),
        ("conv2d_valid_s2_k3", (2, 8, 6, 3), (3, 3), (2, 2), "valid", True, "linear"),
        ("conv2d_same_s2_k3_8x6", (2, 8, 6, 3), (3, 3), (2, 2), "same", True, "linear"),
        ("conv2d_same_s1_k5", (2, 7, 7, 2), (5, 5), (1, 1), "same", True, "linear"),
        ("conv2d_same_s2_k5", (2, 8, 6, 2), (5, 5), (2, 2), "same", True, "linear"),
        ("conv2d_valid_s2_k5", (2, 9, 8, 2), (5, 5), (2, 2), "valid", True, "linear"),
        ("conv2d_same_s1_k2", (2, 7, 7, 3), (2, 2), (1, 1), "same", True, "linear"),
        ("conv2d_same_s2_k2", (2, 7, 7, 3), (2, 2), (2, 2), "same", True, "linear"),
        ("conv2d_valid_s2_k2", (2, 7, 7, 3), (2, 2), (2, 2), "valid", True, "linear"),
        ("conv2d_same_s1_k4", (2, 6, 7, 2), (4, 4), (1, 1), "same", True, "linear"),
        ("conv2d_same_s2_k4", (2, 8, 6, 2), (4, 4), (2, 2), "same", True, "linear"),
        ("conv2d_valid_s1_k4", (2, 7, 7, 2), (4, 4), (1, 1), "valid", True, "linear"),
        ("conv2d_same_s2_k4_7x7", (2, 7, 7, 2), (4, 4), (2, 2), "same", True, "linear"),
        ("conv2d_same_s2_k3x2", (2, 8, 6, 3), (3, 2), (2, 2), "same", True, "linear"),
        ("conv2d_valid_s1_k3x2", (2, 7, 7, 3), (3, 2), (1, 1), "valid", True, "linear"),
        ("conv2d_same_s1_k3x2_7x7", (2, 7, 7, 3), (3, 2), (1, 1), "same", True, "linear"),
        ("conv2d_same_s2x1_k3", (2, 7, 6, 3), (3, 3), (2, 1), "same", True, "linear"),
        ("conv2d_same_s1_k3_nobias", (2, 7, 7, 3), (3, 3), (1, 1), "same", False, "linear"),
        ("conv2d_valid_s2_k2_nobias", (2, 8, 6, 3), (2, 2), (2, 2), "valid", False, "linear"),
        ("conv2d_same_s1_k3_relu", (2, 7, 7, 3), (3, 3), (1, 1), "same", True, "relu"),
        ("conv2d_valid_s2_k3_sigmoid", (2, 7, 7, 3), (3, 3), (2, 2), "valid", True, "sigmoid"),
        ("conv2d_same_s2_k1", (2, 7, 7, 3), (1, 1), (2, 2), "same", True, "linear"),
    ]
    for case, shp, k, s, pad, bias, act in specs:
        x = normal(rng_for(case), shp)
        layer = keras.layers.Conv2D(4, k, strides=s, padding=pad, use_bias=bias, activation=act)
        r = run_layer_case(case, layer, x)
        b = r["w"].get("bias")
        z = np_conv2d(x, r["w"]["kernel"], b, s, pad)
        assert r["y"].shape == z.shape, (case, r["y"].shape, z.shape)
        close(r["y"], np_act(act, z), case + " forward")
        g = r["g"].astype(np.float64)
        if act == "linear":
            # L is linear in x and in K: <dL/dx, x> = <dL/dK, K> = L - <b, sum g>
            lin = r["L"] - (float((b * g.sum(axis=(0, 1, 2))).sum()) if b is not None else 0.0)
            close(np.sum(r["grads"]["input"] * x), lin, case + " <dx,x>", rtol=1e-4, atol=1e-4)
            close(np.sum(r["grads"]["kernel"] * r["w"]["kernel"]), lin, case + " <dK,K>", rtol=1e-4, atol=1e-4)
        dz = g * {"linear": lambda y: 1.0, "relu": lambda y: (y > 0),
                  "sigmoid": lambda y: y * (1 - y)}[act](r["y"].astype(np.float64))
        if b is not None:
            close(r["grads"]["bias"], dz.sum(axis=(0, 1, 2)), case + " dbias", rtol=1e-4, atol=1e-4)


# ------------------------------------------------------- BatchNormalization

BN_FINDINGS = {}


def bn_cases():
    for case, shp, training in [("batchnorm_4d_train", (2, 5, 5, 3), True),
                                ("batchnorm_4d_infer", (2, 5, 5, 3), False),
                                ("batchnorm_2d_train", (3, 4), True),
                                ("batchnorm_2d_infer", (3, 4), False)]:
        x = (normal(rng_for(case), shp, 1.5) + 0.7).astype(F32)
        layer = keras.layers.BatchNormalization()  # momentum 0.99, epsilon 1e-3
        r = run_layer_case(case, layer, x, training=training)
        w, eps, mom = r["w"], 1e-3, 0.99
        ax = tuple(range(x.ndim - 1))
        x64 = x.astype(np.float64)
        if training:
            mean, var = x64.mean(axis=ax), x64.var(axis=ax)  # biased
        else:
            mean, var = w["moving_mean"].astype(np.float64), w["moving_variance"].astype(np.float64)
        xhat = (x64 - mean) / np.sqrt(var + eps)
        close(r["y"], w["gamma"] * xhat + w["beta"], case + " forward")
        g = r["g"].astype(np.float64)
        close(r["grads"]["gamma"], (g * xhat).sum(axis=ax), case + " dgamma", rtol=1e-4, atol=1e-4)
        close(r["grads"]["beta"], g.sum(axis=ax), case + " dbeta", rtol=1e-4, atol=1e-4)
        scale = w["gamma"] / np.sqrt(var + eps)
        if training:
            dx = scale * (g - g.mean(axis=ax) - xhat * (g * xhat).mean(axis=ax))
        else:
            dx = scale * g
        close(r["grads"]["input"], dx, case + " dx", rtol=1e-4, atol=1e-4)
        wa = r["w_after"]
        if training:
            n = int(np.prod([x.shape[a] for a in ax]))
            close(wa["moving_mean"], mom * w["moving_mean"] + (1 - mom) * mean, case + " moving_mean")
            biased = mom * w["moving_variance"] + (1 - mom) * var
            bessel = mom * w["moving_variance"] + (1 - mom) * var * n / (n - 1)
            eb = np.abs(wa["moving_variance"] - biased).max()
            eu = np.abs(wa["moving_variance"] - bessel).max()
            found = "bessel_corrected" if eu < eb else "biased"
            assert min(eb, eu) < 1e-6 and max(eb, eu) > 1e-5, (case, eb, eu)
            BN_FINDINGS[case] = found
            print(f"  {case}: n={n} |mv-biased|={eb:.2e} |mv-bessel|={eu:.2e} -> moving_variance uses {found} variance")
        else:
            for k in ("moving_mean", "moving_variance"):
                close(wa[k], w[k], case + " unchanged " + k, rtol=0, atol=0)


# --------------------------------------------------------------- Activation

def activation_cases():
    for case, name, shp in [("activation_relu", "relu", (2, 4, 4, 3)),
                            ("activation_sigmoid", "sigmoid", (2, 4, 4, 3)),
                            ("activation_tanh", "tanh", (2, 4, 4, 3)),
                            ("activation_softmax_2d", "softmax", (2, 5)),
                            ("activation_softmax_4d", "softmax", (2, 3, 3, 4)),
                            ("activation_linear", "linear", (2, 4, 4, 3))]:
        x = normal(rng_for(case), shp, 2.0)
        r = run_layer_case(case, keras.layers.Activation(name), x)
        close(r["y"], np_act(name, x), case + " forward")
        if name == "softmax":
            y, g = r["y"].astype(np.float64), r["g"].astype(np.float64)
            close(r["grads"]["input"], y * (g - (g * y).sum(-1, keepdims=True)), case + " dx")


# ------------------------------------------------------------------ Pooling

def pool_cases():
    specs = [
        ("maxpool_p2_s2_valid", "max", (2, 7, 7, 3), 2, 2, "valid"),
        ("maxpool_p2_s2_valid_6x6", "max", (2, 6, 6, 3), 2, 2, "valid"),
        ("maxpool_p2_s2_same_7x7", "max", (2, 7, 7, 3), 2, 2, "same"),
        ("maxpool_p3_s2_valid", "max", (2, 9, 7, 3), 3, 2, "valid"),
        ("maxpool_p3_s1_same", "max", (2, 5, 6, 3), 3, 1, "same"),
        ("maxpool_p3_s2_same_8x8", "max", (2, 8, 8, 2), 3, 2, "same"),
        ("avgpool_p3_s2_same_7x7", "avg", (2, 7, 7, 3), 3, 2, "same"),
        ("avgpool_p2_s2_valid", "avg", (2, 7, 6, 3), 2, 2, "valid"),
        ("avgpool_p2_s2_same_7x7", "avg", (2, 7, 7, 2), 2, 2, "same"),
        ("avgpool_p3_s1_same", "avg", (2, 5, 5, 2), 3, 1, "same"),
    ]
    for case, kind, shp, p, s, pad in specs:
        x = distinct(rng_for(case), shp)
        cls = keras.layers.MaxPool2D if kind == "max" else keras.layers.AveragePooling2D
        r = run_layer_case(case, cls(pool_size=p, strides=s, padding=pad), x)
        ref = np_pool(x, (p, p), (s, s), pad, kind)
        assert r["y"].shape == ref.shape, (case, r["y"].shape, ref.shape)
        close(r["y"], ref, case + " forward")
        # gradient mass is conserved for max (each output routes g to one input)
        if kind == "max":
            close(r["grads"]["input"].sum(), r["g"].sum(), case + " grad mass", rtol=1e-4, atol=1e-4)

    case = "global_avgpool"
    x = normal(rng_for(case), (2, 5, 5, 3))
    r = run_layer_case(case, keras.layers.GlobalAveragePooling2D(), x)
    close(r["y"], x.mean(axis=(1, 2)), case)
    close(r["grads"]["input"], np.broadcast_to(r["g"][:, None, None, :] / 25.0, x.shape), case + " dx")


# ---------------------------------------------------- Dropout/Flatten/Dense

def misc_cases():
    case = "dropout_infer"
    x = normal(rng_for(case), (2, 4, 4, 3))
    r = run_layer_case(case, keras.layers.Dropout(0.5), x, training=False)
    close(r["y"], x, case, rtol=0, atol=0)
    close(r["grads"]["input"], r["g"], case + " dx", rtol=0, atol=0)

    case = "flatten"
    x = normal(rng_for(case), (2, 3, 4, 3))
    r = run_layer_case(case, keras.layers.Flatten(), x)
    close(r["y"], x.reshape(2, -1), case, rtol=0, atol=0)  # NHWC row-major order

    for case, act, bias, shp, units in [("dense_relu", "relu", True, (3, 5), 4),
                                        ("dense_softmax", "softmax", True, (3, 5), 3),
                                        ("dense_linear", "linear", True, (3, 5), 4),
                                        ("dense_linear_nobias", "linear", False, (3, 5), 4),
                                        ("dense_relu_nobias", "relu", False, (2, 6), 3)]:
        x = normal(rng_for(case), shp)
        r = run_layer_case(case, keras.layers.Dense(units, activation=act, use_bias=bias), x)
        z = x.astype(np.float64) @ r["w"]["kernel"] + (r["w"]["bias"] if bias else 0)
        close(r["y"], np_act(act, z), case + " forward")
        if act == "linear":
            g = r["g"].astype(np.float64)
            close(r["grads"]["kernel"], x.T.astype(np.float64) @ g, case + " dK", rtol=1e-4, atol=1e-4)
            close(r["grads"]["input"], g @ r["w"]["kernel"].T, case + " dx", rtol=1e-4, atol=1e-4)

    # l2 regulariser: model.losses = 0.01 * sum(kernel^2)
    case = "dense_l2_regularizer"
    x = normal(rng_for(case), (3, 4))
    layer = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2())
    r = run_layer_case(case, layer, x, extra_config={"kernel_regularizer": {"class": "L2", "l2": 0.01}})
    model = keras.Sequential([keras.Input(shape=(4,)), layer])
    reg = float(tf.add_n(model.losses))
    expected = 0.01 * float((r["w"]["kernel"].astype(np.float64) ** 2).sum())
    close(reg, expected, case + " reg")
    # gradient of the regularisation term alone w.r.t. the kernel: 0.02 * w
    with tf.GradientTape() as tape:
        lreg = tf.add_n(layer.losses)
    dreg = tape.gradient(lreg, layer.kernel).numpy()
    close(dreg, 0.02 * r["w"]["kernel"], case + " dreg")
    obj = json.loads((OUT_DIR / f"{case}.json").read_text())
    obj.pop("generator")
    obj["regularization_loss"] = float(F32(reg))
    obj["grads_regularization"] = {"kernel": T(dreg)}
    obj["note"] = ("regularization_loss = 0.01*sum(kernel^2) (model.losses); "
                   "grads are of sum(output*upstream) only; grads_regularization is d(reg)/d(kernel)")
    WRITTEN.pop()
    write(case, {k: v for k, v in obj.items() if k != "case"})


# ------------------------------------------------------- Concatenate / Add

def merge_cases():
    for case, cls, shapes in [("concatenate_channels", keras.layers.Concatenate, [(2, 4, 4, 3), (2, 4, 4, 2)]),
                              ("add", keras.layers.Add, [(2, 4, 4, 3), (2, 4, 4, 3)])]:
        rng = rng_for(case)
        xs = [normal(rng, s) for s in shapes]
        layer = cls(axis=-1) if cls is keras.layers.Concatenate else cls()
        ts = [tf.constant(a) for a in xs]
        with tf.GradientTape() as tape:
            for t in ts:
                tape.watch(t)
            y = layer(ts)
            g = normal(rng_for(case + "/g"), tuple(y.shape))
            L = tf.reduce_sum(y * g)
        gs = [v.numpy() for v in tape.gradient(L, ts)]
        y = y.numpy()
        if cls is keras.layers.Concatenate:
            close(y, np.concatenate(xs, axis=-1), case, rtol=0, atol=0)
            close(gs[0], g[..., :3], case + " d0", rtol=0, atol=0)
            close(gs[1], g[..., 3:], case + " d1", rtol=0, atol=0)
        else:
            close(y, xs[0] + xs[1], case)
            close(gs[0], g, case + " d0", rtol=0, atol=0)
        write(case, {
            "layer": type(layer).__name__,
            "config": layer_config(layer),
            "training": False,
            "inputs": [T(a) for a in xs],
            "weights": {},
            "output": T(y),
            "upstream": T(g),
            "grads": {"input0": T(gs[0]), "input1": T(gs[1]), "inputs": [T(a) for a in gs]},
        })


# ------------------------------------------------------------------- Losses

def onehot(y, k):
    return np.eye(k, dtype=np.float64)[y]


def loss_cases():
    N, K = 4, 3
    # 1) sparse CE, from_logits=False, on the output of a Keras softmax (like Dense(..., 'softmax'))
    case = "loss_sparse_cce_softmax_probs"
    rng = rng_for(case)
    z = normal(rng, (N, K), 2.0)
    y = rng.integers(0, K, N).astype(np.int32)
    lossf = keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        p = keras.activations.softmax(zt)  # carries _keras_logits, as Dense(activation='softmax') does
        assert hasattr(p, "_keras_logits")
        L = lossf(y, p)
    dz = tape.gradient(L, zt).numpy()
    pn = np_act("softmax", z)
    ref = -np.log(pn[np.arange(N), y]).mean()
    close(float(L), ref, case)
    close(dz, (pn - onehot(y, K)) / N, case + " dz")
    write(case, {"layer": "SparseCategoricalCrossentropy",
                 "config": {"from_logits": False, "reduction": "sum_over_batch_size"},
                 "note": "input = logits z; the loss is applied to probs = keras softmax(z); "
                         "tf-keras then uses the attached logits (no clipping). grads.input = dL/dz",
                 "input": T(z), "probs": T(p.numpy()), "labels": T(y),
                 "output": T(np.array(float(L), F32)), "grads": {"input": T(dz)}})

    # 2) sparse CE, from_logits=True
    case = "loss_sparse_cce_logits"
    rng = rng_for(case)
    z = normal(rng, (N, K), 2.0)
    y = rng.integers(0, K, N).astype(np.int32)
    lossf = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        L = lossf(y, zt)
    dz = tape.gradient(L, zt).numpy()
    pn = np_act("softmax", z)
    close(float(L), -np.log(pn[np.arange(N), y]).mean(), case)
    close(dz, (pn - onehot(y, K)) / N, case + " dz")
    write(case, {"layer": "SparseCategoricalCrossentropy",
                 "config": {"from_logits": True, "reduction": "sum_over_batch_size"},
                 "input": T(z), "labels": T(y),
                 "output": T(np.array(float(L), F32)), "grads": {"input": T(dz)}})

    # 3) sparse CE, from_logits=False, on a plain probability tensor (no attached logits):
    #    clipping to [1e-7, 1-1e-7]; one true-class probability is below 1e-7
    case = "loss_sparse_cce_raw_probs_clipped"
    rng = rng_for(case)
    p = rng.uniform(0.05, 1.0, (N, K))
    y = rng.integers(0, K, N).astype(np.int32)
    p[0, y[0]] = 1e-9
    p = (p / p.sum(-1, keepdims=True)).astype(F32)
    lossf = keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    pt = tf.constant(p)
    with tf.GradientTape() as tape:
        tape.watch(pt)
        L = lossf(y, pt)
    dp = tape.gradient(L, pt).numpy()
    p64 = p.astype(np.float64)
    pc = np.clip(p64, 1e-7, 1 - 1e-7)
    S = pc.sum(-1, keepdims=True)
    close(float(L), -np.log(pc[np.arange(N), y] / S[:, 0]).mean(), case, rtol=1e-5, atol=1e-5)
    inside = (p64 > 1e-7) & (p64 < 1 - 1e-7)
    close(dp, np.where(inside, (1 / S - onehot(y, K) / pc) / N, 0.0), case + " dp", rtol=1e-4, atol=1e-5)
    write(case, {"layer": "SparseCategoricalCrossentropy",
                 "config": {"from_logits": False, "reduction": "sum_over_batch_size"},
                 "note": "input = plain probabilities (no keras logits attached): "
                         "L = mean(-log(clip(p,1e-7,1-1e-7)[y] / sum(clip(p)))); grads.input = dL/dp",
                 "input": T(p), "labels": T(y),
                 "output": T(np.array(float(L), F32)), "grads": {"input": T(dp)}})

    # 4) categorical CE on probabilities (not from a softmax): one-hot labels
    case = "loss_cce_probs"
    rng = rng_for(case)
    p = rng.uniform(0.05, 1.0, (N, K))
    p = (p / p.sum(-1, keepdims=True)).astype(F32)
    y = rng.integers(0, K, N)
    yo = onehot(y, K).astype(F32)
    lossf = keras.losses.CategoricalCrossentropy(from_logits=False)
    pt = tf.constant(p)
    with tf.GradientTape() as tape:
        tape.watch(pt)
        L = lossf(yo, pt)
    dp = tape.gradient(L, pt).numpy()
    p64 = p.astype(np.float64)
    S = p64.sum(-1, keepdims=True)
    close(float(L), -(onehot(y, K) * np.log(p64 / S)).sum(-1).mean(), case)
    close(dp, (1 / S - onehot(y, K) / p64) / N, case + " dp", rtol=1e-4, atol=1e-5)
    write(case, {"layer": "CategoricalCrossentropy",
                 "config": {"from_logits": False, "reduction": "sum_over_batch_size"},
                 "note": "L = mean_n(-sum_k y log(p/sum(p))) (tf-keras renormalises p, clips to "
                         "[1e-7,1-1e-7]); grads.input = dL/dp = (1/sum(p) - y/p)/N",
                 "input": T(p), "labels": T(yo),
                 "output": T(np.array(float(L), F32)), "grads": {"input": T(dp)}})

    # 5) MSE
    case = "loss_mse"
    rng = rng_for(case)
    pr = normal(rng, (3, 4))
    tg = normal(rng, (3, 4))
    lossf = keras.losses.MeanSquaredError()
    pt = tf.constant(pr)
    with tf.GradientTape() as tape:
        tape.watch(pt)
        L = lossf(tg, pt)
    dp = tape.gradient(L, pt).numpy()
    d = pr.astype(np.float64) - tg
    close(float(L), (d ** 2).mean(), case)
    close(dp, 2 * d / d.size, case + " dp")
    write(case, {"layer": "MeanSquaredError", "config": {"reduction": "sum_over_batch_size"},
                 "note": "L = mean over batch of mean over last axis of (pred-target)^2; grads.input = dL/dpred",
                 "input": T(pr), "labels": T(tg),
                 "output": T(np.array(float(L), F32)), "grads": {"input": T(dp)}})

    # 6) SparseCategoricalAccuracy
    case = "metric_sparse_categorical_accuracy"
    rng = rng_for(case)
    p = rng.uniform(0.0, 1.0, (6, K)).astype(F32)
    y = rng.integers(0, K, 6).astype(np.int32)
    y[:3] = p[:3].argmax(-1)  # make at least half correct
    m = keras.metrics.SparseCategoricalAccuracy()
    m.update_state(y, p)
    acc = float(m.result())
    close(acc, (p.argmax(-1) == y).mean(), case, rtol=0, atol=1e-7)
    write(case, {"layer": "SparseCategoricalAccuracy", "config": {},
                 "input": T(p), "labels": T(y), "output": T(np.array(acc, F32))})


# -------------------------------------------------------- model / optimizer

def build_cbapd(seed_case, input_shape=(6, 6, 2)):
    keras.backend.clear_session()  # fixed layer/variable names, e.g. "conv2d/kernel", "Adam/m/dense/bias"
    keras.utils.set_random_seed(1234)
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(4, 3, padding="same", name="conv2d"),
        keras.layers.BatchNormalization(name="batch_normalization"),
        keras.layers.Activation("relu", name="activation"),
        keras.layers.MaxPool2D(2, 2, padding="same", name="max_pooling2d"),
        keras.layers.Dropout(0.0, name="dropout"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(3, activation="softmax", name="dense"),
    ], name="cbapd")
    rng = rng_for(seed_case + "/w")
    for layer in model.layers:
        for v in layer.weights:
            v.assign(random_weight(rng, vname(v), tuple(v.shape)))
    return model


def model_desc(model):
    return [{"class": type(l).__name__, "name": l.name, "config": layer_config(l)} for l in model.layers]


def layer_weights(model):
    return [{"class": type(l).__name__, "name": l.name,
             "weights": {vname(v): T(v.numpy()) for v in l.weights}} for l in model.layers]


def weights_np(model):
    return [{vname(v): v.numpy() for v in l.weights} for l in model.layers]


def opt_state(opt):
    vs = opt.variables() if callable(opt.variables) else opt.variables
    out = {}
    for v in vs:
        n = v.name.split(":")[0]
        val = v.numpy()
        out[n] = {"shape": [], "dtype": "int32", "data": [int(val)]} if val.ndim == 0 else T(val)
    return out


def model_grads(model, x, y):
    """Gradients of the compiled loss in training mode; restores BN moving stats afterwards."""
    saved = model.get_weights()
    lossf = keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    with tf.GradientTape() as tape:
        p = model(x, training=True)
        L = lossf(y, p)
    gr = tape.gradient(L, model.trainable_variables)
    model.set_weights(saved)
    out = {}
    for v, gv in zip(model.trainable_variables, gr):
        out[v.name.split(":")[0]] = gv.numpy()
    return float(L), out


def optimizer_cases():
    specs = [("train_adam_2steps", lambda: keras.optimizers.Adam(),
              {"class": "Adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
             ("train_sgd_momentum_2steps", lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
              {"class": "SGD", "learning_rate": 0.1, "momentum": 0.9, "nesterov": False}),
             ("train_sgd_nesterov_2steps", lambda: keras.optimizers.SGD(momentum=0.9, nesterov=True),
              {"class": "SGD", "learning_rate": 0.01, "momentum": 0.9, "nesterov": True})]
    for case, make_opt, ocfg in specs:
        rng = rng_for(case)
        x = normal(rng, (4, 6, 6, 2))
        y = np.array([0, 1, 2, 1], np.int32)
        model = build_cbapd(case)
        opt = make_opt()
        model.compile(optimizer=opt, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                      metrics=["sparse_categorical_accuracy"])
        initial = layer_weights(model)
        steps = []
        mstate = {}
        for t in (1, 2):
            before = {v.name.split(":")[0]: v.numpy() for v in model.trainable_variables}
            gl, grads = model_grads(model, x, y)
            logs = model.train_on_batch(x, y, return_dict=True)
            close(logs["loss"], gl, case + f" step{t} loss", rtol=1e-5, atol=1e-6)
            # check the optimizer update in numpy
            for n, g in grads.items():
                g = g.astype(np.float64)
                w0 = before[n].astype(np.float64)
                if ocfg["class"] == "Adam":
                    m, v = mstate.get(n, (0.0, 0.0))
                    m = m + (g - m) * 0.1
                    v = v + (g * g - v) * 0.001
                    alpha = 0.001 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                    w1 = w0 - alpha * m / (np.sqrt(v) + 1e-7)
                    mstate[n] = (m, v)
                else:
                    lr, mu = ocfg["learning_rate"], ocfg["momentum"]
                    m = mstate.get(n, 0.0)
                    m = mu * m - lr * g
                    w1 = w0 + (mu * m - lr * g if ocfg["nesterov"] else m)
                    mstate[n] = m
                now = [v for v in model.trainable_variables if v.name.split(":")[0] == n][0].numpy()
                close(now, w1, f"{case} step{t} {n}", rtol=1e-4, atol=1e-6)
            steps.append({
                "loss": float(F32(logs["loss"])),
                "sparse_categorical_accuracy": float(F32(logs["sparse_categorical_accuracy"])),
                "grads": {n: T(g) for n, g in grads.items()},
                "layers_after": layer_weights(model),
                "optimizer_state_after": opt_state(opt),
            })
        write(case, {
            "layer": "Sequential",
            "config": {"optimizer": ocfg, "loss": "SparseCategoricalCrossentropy(from_logits=False)",
                       "metrics": ["sparse_categorical_accuracy"]},
            "note": "each step = model.train_on_batch(x, labels) on the same batch; loss/accuracy are "
                    "from that step's forward pass (training mode, before the update). grads = dLoss/dvar "
                    "before the step, keyed by Keras variable name (layer/var).",
            "training": True,
            "model": model_desc(model),
            "input": T(x), "labels": T(y),
            "layers": initial,
            "steps": steps,
        })


def fit_case():
    case = "fit_adam_12samples_bs5_2epochs"
    rng = rng_for(case)
    x = normal(rng, (12, 6, 6, 2))
    y = rng.integers(0, 3, 12).astype(np.int32)
    xv = normal(rng, (7, 6, 6, 2))
    yv = rng.integers(0, 3, 7).astype(np.int32)

    def make():
        m = build_cbapd(case)
        m.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["sparse_categorical_accuracy"])
        return m

    model = make()
    initial = layer_weights(model)
    hist = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, validation_data=(xv, yv), verbose=0)
    H = {k: [float(F32(v)) for v in vs] for k, vs in hist.history.items()}

    # replay with train_on_batch to check the epoch reduction (batch-size weighted mean)
    m2 = make()
    for ep in range(2):
        losses, accs, sizes = [], [], []
        for s in range(0, 12, 5):
            xb, yb = x[s:s + 5], y[s:s + 5]
            logs = m2.train_on_batch(xb, yb, return_dict=True)
            losses.append(logs["loss"])
            accs.append(logs["sparse_categorical_accuracy"])
            sizes.append(len(yb))
        sizes = np.array(sizes, np.float64)
        weighted = float((np.array(losses) * sizes).sum() / sizes.sum())
        unweighted = float(np.mean(losses))
        close(H["loss"][ep], weighted, f"{case} epoch {ep} loss (weighted)", rtol=1e-5, atol=1e-6)
        assert abs(unweighted - weighted) > 1e-5
        close(H["sparse_categorical_accuracy"][ep], (np.array(accs) * sizes).sum() / sizes.sum(),
              f"{case} epoch {ep} acc", rtol=1e-6, atol=1e-6)
        ev = m2.evaluate(xv, yv, batch_size=5, verbose=0, return_dict=True)
        close(H["val_loss"][ep], ev["loss"], f"{case} epoch {ep} val_loss", rtol=1e-5, atol=1e-6)
        close(H["val_sparse_categorical_accuracy"][ep], ev["sparse_categorical_accuracy"],
              f"{case} epoch {ep} val_acc", rtol=1e-6, atol=1e-6)
        print(f"  fit epoch {ep}: per-batch losses {np.round(losses, 6).tolist()} sizes {sizes.tolist()} "
              f"-> weighted {weighted:.6f} (History {H['loss'][ep]:.6f}), unweighted {unweighted:.6f}")
    for a, b in zip(model.get_weights(), m2.get_weights()):
        close(a, b, case + " final weights replay", rtol=1e-5, atol=1e-6)
    write(case, {
        "layer": "Sequential",
        "config": {"optimizer": {"class": "Adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                 "epsilon": 1e-7},
                   "loss": "SparseCategoricalCrossentropy(from_logits=False)",
                   "metrics": ["sparse_categorical_accuracy"],
                   "fit": {"batch_size": 5, "epochs": 2, "shuffle": False, "validation_batch_size": 5}},
        "note": "History epoch loss = batch-size weighted mean of per-batch training losses (batches of 5,5,2), "
                "each from the forward pass before that batch's update; val_* evaluated after the epoch "
                "(inference mode, batch 5 -> 5,2).",
        "training": True,
        "model": model_desc(model),
        "input": T(x), "labels": T(y),
        "validation_input": T(xv), "validation_labels": T(yv),
        "layers": initial,
        "history": H,
        "layers_after": layer_weights(model),
        "optimizer_state_after": opt_state(model.optimizer),
    })


# --------------------------------------------------------------------- main

def verify_roundtrip():
    for p in sorted(OUT_DIR.glob("*.json")):
        obj = json.loads(p.read_text())

        def walk(o):
            if isinstance(o, dict):
                if "shape" in o and "data" in o:
                    assert len(o["data"]) == int(np.prod(o["shape"])), p.name
                    if o.get("dtype") != "int32":
                        a = np.array(o["data"], np.float64)
                        assert np.array_equal(a.astype(F32).astype(np.float64), a), p.name
                        assert np.all(np.isfinite(a)), p.name
                for v in o.values():
                    walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(obj)


def main():
    print("versions:", ", ".join(f"{k} {v}" for k, v in GENERATOR.items() if k != "script"))
    print("tf.keras is", keras.__name__)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for p in OUT_DIR.glob("*.json"):
        p.unlink()
    keras.utils.set_random_seed(0)
    print("Conv2D...")
    conv_cases()
    print("BatchNormalization...")
    bn_cases()
    print("Activation / pooling / misc / merge / losses...")
    activation_cases()
    pool_cases()
    misc_cases()
    merge_cases()
    loss_cases()
    print("optimizers...")
    optimizer_cases()
    print("fit...")
    fit_case()
    verify_roundtrip()
    total = sum(s for _, s in WRITTEN)
    for case, size in WRITTEN:
        print(f"  {case:42s} {size / 1024:7.1f} KB")
        assert size < 200 * 1024, case
    print(f"{len(WRITTEN)} fixtures, {total / 1024:.1f} KB total in {OUT_DIR}")
    print("BN moving_variance update:", BN_FINDINGS)
    assert BN_FINDINGS == {"batchnorm_4d_train": "bessel_corrected", "batchnorm_2d_train": "biased"}, BN_FINDINGS


if __name__ == "__main__":
    main()
