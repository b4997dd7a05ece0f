#!/usr/bin/env bash
# test_replication_etcd_loss.sh: brokers on three etcd members as members
# die (docs/replication.md). With the raft leader member killed, writes
# go on; with a second one killed (no quorum), writes are refused as
# `unavailable` with a message that says etcd is the reason, reads go on,
# and nothing acknowledged before is lost; when a member comes back,
# writes resume.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"

make_keys
start_etcd_cluster 3
start_replica 1
wait_leader >/dev/null
start_replica 2
asr admin:admin plan load "$PLAN_JSON" >/dev/null || fail "plan load"
TASK=$(asr unit:JTJ tasks --json | jq -r '.tasks[0].id')
asr unit:JTJ claim "$TASK" --request-id c-1 >/dev/null || fail "claim"
asr unit:JTJ progress "$TASK" --percent 10 --request-id p-1 >/dev/null || fail "progress 10"

E1=$(etcd_leader) || fail "no etcd member leads"
kill_etcd_member "$E1"
for k in 2 3 4; do
  asr unit:JTJ progress "$TASK" --percent $((k * 10)) --request-id "p-$k" --timeout 20000 >/dev/null ||
    fail "progress $k with etcd member $E1 (the raft leader) down"
done
pass "etcd member $E1 (the raft leader) killed: writes go on"

# Both brokers hold every acknowledged write before the quorum goes (a
# follower's reads may lag the leader's by the batches in flight).
L=$(REPLICAS=2 wait_leader)
wait_same_logs "$L" $((3 - L))
E2=$(( E1 % 3 + 1 ))
kill_etcd_member "$E2"
out=$(asr unit:JTJ progress "$TASK" --percent 90 --request-id p-lost --timeout 8000 2>&1) &&
  fail "a write was acknowledged without an etcd quorum: $out"
echo "$out" | grep -q "unavailable" || fail "refusal without quorum is not unavailable: $out"
echo "$out" | grep -q "etcd" || fail "refusal without quorum does not name etcd: $out"
pass "two etcd members down: writes refused ($(echo "$out" | head -n 1))"
pct=$(asr unit:JTJ task "$TASK" --json --timeout 20000 | jq -r '.percent') || fail "read without quorum"
[ "$pct" = 40 ] || fail "read without quorum says $pct%, the last acknowledged report said 40%"
pass "reads go on without quorum, and show every acknowledged write"

start_etcd_member "$E2"
for n in $(seq 1 60); do
  asr unit:JTJ progress "$TASK" --percent 50 --request-id p-5 --timeout 5000 >/dev/null 2>&1 && break
  sleep 0.5
done
# A follower's reads may lag by the batches in flight: ask until it has it.
for n in $(seq 1 40); do
  pct=$(asr unit:JTJ task "$TASK" --json | jq -r '.percent')
  [ "$pct" = 50 ] && break
  sleep 0.25
done
[ "$pct" = 50 ] || fail "writes did not resume when etcd member $E2 came back (percent $pct)"
pass "etcd member $E2 back: writes resume"
L=$(REPLICAS=2 wait_leader)
wait_same_logs "$L" $((3 - L))
verify_replica 1
verify_replica 2
# The refused write may have reached etcd's log before the quorum went
# (its answer timed out) and be applied when it came back: once at most.
n=$(jq -r '.request_id' "$T/replay-$L" | grep -cx p-lost || true)
[ "$n" -le 1 ] || fail "p-lost is in the log $n times"
pass "logs identical and verified after the quorum came back"
