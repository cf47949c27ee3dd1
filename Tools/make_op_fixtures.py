#!/usr/bin/env python3
"""Generate TensorFlow reference fixtures for SwiftCNN's public differentiable ops.

Writes one small JSON file per case to
``Tests/SwiftCNNTests/Fixtures/ops/<case>.json`` (the directory's *.json files are
deleted first, so the output is exactly what this script produces)::

    TF_CPP_MIN_LOG_LEVEL=2 /work/venv/bin/python Tools/make_op_fixtures.py

One file per op (<op>.json: {"op", "generator", "cases": [...]}); each case runs one tf.* / tf.nn.* op (whose semantics SwiftCNN's ops copy) on fixed
random float32 inputs (numpy generator seeded by crc32 of the case name), and the
gradients of L = sum(output * R) for a fixed random R of the output's shape, taken
with tf.GradientTape with respect to every tensor input.  The op is evaluated in
float64 on the float32 inputs (where TensorFlow's CPU kernels allow), so the stored
reference is the exact answer rounded once to float32; Swift's float32 result is
compared against it with |a - b| <= tol * (1 + |b|).

Case format (tensors are {"shape": [...], "data": [flat row-major]}; inputs and R
on a 0.01 grid, written exactly; outputs and gradients to 6 significant digits)::

    case, args (the op's non-tensor arguments, Swift spelling),
    inputs {name: tensor} (in the op's argument order, listed in "order"),
    outputs {name: tensor}   ("output", or "mean"/"variance" for moments),
    upstream {name: tensor}  (R per output; L = sum over outputs of sum(out * R)),
    grads {name: tensor}     (dL/d input, for the differentiable inputs),
    reference_dtype (only where float64 was unavailable: "float32").

Inputs are kept away from kinks (relu/abs at 0, clip bounds, ties in max pooling
and maximum/minimum) except in the cases named *_ties, which check TF's tie rules:
tf.reduce_max/min split the gradient equally among tied elements; tf.maximum and
tf.minimum send a tie's gradient to the first argument (x >= y / x <= y).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import json  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent.parent / "Tests" / "SwiftCNNTests" / "Fixtures" / "ops"
GENERATOR = {
    "script": "Tools/make_op_fixtures.py",
    "python": sys.version.split()[0],
    "tensorflow": tf.__version__,
    "numpy": np.__version__,
}
F32 = np.float32
CASES = {}  # op -> [case]


def rng_for(case):
    return np.random.default_rng(zlib.crc32(case.encode()))


def f32(v):
    """Shortest decimal that round-trips to the same float32."""
    return float(np.format_float_positional(F32(v), unique=True, trim="-")) if np.isfinite(v) else None


def T(a):
    """An input: float32 values, written as the shortest decimal that round-trips."""
    a = np.asarray(a, dtype=F32)
    return {"shape": list(a.shape), "data": [f32(v) for v in a.reshape(-1)]}


def R7(a):
    """A reference result: 6 significant digits (relative error <= 5e-7, well below the
    tests' 1e-5 and 1e-4), which keeps the files small."""
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(f"{v:.6g}") for v in a.reshape(-1)]}


def short(a, decimals=2):
    """Inputs on a 0.01 grid: short in JSON, and exactly what the reference used."""
    return np.round(np.asarray(a, np.float64), decimals).astype(F32)


def uniform(rng, shape, lo=-1.0, hi=1.0):
    return short(rng.uniform(lo, hi, shape))


def away_from_zero(rng, shape, lo=0.2, hi=1.5):
    """Values with |v| in [lo, hi], random sign: no kinks of relu/abs at 0."""
    mag = rng.uniform(lo, hi, shape)
    sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return short(mag * sign)


def distinct(rng, shape, scale=0.1):
    """Distinct values, well apart (no ties), centred on 0."""
    n = int(np.prod(shape))
    return short((rng.permutation(n) - n / 2) * scale).reshape(shape)


def case(name, op, inputs, fn, args=None, differentiable=None, dtype=np.float64):
    """Runs fn(**tf inputs) under a tape and writes the fixture.

    fn returns one tensor or a dict of named tensors.  `differentiable` names the
    inputs to take gradients for (default: all)."""
    differentiable = list(inputs) if differentiable is None else differentiable
    rng = rng_for(name + "/R")
    try:
        result = _run(inputs, fn, differentiable, dtype, rng)
        ref_dtype = np.dtype(dtype).name
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError, TypeError) as e:
        if dtype == F32:
            raise
        print(f"  {name}: float64 unavailable ({type(e).__name__}), using float32")
        result = _run(inputs, fn, differentiable, F32, rng_for(name + "/R"))
        ref_dtype = "float32"
    outputs, upstream, grads = result
    obj = {
        "case": name,
        "args": args or {},
        "order": list(inputs),
        "inputs": {k: T(v) for k, v in inputs.items()},
        "outputs": {k: R7(v) for k, v in outputs.items()},
        "upstream": {k: T(v) for k, v in upstream.items()},
        "grads": {k: R7(v) for k, v in grads.items()},
    }
    if ref_dtype != "float64":
        obj["reference_dtype"] = ref_dtype
    CASES.setdefault(op, []).append(obj)


def _run(inputs, fn, differentiable, dtype, rng):
    tensors = {k: tf.constant(np.asarray(v, np.float64).astype(dtype)) for k, v in inputs.items()}
    with tf.GradientTape(persistent=True) as tape:
        for k in differentiable:
            tape.watch(tensors[k])
        out = fn(**tensors)
        if not isinstance(out, dict):
            out = {"output": out}
        # R is float32-representable so that Swift multiplies by the same numbers.
        upstream = {k: uniform(rng, tuple(v.shape)) for k, v in out.items()}
        loss = tf.add_n([tf.reduce_sum(tf.cast(v, dtype) * tf.constant(upstream[k].astype(dtype)))
                         for k, v in out.items()])
    grads = {}
    for k in differentiable:
        g = tape.gradient(loss, tensors[k])
        if g is None:
            raise RuntimeError(f"no gradient for {k}")
        grads[k] = tf.convert_to_tensor(g).numpy()
    outputs = {k: tf.cast(v, tf.float64).numpy() for k, v in out.items()}
    return outputs, upstream, grads


# ---------------------------------------------------------------- the cases

BROADCAST_SHAPES = {
    "same": ([2, 3], [2, 3]),
    "row": ([2, 3], [3]),        # [2,3] + [3]
    "rowlhs": ([3], [2, 3]),     # the smaller one on the left
    "outer": ([2, 1, 4], [3, 1]),  # -> [2,3,4], both sides broadcast
    "cols": ([4, 1], [1, 3]),    # -> [4,3]
    "scalarrhs": ([2, 3], []),
    "scalarlhs": ([], [2, 3]),
    "one": ([2, 3], [1]),
}


def binary_inputs(op, rng, sa, sb):
    if op == "divide":
        return uniform(rng, sa, -2, 2), away_from_zero(rng, sb, 0.5, 2.0)
    if op == "pow":
        return uniform(rng, sa, 0.5, 2.0), uniform(rng, sb, -1.5, 2.0)
    if op in ("maximum", "minimum"):
        # values on a 0.1 grid, the two sides offset by 0.05: never a tie
        a = (rng.integers(-10, 10, sa) * 0.1).astype(F32)
        b = (rng.integers(-10, 10, sb) * 0.1 + 0.05).astype(F32)
        return a, b
    return uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)


BINARY = {
    "add": tf.add, "subtract": tf.subtract, "multiply": tf.multiply, "divide": tf.divide,
    "maximum": tf.maximum, "minimum": tf.minimum, "pow": tf.pow,
}


def binary_cases():
    for op, fn in BINARY.items():
        for tag, (sa, sb) in BROADCAST_SHAPES.items():
            name = f"{op}_{tag}"
            a, b = binary_inputs(op, rng_for(name), sa, sb)
            case(name, op, {"a": a, "b": b}, lambda a, b, fn=fn: fn(a, b))
    # ties for maximum/minimum: TF sends the gradient of a tie to the first argument
    for op, fn in (("maximum", tf.maximum), ("minimum", tf.minimum)):
        name = f"{op}_ties"
        rng = rng_for(name)
        a = (rng.integers(-3, 3, [3, 4]) * 0.5).astype(F32)
        b = a.copy()
        b[0] += 0.25
        b[2, ::2] -= 0.25
        case(name, op, {"a": a, "b": b}, lambda a, b, fn=fn: fn(a, b))
    # a Float on either side
    scalar_ops = [
        ("add", "right", 1.5), ("add", "left", -0.5),
        ("subtract", "right", 1.0), ("subtract", "left", 1.0),
        ("multiply", "right", 2.0), ("multiply", "left", -3.0),
        ("divide", "right", 2.0), ("divide", "left", 2.0),
    ]
    for op, side, s in scalar_ops:
        name = f"{op}_float{side}"
        rng = rng_for(name)
        x = away_from_zero(rng, [2, 3], 0.5, 2.0) if (op == "divide" and side == "left") else uniform(rng, [2, 3], -2, 2)
        fn = BINARY[op]
        c = F32(s)
        f = (lambda x, fn=fn, c=c: fn(x, tf.cast(c, x.dtype))) if side == "right" else \
            (lambda x, fn=fn, c=c: fn(tf.cast(c, x.dtype), x))
        case(name, op + "Float", {"x": x}, f, args={"scalar": float(c), "side": side})


def unary_cases():
    specs = {
        "negate": (tf.negative, lambda r, s: uniform(r, s, -2, 2)),
        "exp": (tf.exp, lambda r, s: uniform(r, s, -2, 2)),
        "log": (tf.math.log, lambda r, s: uniform(r, s, 0.2, 3)),
        "sqrt": (tf.sqrt, lambda r, s: uniform(r, s, 0.2, 3)),
        "square": (tf.square, lambda r, s: uniform(r, s, -2, 2)),
        "abs": (tf.abs, lambda r, s: away_from_zero(r, s, 0.1, 2)),
        "relu": (tf.nn.relu, lambda r, s: away_from_zero(r, s, 0.1, 2)),
        "sigmoid": (tf.sigmoid, lambda r, s: uniform(r, s, -4, 4)),
        "tanh": (tf.tanh, lambda r, s: uniform(r, s, -3, 3)),
    }
    for op, (fn, gen) in specs.items():
        for tag, shape in (("2d", [3, 4]), ("scalar", []), ("3d", [2, 2, 3])):
            name = f"{op}_{tag}"
            case(name, op, {"x": gen(rng_for(name), shape)}, lambda x, fn=fn: fn(x))
    # clip to [-1, 1]: values on both sides of each bound, none within 0.05 of one
    for tag, shape in (("2d", [3, 4]), ("3d", [2, 3, 2])):
        name = f"clip_{tag}"
        rng = rng_for(name)
        x = away_from_zero(rng, shape, 0.1, 2.0)
        x = np.where(np.abs(np.abs(x) - 1) < 0.05, x * 0.8, x).astype(F32)
        case(name, "clip", {"x": x}, lambda x: tf.clip_by_value(x, -1.0, 1.0),
             args={"min": -1.0, "max": 1.0})
    name = "clip_asymmetric"
    x = np.array([[-3, -0.9, -0.3, 0.2], [0.45, 0.55, 1.7, -0.1]], F32)
    case(name, "clip", {"x": x}, lambda x: tf.clip_by_value(x, -0.5, 0.5), args={"min": -0.5, "max": 0.5})
    # pow with a Float exponent
    for tag, e, lo, hi in (("2p5", 2.5, 0.2, 2.0), ("m1p5", -1.5, 0.3, 2.0), ("0p5", 0.5, 0.2, 3.0),
                           ("2_negbase", 2.0, -2.0, 2.0), ("3_negbase", 3.0, -2.0, 2.0)):
        name = f"powFloat_{tag}"
        x = uniform(rng_for(name), [3, 4], lo, hi)
        if lo < 0:
            x = np.where(np.abs(x) < 0.1, x + 0.3, x).astype(F32)
        case(name, "powFloat", {"x": x}, lambda x, e=e: tf.pow(x, tf.cast(e, x.dtype)), args={"exponent": e})


def softmax_cases():
    for op, fn in (("softmax", tf.nn.softmax), ("logSoftmax", tf.nn.log_softmax)):
        for tag, shape, axis in (("2d_last", [3, 5], -1), ("2d_axis0", [3, 5], 0),
                                 ("3d_axis1", [2, 3, 4], 1), ("3d_last", [2, 3, 4], 2),
                                 ("1d", [6], -1), ("4d_last", [2, 2, 2, 3], -1)):
            name = f"{op}_{tag}"
            x = uniform(rng_for(name), shape, -3, 3)
            case(name, op, {"x": x}, lambda x, fn=fn, axis=axis: fn(x, axis=axis), args={"axis": axis})
        name = f"{op}_large"  # large logits: a naive exp overflows
        x = uniform(rng_for(name), [2, 4], -3, 3) + np.array([[80], [-90]], F32)
        case(name, op, {"x": x.astype(F32)}, lambda x, fn=fn: fn(x, axis=-1), args={"axis": -1})


REDUCE = {"sum": tf.reduce_sum, "mean": tf.reduce_mean, "max": tf.reduce_max, "min": tf.reduce_min}


def reduction_cases():
    shape = [2, 3, 2]
    axes_cases = [("all", None), ("a1", [1]), ("am1", [-1]), ("a02", [0, 2]), ("am3m1", [-3, -1])]
    for op, fn in REDUCE.items():
        for tag, axes in axes_cases:
            for keep in (False, True):
                name = f"{op}_{tag}_{'keep' if keep else 'drop'}"
                rng = rng_for(name)
                x = distinct(rng, shape, 0.1) if op in ("max", "min") else uniform(rng, shape, -2, 2)
                case(name, op, {"x": x}, lambda x, fn=fn, axes=axes, keep=keep: fn(x, axis=axes, keepdims=keep),
                     args={"axes": axes, "keepDims": keep})
        # 2-D and scalar inputs
        name = f"{op}_2d_a0"
        x = distinct(rng_for(name), [3, 4], 0.1)
        case(name, op, {"x": x}, lambda x, fn=fn: fn(x, axis=[0]), args={"axes": [0], "keepDims": False})
        name = f"{op}_scalar"
        case(name, op, {"x": np.array(0.7, F32)}, lambda x, fn=fn: fn(x), args={"axes": None, "keepDims": False})
    # ties: the gradient is split equally among the tied maxima (minima)
    x = np.array([[[1, 3, 3, 0], [2, 2, 2, 2], [-1, 5, 0, 5]],
                  [[4, 4, 1, 4], [0, -2, -2, 1], [3, 1, 3, 3]]], F32)
    for op in ("max", "min"):
        fn = REDUCE[op]
        for tag, axes in (("am1", [-1]), ("a0", [0]), ("all", None), ("a1", [1]), ("a02", [0, 2])):
            name = f"{op}_ties_{tag}"
            case(name, op, {"x": x}, lambda x, fn=fn, axes=axes: fn(x, axis=axes, keepdims=False),
                 args={"axes": axes, "keepDims": False})
        name = f"{op}_ties_am1_keep"
        case(name, op, {"x": x}, lambda x, fn=fn: fn(x, axis=[-1], keepdims=True),
             args={"axes": [-1], "keepDims": True})
    # argmax: float indices, no gradient; ties give the first index
    for tag, xs, axis in (("last", distinct(rng_for("argmax_last"), [3, 4]), -1),
                          ("axis0", distinct(rng_for("argmax_axis0"), [3, 4]), 0),
                          ("3d_axis1", distinct(rng_for("argmax_3d_axis1"), [2, 3, 4]), 1),
                          ("ties", x, -1)):
        name = f"argmax_{tag}"
        case(name, "argmax", {"x": xs}, lambda x, axis=axis: tf.cast(tf.argmax(x, axis=axis), x.dtype),
             args={"axis": axis}, differentiable=[])


def matmul_cases():
    for tag, sa, sb in (("2d", [3, 4], [4, 5]), ("vec", [1, 3], [3, 1]),
                        ("batched", [2, 3, 4], [2, 4, 5]),
                        ("bcast_batch", [2, 1, 3, 4], [3, 4, 2]),  # batch [2,1] x [3] -> [2,3]
                        ("bcast_lhs2d", [3, 4], [2, 4, 5]),
                        ("bcast_rhs2d", [2, 3, 4], [4, 2]),
                        ("bcast_one", [1, 2, 3], [4, 3, 2])):
        name = f"matmul_{tag}"
        rng = rng_for(name)
        case(name, "matmul", {"a": uniform(rng, sa), "b": uniform(rng, sb)}, lambda a, b: tf.linalg.matmul(a, b))


def shape_cases():
    for tag, shape, new in (("infer", [2, 3, 4], [4, -1]), ("flat", [2, 3, 4], [24]),
                            ("rank4", [6, 4], [2, 3, 2, 2]), ("inferfirst", [2, 6], [-1, 3])):
        name = f"reshape_{tag}"
        x = uniform(rng_for(name), shape)
        case(name, "reshape", {"x": x}, lambda x, new=new: tf.reshape(x, new), args={"shape": new})
    for tag, shape, perm in (("2d_default", [3, 4], None), ("3d_default", [2, 3, 4], None),
                             ("021", [2, 3, 4], [0, 2, 1]), ("102", [2, 3, 4], [1, 0, 2]),
                             ("201", [2, 3, 4], [2, 0, 1]), ("120", [2, 3, 4], [1, 2, 0]),
                             ("4d_0312", [2, 3, 2, 4], [0, 3, 1, 2]), ("identity", [2, 3], [0, 1])):
        name = f"transpose_{tag}"
        x = uniform(rng_for(name), shape)
        case(name, "transpose", {"x": x}, lambda x, perm=perm: tf.transpose(x, perm=perm),
             args={"permutation": perm})
    for tag, shape, begin, size in (("2d", [3, 4], [0, 1], [2, -1]), ("3d", [2, 3, 4], [1, 0, 1], [1, -1, 2]),
                                    ("1d", [6], [2], [3]), ("whole", [2, 3], [0, 0], [-1, -1]),
                                    ("4d", [2, 4, 4, 3], [0, 1, 2, 1], [2, 2, -1, 2])):
        name = f"slice_{tag}"
        x = uniform(rng_for(name), shape)
        case(name, "slice", {"x": x}, lambda x, b=begin, s=size: tf.slice(x, b, s), args={"begin": begin, "size": size})
    for tag, shape, idx, axis in (("axis0", [3, 4], [2, 0, 2], 0), ("axis1", [3, 4], [3, 1, 1, 0], 1),
                                  ("axism1", [2, 3, 4], [0, 3, 3], -1), ("3d_axis1", [2, 3, 4], [1, 1, 2, 0, 1], 1),
                                  ("single", [4, 2], [3], 0)):
        name = f"gather_{tag}"
        x = uniform(rng_for(name), shape)
        case(name, "gather", {"x": x}, lambda x, i=idx, a=axis: tf.gather(x, i, axis=a),
             args={"indices": idx, "axis": axis})
    for tag, shapes, axis in (("axis0", [[2, 3], [1, 3], [3, 3]], 0), ("axis1", [[2, 1], [2, 3]], 1),
                              ("axism1", [[2, 2, 1], [2, 2, 3], [2, 2, 2]], -1),
                              ("3d_axis1", [[2, 1, 3], [2, 2, 3]], 1), ("4d_axis3", [[1, 2, 2, 3], [1, 2, 2, 1]], 3),
                              ("single", [[2, 3]], 0)):
        name = f"concat_{tag}"
        rng = rng_for(name)
        ins = {f"t{i}": uniform(rng, s) for i, s in enumerate(shapes)}
        case(name, "concatenate", ins, lambda axis=axis, **t: tf.concat([t[k] for k in sorted(t)], axis=axis),
             args={"axis": axis})
    for tag, shape, n, axis in (("axis0", [2, 3], 2, 0), ("axis1", [2, 3], 3, 1), ("axis2", [2, 3], 2, 2),
                                ("axism1", [2, 3], 2, -1), ("axism2", [2, 3], 3, -2), ("scalars", [], 3, 0)):
        name = f"stack_{tag}"
        rng = rng_for(name)
        ins = {f"t{i}": uniform(rng, shape) for i in range(n)}
        case(name, "stack", ins, lambda axis=axis, **t: tf.stack([t[k] for k in sorted(t)], axis=axis),
             args={"axis": axis})
    for tag, shape, pads, value in (("2d", [2, 3], [[0, 0], [1, 2]], 0.0), ("3d", [2, 2, 3], [[1, 0], [0, 1], [2, 0]], 0.0),
                                    ("value", [2, 3], [[1, 1], [0, 2]], 1.5), ("1d", [4], [[3, 1]], -2.0),
                                    ("4d_spatial", [1, 2, 3, 2], [[0, 0], [1, 1], [2, 1], [0, 0]], 0.0)):
        name = f"pad_{tag}"
        x = uniform(rng_for(name), shape)
        case(name, "pad", {"x": x}, lambda x, p=pads, v=value: tf.pad(x, p, constant_values=tf.cast(v, x.dtype)),
             args={"paddings": pads, "value": value})


def nn_cases():
    for padding in ("SAME", "VALID"):
        for stride in (1, 2):
            for bias in (False, True):
                name = f"conv2d_{padding.lower()}_s{stride}_{'bias' if bias else 'nobias'}"
                rng = rng_for(name)
                batch = 2 if (padding, stride, bias) == ("SAME", 1, True) else 1
                ins = {"x": uniform(rng, [batch, 4, 5, 2]), "kernel": uniform(rng, [3, 3, 2, 2], -0.5, 0.5)}
                if bias:
                    ins["bias"] = uniform(rng, [2])

                def f(x, kernel, bias=None, s=stride, p=padding):
                    y = tf.nn.conv2d(x, kernel, strides=s, padding=p)
                    return y if bias is None else tf.nn.bias_add(y, bias)
                case(name, "conv2d", ins, f, args={"strides": stride, "padding": padding.lower()})
    # a non-square kernel on an odd input with stride 2, SAME: TF pads asymmetrically
    for name, xs, ks, stride, padding in (("conv2d_same_s2_rect", [1, 4, 5, 2], [2, 3, 2, 2], 2, "SAME"),
                                          ("conv2d_same_s2_even", [1, 4, 4, 1], [3, 3, 1, 2], 2, "SAME"),
                                          ("conv2d_valid_1x1", [2, 2, 3, 3], [1, 1, 3, 2], 1, "VALID")):
        rng = rng_for(name)
        ins = {"x": uniform(rng, xs), "kernel": uniform(rng, ks, -0.5, 0.5), "bias": uniform(rng, [ks[3]])}
        case(name, "conv2d", ins,
             lambda x, kernel, bias, s=stride, p=padding: tf.nn.bias_add(tf.nn.conv2d(x, kernel, strides=s, padding=p), bias),
             args={"strides": stride, "padding": padding.lower()})
    for name, xs, ks, stride, padding in (("conv2d_same_s12", [1, 4, 5, 2], [3, 3, 2, 2], [1, 2], "SAME"),
                                          ("conv2d_valid_s21", [1, 5, 4, 1], [2, 2, 1, 2], [2, 1], "VALID")):
        rng = rng_for(name)
        ins = {"x": uniform(rng, xs), "kernel": uniform(rng, ks, -0.5, 0.5), "bias": uniform(rng, [ks[3]])}
        case(name, "conv2d", ins,
             lambda x, kernel, bias, s=stride, p=padding: tf.nn.bias_add(tf.nn.conv2d(x, kernel, strides=s, padding=p), bias),
             args={"strides": stride, "padding": padding.lower()})
    for op, fn in (("maxPool2d", tf.nn.max_pool2d), ("avgPool2d", tf.nn.avg_pool2d)):
        for tag, shape, pool, stride, padding in (("p23_s12_same", [1, 5, 6, 2], [2, 3], [1, 2], "SAME"),
                                                  ("p32_s21_valid", [1, 6, 5, 1], [3, 2], [2, 1], "VALID")):
            name = f"{op}_{tag}"
            x = distinct(rng_for(name), shape, 0.05)
            case(name, op, {"x": x}, lambda x, fn=fn, k=pool, s=stride, p=padding: fn(x, k, s, p),
                 args={"poolSize": pool, "strides": stride, "padding": padding.lower()})
    for op, fn in (("maxPool2d", tf.nn.max_pool2d), ("avgPool2d", tf.nn.avg_pool2d)):
        for tag, shape, pool, stride, padding in (("p2_s2_valid", [2, 4, 4, 2], 2, 2, "VALID"),
                                                  ("p3_s2_same", [1, 7, 7, 1], 3, 2, "SAME"),
                                                  ("p3_s1_same", [1, 5, 5, 2], 3, 1, "SAME"),
                                                  ("p2_s1_valid", [2, 3, 4, 2], 2, 1, "VALID"),
                                                  ("p2_s2_same_odd", [1, 5, 5, 2], 2, 2, "SAME"),
                                                  ("p3_s2_valid", [1, 7, 6, 1], 3, 2, "VALID")):
            name = f"{op}_{tag}"
            x = distinct(rng_for(name), shape, 0.05)
            case(name, op, {"x": x}, lambda x, fn=fn, k=pool, s=stride, p=padding: fn(x, k, s, p),
                 args={"poolSize": pool, "strides": stride, "padding": padding.lower()})
    for tag, shape, eps in (("4d", [2, 3, 3, 4], 1e-3), ("2d", [5, 3], 1e-3), ("eps_large", [4, 2], 0.5)):
        name = f"batchNorm_{tag}"
        rng = rng_for(name)
        c = shape[-1]
        ins = {"x": uniform(rng, shape, -2, 2), "mean": uniform(rng, [c], -0.5, 0.5),
               "variance": uniform(rng, [c], 0.3, 2.0), "offset": uniform(rng, [c]),
               "scale": uniform(rng, [c], 0.5, 1.5)}
        case(name, "batchNormalization", ins,
             lambda x, mean, variance, offset, scale, e=eps: tf.nn.batch_normalization(
                 x, mean, variance, offset, scale, tf.cast(e, x.dtype)),
             args={"epsilon": eps})
    for tag, keys in (("nooffset", ["scale"]), ("noscale", ["offset"]), ("neither", [])):
        name = f"batchNorm_{tag}"
        rng = rng_for(name)
        ins = {"x": uniform(rng, [3, 2, 4], -2, 2), "mean": uniform(rng, [4], -0.5, 0.5),
               "variance": uniform(rng, [4], 0.3, 2.0)}
        if "offset" in keys:
            ins["offset"] = uniform(rng, [4])
        if "scale" in keys:
            ins["scale"] = uniform(rng, [4], 0.5, 1.5)
        case(name, "batchNormalization", ins,
             lambda x, mean, variance, offset=None, scale=None: tf.nn.batch_normalization(
                 x, mean, variance, offset, scale, tf.cast(1e-3, x.dtype)),
             args={"epsilon": 1e-3})
    for tag, shape, axes in (("nhw", [2, 3, 3, 4], [0, 1, 2]), ("batch", [5, 3], [0]), ("last", [3, 4], [1]),
                             ("all", [2, 3], [0, 1]), ("neg", [2, 3, 4], [-1])):
        name = f"moments_{tag}"
        x = uniform(rng_for(name), shape, -2, 2)

        for keep in (False, True):
            def f(x, axes=axes, keep=keep):
                m, v = tf.nn.moments(x, axes=axes, keepdims=keep)
                return {"mean": m, "variance": v}
            if keep and tag not in ("nhw", "neg"):
                continue
            case(name + ("_keep" if keep else ""), "moments", {"x": x}, f, args={"axes": axes, "keepDims": keep})


def kink_cases():
    """TF's conventions at kinks and edges: relu'(0) = 0, |x|'(0) = 0, clip passes the
    gradient at a bound (min <= x <= max), 0^b with b >= 1 has d/db = 0 (TF takes log 0 as
    0 there), max pooling sends a tied window's gradient to its first maximum, reductions
    over unsorted axes, softmax over an axis of size 1."""
    x = np.array([[0.0, 1.5, -0.5], [0.0, -2.0, 0.25]], F32)
    case("relu_zero", "relu", {"x": x}, lambda x: tf.nn.relu(x))
    case("abs_zero", "abs", {"x": x}, lambda x: tf.abs(x))
    xb = np.array([[-1.0, 1.0, 0.5], [-1.5, 1.0, -1.0]], F32)
    case("clip_at_bounds", "clip", {"x": xb}, lambda x: tf.clip_by_value(x, -1.0, 1.0), args={"min": -1.0, "max": 1.0})
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 0.5]], F32)
    b = np.array([[2.0, 1.0, 1.0], [3.0, 3.0, 1.5]], F32)
    case("pow_zero_base", "pow", {"a": a, "b": b}, lambda a, b: tf.pow(a, b))
    case("powFloat_zero_base", "powFloat", {"x": a}, lambda x: tf.pow(x, tf.cast(2.0, x.dtype)), args={"exponent": 2.0})
    case("powFloat_zero_exponent", "powFloat", {"x": np.array([0.5, 2.0, 3.0], F32)},
         lambda x: tf.pow(x, tf.cast(0.0, x.dtype)), args={"exponent": 0.0})
    case("square_zero", "square", {"x": x}, lambda x: tf.square(x))
    t = np.array([[1, 1, 0, 2], [1, 0, 2, 2], [3, 3, 0, 0], [3, 1, 0, 1]], F32).reshape(1, 4, 4, 1)
    case("maxPool2d_ties", "maxPool2d", {"x": t}, lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
         args={"poolSize": 2, "strides": 2, "padding": "valid"})
    case("maxPool2d_ties_overlap", "maxPool2d", {"x": t}, lambda x: tf.nn.max_pool2d(x, 2, 1, "SAME"),
         args={"poolSize": 2, "strides": 1, "padding": "same"})
    for op in ("sum", "max"):
        name = f"{op}_unsorted_axes"
        xs = distinct(rng_for(name), [2, 3, 2], 0.1)
        case(name, op, {"x": xs}, lambda x, fn=REDUCE[op]: fn(x, axis=[2, 0], keepdims=False),
             args={"axes": [2, 0], "keepDims": False})
    for op, fn in (("softmax", tf.nn.softmax), ("logSoftmax", tf.nn.log_softmax)):
        name = f"{op}_size1_axis"
        case(name, op, {"x": uniform(rng_for(name), [3, 1])}, lambda x, fn=fn: fn(x, axis=-1), args={"axis": -1})
    case("maximum_float_tie", "maximumFloat", {"x": np.array([[0.0, 1.0, -1.0], [0.5, 0.0, 2.0]], F32)},
         lambda x: tf.maximum(x, tf.cast(0.0, x.dtype)), args={"scalar": 0.0})
    case("minimum_float_tie", "minimumFloat", {"x": np.array([[0.0, 1.0, -1.0], [0.5, 0.0, 2.0]], F32)},
         lambda x: tf.minimum(x, tf.cast(0.0, x.dtype)), args={"scalar": 0.0})


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.json"):
        old.unlink()
    binary_cases()
    unary_cases()
    softmax_cases()
    reduction_cases()
    matmul_cases()
    shape_cases()
    nn_cases()
    kink_cases()
    total, count = 0, 0
    for op, cases in CASES.items():
        obj = {"op": op, "generator": GENERATOR, "cases": cases}
        text = json.dumps(obj, separators=(",", ":")) + "\n"
        (OUT_DIR / f"{op}.json").write_text(text)
        total += len(text)
        count += len(cases)
        print(f"  {op}.json: {len(cases)} cases, {len(text) / 1024:.1f} KiB")
    print(f"wrote {count} cases in {len(CASES)} files, {total / 1024:.1f} KiB, to {OUT_DIR}")
    print("generator:", GENERATOR)


if __name__ == "__main__":
    main()
