#!/usr/bin/env python3
"""Runs the ONNX files of NewLayerONNXExportTests in onnxruntime and compares them with
SwiftCNN's outputs (DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, ZeroPadding2D,
UpSampling2D, LeakyReLU, ReLU, LayerNormalization, Reshape, Rescaling):

    SWIFTCNN_ONNX_CHECK_DIR=/tmp/onnx-layers swift test --filter NewLayerONNXExportTests
    /work/venv/bin/python Tools/check_layer_onnx_export.py /tmp/onnx-layers

(needs `pip install onnx onnxruntime`). Exits non-zero when a file fails onnx.checker or an
output differs from SwiftCNN's by more than 1e-5.
"""
import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main(directory):
    x = np.load(os.path.join(directory, "x.npy"))
    worst = 0.0
    for path in sorted(glob.glob(os.path.join(directory, "*.onnx"))):
        name = os.path.basename(path)[:-5]
        onnx.checker.check_model(onnx.load(path), full_check=True)
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y = session.run(None, {session.get_inputs()[0].name: x})[0]
        expected = np.load(os.path.join(directory, name + ".npy"))
        if y.shape != expected.shape:
            print(f"FAIL {name}: shape {y.shape}, SwiftCNN {expected.shape}")
            return 1
        difference = float(np.abs(y - expected).max())
        worst = max(worst, difference)
        print(f"{name}: max |onnxruntime - SwiftCNN| = {difference:.3g}")
    if worst > 1e-5:
        print("FAIL: difference above 1e-5")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
