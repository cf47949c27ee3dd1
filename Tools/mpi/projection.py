#!/usr/bin/env python3
"""Projects data-parallel training to N machines with a ring all-reduce cost model.

    Tools/mpi/projection.py --model NAME --params P --step-ms C [--hidden H]

Each machine trains on 32 images a step (weak scaling: `--batch-size 32×N`, since
SwiftCNN's batch size is global, as Keras's distribution strategies treat it) and takes
C ms for the forward and backward pass (measured: `swiftcnn bench --mode train`). The
gradients, 4·P bytes, are averaged by a ring all-reduce, which sends and receives
2(N−1)/N of them over each machine's link and takes 2(N−1) latency-bound steps:

    T(N) = 2(N−1)/N · 4P / bandwidth + 2(N−1) · latency

A fraction H of T hides behind the backward pass (measured by `swiftcnn bench` under
mpirun: "…% hidden"), capped by the backward pass itself (about 2/3 of C). The step then
takes C + max(0, T − min(H·T, 2C/3)), and the speed-up over one machine is N·C / that."""
import argparse

LINKS = [("10 Gb/s", 10e9 / 8, 20e-6), ("100 Gb/s", 100e9 / 8, 5e-6)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--params", type=int, required=True)
    p.add_argument("--step-ms", type=float, required=True)
    p.add_argument("--hidden", type=float, default=0.0)
    p.add_argument("--machines", type=int, nargs="*", default=[2, 8, 64])
    a = p.parse_args()
    c = a.step_ms / 1e3
    size = 4 * a.params
    print(f"{a.model}: {a.params:,} parameters ({size / 1e6:.1f} MB of gradients), {a.step_ms:.2f} ms a step of 32 images")
    print("| machines | link | all-reduce | step | images/s | speed-up | efficiency |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in a.machines:
        for name, bandwidth, latency in LINKS:
            t = 2 * (n - 1) / n * size / bandwidth + 2 * (n - 1) * latency
            exposed = max(0.0, t - min(a.hidden * t, 2 * c / 3))
            step = c + exposed
            speedup = n * c / step
            print(f"| {n} | {name} | {t * 1e3:.2f} ms | {step * 1e3:.2f} ms | {32 * n / step:,.0f} | {speedup:.1f}× | {speedup / n:.0%} |")


if __name__ == "__main__":
    main()
