#!/usr/bin/env bash
# Kill test: starts real `swiftcnn train` runs, kills each with SIGKILL at a random moment,
# and checks after every kill that the checkpoint on disk is readable (`swiftcnn evaluate`)
# and that the next run resumes from it. A final run trains to the end.
#
#   Tools/kill_test.sh [--kills N] [--binary PATH] [--data DIR] [--dataset NAME]
#
# Defaults: 20 kills, .build/release/swiftcnn, Fashion-MNIST from Debian's package (a tiny
# slice: 1,024 training and 256 test images, LeNet5). CI runs `--kills 3` on the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=20
binary=.build/release/swiftcnn
dataset=fashion-mnist
data=/usr/share/datasets/fashion-mnist
model=lenet5
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --data) data=$2; shift 2 ;;
        --dataset) dataset=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "kill test: no binary at $binary (build it first)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(train --model "$model" --dataset "$dataset" --data "$data" --epochs 3 --batch-size 32
      --train-limit 1024 --test-limit 256 --checkpoint "$work/checkpoint/Model.ckpt"
      --weights-txt "$work/weights.txt" --curves "$work/curves.png" --history "$work/history.csv")

readable=0 unreadable=0 resumed=0 none_yet=0
for i in $(seq 1 "$kills"); do
    log="$work/run-$i.log"
    "$binary" "${args[@]}" > "$log" 2>&1 &
    pid=$!
    # Somewhere in the first few seconds: loading, an epoch, or a checkpoint write.
    sleep "$(awk -v seed="$RANDOM" 'BEGIN { srand(seed); printf "%.2f", 0.2 + rand() * 3 }')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if grep -q -- "-------------load the model" "$log"; then resumed=$((resumed + 1)); fi
    if [ -f "$work/checkpoint/Model.ckpt.index" ]; then
        if "$binary" evaluate --model "$model" --dataset "$dataset" --data "$data" --limit 64 \
            --weights "$work/checkpoint/Model.ckpt" > "$work/eval-$i.log" 2>&1; then
            readable=$((readable + 1))
        else
            unreadable=$((unreadable + 1))
            echo "kill $i: checkpoint unreadable:" >&2
            cat "$work/eval-$i.log" >&2
        fi
    else
        none_yet=$((none_yet + 1))
    fi
done

final="$work/final.log"
"$binary" "${args[@]}" > "$final" 2>&1 || { echo "kill test: the final run failed" >&2; cat "$final" >&2; exit 1; }
grep -q "Wrote" "$final" || { echo "kill test: the final run did not finish" >&2; exit 1; }
echo "kill test: $kills kills; checkpoint readable after $readable, unreadable after $unreadable, not yet written after $none_yet; $resumed runs resumed from a checkpoint; the final run completed"
[ "$unreadable" -eq 0 ]
