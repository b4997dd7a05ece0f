# The day turning on a real clock reaches the board with no event to carry
# it. The plan's zone is chosen (DUBAN_PLAN_ZONE, a fixed offset) so that
# its midnight falls 45 to 105 s after the test starts, and JTJ's task
# 2.1.1 is due on the day that ends then. The broker runs on the real
# clock. When the day turns the task is late: the console recomputes the
# grid by itself and pushes JTJ's cell, now red, on /api/live ("cells",
# reason "day"), and /api/grid names the new day.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"

now=$(date +%s)
turn=$(((now + 45 + 59) / 60 * 60))        # a whole UTC minute, as every zone's midnight is
offset=$(((86400 - turn % 86400) % 86400)) # east of UTC by this much, midnight is at $turn
[ "$offset" -gt $((14 * 3600)) ] && offset=$((offset - 86400))
sign=+; [ "$offset" -lt 0 ] && sign=- && offset=$((-offset))
export DUBAN_PLAN_ZONE=$(printf '%s%02d:%02d' "$sign" $((offset / 3600)) $((offset % 3600 / 60)))
[ "$sign" = - ] && offset=$((-offset))
day=$(date -u -d "@$((turn - 1 + offset))" +%F)
next=$(date -u -d "@$((turn + offset))" +%F)
jq --arg d "$day" '(.. | objects | select(.id? == "demo-2023-1:2.1.1") | .milestones[0].due) = $d' "$PLAN_JSON" \
  >"$T/plan.json"

make_keys "$T/plan.json"
for attempt in 1 2 3 4 5; do # the broker on the real clock (lib.sh's start_broker sets a virtual one)
  "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" >>"$T/broker.log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  for i in $(seq 1 100); do
    as admin:admin ping --timeout 300 >/dev/null 2>&1 && break 2
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.1
  done
  PORT=$(free_port)
  ENDPOINT=tcp://127.0.0.1:$PORT
done
as admin:admin ping --timeout 300 >/dev/null 2>&1 || fail "the broker did not start"
load_plan "$T/plan.json"
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
login 李协调 'correct-horse-1'
curl -s -N -b "$JAR" --max-time 150 "$CONSOLE_URL/api/live" >"$T/live.txt" 2>/dev/null &
PIDS+=($!)

measure=$(curl -s -b "$JAR" "$CONSOLE_URL/api/board" | jq -r '.tasks[] | select(.id == "demo-2023-1:2.1.1") | .measure')
cell() { curl -s -b "$JAR" "$CONSOLE_URL/api/grid" | jq -c --arg m "$measure" '.cells[] | select(.unit == "JTJ" and .measure == $m)'; }
if [ "$(date +%s)" -lt $((turn - 2)) ]; then
  curl -s -b "$JAR" "$CONSOLE_URL/api/grid" | jq -e --arg d "$day" '.day == $d' >/dev/null \
    || fail "the grid's day is not $day in $DUBAN_PLAN_ZONE: $(curl -s -b "$JAR" "$CONSOLE_URL/api/grid" | jq .day)"
  cell | jq -e '.colour != "red"' >/dev/null || fail "JTJ's cell is red before its due day ended: $(cell)"
fi
echo "waiting for midnight in $DUBAN_PLAN_ZONE ($((turn - $(date +%s))) s)"
pushed() {
  grep '^data: ' "$T/live.txt" | sed 's/^data: //' |
    jq -c --arg m "$measure" 'select(.reason == "day") | .cells[] | select(.unit == "JTJ" and .measure == $m and .colour == "red")'
}
for i in $(seq 1 1500); do
  [ -n "$(pushed)" ] && break
  [ "$(date +%s)" -gt $((turn + 20)) ] && break
  sleep 0.1
done
[ -n "$(pushed)" ] || fail "no cells event with JTJ's cell red after midnight: $(cat "$T/live.txt")"
echo "the push arrived $((($(date +%s%N) / 1000000) - turn * 1000)) ms after midnight (the broker's clock reaches the console with each watch renewal, every 3 s)"
grep '^data: ' "$T/live.txt" | sed 's/^data: //' | jq -e --arg n "$next" 'select(.reason == "day") | .day == $n' \
  >/dev/null || fail "the push does not name the new day $next"
cell | jq -e '.colour == "red"' >/dev/null || fail "/api/grid does not say red after midnight: $(cell)"
pass "the day turned in the plan's zone on a real clock: JTJ's cell was pushed red with no event to carry it"
