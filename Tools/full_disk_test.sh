#!/usr/bin/env bash
# Full-disk test: `swiftcnn train` writes its checkpoint on a small tmpfs; once the first
# checkpoint is there, the rest of the file system is filled. The next save must fail
# with one line saying "No space left on device" and naming the file, exit 1, and leave
# the previous checkpoint byte for byte as it was (it still evaluates) and no temporary
# file behind.
#
#   Tools/full_disk_test.sh [--binary PATH] [--data DIR] [--dataset NAME] [--model M]
#
# Needs to mount a tmpfs (root, as in CI); elsewhere it says so and exits 0.
set -euo pipefail
tools=$(cd "$(dirname "$0")" && pwd)
cd "$tools/.."

test_name="full-disk test"
source "$tools/lib/training_run_options.sh"

work=$(mktemp -d)
disk="$work/disk"
mkdir -p "$disk"
if ! mount -t tmpfs -o size=4m tmpfs "$disk" 2>"$work/mount.err"; then
    echo "full-disk test: skipped: cannot mount a tmpfs here ($(head -1 "$work/mount.err"))"
    rm -rf "$work"
    exit 0
fi
cleanup() { umount "$disk" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "full-disk test: $*" >&2; exit 1; }

ckpt="$disk/checkpoint/Model.ckpt"
"$binary" train --model "$model" --dataset "$dataset" --data "$data" --batch-size 32 --train-limit 512 \
    --test-limit 128 --epochs 1000 --checkpoint "$ckpt" --weights-txt "$disk/weights.txt" \
    --curves "$disk/curves.png" --history "$disk/history.csv" > "$work/train.out" 2> "$work/train.err" &
pid=$!
for _ in $(seq 1 1200); do
    [ -f "$ckpt.index" ] && [ -f "$disk/checkpoint/checkpoint" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/train.err" >&2; fail "training exited before its first checkpoint"; }
    sleep 0.1
done
[ -f "$ckpt.index" ] || fail "no checkpoint within 120 s"
# Take the space between two saves: training is stopped (SIGSTOP) while the checkpoint's
# sums are taken and the disk is filled, and only when no save is under way (no temporary
# or backup file). Without the stop, a save that began after the check could still rename
# its files into place before the disk was full, a checkpoint legitimately replaced.
filled=0
for _ in $(seq 1 200); do
    kill -STOP "$pid" 2>/dev/null || break
    if ls -a "$disk/checkpoint" | grep -q -e '\.tmp-' -e '-previous'; then
        kill -CONT "$pid"
        sleep 0.02
        continue
    fi
    before=$(cd "$disk/checkpoint" && md5sum Model.ckpt.index Model.ckpt.data-00000-of-00001)
    dd if=/dev/zero of="$disk/filler" bs=4k > /dev/null 2>&1 || true
    kill -CONT "$pid"
    filled=1
    break
done
[ "$filled" -eq 1 ] || fail "no moment between two saves to fill the disk in"

status=0
for _ in $(seq 1 1200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fail "training went on for 120 s on a full disk"; fi
wait "$pid" || status=$?
[ "$status" -eq 1 ] || { cat "$work/train.err" >&2; fail "exit status $status on a full disk, expected 1"; }
lines=$(grep -c . "$work/train.err" || true)
grep -q "No space left on device" "$work/train.err" || { cat "$work/train.err" >&2; fail "no 'No space left on device' line"; }
[ "$lines" -eq 1 ] || { cat "$work/train.err" >&2; fail "$lines lines on stderr, expected one"; }
grep -q "$disk/" "$work/train.err" || { cat "$work/train.err" >&2; fail "the error does not name the file"; }
after=$(cd "$disk/checkpoint" && md5sum Model.ckpt.index Model.ckpt.data-00000-of-00001)
[ "$before" = "$after" ] || fail "the previous checkpoint changed"
left=$(find "$disk" -name '*.tmp-*' -o -name '*-previous*')
[ -z "$left" ] || fail "files left behind: $left"
"$binary" evaluate --model "$model" --dataset "$dataset" --data "$data" --limit 64 --weights "$ckpt" \
    > "$work/eval.out" 2>&1 || { cat "$work/eval.out" >&2; fail "the previous checkpoint does not evaluate"; }
echo "full-disk test: the save on a full disk failed with '$(cat "$work/train.err")' (exit 1); the previous checkpoint is unchanged and evaluates; no temporary file left"
