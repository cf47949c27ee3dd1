#!/usr/bin/env bash
# Data-parallel scaling on this machine: training images/s of one process with one thread
# (batch 32) against `mpirun -np 2` with one thread per rank (shared memory between the
# ranks), both with the same global batch of 32 (16 a rank) and with 32 a rank (global 64),
# in interleaved rounds, for each model given; then what the all-reduce cost and how much
# of it backward hid (`swiftcnn bench` under mpirun prints both). Two yardsticks split the
# gap to 2×: one process at batch 16 (what half a batch costs the kernels) and two
# independent processes at batch 16, one pinned to each core, without MPI (what the cores
# cost each other); mpirun's figure below theirs is what the data-parallel step costs.
#
#   Tools/mpi/scaling.sh [--binary PATH] [--rounds N] [MODEL …]   (default: baseline resnet18)
#
# Run it on an otherwise idle machine; it raises its own priority when it can (nice -20).
set -euo pipefail
tools=$(cd "$(dirname "$0")/.." && pwd)
cd "$tools/.."
binary=.build/release/swiftcnn
rounds=3
models=()
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        *) models+=("$1"); shift ;;
    esac
done
[ ${#models[@]} -gt 0 ] || models=(baseline resnet18)
priority=(nice -n -20)
"${priority[@]}" true 2>/dev/null || priority=()
mpi=(mpirun --allow-run-as-root -np 2 --bind-to core --mca btl self,vader)
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(grep -o 'avx512f' /proc/cpuinfo | head -1 || echo 'no AVX-512')"
for model in "${models[@]}"; do
    steps=60
    case "$model" in resnet18 | vgg16 | alexnet8) steps=8 ;; inception10) steps=20 ;; esac
    one=() two=() weak=() half=() pair=() line=""
    for round in $(seq 1 "$rounds"); do
        a=$("${priority[@]}" "$binary" bench --model "$model" --mode train --batch-size 32 --steps "$steps" --threads 1 --json | tail -1)
        b=$("${priority[@]}" "${mpi[@]}" "$binary" bench --model "$model" --mode train --batch-size 32 --steps "$steps" --threads 1 --json)
        c=$("${priority[@]}" "${mpi[@]}" "$binary" bench --model "$model" --mode train --batch-size 64 --steps "$steps" --threads 1 --json)
        h=$("${priority[@]}" "$binary" bench --model "$model" --mode train --batch-size 16 --steps "$steps" --threads 1 --json | tail -1)
        p0=$(mktemp) p1=$(mktemp)
        "${priority[@]}" taskset -c 0 "$binary" bench --model "$model" --mode train --batch-size 16 --steps "$steps" --threads 1 --json > "$p0" &
        "${priority[@]}" taskset -c 1 "$binary" bench --model "$model" --mode train --batch-size 16 --steps "$steps" --threads 1 --json > "$p1"
        wait
        half+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["images_per_second"])' "$h")")
        pair+=("$(python3 -c 'import json,sys; print(sum(json.loads(open(f).read().splitlines()[-1])["images_per_second"] for f in sys.argv[1:]))' "$p0" "$p1")")
        rm -f "$p0" "$p1"
        weak+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].splitlines()[-1])["images_per_second"])' "$c")")
        one+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["images_per_second"])' "$a")")
        two+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].splitlines()[-1])["images_per_second"])' "$b")")
        line=$(echo "$b" | grep "gradient all-reduce" || true)
    done
    python3 - "$model" "${one[*]}" "${two[*]}" "${weak[*]}" "$line" "${half[*]}" "${pair[*]}" <<'PY'
import statistics, sys
model, line = sys.argv[1], sys.argv[5]
one, two, weak, half, pair = ([float(x) for x in sys.argv[i].split()] for i in (2, 3, 4, 6, 7))
a, b, c = statistics.median(one), statistics.median(two), statistics.median(weak)
h, p = statistics.median(half), statistics.median(pair)
print(f"{model}: 1 rank × 1 thread {a:,.1f} images/s; 2 ranks × 1 thread {b:,.1f} images/s at batch 32 ({b / a:.2f}×), {c:,.1f} at 32 a rank ({c / a:.2f}×); medians of {len(one)} interleaved rounds; {line}")
print(f"{model}: yardsticks: one process at batch 16 {h:,.1f} images/s ({2 * h / a:.2f}× if two ran as one does), two independent processes at batch 16 {p:,.1f} together ({p / a:.2f}×)")
PY
done
