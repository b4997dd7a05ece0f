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

# By itself: a broker from empty given --snapshot-from, a folder of backups
# as duban-backup.timer fills it (one folder per backup, named by time).
# The newest there is damaged (a bit of a view flipped: its chain still
# links, only audit verify finds it) and must be refused; the one before
# is restored, verified, and the broker goes on from etcd, with no hand
# on its data folder.
mkdir -p "$T/backups"
"$BIN/duban" admin backup --data "$T/data-1" --to "$T/backups/20230920-023000" >"$T/backup.out" 2>&1 ||
  fail "backup: $(cat "$T/backup.out")"
"$BIN/duban" admin backup --data "$T/data-1" --to "$T/backups/20230921-023000" >"$T/backup.out" 2>&1 ||
  fail "backup: $(cat "$T/backup.out")"
"$BIN/view_flip" "$T/backups/20230921-023000" units JTJ >/dev/null || fail "view_flip"
for k in $(seq 111 140); do
  asr unit:JTJ progress "$TASK" --percent $((k % 100)) --request-id "p-$k" >/dev/null || fail "progress $k"
done
start_replica 3 --snapshot-from "$T/backups"
wait_same_logs 1 3
verify_replica 3
grep -q "20230921-023000 未通过校验" "$T/broker-3.log" || fail "the damaged backup was not refused: $(grep replication "$T/broker-3.log")"
grep -q "已从快照 $T/backups/20230920-023000 恢复" "$T/broker-3.log" || fail "the broker does not say which backup it restored"
restored=$(sed -n 's/.*已从快照.*（至 seq \([0-9]*\)）.*/\1/p' "$T/broker-3.log" | head -n 1)
[ -n "$restored" ] && [ "$restored" -lt "$(replica_head 3)" ] ||
  fail "the backup's head (${restored:-none}) is not behind the leader's: nothing came from etcd after it"
pass "a broker from empty, given --snapshot-from the backups folder, refused the damaged newest backup, restored the one before, verified, and caught up from etcd to seq $(replica_head 3)"

# It keeps following: a write now reaches it through etcd.
asr unit:JTJ progress "$TASK" --percent 99 --request-id "p-after" >/dev/null || fail "progress after"
wait_same_logs 1 3
pass "the restored broker follows the leader's new writes"
