#!/usr/bin/env bash
# test_replication_failover.sh: kill -9 of the leader broker under load
# (docs/replication.md). Three etcd members, two brokers, WRITERS
# departments sending progress reports to the list of brokers as fast as
# they are answered, each under its own request id. ROUNDS times
# (DUBAN_FAULT_ROUNDS, 10 by default: a round
# takes about 5 s): the leader is killed at a random
# moment, the other broker must take over and acknowledge again (the time
# from the kill to the first acknowledgement after it is the failover
# time), and the killed one comes back as a follower. At the end: every
# acknowledged request is in the log exactly once, every command a writer
# was told succeeded is there, both logs are identical and verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"
source "$SRC/tests/fault/lib_fault.sh"
ROUNDS=${DUBAN_FAULT_ROUNDS:-10}
WRITERS=${DUBAN_WRITERS:-4}

fault_plan "$T/plan.json" "$WRITERS"
make_keys "$T/plan.json"
start_etcd_cluster 3
start_replica 1
wait_leader >/dev/null
start_replica 2
asr admin:admin plan load "$T/plan.json" >/dev/null || fail "plan load"
for w in $(seq 1 "$WRITERS"); do asr "unit:F$w" claim "fault-1:1.$w.1" >/dev/null || fail "claim F$w"; done

# A coordinator watching through the list of brokers, across every
# failover: it must see every event, each once, in order.
asr coordinator:office watch --json --after 0 --keepalive 1000 >"$T/watch.out" 2>"$T/watch.err" &
WATCH_PID=$!
PIDS+=($WATCH_PID)

start_writers "$WRITERS"

TIMES=()
for round in $(seq 1 "$ROUNDS"); do
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + (r % 1500) / 1000 }')"
  L=$(REPLICAS=2 wait_leader)
  ms=$(failover_ms "$L") || fail "round $round: nothing acknowledged within 30 s of killing leader b$L"
  TIMES+=("$ms")
  L2=$(REPLICAS=2 wait_leader "$L")
  echo "round $round: killed leader b$L; b$L2 leads; first acknowledgement after ${ms} ms"
  start_replica "$L"
done
stop_writers

L=$(REPLICAS=2 wait_leader)
F=$((3 - L))
wait_same_logs "$L" "$F"
verify_replica 1
verify_replica 2
jq -r 'select(.request_id | startswith("w")) | .request_id' "$T/replay-$L" | sort >"$T/logged"
acked_ids >"$T/acked"
dup=$(uniq -d "$T/logged" | head -n 3)
[ -z "$dup" ] || fail "requests in the log more than once: $dup"
lost=$(comm -23 "$T/acked" "$T/logged" | head -n 3)
[ -z "$lost" ] || fail "acknowledged but not in the log: $lost"
given=$(wc -l <"$T/acked")
failed=$(cat "$T"/writer-*.out | awk '$2 != 0' | wc -l)
[ "$given" -gt $((WRITERS * ROUNDS)) ] || fail "only $given commands acknowledged: the load did not run"
extra=$(comm -13 "$T/acked" "$T/logged" | wc -l)
[ "$extra" -le "$failed" ] || fail "$extra commands in the log that nobody was told of, but only $failed failed"
sorted=$(printf '%s\n' "${TIMES[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
max=$(echo "$sorted" | tail -n 1)
head=$(replica_head "$L")
for n in $(seq 1 200); do
  [ "$(jq -s '[.[] | select(has("seq")) | .seq] | max' "$T/watch.out" 2>/dev/null)" = "$head" ] && break
  sleep 0.1
done
kill "$WATCH_PID" 2>/dev/null || true
seen=$(seqs "$T/watch.out")
[ "$seen" = "$(jq -n -c "[range(1; $head + 1)]")" ] ||
  fail "the watcher did not see events 1..$head once each, in order: $(echo "$seen" | cut -c1-300)"
pass "a watcher given both brokers saw events 1..$head once each, in order, across $ROUNDS failovers"
pass "kill -9 of the leader x$ROUNDS under load from $WRITERS writers: $given acknowledged, each in the log once ($failed CLI failures); logs identical and verified; failover ms: ${TIMES[*]} (median $median, max $max)"
