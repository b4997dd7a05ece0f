# What a log is, recorded in its first event: its format version and the
# kind of clock it was created on. A broker refuses a log of a newer format
# naming both versions (so does audit verify), refuses to serve a log on the
# other kind of clock unless --allow-clock-change, and then the deadline
# monitor summarises the gap: one warning per task and kind, not one per
# milestone.
. "$(dirname "$0")/lib.sh"
format=$(sed -n 's/^#define DBN_LOG_FORMAT_VERSION \([0-9]*\)$/\1/p' "$SRC/store/store.h")
[ -n "$format" ] || fail "cannot read DBN_LOG_FORMAT_VERSION"
make_keys

# run_broker LOG_NAME flags...: the broker on $T/data with no virtual clock
# unless the flags give one; its exit status in $status (0 = still running).
run_broker() {
  local log=$1
  shift
  "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" "$@" >"$T/$log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  status=0
  local i
  for i in $(seq 1 100); do
    as admin:admin ping --timeout 300 >/dev/null 2>&1 && return 0
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then
      wait "$BROKER_PID" || status=$?
      return 0
    fi
    sleep 0.1
  done
  fail "the broker neither answered nor exited within 10 s"
}

# A log created on the virtual clock says so.
start_broker --virtual-clock 2023-09-20
load_plan
stop_broker
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" || fail "the new log does not verify"
grep -q "log format:    $format, clock virtual" "$T/verify.out" || fail "verify: $(cat "$T/verify.out")"
"$BIN/duban" audit verify --data "$T/data" --json | jq -e --argjson f "$format" '.log_format == $f and .clock == "virtual"' \
  >/dev/null || fail "verify --json does not give the header"
pass "a new log records format $format and its virtual clock in its first event"

# The real clock on it: refused, with what to do.
run_broker refused.log
[ "$status" != 0 ] || fail "the broker served a virtual-clock log on the real clock"
[ "$status" -lt 128 ] || fail "the broker died of signal $((status - 128))"
grep -q -- '--allow-clock-change' "$T/refused.log" || fail "the refusal does not say what to do: $(cat "$T/refused.log")"
grep -q 'created on a virtual clock' "$T/refused.log" || fail "the refusal does not name the clocks: $(cat "$T/refused.log")"
pass "a virtual-clock log is refused on the real clock (exit $status)"

# Allowed: every milestone of the plan passed between 2023-09-20 and today,
# and each task gets one red warning, one automatic escalation.
run_broker allowed.log --allow-clock-change
[ "$status" = 0 ] || fail "--allow-clock-change did not start the broker: $(cat "$T/allowed.log")"
for i in $(seq 1 50); do grep -q 'summarised' "$T/allowed.log" && break; sleep 0.1; done
grep -q 'summarised' "$T/allowed.log" || fail "no summarised deadline scan: $(cat "$T/allowed.log")"
stop_broker
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl"
tasks=$(jq -s '[.[] | select(.kind == "plan_loaded") | .plan.sections[].measures[].actions[]] | length' "$T/replay.jsonl")
per_task=$(jq -s -c '[.[] | select(.kind == "deadline_warning") | .task + "/" + .level] | group_by(.) | map(length) | max' \
  "$T/replay.jsonl")
reds=$(jq -s '[.[] | select(.kind == "deadline_warning" and .level == "red")] | length' "$T/replay.jsonl")
[ "$per_task" = 1 ] || fail "a task got $per_task warnings of one kind for the gap"
[ "$reds" = "$tasks" ] || fail "$reds red warnings for $tasks tasks whose milestones all passed"
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "the log after the clock change does not verify"
pass "with --allow-clock-change the gap gives one red warning per task ($reds for $tasks tasks), and the log verifies"

# The other way: a log created on the real clock, refused on a virtual one.
rm -rf "$T/data"
run_broker real.log
[ "$status" = 0 ] || fail "the broker on the real clock did not start: $(cat "$T/real.log")"
load_plan
stop_broker
"$BIN/duban" audit verify --data "$T/data" | has "clock real" || fail "the real-clock log does not say so"
run_broker refused2.log --virtual-clock 2030-01-01
[ "$status" != 0 ] || fail "the broker served a real-clock log on a virtual clock"
grep -q 'created on a real clock' "$T/refused2.log" || fail "the refusal: $(cat "$T/refused2.log")"
pass "a real-clock log is refused on a virtual clock"

# A log a newer duban wrote: refused by the broker and by audit verify, both
# versions named; the file is left as it was.
rm -rf "$T/data"
"$BIN/duban-log-future" "$T/data" $((format + 1)) real || fail "cannot write the future log"
before=$(sha256sum "$T/data/data.mdb")
run_broker future.log
[ "$status" != 0 ] || fail "the broker served a log of format $((format + 1))"
[ "$status" -lt 128 ] || fail "the broker died of signal $((status - 128))"
grep -q "format version is $((format + 1)) and this duban knows up to version $format" "$T/future.log" ||
  fail "the broker's refusal does not name both versions: $(cat "$T/future.log")"
s=0
"$BIN/duban" audit verify --data "$T/data" >"$T/verify-future.out" 2>&1 || s=$?
[ "$s" != 0 ] || fail "audit verify passed a log of a newer format"
grep -q "版本为 $((format + 1))，本程序只认识到版本 $format" "$T/verify-future.out" ||
  fail "verify's refusal does not name both versions: $(cat "$T/verify-future.out")"
[ "$before" = "$(sha256sum "$T/data/data.mdb")" ] || fail "the refused log was changed"
pass "a log of format $((format + 1)) is refused by the broker and by audit verify, naming both versions"
