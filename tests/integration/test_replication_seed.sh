#!/usr/bin/env bash
# test_replication_seed.sh: turning replication on for a broker that ran
# alone (docs/replication.md). Its log goes into etcd when it first
# leads, a broker started from empty copies it, and both verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"

make_keys
# A port below the kernel's range for outgoing connections (lib_etcd.sh).
PORT=$(etcd_port)
ENDPOINT=tcp://127.0.0.1:$PORT
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data-1" --keys "$T/keys" --virtual-clock 2023-09-20 \
  >>"$T/broker-alone.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
for n in $(seq 1 100); do as admin:admin ping --timeout 300 >/dev/null 2>&1 && break; sleep 0.1; done
load_plan
as unit:JTJ claim demo-2023-1:2.1.1 >/dev/null || fail "claim"
as unit:JTJ progress demo-2023-1:2.1.1 --percent 30 >/dev/null || fail "progress"
stop_broker
alone=$(replica_head 1)
pass "a broker alone wrote $alone events"

start_etcd_cluster 1
start_replica 1
wait_leader >/dev/null
grep -q "写入本节点其后的事件" "$T/broker-1.log" || fail "the first leader did not put its log into etcd"
start_replica 2
wait_same_logs 1 2
verify_replica 2
asr unit:JTJ progress demo-2023-1:2.1.1 --percent 40 >/dev/null || fail "a write after the seeding"
wait_same_logs 1 2
pass "its $alone events went into etcd when it first led; a broker from empty copied them and follows (head $(replica_head 2))"
