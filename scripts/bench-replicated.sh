#!/usr/bin/env bash
# bench-replicated.sh: the replicated mode's figures (docs/replication.md).
#
#   scripts/bench-replicated.sh [duban-bench options, e.g. --quick]
#
# Starts three etcd members on loopback (tests/integration/lib_etcd.sh) and
# runs `duban-bench --only ingest` with DUBAN_BENCH_ETCD pointing at them:
# the ingest table then has a "replicated (etcd, 3 members)" row beside the
# single-node ones, measured on the same machine in the same run. The
# failover figures come from the kill -9 test:
#   DUBAN_FAULT_ROUNDS=10 DUBAN_WRITERS=8 ctest --test-dir build -R replication_failover -V
set -euo pipefail
cd "$(dirname "$0")/.."
export DUBAN_BIN=${DUBAN_BIN:-$PWD/build/bin} DUBAN_SOURCE=$PWD
[ -x "$DUBAN_BIN/duban-bench" ] || { echo "build first: cmake --build build" >&2; exit 2; }
source tests/integration/lib.sh
source tests/integration/lib_etcd.sh
start_etcd_cluster 3
DUBAN_BENCH_ETCD=$ETCD_ENDPOINTS "$DUBAN_BIN/duban-bench" --only ingest "$@"
