#!/usr/bin/env bash
# test_replication_basic.sh: two brokers on three etcd members
# (docs/replication.md). Writes given to the list of brokers reach the
# leader, also when the CLI is given the follower alone (it names the
# leader and the client moves there); the follower's log becomes the
# leader's, byte for byte, and both verify; a third broker started from an
# empty folder catches up from etcd; a clean stop of the leader hands over
# at once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"

make_keys
start_etcd_cluster 3
start_replica 1
L=$(wait_leader)
start_replica 2
[ "$L" = 1 ] || fail "the first broker started should lead, replica $L does"
asr admin:admin plan load "$PLAN_JSON" >/dev/null || fail "plan load through the list"
pass "plan loaded through the list of brokers (leader b$L)"

TASK=$(asr unit:JTJ tasks --json | jq -r '.tasks[0].id')
[ -n "$TASK" ] && [ "$TASK" != null ] || fail "no task for JTJ"
# The follower alone: it refuses the write naming the leader, and the
# client moves there and sends it again under the same request id.
out=$("$BIN/duban" claim "$TASK" --json --request-id claim-1 --broker "$(replica_endpoint 2)" \
  --server-key "$T/keys/broker.key" --key "$(key_of unit:JTJ)") || fail "claim through the follower: $out"
seq1=$(echo "$out" | jq -r '.seq')
[ "$seq1" -gt 0 ] || fail "claim not applied: $out"
out=$(asr unit:JTJ claim "$TASK" --json --request-id claim-1) || fail "repeat of claim-1: $out"
[ "$(echo "$out" | jq -r '.seq')" = "$seq1" ] || fail "a repeat of claim-1 was applied again: $out"
for k in 1 2 3 4 5; do
  asr unit:JTJ progress "$TASK" --percent $((k * 10)) --request-id "p-$k" >/dev/null || fail "progress $k"
done
pass "writes given to the follower reach the leader once"

wait_same_logs 1 2
verify_replica 1
verify_replica 2
head=$(replica_head 1)
pass "both logs identical up to seq $head; audit verify passes on each"

# Reads on the follower come from its own log.
pct=$("$BIN/duban" task "$TASK" --json --broker "$(replica_endpoint 2)" --server-key "$T/keys/broker.key" \
  --key "$(key_of unit:JTJ)" | jq -r '.percent')
[ "$pct" = 50 ] || fail "the follower reads percent $pct, expected 50"
pass "the follower serves reads from its own log"

# A department's agent given the follower first: it follows the leader
# hint, and its outbox delivers once.
"$BIN/duban-agent" --broker "$(replica_endpoint 2),$(replica_endpoint 1)" --server-key "$T/keys/broker.key" \
  --key "$(key_of unit:JTJ)" --listen "ipc://$T/agent-JTJ.sock" --data "$T/agent-JTJ" >>"$T/agent-JTJ.log" 2>&1 &
PIDS+=($!)
for n in $(seq 1 50); do [ -S "$T/agent-JTJ.sock" ] && break; sleep 0.1; done
out=$(via JTJ progress "$TASK" --percent 55 --request-id a-1 --json) || fail "progress through the agent: $out"
for n in $(seq 1 100); do replay_of 1 | jq -e 'select(.request_id == "a-1")' >/dev/null && break; sleep 0.1; done
[ "$(replay_of 1 | jq -r 'select(.request_id == "a-1") | .seq' | wc -l)" = 1 ] || fail "a-1 not in the leader's log once"
pass "an agent given the follower first delivers through the leader, once"

# The deadline monitor runs on the leader alone: each warning once, in
# both logs.
asr admin:admin clock advance --days 80 >/dev/null || fail "clock advance"
asr admin:admin clock advance --days 30 >/dev/null || fail "clock advance"
for n in $(seq 1 100); do
  replay_of 1 | jq -e 'select(.kind == "deadline_warning" and .level == "red")' >/dev/null && break
  sleep 0.1
done
wait_same_logs 1 2
warnings=$(jq -s -c '[.[] | select(.kind == "deadline_warning") | [.task, .level]]' "$T/replay-1")
[ "$(echo "$warnings" | jq '[.[] | select(.[1] == "red")] | length')" -ge 1 ] || fail "no red warning: $warnings"
[ "$(echo "$warnings" | jq 'group_by(.) | map(length) | max')" = 1 ] || fail "a warning raised twice: $warnings"
pass "deadline warnings raised once, by the leader, and replicated: $warnings"

REPLICAS=3 start_replica 3
wait_same_logs 1 3
verify_replica 3
pass "a broker started from empty caught up from etcd to seq $(replica_head 3)"

# A clean stop of the leader revokes its lease: another leads at once.
t0=$(date +%s%N)
eval "kill -TERM \$REPLICA_PID_$L"
eval "wait \$REPLICA_PID_$L" || true
L2=$(REPLICAS=3 wait_leader "$L")
asr unit:JTJ progress "$TASK" --percent 60 --request-id p-6 >/dev/null || fail "progress after the hand-over"
t1=$(date +%s%N)
pass "b$L stopped cleanly; b$L2 leads and took a write within $(((t1 - t0) / 1000000)) ms"
