#!/usr/bin/env bash
# The machine's FMA peak (GFLOP/s), one core and all cores, 256- and 512-bit vectors.
#   Tools/peak/run.sh [threads]        JSON=1 for one JSON line per vector width
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${TMPDIR:-/tmp}/swiftcnn_fma_peak"
gcc -O2 -pthread -o "$BIN" "$HERE/fma_peak.c"
exec "$BIN" "$@"
