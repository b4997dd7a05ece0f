#!/usr/bin/env bash
# test_replication_watchers.sh: watchers and consoles connected to a
# follower or to the old leader miss no event across a failover
# (docs/replication.md). Three etcd members, two brokers, WRITERS
# departments writing through the list of brokers. Two `duban watch` and
# two real `duban-console`s are given both addresses: one of each with the
# leader first in its list (it is connected to the broker that will die),
# one with the follower first. ROUNDS times (DUBAN_FAULT_ROUNDS, 2 by
# default) the leader is killed with -9 and stays down until a new leader
# has acknowledged writes and every watcher and console has reached the
# new leader's head: a client left on the dead broker fails the round. At
# the end each watch and each console's event stream (/api/events, read
# from the start with Last-Event-ID: 0) holds events 1..head once each, in
# order, and every acknowledged request exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"
source "$SRC/tests/fault/lib_fault.sh"
source "$SRC/tests/browser/lib_console.sh"
ROUNDS=${DUBAN_FAULT_ROUNDS:-2}
WRITERS=${DUBAN_WRITERS:-4}

fault_plan "$T/plan.json" "$WRITERS"
make_keys "$T/plan.json"
make_user 李协调 coordinator "" 'correct-horse-1'
start_etcd_cluster 3
start_replica 1
wait_leader >/dev/null
start_replica 2
B1=$(replica_endpoint 1)
B2=$(replica_endpoint 2)
asr admin:admin plan load "$T/plan.json" >/dev/null || fail "plan load"
for w in $(seq 1 "$WRITERS"); do asr "unit:F$w" claim "fault-1:1.$w.1" >/dev/null || fail "claim F$w"; done

# watch_with NAME LIST: `duban watch` from seq 0 on the brokers of LIST, in
# that order (the first is the one it connects to).
watch_with() {
  "$BIN/duban" watch --json --after 0 --keepalive 1000 --broker "$2" --server-key "$T/keys/broker.key" \
    --key "$(key_of coordinator:office)" >"$T/watch-$1.out" 2>"$T/watch-$1.log" &
  PIDS+=($!)
}

# console_with NAME LIST: a duban-console on the brokers of LIST with its
# own mirror, a session of 李协调 and its /api/events stream in
# $T/sse-NAME.out; sets URL_NAME.
console_with() {
  ENDPOINT=$2 start_console --data "$T/mirror-$1"
  eval "URL_$1=$CONSOLE_URL"
  login 李协调 'correct-horse-1'
  mv "$JAR" "$T/jar-$1"
  curl -s -N -b "$T/jar-$1" -H 'Last-Event-ID: 0' "$CONSOLE_URL/api/events" >"$T/sse-$1.out" 2>/dev/null &
  PIDS+=($!)
}

# head_of_console NAME: the head of that console's mirror, as its board says.
head_of_console() { eval "curl -s -b '$T/jar-$1' \"\$URL_$1/api/board\"" | jq '.head'; }

# sse_seqs NAME: the ids of the events on that console's stream, as JSON.
sse_seqs() { sed -n 's/^id: *\([0-9]*\).*/\1/p' "$T/sse-$1.out" | jq -s -c '.'; }
watch_head() { jq -s '[.[] | select(has("seq")) | .seq] | max // 0' "$T/watch-$1.out" 2>/dev/null; }

# every_client_at SEQ: until both watchers and both consoles have SEQ
# (30 s at most).
every_client_at() {
  local c until=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$until" ]; do
    local behind=""
    for c in leader follower; do
      [ "$(watch_head "$c")" -ge "$1" ] 2>/dev/null || behind+=" watch-$c($(watch_head "$c"))"
      [ "$(head_of_console "$c")" -ge "$1" ] 2>/dev/null || behind+=" console-$c($(head_of_console "$c"))"
    done
    [ -z "$behind" ] && return 0
    sleep 0.1
  done
  echo "$behind"
  return 1
}

# b1 leads: "leader" clients are connected to it, "follower" ones to b2.
watch_with leader "$B1,$B2"
watch_with follower "$B2,$B1"
console_with leader "$B1,$B2"
console_with follower "$B2,$B1"
every_client_at "$(replica_head 1)" >/dev/null || fail "the watchers and consoles did not start"
start_writers "$WRITERS"

TIMES=()
for round in $(seq 1 "$ROUNDS"); do
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + (r % 1500) / 1000 }')"
  L=$(REPLICAS=2 wait_leader)
  ms=$(failover_ms "$L") || fail "round $round: nothing acknowledged within 30 s of killing leader b$L"
  TIMES+=("$ms")
  L2=$(REPLICAS=2 wait_leader "$L")
  sleep 1 # writes acknowledged by the new leader alone
  target=$(replica_head "$L2")
  behind=$(every_client_at "$target") ||
    fail "round $round: with b$L down, clients did not reach b$L2's seq $target:$behind"
  echo "round $round: killed leader b$L; b$L2 acknowledged after ${ms} ms; every watcher and console reached seq $target with b$L down"
  start_replica "$L"
done
stop_writers

L=$(REPLICAS=2 wait_leader)
wait_same_logs "$L" "$((3 - L))"
verify_replica "$L"
head=$(replica_head "$L")
every_client_at "$head" >/dev/null || fail "the clients did not reach the head $head"
jq -r '.seq' "$T/replay-$L" >/dev/null
acked_ids >"$T/acked"
[ "$(wc -l <"$T/acked")" -gt "$ROUNDS" ] || fail "only $(wc -l <"$T/acked") commands acknowledged: the load did not run"
want=$(jq -n -c "[range(1; $head + 1)]")
for c in leader follower; do
  [ "$(seqs "$T/watch-$c.out")" = "$want" ] ||
    fail "watch-$c did not see events 1..$head once each, in order: $(seqs "$T/watch-$c.out" | cut -c1-300)"
  jq -r 'select((.request_id // "") | startswith("w")) | .request_id' "$T/watch-$c.out" | sort >"$T/watched-$c"
  for n in $(seq 1 50); do [ "$(sse_seqs "$c" | jq 'max // 0')" -ge "$head" ] && break; sleep 0.1; done
  [ "$(sse_seqs "$c")" = "$want" ] ||
    fail "console-$c's /api/events did not carry events 1..$head once each, in order: $(sse_seqs "$c" | cut -c1-300)"
  sed -n 's/^data: *//p' "$T/sse-$c.out" | jq -r 'select((.request_id // "") | startswith("w")) | .request_id' | sort >"$T/streamed-$c"
  for seen in "$T/watched-$c" "$T/streamed-$c"; do
    dup=$(uniq -d "$seen" | head -n 3)
    [ -z "$dup" ] || fail "$(basename "$seen"): requests seen more than once: $dup"
    lost=$(comm -23 "$T/acked" "$seen" | head -n 3)
    [ -z "$lost" ] || fail "$(basename "$seen"): acknowledged but never seen: $lost"
  done
done
pass "two watchers and two consoles (one each on the old leader, one each on the follower) saw events 1..$head once each, in order, and all $(wc -l <"$T/acked") acknowledged requests once, across $ROUNDS kill -9 failovers (ms: ${TIMES[*]})"
