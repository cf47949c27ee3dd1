#!/usr/bin/env python3
"""Compares two weights.txt files (the course's format: a variable's name, its shape,
then its values as numpy prints them) variable by variable.

    Tools/mpi/compare_weights.py A/weights.txt B/weights.txt [--tolerance 1e-4]

For each variable it prints the relative difference ‖a − b‖ / ‖a‖ (Euclidean norms) and,
for information, max |a − b| / max |a|; it exits 1 if any relative difference exceeds the
tolerance or the files hold different variables.

Why the norm: with Adam, a weight whose gradient is near 0 (|g| close to epsilon, 1e-7)
moves by lr·g/(|g| + epsilon), which turns a rounding difference of 1e-10 in g into 1e-6
in the weight; over a few dozen steps such elements drift by 1e-4 of the variable's
largest weight while the variable as a whole agrees to 1e-6."""
import argparse
import re
import sys

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def read(path):
    variables = {}
    name = None
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.endswith(":0") and not line.startswith((" ", "[")):
            name = line
            shape = lines[i + 1]
            variables[name] = {"shape": shape, "values": []}
            i += 2
            continue
        if name is not None:
            variables[name]["values"] += [float(x) for x in NUMBER.findall(line)]
        i += 1
    return variables


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    a, b = read(args.a), read(args.b)
    if list(a) != list(b):
        print(f"different variables: {list(a)} vs {list(b)}")
        return 1
    worst = 0.0
    largest = 0.0
    for name in a:
        x, y = a[name]["values"], b[name]["values"]
        if a[name]["shape"] != b[name]["shape"] or len(x) != len(y):
            print(f"{name}: shapes differ ({a[name]['shape']} vs {b[name]['shape']})")
            return 1
        norm = sum(v * v for v in x) ** 0.5 or 1.0
        delta = sum((p - q) ** 2 for p, q in zip(x, y)) ** 0.5 / norm
        elementwise = max(abs(p - q) for p, q in zip(x, y)) / (max(abs(v) for v in x) or 1.0)
        worst = max(worst, delta)
        largest = max(largest, elementwise)
        print(f"{name} {a[name]['shape']}: ‖Δw‖/‖w‖ = {delta:.2e}, max |Δw| / max |w| = {elementwise:.2e}")
    verdict = "within" if worst <= args.tolerance else "OVER"
    print(f"largest ‖Δw‖/‖w‖ {worst:.2e} ({verdict} the tolerance {args.tolerance:g}); largest max |Δw| / max |w| {largest:.2e}")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
