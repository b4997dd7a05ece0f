#!/usr/bin/env bash
# test_replication_snapshot.sh: a follower further behind than etcd keeps
# (docs/replication.md). The leader keeps 20 events in etcd (--etcd-window
# 20) and deletes the batches before them; a broker started from empty
# then finds its next events gone, says it must be restored from a
# snapshot, and applies nothing. Restored from `duban admin backup` of the
# leader's log, it continues from the snapshot's head with the batches
# etcd still holds, and its log becomes the leader's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"

make_keys
start_etcd_cluster 1
start_replica 1 --etcd-window 20
wait_leader >/dev/null
asr admin:admin plan load "$PLAN_JSON" >/dev/null || fail "plan load"
TASK=$(asr unit:JTJ tasks --json | jq -r '.tasks[0].id')
asr unit:JTJ claim "$TASK" >/dev/null || fail "claim"
for k in $(seq 1 100); do
  asr unit:JTJ progress "$TASK" --percent $((k % 100)) --request-id "p-$k" >/dev/null || fail "progress $k"
done
first=$(curl -sf "$(etcd_url 1)/v3/kv/range" -d "{\"key\":\"$(printf /duban/log/ | base64)\",\"range_end\":\"$(printf /duban/log0 | base64)\",\"limit\":1}" |
  jq -r '.kvs[0].key' | base64 -d)
[ "$first" != "/duban/log/00000000000000000001" ] || fail "the leader kept every batch in etcd"
pass "the leader keeps a window of the log in etcd (its first batch now ends at ${first##*/})"

start_replica 2
for n in $(seq 1 100); do grep -q "需从快照恢复" "$T/broker-2.log" && break; sleep 0.1; done
grep -q "需从快照恢复" "$T/broker-2.log" || fail "a broker behind the window did not say it needs a snapshot"
[ "$(replica_head 2)" = 0 ] || fail "a broker behind the window applied events: head $(replica_head 2)"
pass "a broker started from empty, behind the window, asks for a snapshot and applies nothing"

eval "kill -TERM \$REPLICA_PID_2; wait \$REPLICA_PID_2" || true
"$BIN/duban" admin backup --data "$T/data-1" --to "$T/snapshot" >"$T/backup.out" 2>&1 || fail "backup: $(cat "$T/backup.out")"
for k in $(seq 101 110); do
  asr unit:JTJ progress "$TASK" --percent $((k % 100)) --request-id "p-$k" >/dev/null || fail "progress $k"
done
rm -f "$T/data-2/data.mdb" "$T/data-2/lock.mdb"
cp "$T/snapshot/data.mdb" "$T/data-2/data.mdb"
start_replica 2
wait_same_logs 1 2
verify_replica 2
pass "restored from the leader's snapshot, the follower caught up from etcd to seq $(replica_head 2)"
