#!/usr/bin/env bash
# The folder-dataset measurements of the README: images/s decoded from a folder of 10,000
# JPEGs, and one Baseline epoch on the 50,000 CIFAR-10 training images written as PNG files
# (with the 10,000 test images as PNG) against the same from the CIFAR-10 binary.
#
#   Tools/bench/folder_epoch.sh [CIFAR_BIN_DIR] [WORK_DIR]
#     CIFAR_BIN_DIR  default ../shared/data/cifar-10-batches-bin (beside the repository)
#     WORK_DIR       default /tmp/swiftcnn-folder-bench (the folders are made once, ~300 MB)
#   RUNS=3           epochs timed per source, alternating binary and folder (default 2)
#   SKIP_BUILD=1     use the existing .build/release/swiftcnn
#   PYTHON=...       Python with NumPy and Pillow (default /work/venv/bin/python)
#
# Wall time is the whole command (listing, checking and decoding the folder included),
# from /usr/bin/time; the load average is printed before each run, since a busy machine
# moves these numbers more than the data source does.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CIFAR="$(cd "${1:-$ROOT/../shared/data/cifar-10-batches-bin}" && pwd)"
WORK="${2:-/tmp/swiftcnn-folder-bench}"
PYTHON="${PYTHON:-/work/venv/bin/python}"
RUNS="${RUNS:-2}"
BIN="$ROOT/.build/release/swiftcnn"

cd "$ROOT"
[ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --product swiftcnn
mkdir -p "$WORK"
make_folder() {  # name, make_cifar_folder.py options...
    local name="$1"; shift
    if [ ! -e "$WORK/$name/.complete" ]; then
        rm -rf "${WORK:?}/$name"
        "$PYTHON" Tools/make_cifar_folder.py "$CIFAR" "$WORK/$name" "$@"
        touch "$WORK/$name/.complete"
    fi
}
make_folder cifar-jpeg --format jpg --quality 95          # train/: 10,000 JPEGs
make_folder cifar-png --format png --train-batches 5 --test 10000

echo "CPU: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) cores"
echo "== decoding 10,000 JPEGs (and the check before it)"
uptime
"$BIN" bench --model baseline --decode "$WORK/cifar-jpeg/train"
echo "== decoding 10,000 PNGs (the folder's test images)"
"$BIN" bench --model baseline --decode "$WORK/cifar-png/test"

epoch() {  # label, data folder
    local run="$WORK/run-$1"
    rm -rf "$run" && mkdir -p "$run"
    echo "== one Baseline epoch: $1 ($(uptime | sed 's/.*load average/load average/'))"
    (cd "$run" && /usr/bin/time -f "$1: %e s wall, %U s user, %S s system, %M KB peak RSS" \
        "$BIN" train --model baseline --epochs 1 --data "$2" >train.log 2>time.log) || { cat "$run/time.log"; exit 1; }
    grep -E 'ms/step' "$run/train.log" | tail -1 | tr '\r' '\n' | tail -1
    tail -1 "$run/time.log"
}
for i in $(seq "$RUNS"); do
    epoch binary "$CIFAR"
    epoch folder "$WORK/cifar-png"
done
