#!/usr/bin/env python3
"""Reference outputs of Keras's image augmentation for SwiftCNN's augmentation tests.

Writes Tests/SwiftCNNTests/Fixtures/augmentation/{image_data_generator,layers}.json:

- image_data_generator.json: ImageDataGenerator(fill_mode, cval,
  interpolation_order).apply_transform(image, parameters) (Keras 3's
  keras.src.legacy.preprocessing.image, which calls scipy.ndimage) for fixed
  parameter dictionaries, every fill mode;
- layers.json: Keras 3's RandomRotation / RandomTranslation / RandomZoom with
  single-valued factor ranges, e.g. RandomRotation(factor=(0.1, 0.1)), called
  with training=True (so the draw is that value), every fill mode and both
  interpolations; RandomFlip and RandomContrast through their
  transform_images with a given transformation; Rescaling.

Run:  TF_CPP_MIN_LOG_LEVEL=2 /work/venv/bin/python Tools/make_augmentation_fixtures.py
Images are small, non-square (7x9, so an axis swap cannot pass) float32 from a
seeded numpy generator. Tensors are {"shape": [...], "data": [flat row-major]}.
"""
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import scipy  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/SwiftCNNTests/Fixtures/augmentation"
H, W, C = 7, 9, 2


def tensor(a):
    a = np.asarray(a, dtype=np.float32)
    # 8 significant digits: float32 round-trips closer than the tests' 1e-4.
    return {"shape": list(a.shape), "data": [float(f"{v:.8g}") for v in a.ravel()]}


def images(n, seed, scale=1.0):
    return (np.random.default_rng(seed).random((n, H, W, C)) * scale).astype(np.float32)


def generator_cases():
    parameter_sets = {
        "rotation": {"theta": 30.0},
        "shift": {"tx": 2.5, "ty": -1.5},
        "zoom": {"zx": 0.7, "zy": 1.3},
        "shear": {"shear": 20.0},
        "flip_horizontal": {"flip_horizontal": True},
        "flip_vertical": {"flip_vertical": True},
        "combined": {"theta": -40.0, "tx": 1.2, "ty": 2.1, "shear": 10.0, "zx": 1.4, "zy": 0.6,
                     "flip_horizontal": True},
        "course_draw": {"theta": 41.3, "tx": -0.9, "ty": 1.05, "zx": 0.55, "zy": 1.45},
    }
    cases = []
    image = images(1, 11)[0]
    for fill in ["nearest", "reflect", "constant", "wrap"]:
        for name, params in parameter_sets.items():
            for order in ([1, 0] if name == "combined" else [1]):
                gen = ImageDataGenerator(fill_mode=fill, cval=0.25, interpolation_order=order)
                out = gen.apply_transform(image.copy(), dict(params))
                cases.append({"name": f"{name}_{fill}_order{order}", "fill_mode": fill, "cval": 0.25,
                              "order": order, "parameters": params,
                              "input": tensor(image), "output": tensor(out)})
    return cases


def layer_cases():
    cases = []
    batch = images(2, 12)
    for fill in ["reflect", "nearest", "constant", "wrap"]:
        for interpolation in ["bilinear", "nearest"]:
            common = {"fill_mode": fill, "interpolation": interpolation, "fill_value": 0.25}
            layers = {
                "rotation": (keras.layers.RandomRotation(factor=(0.1, 0.1), **common), {"factor": 0.1}),
                "rotation_negative": (keras.layers.RandomRotation(factor=(-0.3, -0.3), **common), {"factor": -0.3}),
                "translation": (keras.layers.RandomTranslation(height_factor=(0.2, 0.2), width_factor=(-0.35, -0.35),
                                                               **common), {"height": 0.2, "width": -0.35}),
                "zoom": (keras.layers.RandomZoom(height_factor=(0.3, 0.3), width_factor=(-0.25, -0.25), **common),
                         {"height": 0.3, "width": -0.25}),
                "zoom_height_only": (keras.layers.RandomZoom(height_factor=(-0.4, -0.4), **common), {"height": -0.4}),
            }
            for name, (layer, factors) in layers.items():
                out = layer(batch, training=True)
                cases.append({"name": f"{name}_{fill}_{interpolation}", "layer": name, "factors": factors,
                              **common, "input": tensor(batch), "output": tensor(out)})
    for mode in ["horizontal", "vertical", "horizontal_and_vertical"]:
        layer = keras.layers.RandomFlip(mode)
        flips = np.array([True, False]).reshape(2, 1, 1, 1)
        out = layer.transform_images(batch, {"flips": flips}, training=True)
        cases.append({"name": f"flip_{mode}", "layer": "flip", "mode": mode, "flips": [1, 0],
                      "input": tensor(batch), "output": tensor(out)})
    pixels = images(2, 13, scale=255.0)
    layer = keras.layers.RandomContrast(0.5)
    factors = np.array([1.45, 0.6], dtype=np.float32).reshape(2, 1, 1, 1)
    out = layer.transform_images(pixels, {"contrast_factor": factors}, training=True)
    cases.append({"name": "contrast", "layer": "contrast", "contrast_factors": [1.45, 0.6],
                  "value_range": [0, 255], "input": tensor(pixels), "output": tensor(out)})
    draws = layer.get_random_transformation(pixels, training=True)["contrast_factor"]
    cases.append({"name": "contrast_factor_range", "layer": "contrast_range", "factor": 0.5,
                  "keras_factor": [float(v) for v in layer.factor],
                  "sample_draws": [float(v) for v in np.ravel(draws)]})
    out = keras.layers.Rescaling(1.0 / 255, offset=-0.5)(pixels)
    cases.append({"name": "rescaling", "layer": "rescaling", "scale": 1.0 / 255, "offset": -0.5,
                  "input": tensor(pixels), "output": tensor(out)})
    return cases


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    versions = {"keras": keras.__version__, "tensorflow": tf.__version__, "scipy": scipy.__version__,
                "numpy": np.__version__, "python": sys.version.split()[0]}
    for name, cases in [("image_data_generator", generator_cases()), ("layers", layer_cases())]:
        path = OUT / f"{name}.json"
        path.write_text(json.dumps({"generator": versions, "cases": cases}, separators=(",", ":")) + "\n")
        print(f"{path}: {len(cases)} cases, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
