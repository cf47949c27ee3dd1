"""Writes the folder-dataset fixtures: a small folder of images of every colour type and
Keras's `image_dataset_from_directory` results on it (file order of each subset, labels,
pixels), which Tests/SwiftCNNTests/Data/ImageFolderTests.swift compares against.

Run: /work/venv/bin/python Tools/make_folder_fixtures.py
"""
import json
import os
import shutil

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SwiftCNNTests", "Fixtures", "folders")
IMAGES = os.path.join(ROOT, "colours")


def pattern(h, w, c, seed):
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 256, size=(h, w, c)).astype(np.float64)
    # Smooth, so JPEG's losses stay small and bilinear weights matter.
    ys, xs = np.mgrid[0:h, 0:w]
    ramp = (ys * 255.0 / max(h - 1, 1) + xs * 255.0 / max(w - 1, 1)) / 2
    return np.clip(0.3 * base + 0.7 * ramp[..., None], 0, 255).astype(np.uint8)


def write_images():
    shutil.rmtree(IMAGES, ignore_errors=True)
    for folder in ["cat", "dog/sub", "Frog", ".hidden"]:
        os.makedirs(os.path.join(IMAGES, folder))
    Image.fromarray(pattern(7, 5, 1, 1)[..., 0], "L").save(f"{IMAGES}/cat/a_gray.png")
    Image.fromarray(pattern(9, 12, 3, 2), "RGB").save(f"{IMAGES}/cat/b_rgb.png")
    rgba = np.concatenate([pattern(6, 6, 3, 3), pattern(6, 6, 1, 4)], axis=2)
    Image.fromarray(rgba, "RGBA").save(f"{IMAGES}/cat/c_rgba.png")
    Image.fromarray(pattern(10, 8, 3, 5), "RGB").quantize(16).save(f"{IMAGES}/cat/d_palette.png")
    sixteen = (pattern(5, 9, 1, 6)[..., 0].astype(np.uint16) * 257 + 100).astype(np.uint16)
    Image.fromarray(sixteen).save(f"{IMAGES}/cat/e_16bit.png")
    Image.fromarray(pattern(16, 10, 3, 7), "RGB").save(f"{IMAGES}/dog/a_baseline.jpg", quality=95)
    Image.fromarray(pattern(12, 20, 3, 8), "RGB").save(f"{IMAGES}/dog/b_progressive.jpg", quality=95, progressive=True)
    Image.fromarray(pattern(8, 8, 1, 9)[..., 0], "L").save(f"{IMAGES}/dog/c_gray.jpg", quality=95)
    # TensorFlow cannot decode CMYK as RGB (Keras fails on it): kept outside the folder.
    Image.fromarray(pattern(8, 16, 3, 10), "RGB").convert("CMYK").save(f"{ROOT}/cmyk.jpg", quality=95)
    Image.fromarray(pattern(11, 7, 3, 11), "RGB").save(f"{IMAGES}/dog/sub/e_nested.png")
    Image.fromarray(pattern(8, 8, 3, 12), "RGB").save(f"{IMAGES}/Frog/x.jpeg", quality=95)
    Image.fromarray(pattern(13, 6, 3, 13), "RGB").save(f"{IMAGES}/Frog/y.PNG")
    Image.fromarray(pattern(4, 4, 3, 14), "RGB").save(f"{IMAGES}/.hidden/ignored.png")
    with open(f"{IMAGES}/cat/notes.txt", "w") as f:
        f.write("not an image, and not indexed: its name is not an image name\n")


def keras_cases():
    """Each case: the files of each subset in Keras's order (its NumPy shuffle with the
    seed; the `tf.data` shuffle of the elements after it is not part of the split), and
    every file's label and pixels as Keras loads them (an unshuffled pass, keyed by file)."""
    import keras

    cases = []
    for name, kwargs in [
        ("rgb_split", dict(validation_split=0.25, seed=1337, image_size=(8, 8))),
        ("gray_split", dict(validation_split=0.25, seed=7, image_size=(6, 10), color_mode="grayscale")),
        ("crop_split", dict(validation_split=0.5, seed=3, image_size=(4, 8), crop_to_aspect_ratio=True)),
    ]:
        case = {"name": name, **{k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}, "subsets": {}}
        for subset in ["training", "validation"]:
            ds = keras.utils.image_dataset_from_directory(IMAGES, subset=subset, batch_size=None, **kwargs)
            case["class_names"] = ds.class_names
            case["subsets"][subset] = [os.path.relpath(p, IMAGES) for p in ds.file_paths]
        loading = {k: v for k, v in kwargs.items() if k not in ("validation_split", "seed")}
        ds = keras.utils.image_dataset_from_directory(IMAGES, batch_size=None, shuffle=False, **loading)
        case["files"] = {}
        for path, (x, y) in zip(ds.file_paths, ds.as_numpy_iterator()):
            case["files"][os.path.relpath(path, IMAGES)] = {
                "label": int(y), "shape": list(x.shape), "pixels": [round(float(v), 4) for v in x.reshape(-1)]}
        cases.append(case)
    return cases


if __name__ == "__main__":
    write_images()
    with open(os.path.join(ROOT, "keras_folder.json"), "w") as f:
        json.dump({"cases": keras_cases()}, f)
