#!/usr/bin/env bash
# Kill test: the checkpoint promise on real runs. Starts `swiftcnn train`, waits until a
# checkpoint exists and the run is training, then kills it with SIGKILL at a random moment
# within the next 1.5 s; every fourth kill first sends SIGINT (Ctrl-C: the run saves its
# resumable -last state) and then SIGKILL a random 0-0.4 s later, cutting that save.
# After each kill:
#   - the checkpoint must evaluate (`swiftcnn evaluate`), possibly from the copy a cut
#     save keeps (the evaluation then says so: counted as "from the previous copy");
#   - the same command, started again, must resume ("load the model") and train on;
#     that run is the next one killed.
# A kill that finds a save's temporary files or its -previous copy on disk is counted as
# "killed during a save". Odd-numbered runs set SWIFTCNN_TEST_SAVE_DELAY_MS, which pauses
# 50 ms before each system call of a save, and are killed at a random moment of their
# next save (after its first temporary file appears); even-numbered runs save at full
# speed and are killed at a random moment. A final run trains to the end.
#
#   Tools/kill_test.sh [--kills N] [--binary PATH] [--data DIR] [--dataset NAME] [--model M]
#
# Defaults: 20 kills, .build/release/swiftcnn, Fashion-MNIST from Debian's package (512
# training and 128 test images, LeNet5, one checkpoint per run at least: a resumed run's
# best-only rule starts afresh, as Keras's ModelCheckpoint does). CI runs 4 kills on the
# debug build. Exits 1 if any kill leaves a checkpoint that does not evaluate or a restart
# that does not resume.
set -euo pipefail
tools=$(cd "$(dirname "$0")" && pwd)
cd "$tools/.."

kills=20
delay_ms=50
test_name="kill test"
extra_options="--kills=kills"
source "$tools/lib/training_run_options.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ckpt="$work/checkpoint/Model.ckpt"
common=(--model "$model" --dataset "$dataset" --data "$data")
outputs=(--checkpoint "$ckpt" --weights-txt "$work/weights.txt" --curves "$work/curves.png"
         --history "$work/history.csv")
train=(train "${common[@]}" --batch-size 32 --train-limit 512 --test-limit 128 "${outputs[@]}")

fail() { echo "kill test: $*" >&2; exit 1; }
random() { awk -v seed="$RANDOM$RANDOM" -v lo="$1" -v hi="$2" 'BEGIN { srand(seed); printf "%.3f", lo + rand() * (hi - lo) }'; }
# Waits (up to 120 s) until the run has a checkpoint on disk and is training an epoch.
wait_until_training() {
    local pid=$1 log=$2
    for _ in $(seq 1 1200); do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "run $i exited before it was killed"; }
        if [ -f "$ckpt.index" ] || [ -f "$ckpt-previous.index" ]; then
            grep -q "^Epoch " "$log" && return 0
        fi
        sleep 0.1
    done
    fail "run $i did not start training within 120 s"
}

during_save=0 interrupted=0 from_previous=0 resumed=0 resumed_state=0
for i in $(seq 1 "$kills"); do
    log="$work/run-$i.log"
    if [ $((i % 2)) -eq 1 ]; then
        SWIFTCNN_TEST_SAVE_DELAY_MS=$delay_ms "$binary" "${train[@]}" --epochs 1000 > "$log" 2>&1 &
    else
        "$binary" "${train[@]}" --epochs 1000 > "$log" 2>&1 &
    fi
    pid=$!
    wait_until_training "$pid" "$log"
    if [ "$i" -gt 1 ]; then
        # Every run after the first finds a checkpoint and must continue from it.
        grep -q -- "-------------load the model" "$log" || { cat "$log" >&2; fail "run $i did not resume from the checkpoint"; }
        resumed=$((resumed + 1))
        if grep -q "Resuming the interrupted run" "$log"; then resumed_state=$((resumed_state + 1)); fi
    fi
    if [ $((i % 2)) -eq 1 ]; then
        # Aim this one inside a save: wait for its first temporary file, then kill at a
        # random step of it.
        for _ in $(seq 1 3000); do
            ls -a "$work/checkpoint" | grep -q '\.tmp-' && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.01
        done
        sleep "$(random 0 $(awk -v d="$delay_ms" 'BEGIN { print d * 12 / 1000 }'))"
    else
        sleep "$(random 0 1.5)"
    fi
    if [ $((i % 4)) -eq 0 ]; then
        kill -INT "$pid" 2>/dev/null || true
        interrupted=$((interrupted + 1))
        sleep "$(random 0 0.4)"
    fi
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if ls -a "$work/checkpoint" | grep -q -e '\.tmp-' -e '-previous'; then during_save=$((during_save + 1)); fi
    if ! "$binary" evaluate "${common[@]}" --limit 64 --weights "$ckpt" > "$work/eval-$i.log" 2>&1; then
        cat "$work/eval-$i.log" >&2
        fail "kill $i left a checkpoint that does not evaluate"
    fi
    if grep -q "so the previous one" "$work/eval-$i.log"; then from_previous=$((from_previous + 1)); fi
done

final="$work/final.log"
"$binary" "${train[@]}" --epochs 2 > "$final" 2>&1 || { cat "$final" >&2; fail "the final run failed"; }
grep -q -- "-------------load the model" "$final" || { cat "$final" >&2; fail "the final run did not resume"; }
grep -q "^Wrote" "$final" || { cat "$final" >&2; fail "the final run did not finish"; }
echo "kill test: $kills kills, each after a checkpoint existed and while training ran ($during_save during a save, $interrupted after a Ctrl-C); the checkpoint evaluated after every kill ($from_previous of them from the previous copy a cut save keeps); all $((resumed + 1)) restarts resumed ($resumed_state from an interrupted run's state); the final run completed"
