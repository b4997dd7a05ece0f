# The broker is down while a department works: its agent keeps the commands
# in its outbox and, once the broker is back, every one is applied once.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
stop_broker

start_agent LCJ
out=$(via LCJ claim demo-2023-1:1.1.1 --request-id off-1) || fail "claim while the broker is down: $out"
echo "$out" | has queued || fail "expected the claim to be queued: $out"
for i in 1 2 3 4 5; do
  via LCJ progress demo-2023-1:1.1.1 --percent $((i * 10)) --request-id "off-p$i" >/dev/null || fail "progress $i"
done
# A staff member who is not sure it went through types it again.
via LCJ progress demo-2023-1:1.1.1 --percent 50 --request-id off-p5 >/dev/null || fail "repeat"
# The agent is killed and restarted with its outbox still full.
kill -9 "$AGENT_PID_LCJ"; wait "$AGENT_PID_LCJ" 2>/dev/null || true
rm -f "$T/agent-LCJ.sock"
start_agent LCJ
start_broker
for i in $(seq 1 100); do
  [ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq '.percent')" = 50 ] && break
  sleep 0.1
done
task=$(as unit:LCJ task demo-2023-1:1.1.1 --json)
[ "$(echo "$task" | jq '.percent')" = 50 ] || fail "the outbox did not drain: $task"
events=$("$BIN/duban" audit replay --data "$T/data" --json)
[ "$(echo "$events" | jq -s 'length')" = 7 ] || fail "expected 1 plan + 6 commands = 7 events, got $(echo "$events" | jq -s 'length')"
[ "$(echo "$events" | jq -s -c '[.[] | .request_id] | .[1:]')" = '["off-1","off-p1","off-p2","off-p3","off-p4","off-p5"]' ] \
  || fail "commands applied out of order or more than once: $(echo "$events" | jq -s -c '[.[].request_id]')"
pass "commands given while the broker was down are applied once each, in order, after an agent crash"
