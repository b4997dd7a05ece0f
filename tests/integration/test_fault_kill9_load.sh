# Fault: kill -9 of the broker under load (DESIGN invariants 2 and 3).
#
# Eight departments' agents send progress reports as fast as they are
# answered while the broker is killed at a random moment, ROUNDS times
# (DUBAN_FAULT_ROUNDS, 5 in CI, 20 for the full run). After each kill:
# every request the broker acknowledged is in the log exactly once, no
# request is in it twice, and `audit verify` passes (views agree with the
# log: nothing half applied). At the end, after the agents' retries, the log
# holds every command given exactly once and each task shows the last one.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
WRITERS=8
fault_plan "$T/plan.json" $WRITERS
make_keys "$T/plan.json"
start_broker
load_plan "$T/plan.json"
for w in $(seq 1 $WRITERS); do
  as "unit:F$w" claim "fault-1:1.$w.1" >/dev/null || fail "claim F$w"
  start_agent "F$w"
done

# writer W: progress reports through agent FW until $T/stop exists; one line
# per command given: K EXIT_STATUS JSON.
writer() {
  local w=$1 k=0 out rc
  while [ ! -e "$T/stop" ]; do
    k=$((k + 1))
    rc=0
    out=$(via "F$w" progress "fault-1:1.$w.1" --percent $((k % 101)) --request-id "w$w-$k" --json 2>&1) || rc=$?
    echo "$k $rc $out" >>"$T/writer-$w.out"
  done
}
WRITER_PIDS=()
for w in $(seq 1 $WRITERS); do
  writer "$w" &
  WRITER_PIDS+=($!)
  PIDS+=($!)
done

# acked: request ids the broker answered with a seq (not just queued).
acked() { cat "$T"/writer-*.out | jq -R -r 'split(" ") | select(.[1] == "0") | (.[2:] | join(" ") | fromjson)
  | select(.queued == false and .seq > 0) | .request_id' 2>/dev/null; }

for round in $(seq 1 "$ROUNDS"); do
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + (r % 1200) / 1000 }')"
  kill_broker
  acked | sort >"$T/acked"
  log_ids w | sort >"$T/logged"
  dup=$(uniq -d "$T/logged" | head -n 3)
  [ -z "$dup" ] || fail "round $round: requests in the log more than once: $dup"
  lost=$(comm -23 "$T/acked" "$T/logged" | head -n 3)
  [ -z "$lost" ] || fail "round $round: acknowledged but not in the log after kill -9: $lost"
  verify_log
  echo "round $round: $(wc -l <"$T/acked") acknowledged, $(wc -l <"$T/logged") in the log, verify ok"
  start_broker
done
touch "$T/stop"
wait "${WRITER_PIDS[@]}"

given=$(cat "$T"/writer-*.out | awk '$2 == 0' | wc -l)
failed=$(cat "$T"/writer-*.out | awk '$2 != 0' | wc -l)
[ "$given" -gt $((WRITERS * ROUNDS)) ] || fail "only $given commands given: the load did not run"
# The outboxes drain: wait until the log holds every command given.
for i in $(seq 1 300); do
  n=$(log_ids w | sort -u | wc -l)
  [ "$n" -ge "$given" ] && break
  sleep 0.2
done
log_ids w | sort >"$T/logged"
cat "$T"/writer-*.out | awk '$2 == 0 { print $1 }' >/dev/null
for w in $(seq 1 $WRITERS); do awk -v w=$w '$2 == 0 { print "w" w "-" $1 }' "$T/writer-$w.out"; done | sort >"$T/given"
dup=$(uniq -d "$T/logged" | head -n 3)
[ -z "$dup" ] || fail "doubled: $dup"
lost=$(comm -23 "$T/given" "$T/logged" | head -n 3)
[ -z "$lost" ] || fail "given but never applied: $lost ($(wc -l <"$T/logged") of $given in the log)"
# A command whose CLI gave up may or may not have been applied, but once at most.
extra=$(comm -13 "$T/given" "$T/logged" | wc -l)
[ "$extra" -le "$failed" ] || fail "$extra commands in the log that nobody gave"
verify_log
for w in $(seq 1 $WRITERS); do
  last=$(awk '$2 == 0 { k = $1 } END { print k }' "$T/writer-$w.out")
  pct=$(as "unit:F$w" task "fault-1:1.$w.1" --json | jq '.percent')
  # The last command given is the last applied (order per department).
  [ "$pct" = $((last % 101)) ] || fail "F$w shows $pct%, its last command said $((last % 101))%"
done
pass "kill -9 x$ROUNDS under load from $WRITERS agents: $given commands given, each in the log exactly once, ${failed} CLI time-outs, verify ok"
