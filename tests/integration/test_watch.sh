# Coordinators watch: an escalation reaches a live watcher; a watcher that
# joins late or reconnects from its last sequence number misses nothing.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan                                       # seq 1

# A live watcher, started before the events it should see.
as coordinator:office watch --after 1 --json --count 3 --timeout-idle 15000 >"$T/live.out" 2>"$T/live.log" &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.5
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null   # seq 2
as unit:LCJ escalate demo-2023-1:1.1.1 --category funding --reason '中央资金未下达，无法开工' >/dev/null  # seq 3
esc=3
as coordinator:office ack $esc --note '已转财政局' >/dev/null   # seq 4
wait "$WATCH_PID" || fail "live watcher did not get 3 events: $(cat "$T/live.out" "$T/live.log")"
[ "$(seqs "$T/live.out")" = "[2,3,4]" ] || fail "live watcher saw: $(cat "$T/live.out")"
jq -s -e '[.[] | select(has("seq"))][1] | .kind == "escalated" and (tostring | contains("中央资金未下达"))' "$T/live.out" >/dev/null \
  || fail "the escalation did not reach the watcher intact: $(cat "$T/live.out")"
pass "a live watcher sees the escalation and its acknowledgement"

# Many more events, then a watcher that joins late: all of them, in order.
for i in $(seq 1 40); do
  as unit:LCJ progress demo-2023-1:1.1.1 --percent $((i % 100)) >/dev/null
done
as coordinator:office resolve $esc >/dev/null
head=$("$BIN/duban" audit replay --data "$T/data" --json | tail -n 1 | jq '.seq')
[ "$head" = 45 ] || fail "expected 45 events, log ends at $head"
as auditor:audit watch --after 0 --json --count 45 --timeout-idle 10000 >"$T/late.out" 2>"$T/late.log" \
  || fail "late watcher: $(cat "$T/late.log")"
[ "$(seqs "$T/late.out")" = "$(jq -n -c '[range(1;46)]')" ] || fail "late watcher has a gap or duplicate"
pass "a watcher that joins late gets every event from the log, in order"

# A watcher that comes back names its last seq and gets exactly what follows.
as coordinator:office watch --after 30 --json --count 15 --timeout-idle 10000 >"$T/again.out" 2>/dev/null \
  || fail "reconnecting watcher"
[ "$(seqs "$T/again.out")" = "$(jq -n -c '[range(31;46)]')" ] || fail "reconnect from 30 saw: $(seqs "$T/again.out")"
pass "a watcher reconnecting from seq 30 gets 31..45 exactly"

# A watcher across a broker restart: it keeps its place and misses nothing.
as coordinator:office watch --after 45 --json --count 4 --timeout-idle 20000 >"$T/restart.out" 2>"$T/restart.log" &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.5
as unit:LCJ progress demo-2023-1:1.1.1 --percent 50 >/dev/null     # 46
as unit:LCJ progress demo-2023-1:1.1.1 --percent 51 >/dev/null     # 47
kill_broker
start_broker
as unit:LCJ progress demo-2023-1:1.1.1 --percent 52 >/dev/null     # 48
as unit:LCJ progress demo-2023-1:1.1.1 --percent 53 >/dev/null     # 49
wait "$WATCH_PID" || fail "watcher across a restart: $(cat "$T/restart.out" "$T/restart.log")"
[ "$(seqs "$T/restart.out")" = "[46,47,48,49]" ] \
  || fail "across the restart the watcher saw: $(seqs "$T/restart.out")"
pass "a watcher follows the stream across a broker kill and restart"
