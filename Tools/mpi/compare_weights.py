#!/usr/bin/env python3
"""Compares two weights.txt files (the course's format: a variable's name, its shape,
then its values as numpy prints them) variable by variable.

    Tools/mpi/compare_weights.py A/weights.txt B/weights.txt [--tolerance 1e-4]

For each variable it prints max |a - b| / max |a| (the change relative to the variable's
scale) and exits 1 if any exceeds the tolerance or the files hold different variables."""
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
    for name in a:
        x, y = a[name]["values"], b[name]["values"]
        if a[name]["shape"] != b[name]["shape"] or len(x) != len(y):
            print(f"{name}: shapes differ ({a[name]['shape']} vs {b[name]['shape']})")
            return 1
        scale = max(abs(v) for v in x) or 1.0
        delta = max(abs(p - q) for p, q in zip(x, y)) / scale
        worst = max(worst, delta)
        print(f"{name} {a[name]['shape']}: max |Δw| / max |w| = {delta:.2e}")
    verdict = "within" if worst <= args.tolerance else "OVER"
    print(f"largest relative difference {worst:.2e}, {verdict} the tolerance {args.tolerance:g}")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
