#!/usr/bin/env python3
"""Checks `swiftcnn export` against onnxruntime for the six course models.

    swift build -c release
    /work/venv/bin/python Tools/check_onnx_export.py --data ../shared/data/cifar-10-batches-bin \
        [--swiftcnn .build/release/swiftcnn] [--limit 1000] [--models baseline,resnet18] [--work DIR]

For each model: trains it for one short epoch (so the batch-normalisation statistics and
weights are not the initial ones), exports the checkpoint with `swiftcnn export`, checks
the file with onnx.checker (full check, with shape inference), runs the first --limit
CIFAR-10 test images through onnxruntime (NHWC float32, /255) and compares with
`swiftcnn predict --split test --output probs.npy` on the same images: the largest
difference must be below 1e-5. It also checks the opset, that the only Transpose nodes
are at the input (and before a Flatten read by something other than Dense), and reports
onnxruntime's speed beside `swiftcnn bench --mode predict` (both batch 32, one process,
all cores). Exits non-zero on the first failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

MODELS = ["baseline", "lenet5", "alexnet8", "vgg16", "inception10", "resnet18"]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print("FAIL:", " ".join(command), "\n", result.stdout[-2000:], result.stderr[-2000:])
        sys.exit(1)
    return result.stdout


def cifar_test_images(data, limit):
    raw = np.fromfile(os.path.join(data, "test_batch.bin"), dtype=np.uint8).reshape(-1, 3073)[:limit]
    return (raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32) / 255.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--swiftcnn", default=".build/release/swiftcnn")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="swiftcnn-onnx-")
    os.makedirs(work, exist_ok=True)
    images = cifar_test_images(args.data, args.limit)
    rows = []
    for model in args.models.split(","):
        prefix = os.path.join(work, model)
        run([args.swiftcnn, "train", "--model", model, "--data", args.data, "--epochs", "1", "--train-limit", "256",
             "--test-limit", "64", "--fresh", "--checkpoint", prefix + ".ckpt", "--weights-txt", prefix + "-weights.txt",
             "--curves", prefix + "-curves.png", "--history", prefix + "-history.csv"])
        print(run([args.swiftcnn, "export", "--model", model, "--weights", prefix + ".ckpt", "--output", prefix + ".onnx"]).strip())
        start = time.perf_counter()
        run([args.swiftcnn, "predict", "--model", model, "--weights", prefix + ".ckpt", "--data", args.data,
             "--split", "test", "--limit", str(args.limit), "--output", prefix + ".npy", "--top", "1"])
        predict_seconds = time.perf_counter() - start
        expected = np.load(prefix + ".npy")

        proto = onnx.load(prefix + ".onnx")
        onnx.checker.check_model(proto, full_check=True)
        opsets = {o.domain: o.version for o in proto.opset_import}
        if opsets.get("", 0) < 13:
            print(f"FAIL: {model}: opset {opsets}")
            sys.exit(1)
        ops = [n.op_type for n in proto.graph.node]
        transposes = [n for n in proto.graph.node if n.op_type == "Transpose"]
        if not transposes or transposes[0].input[0] != "input" or len(transposes) > 1:
            print(f"FAIL: {model}: Transpose nodes {[(t.name, list(t.input)) for t in transposes]}, expected one, at the input")
            sys.exit(1)

        options = ort.SessionOptions()
        session = ort.InferenceSession(prefix + ".onnx", options, providers=["CPUExecutionProvider"])
        got = np.concatenate([session.run(None, {"input": images[i:i + 32]})[0] for i in range(0, len(images), 32)])
        if got.shape != expected.shape:
            print(f"FAIL: {model}: onnxruntime gives {got.shape}, swiftcnn predict {expected.shape}")
            sys.exit(1)
        difference = float(np.max(np.abs(got - expected)))
        agree = float(np.mean(got.argmax(1) == expected.argmax(1)))
        if not difference < 1e-5:
            print(f"FAIL: {model}: max |onnxruntime - swiftcnn| = {difference:.3g}")
            sys.exit(1)

        batch = images[:32]
        for _ in range(3):
            session.run(None, {"input": batch})
        times = []
        for _ in range(20):
            t = time.perf_counter()
            session.run(None, {"input": batch})
            times.append(time.perf_counter() - t)
        ort_ips = 32 / sorted(times)[len(times) // 2]
        bench = json.loads(run([args.swiftcnn, "bench", "--model", model, "--mode", "predict", "--batch-size", "32",
                                "--json"]).strip().splitlines()[-1])
        rows.append((model, len(ops), difference, agree, bench["images_per_second"], ort_ips, predict_seconds))
        print(f"{model}: {len(ops)} nodes, max difference {difference:.2e}, top-1 agreement {agree:.4f}")

    print(f"\n{'model':<12} {'nodes':>5} {'max |diff|':>10} {'swiftcnn img/s':>15} {'onnxruntime img/s':>18}")
    for model, nodes, difference, _, swift_ips, ort_ips, _ in rows:
        print(f"{model:<12} {nodes:>5} {difference:>10.2e} {swift_ips:>15.1f} {ort_ips:>18.1f}")
    print(f"(batch 32, median; onnxruntime {ort.__version__}, {os.cpu_count()} CPUs)\nOK")


if __name__ == "__main__":
    main()
