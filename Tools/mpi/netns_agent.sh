#!/usr/bin/env bash
# Open MPI's launcher agent (`--mca plm_rsh_agent`) for Tools/mpi/netns_check.sh: where
# mpirun would `ssh HOST COMMAND`, this runs COMMAND in the network namespace that holds
# HOST's address, so one machine stands in for two hosts.
set -euo pipefail
host=$1
shift
case "$host" in
    10.199.0.1) namespace=swiftcnn-a ;;
    10.199.0.2) namespace=swiftcnn-b ;;
    *) echo "netns agent: unknown host $host" >&2; exit 1 ;;
esac
echo "$namespace" >> "${SWIFTCNN_NETNS_LOG:-/dev/null}"
exec ip netns exec "$namespace" /bin/sh -c "$*"
