#!/usr/bin/env bash
# Data-parallel training across two hosts, on one machine: two network namespaces joined
# by a veth pair (10.199.0.1 and 10.199.0.2, addresses that exist only inside them), one
# rank in each, talking TCP over the veth (`btl_tcp_if_include`). mpirun starts in the
# first namespace and reaches the second through Tools/mpi/netns_agent.sh instead of ssh.
# The result must match one process, as in Tools/mpi/check.sh.
#
#   Tools/mpi/netns_check.sh [--binary PATH]    (needs root: ip netns)
set -euo pipefail
tools=$(cd "$(dirname "$0")/.." && pwd)
cd "$tools/.."
binary=$(pwd)/.build/release/swiftcnn
[ "${1:-}" = "--binary" ] && binary=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[ -x "$binary" ] || { echo "netns check: no binary at $binary (build it first)" >&2; exit 2; }
fail() { echo "netns check: $*" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
    ip netns del swiftcnn-a 2>/dev/null || true
    ip netns del swiftcnn-b 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cleanup
work=$(mktemp -d)
ip netns add swiftcnn-a || { echo "netns check: skipped: cannot create network namespaces here"; exit 0; }
ip netns add swiftcnn-b
ip link add swiftcnn-va type veth peer name swiftcnn-vb
ip link set swiftcnn-va netns swiftcnn-a
ip link set swiftcnn-vb netns swiftcnn-b
ip -n swiftcnn-a addr add 10.199.0.1/24 dev swiftcnn-va
ip -n swiftcnn-b addr add 10.199.0.2/24 dev swiftcnn-vb
for ns in swiftcnn-a swiftcnn-b; do
    ip -n "$ns" link set lo up
done
ip -n swiftcnn-a link set swiftcnn-va up
ip -n swiftcnn-b link set swiftcnn-vb up
# A refused connection proves the route; a timeout would mean none.
reach=$(ip netns exec swiftcnn-a timeout 3 bash -c 'exec 3<>/dev/tcp/10.199.0.2/9' 2>&1 || true)
case "$reach" in *refused*) ;; *) fail "the namespaces cannot reach each other ($reach)" ;; esac

args=(train --model lenet5 --dataset fashion-mnist --data /usr/share/datasets/fashion-mnist --threads 1
      --epochs 1 --train-limit 512 --test-limit 256)
outputs() { echo "--checkpoint $work/$1/ckpt --weights-txt $work/$1/weights.txt --curves $work/$1/curves.png --history $work/$1/history.csv"; }
"$binary" "${args[@]}" $(outputs one) > "$work/one.log" 2>&1 || { cat "$work/one.log" >&2; fail "one process failed"; }
SWIFTCNN_NETNS_LOG="$work/agent.log" ip netns exec swiftcnn-a mpirun --allow-run-as-root -np 2 -H 10.199.0.1:1,10.199.0.2:1 \
    --mca plm_rsh_agent "$tools/mpi/netns_agent.sh" --mca btl tcp,self \
    --mca btl_tcp_if_include 10.199.0.0/24 --mca oob_tcp_if_include 10.199.0.0/24 \
    -x SWIFTCNN_MPI_TIMEOUT=60 \
    "$binary" "${args[@]}" $(outputs two) > "$work/two.log" 2>&1 || { cat "$work/two.log" >&2; fail "two ranks in two namespaces failed"; }
grep -q swiftcnn-b "$work/agent.log" 2>/dev/null || fail "mpirun did not start the second rank through the namespace agent"
python3 "$tools/mpi/compare_weights.py" "$work/one/weights.txt" "$work/two/weights.txt" > "$work/compare.txt" \
    || { cat "$work/compare.txt" >&2; fail "two hosts and one process ended with different weights"; }
echo "netns check: one rank in each of two network namespaces over TCP (10.199.0.1, 10.199.0.2) ended with one process's weights ($(tail -1 "$work/compare.txt"))"
