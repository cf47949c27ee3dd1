#!/usr/bin/env bash
# Per-layer GFLOP/s of each network against this machine's measured FMA peak (issue 16):
# Tools/peak measures the peak on all cores; `swiftcnn bench --profile --peak-gflops` then
# prints, for every Conv2D and Dense layer, forward and backward GFLOP/s and the share of
# that peak. Release build.
#
#   Tools/bench/conv_efficiency.sh [--mode train|predict] [--batch-size N] [models…]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODE=train BATCH=""
MODELS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --mode) MODE="$2"; shift 2 ;;
        --batch-size) BATCH="$2"; shift 2 ;;
        *) MODELS+=("$1"); shift ;;
    esac
done
[[ ${#MODELS[@]} -gt 0 ]] || MODELS=(baseline lenet5 alexnet8 vgg16 inception10 resnet18)
[[ -n "$BATCH" ]] || { [[ "$MODE" == train ]] && BATCH=32 || BATCH=256; }
BIN="${SWIFTCNN_BIN:-}"
if [[ -z "$BIN" ]]; then
    (cd "$ROOT" && swift build -c release --product swiftcnn >&2)
    BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/swiftcnn"
fi
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(grep -q ' avx512f' /proc/cpuinfo && echo AVX-512 || echo AVX2)"
PEAK_LINE="$(JSON=1 "$HERE/../peak/run.sh" | tail -1)"
PEAK="$(sed -n 's/.*"gflops_all": \([0-9.]*\).*/\1/p' <<<"$PEAK_LINE")"
echo "FMA peak (widest vectors, all cores): $PEAK GFLOP/s"
for model in "${MODELS[@]}"; do
    echo
    "$BIN" bench --model "$model" --mode "$MODE" --batch-size "$BATCH" --steps 10 --warmup 2 --profile --peak-gflops "$PEAK"
done
