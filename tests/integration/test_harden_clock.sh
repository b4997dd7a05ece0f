# Event times never go backwards. A log a virtual clock took to 2122, then
# served on the real clock: the broker refuses to start (before, it wrote
# event 250 in 2026 right after event 249 in 2122), and with
# --allow-clock-change (the log was made on a virtual clock) it starts and
# keeps stamping the last event's time until the real clock passes it.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker --virtual-clock 2122-01-01
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
stop_broker
last=$("$BIN/duban" audit replay --data "$T/data" --json | jq -s '[.[].time] | max')

s=0
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" >"$T/start.log" 2>&1 || s=$?
[ "$s" != 0 ] || fail "the broker started on a clock a century behind its log"
[ "$s" -lt 128 ] || fail "the broker died of signal $((s - 128))"
grep -q 'allow-clock-change' "$T/start.log" || fail "the refusal does not say what to do: $(cat "$T/start.log")"
pass "the broker refuses to start with its clock behind the log's last event (exit $s)"

"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" --allow-clock-change \
  >>"$T/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
for i in $(seq 1 100); do as admin:admin ping --timeout 300 >/dev/null 2>&1 && break; sleep 0.1; done
as unit:LCJ progress demo-2023-1:1.1.1 --percent 5 >/dev/null || fail "progress with the clock held"
stop_broker
times=$("$BIN/duban" audit replay --data "$T/data" --json | jq -s -c '[.[].time]')
echo "$times" | jq -e '. == (. | sort)' >/dev/null || fail "event times went backwards: $times"
newest=$(echo "$times" | jq 'last')
# ISO times in UTC: their order as strings is their order in time.
jq -n -e --argjson a "$newest" --argjson b "$last" '$a >= $b' >/dev/null || fail "the new event ($newest) is older than the last one before it ($last)"
pass "with --allow-clock-change the new event keeps the last event's time ($newest), never earlier"
