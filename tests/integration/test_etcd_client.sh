#!/usr/bin/env bash
# test_etcd_client.sh: the broker's etcd client (broker/etcd.c) against a
# real etcd: one member, then a cluster of three (tests/tools/etcd_client_check.c
# holds the cases: put, range, a failed compare, leases, the watch stream,
# an unreachable member).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"

start_etcd_cluster 1
DUBAN_ETCD=$ETCD_ENDPOINTS "$BIN/etcd_client_check" || fail "etcd client against one member"
pass "etcd client against one member"
stop_etcd_cluster

start_etcd_cluster 3
DUBAN_ETCD=$ETCD_ENDPOINTS "$BIN/etcd_client_check" || fail "etcd client against three members"
pass "etcd client against three members"
kill_etcd_member 1
# Member 1 is gone: every call goes on to the next member, once the other
# two have elected a leader (when member 1 was it).
for n in $(seq 1 100); do etcd_healthy 2 && break; sleep 0.2; done
DUBAN_ETCD=$ETCD_ENDPOINTS "$BIN/etcd_client_check" || fail "etcd client with member 1 down"
pass "etcd client with one member of three down"
stop_etcd_cluster
