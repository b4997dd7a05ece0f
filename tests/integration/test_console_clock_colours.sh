# Colours that change only because time passes reach the board without a
# reload: the broker runs on a virtual clock at 2023-09-20; JTJ's task
# 2.1.1 is due 2023-12-31. Moving the clock past it (a clock_advanced
# event) makes the console recompute the grid of departments × measures:
# /api/grid says red for JTJ's cell, and the board's push stream /api/live
# carries a "cells" event with that cell red, without anyone asking. A
# move of an hour that changes no colour pushes no cells.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
make_keys
start_broker
load_plan
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
login 李协调 'correct-horse-1'

measure=$(curl -s -b "$JAR" "$CONSOLE_URL/api/board" | jq -r '.tasks[] | select(.id == "demo-2023-1:2.1.1") | .measure')
[ -n "$measure" ] || fail "no task 2.1.1 on the board"
cell() { curl -s -b "$JAR" "$CONSOLE_URL/api/grid" | jq -c --arg m "$measure" '.cells[] | select(.unit == "JTJ" and .measure == $m)'; }
before=$(cell)
echo "$before" | jq -e '.colour != "red" and .counts.red == 0' >/dev/null || fail "JTJ's cell is red already: $before"
curl -s -b "$JAR" "$CONSOLE_URL/api/grid" | jq -e '.day == "2023-09-20"' >/dev/null || fail "the grid's day is not the virtual clock's"

# The push stream, read while the clock moves.
curl -s -N -b "$JAR" --max-time 60 "$CONSOLE_URL/api/live" >"$T/live.txt" 2>/dev/null &
LIVE_PID=$!
PIDS+=("$LIVE_PID")
for i in $(seq 1 50); do grep -q '^event: cells' "$T/live.txt" && break; sleep 0.1; done
grep -q '"reason":"snapshot"' "$T/live.txt" || fail "a new stream did not start with the grid: $(cat "$T/live.txt")"

as admin:admin clock advance 3600 >/dev/null || fail "clock advance 1 h"
sleep 2
pushed() { grep '^data: ' "$T/live.txt" | sed 's/^data: //' | jq -c 'select(.reason == "clock")'; }
[ -z "$(pushed)" ] || fail "an hour that changed no colour pushed cells: $(pushed)"

as admin:admin clock advance --days 104 >/dev/null || fail "clock advance past 2023-12-31"
for i in $(seq 1 100); do
  pushed | jq -e --arg m "$measure" '.cells[] | select(.unit == "JTJ" and .measure == $m and .colour == "red")' \
    >/dev/null 2>&1 && break
  sleep 0.1
done
pushed | jq -e --arg m "$measure" 'select(.day == "2024-01-02") | .cells[] | select(.unit == "JTJ" and .measure == $m and .colour == "red" and .counts.red >= 1)' \
  >/dev/null || fail "no cells event with JTJ's cell red on /api/live: $(cat "$T/live.txt")"
after=$(cell)
echo "$after" | jq -e '.colour == "red"' >/dev/null || fail "/api/grid does not say red: $after"
curl -s -b "$JAR" "$CONSOLE_URL/api/grid" | jq -e '.day == "2024-01-02"' >/dev/null || fail "the grid's day did not move"
pass "a virtual clock moved past a due date: /api/grid and a pushed cells event carry the new colour"
