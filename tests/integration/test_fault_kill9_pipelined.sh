# Fault: kill -9 of the broker at random moments under pipelined load
# (DESIGN invariants 2 and 3; broker/pipeline.h).
#
# A batch's commit leaves its meta page for the next batch's sync, and its
# replies wait for that sync. Sixteen departments send progress reports
# straight to the broker, as fast as each is answered, so that batches come
# back to back and one batch's commit carries the sync of the one before;
# the broker is killed at random moments, short ones too, ROUNDS times
# (DUBAN_FAULT_ROUNDS). After each kill every acknowledged request is in
# the log exactly once and `audit verify` passes; at the end the metrics of
# a last run say how many syncs the batches cost.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
WRITERS=16
fault_plan "$T/plan.json" $WRITERS
make_keys "$T/plan.json"
start_broker
load_plan "$T/plan.json"
for w in $(seq 1 $WRITERS); do
  as "unit:F$w" claim "fault-1:1.$w.1" >/dev/null || fail "claim F$w"
done

# writer W: progress reports of unit FW until $T/stop exists; one line per
# request: K EXIT_STATUS JSON.
writer() {
  local w=$1 k=0 out rc
  while [ ! -e "$T/stop" ]; do
    k=$((k + 1))
    rc=0
    out=$(as "unit:F$w" progress "fault-1:1.$w.1" --percent $((k % 101)) --request-id "p$w-$k" --timeout 3000 \
      --json 2>&1) || rc=$?
    echo "$k $rc $out" >>"$T/writer-$w.out"
  done
}
WRITER_PIDS=()
for w in $(seq 1 $WRITERS); do
  writer "$w" &
  WRITER_PIDS+=($!)
  PIDS+=($!)
done

# acked: request ids the broker answered with a seq.
acked() { cat "$T"/writer-*.out | jq -R -r 'split(" ") | select(.[1] == "0") | (.[2:] | join(" ") | fromjson)
  | select(.seq > 0) | .request_id' 2>/dev/null; }

for round in $(seq 1 "$ROUNDS"); do
  # From 50 ms (inside the first batches after a start) to about a second.
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.05 + (r % 1000) / 1000 }')"
  kill_broker
  acked | sort >"$T/acked"
  log_ids p | sort >"$T/logged"
  dup=$(uniq -d "$T/logged" | head -n 3)
  [ -z "$dup" ] || fail "round $round: requests in the log more than once: $dup"
  lost=$(comm -23 "$T/acked" "$T/logged" | head -n 3)
  [ -z "$lost" ] || fail "round $round: acknowledged but not in the log after kill -9: $lost"
  verify_log
  echo "round $round: $(wc -l <"$T/acked") acknowledged, $(wc -l <"$T/logged") in the log, verify ok"
  start_broker
done

# A last stretch with the metrics on: how many syncs the batches cost.
kill_broker
METRICS_PORT=$(free_port)
start_broker --metrics "127.0.0.1:$METRICS_PORT"
sleep 1
metrics=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" || true)
touch "$T/stop"
wait "${WRITER_PIDS[@]}"
stop_broker

acked | sort >"$T/acked"
log_ids p | sort >"$T/logged"
dup=$(uniq -d "$T/logged" | head -n 3)
[ -z "$dup" ] || fail "requests in the log more than once: $dup"
lost=$(comm -23 "$T/acked" "$T/logged" | head -n 3)
[ -z "$lost" ] || fail "acknowledged but not in the log: $lost"
verify_log
given=$(wc -l <"$T/acked")
[ "$given" -gt $((WRITERS * ROUNDS)) ] || fail "only $given requests acknowledged: the load did not run"
batches=$(echo "$metrics" | awk '$1 == "duban_broker_batch_events_count" { print $2 }')
syncs=$(echo "$metrics" | awk '$1 == "duban_broker_syncs_total" { print $2 }')
pass "kill -9 x$ROUNDS under pipelined load from $WRITERS departments: $given acknowledged, each in the log exactly once, verify ok; last second: ${batches:-?} batches, ${syncs:-?} syncs"
