# Fault: a stuck watcher (SIGSTOP). A coordinator's `duban watch` that stops
# reading must not slow the broker or the departments; when it reads again
# it catches up from its last sequence number with no gap and no repeat.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
BEFORE=60
DURING=${DUBAN_FAULT_WATCH_WRITES:-240}
make_keys
start_broker --virtual-clock 2023-09-20
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
after=$(as admin:admin ping --json | jq '.head_seq')
total=$((BEFORE + DURING))
as coordinator:office watch --after "$after" --json --count "$total" --timeout-idle 60000 >"$T/watch.out" 2>"$T/watch.log" &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.5

# writes N: N progress reports, prints the milliseconds they took.
writes() {
  local start end i
  start=$(date +%s%3N)
  for i in $(seq 1 "$1"); do
    as unit:LCJ --timeout 10000 progress demo-2023-1:1.1.1 --percent $((i % 100)) >/dev/null || fail "write $i"
  done
  end=$(date +%s%3N)
  echo $((end - start))
}
t_live=$(writes $BEFORE)
kill -STOP "$WATCH_PID"
t_stuck=$(writes "$DURING")
per_live=$((t_live / BEFORE))
per_stuck=$((t_stuck / DURING))
echo "a write took ${per_live} ms with the watcher reading, ${per_stuck} ms with it stopped"
# Writers are still served, within a bound generous enough for a busy
# machine: every write answered within 10 s, all of them within 120 s (a
# few seconds on an idle one). How much slower is a benchmark's question: a
# ratio of two timings fails whenever another job shares the CPU.
[ "$t_stuck" -lt 120000 ] || fail "with a stuck watcher, $DURING writes took $t_stuck ms"
sleep 2
kill -CONT "$WATCH_PID"
wait "$WATCH_PID" || fail "the watcher did not get all $total events after it resumed: $(tail -n 3 "$T/watch.log")"
jq -s -e --argjson a "$after" --argjson n "$total" '[.[] | select(.seq) | .seq] == [range($a + 1; $a + $n + 1)]' \
  "$T/watch.out" >/dev/null || fail "the watcher has a gap or a repeat: $(jq -s -c '[.[] | .seq]' "$T/watch.out" | head -c 300)"
pass "a watcher stopped for $DURING writes catches up with all $total events in order, and writers were not slowed"
