#!/usr/bin/env bash
# Data-parallel training checked on real runs: `mpirun -np 2` on loopback over TCP
# (`--mca btl tcp,self`), one thread per rank.
#   1. LeNet5 (no batch norm, no dropout), one epoch of 512 images on 2 ranks, ends with
#      the weights one process gets for the same global batch: ‖Δw‖/‖w‖ ≤ 1e-4 for every
#      variable (see compare_weights.py for why the norm).
#   2. Baseline (batch norm, dropout) on 2 ranks reaches the accuracy of one process
#      within noise (0.1 on 256 test images), with per-rank and with synchronised batch
#      norm (--sync-batch-norm).
#   3. SIGTERM to one rank stops both after the same step with the resumable -last state;
#      one process (a different number of ranks) resumes it and finishes.
#   4. SIGKILL of one rank ends the job within seconds, with a checkpoint that evaluates
#      and that a rerun resumes.
#   5. A rank that hangs (SIGSTOP) makes the other stop within SWIFTCNN_MPI_TIMEOUT.
#
#   Tools/mpi/check.sh [--binary PATH]
set -euo pipefail
tools=$(cd "$(dirname "$0")/.." && pwd)
cd "$tools/.."
binary=.build/release/swiftcnn
[ "${1:-}" = "--binary" ] && binary=$2
[ -x "$binary" ] || { echo "mpi check: no binary at $binary (build it first)" >&2; exit 2; }
command -v mpirun > /dev/null || { echo "mpi check: no mpirun (scripts/ensure-deps.sh installs openmpi-bin)" >&2; exit 2; }

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"; [ -n "${KEEP:-}" ] && echo "kept $work"' EXIT
fail() { echo "mpi check: $*" >&2; exit 1; }
# Root may run mpirun here (CI runs as root); two ranks on two cores.
mpi=(mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl tcp,self -x SWIFTCNN_MPI_TIMEOUT)
data=(--dataset fashion-mnist --data /usr/share/datasets/fashion-mnist)
outputs() { echo "--checkpoint $work/$1/ckpt --weights-txt $work/$1/weights.txt --curves $work/$1/curves.png --history $work/$1/history.csv"; }
train() { echo "train ${data[*]} --threads 1 --test-limit 256"; }
export SWIFTCNN_MPI_TIMEOUT=60

# 1. Same weights as one process.
lenet="$(train) --model lenet5 --epochs 1 --train-limit 512"
"$binary" $lenet $(outputs one) > "$work/one.log" 2>&1 || { cat "$work/one.log" >&2; fail "one process failed"; }
"${mpi[@]}" "$binary" $lenet $(outputs two) > "$work/two.log" 2>&1 || { cat "$work/two.log" >&2; fail "two ranks failed"; }
python3 "$tools/mpi/compare_weights.py" "$work/one/weights.txt" "$work/two/weights.txt" > "$work/compare.txt" \
    || { cat "$work/compare.txt" >&2; fail "2 ranks and 1 process ended with different weights"; }
same=$(tail -1 "$work/compare.txt")

# 1b. evaluate and bench under mpirun: one result line, evaluate's equal to one process's.
evaluate=(evaluate --model lenet5 "${data[@]}" --limit 256 --weights "$work/one/ckpt")
"$binary" "${evaluate[@]}" > "$work/eval1.out" 2>&1 || { cat "$work/eval1.out" >&2; fail "evaluate failed"; }
"${mpi[@]}" "$binary" "${evaluate[@]}" > "$work/eval2.out" 2>&1 || { cat "$work/eval2.out" >&2; fail "evaluate on two ranks failed"; }
[ "$(grep -c "images - loss" "$work/eval2.out")" -eq 1 ] || { cat "$work/eval2.out" >&2; fail "evaluate on two ranks printed its result more than once"; }
[ "$(grep "images - loss" "$work/eval1.out")" = "$(grep "images - loss" "$work/eval2.out")" ] \
    || fail "evaluate: one process said '$(cat "$work/eval1.out")', two ranks '$(grep "images - loss" "$work/eval2.out")'"
"${mpi[@]}" "$binary" bench --model lenet5 --steps 5 --warmup 1 --threads 1 > "$work/bench.out" 2>&1 || { cat "$work/bench.out" >&2; fail "bench on two ranks failed"; }
grep -q "^LeNet5 train batch 32: .* images/s" "$work/bench.out" && grep -q "^2 ranks: gradient all-reduce .* ms alone" "$work/bench.out" \
    || { cat "$work/bench.out" >&2; fail "bench on two ranks did not report the job's speed and all-reduce"; }
[ "$(grep -c "images/s" "$work/bench.out")" -eq 1 ] || fail "bench on two ranks printed more than one result"

# 2. Batch norm and dropout: accuracy within noise.
baseline="$(train) --model baseline --epochs 1 --train-limit 2048"
"$binary" $baseline $(outputs bn1) > "$work/bn1.log" 2>&1 || { cat "$work/bn1.log" >&2; fail "one process failed (Baseline)"; }
"${mpi[@]}" "$binary" $baseline $(outputs bn2) > "$work/bn2.log" 2>&1 || { cat "$work/bn2.log" >&2; fail "two ranks failed (Baseline)"; }
accuracy() { tail -1 "$1" | awk -F, '{ print $NF }'; }
"${mpi[@]}" "$binary" $baseline --sync-batch-norm $(outputs bn3) > "$work/bn3.log" 2>&1 || { cat "$work/bn3.log" >&2; fail "two ranks failed (synchronised batch norm)"; }
a1=$(accuracy "$work/bn1/history.csv") a2=$(accuracy "$work/bn2/history.csv") a3=$(accuracy "$work/bn3/history.csv")
for a in "$a2" "$a3"; do
    awk -v a="$a1" -v b="$a" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.1) }' \
        || fail "Baseline's validation accuracy: $a1 on one process, $a on two ranks ($a2 per-rank, $a3 synchronised batch norm)"
done

# 3. SIGTERM to one rank: both stop after the same step; one process resumes.
# Long enough that the signal lands mid-run on a fast, quiet machine too (4,096 images
# once finished in the second before the signal).
long="$(train) --model lenet5 --epochs 2 --train-limit 24000"
"${mpi[@]}" "$binary" $long $(outputs stop) > "$work/stop.log" 2>&1 &
launcher=$!
for _ in $(seq 1 3000); do
    grep -q "^Epoch 1/" "$work/stop.log" 2>/dev/null && break
    sleep 0.1
done
sleep 1
rank=$(pgrep -f "swiftcnn $long" | tail -1)
[ -n "$rank" ] || fail "no rank to stop"
kill -TERM "$rank"
status=0
wait "$launcher" || status=$?
[ "$status" -eq 130 ] || { cat "$work/stop.log" >&2; fail "SIGTERM to one rank: exit $status, expected 130"; }
[ "$(grep -o "interrupted during epoch [0-9]*" "$work/stop.log" | wc -l)" -eq 2 ] || { cat "$work/stop.log" >&2; fail "not every rank stopped"; }
[ -f "$work/stop/ckpt-last.json" ] || fail "no resumable state after SIGTERM"
"$binary" $long $(outputs stop) > "$work/resume.log" 2>&1 || { cat "$work/resume.log" >&2; fail "resuming on one process failed"; }
grep -q "Resuming the interrupted run" "$work/resume.log" || fail "one process did not resume the 2-rank run"
stopped_at=$(grep -o "after step [0-9]*" "$work/resume.log")

# 4. SIGKILL of one rank: the job ends, the checkpoint evaluates, a rerun resumes.
"${mpi[@]}" "$binary" $long --epochs 20 $(outputs kill) > "$work/kill.log" 2>&1 &
launcher=$!
# Up to 5 minutes: a debug build on a loaded 2-core machine once took over a minute for
# the first epoch (the wait ends as soon as the checkpoint is there).
for _ in $(seq 1 3000); do
    [ -f "$work/kill/ckpt.index" ] && break
    sleep 0.1
done
[ -f "$work/kill/ckpt.index" ] || fail "no checkpoint before the kill"
sleep 0.5
start=$(date +%s)
kill -9 "$(pgrep -f "swiftcnn $long --epochs 20" | tail -1)"
status=0
wait "$launcher" || status=$?
took_kill=$(($(date +%s) - start))
[ "$status" -ne 0 ] || fail "the job reported success after a rank was killed"
[ "$took_kill" -le 30 ] || fail "the job took $took_kill s to end after a rank was killed"
"$binary" evaluate --model lenet5 "${data[@]}" --limit 64 --weights "$work/kill/ckpt" > "$work/kill-eval.log" 2>&1 \
    || { cat "$work/kill-eval.log" >&2; fail "the checkpoint does not evaluate after a rank was killed"; }
"${mpi[@]}" "$binary" $long --epochs 1 $(outputs kill) > "$work/rerun.log" 2>&1 || { cat "$work/rerun.log" >&2; fail "the rerun failed"; }
grep -q -- "-------------load the model" "$work/rerun.log" || fail "the rerun did not resume"

# 5. A hung rank: the other stops within the timeout.
SWIFTCNN_MPI_TIMEOUT=5 "${mpi[@]}" "$binary" $long --epochs 20 $(outputs hang) > "$work/hang.log" 2>&1 &
launcher=$!
for _ in $(seq 1 3000); do
    grep -q "^Epoch 1/" "$work/hang.log" 2>/dev/null && break
    sleep 0.1
done
sleep 1
hung=$(pgrep -f "swiftcnn $long --epochs 20" | tail -1)
start=$(date +%s)
kill -STOP "$hung"
status=0
wait "$launcher" || status=$?
took_hang=$(($(date +%s) - start))
kill -9 "$hung" 2> /dev/null || true
[ "$status" -ne 0 ] || fail "the job reported success with a hung rank"
[ "$took_hang" -le 30 ] || fail "the job took $took_hang s to end with a hung rank (timeout 5 s)"
grep -q "no answer from the other ranks" "$work/hang.log" || { cat "$work/hang.log" >&2; fail "no line about the hung rank"; }

echo "mpi check: 2 ranks end with one process's weights ($same); evaluate and bench report the job's figures once; Baseline accuracy $a1 on one process, $a2 on 2 ranks, $a3 with synchronised batch norm; SIGTERM to one rank stopped both, resumed on one process ($stopped_at); a killed rank ended the job in $took_kill s with a checkpoint that evaluates and resumes; a hung rank stopped the job in $took_hang s (timeout 5 s)"
