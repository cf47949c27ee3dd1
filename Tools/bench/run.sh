#!/usr/bin/env bash
# SwiftCNN against Keras (TensorFlow) and PyTorch on the CPU; see Tools/bench/README.md.
#
#   Tools/bench/run.sh [bench.py options]      e.g.  --models LeNet5,ResNet18 --rounds 3 --markdown bench.md
#   Tools/bench/run.sh --isa avx2 [...]        all three on AVX2 code alone, on an AVX-512 machine
#
# 1. a virtualenv ($VENV, default Tools/bench/.venv) with TensorFlow, tf-keras and PyTorch,
#    created and filled with pip when something is missing;
# 2. SwiftCNN built in release (`swift build -c release --product swiftcnn`), unless
#    $SWIFTCNN_BIN names an executable to use; $SWIFT_BUILD_FLAGS adds build options
#    (e.g. "--scratch-path /tmp/build");
# 3. Tools/bench/bench.py with the arguments given here.
#
# Environment: PYTHON (interpreter for a new virtualenv, default python3), TF_SPEC, TF_KERAS_SPEC,
# TORCH_SPEC (pip requirement strings), TORCH_INDEX_URL (e.g. https://download.pytorch.org/whl/cpu
# for the small CPU-only wheel where that index is reachable), BENCH_NO_INSTALL=1 (never pip).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${VENV:-$HERE/.venv}"
PYTHON="${PYTHON:-python3}"
TF_SPEC="${TF_SPEC:-tensorflow-cpu==2.21.0}"
TF_KERAS_SPEC="${TF_KERAS_SPEC:-tf-keras==2.21.0}"
TORCH_SPEC="${TORCH_SPEC:-torch}"

for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
        exec "$PYTHON" "$HERE/bench.py" --help
    fi
done

say() { printf '==> %s\n' "$*" >&2; }

# 1. virtualenv
if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
if ! "$PY" -c 'import tensorflow, tf_keras, torch, numpy' >/dev/null 2>&1; then
    if [[ "${BENCH_NO_INSTALL:-0}" == "1" ]]; then
        say "TensorFlow / tf-keras / PyTorch missing in $VENV and BENCH_NO_INSTALL=1"; exit 1
    fi
    say "installing $TF_SPEC $TF_KERAS_SPEC $TORCH_SPEC into $VENV (large downloads)"
    "$PY" -m pip install --upgrade pip >/dev/null
    "$PY" -c 'import tensorflow' >/dev/null 2>&1 || "$PY" -m pip install "$TF_SPEC"
    "$PY" -c 'import tf_keras' >/dev/null 2>&1 || "$PY" -m pip install "$TF_KERAS_SPEC"
    if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
        if [[ -n "${TORCH_INDEX_URL:-}" ]]; then
            "$PY" -m pip install --index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
        else
            "$PY" -m pip install "$TORCH_SPEC"
        fi
    fi
fi

# 2. SwiftCNN, release; with --isa avx2 a second build (.build-avx2) whose kernels leave
#    their AVX-512 copies out, so an AVX-512 machine times the AVX2 code
ISA=native
previous=""
for arg in "$@"; do
    [[ "$previous" == "--isa" ]] && ISA="$arg"
    [[ "$arg" == --isa=* ]] && ISA="${arg#--isa=}"
    previous="$arg"
done
if [[ "$ISA" == "avx2" && -z "${SWIFTCNN_BIN:-}" ]]; then
    SWIFT_BUILD_FLAGS="--scratch-path $ROOT/.build-avx2 -Xcc -DSWIFTCNN_MAX_ISA_AVX2 ${SWIFT_BUILD_FLAGS:-}"
fi
if [[ -n "${SWIFTCNN_BIN:-}" ]]; then
    [[ -x "$SWIFTCNN_BIN" ]] || { say "SWIFTCNN_BIN=$SWIFTCNN_BIN is not an executable"; exit 1; }
    BIN="$SWIFTCNN_BIN"
else
    # shellcheck disable=SC2086
    say "building SwiftCNN (swift build -c release --product swiftcnn ${SWIFT_BUILD_FLAGS:-})"
    (cd "$ROOT" && swift build -c release --product swiftcnn ${SWIFT_BUILD_FLAGS:-})
    # shellcheck disable=SC2086
    BIN="$(cd "$ROOT" && swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)/swiftcnn"
fi

# 3. the benchmark
export BENCH_COMMAND="${BENCH_COMMAND:-Tools/bench/run.sh $*}"
cd "$ROOT"
exec "$PY" "$HERE/bench.py" --swiftcnn "$BIN" "$@"
