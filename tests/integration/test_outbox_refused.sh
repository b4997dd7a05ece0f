# A command queued while the broker is away and refused when it comes back
# is not lost from sight: the agent keeps the refusal, with the broker's
# code and reason, in its outbox's LMDB file (so a crash of the agent does
# not lose it either); every command through the agent then says in Chinese
# that a queued command was refused, until `duban outbox` has shown it.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
stop_broker

start_agent LCJ
# JTJ's task, not LCJ's: the broker will refuse it. LCJ's own claim goes through.
out=$(via LCJ claim demo-2023-1:2.1.1 --request-id off-theirs) || fail "claim while the broker is down: $out"
echo "$out" | has queued || fail "expected the claim to be queued: $out"
via LCJ claim demo-2023-1:1.1.1 --request-id off-own >/dev/null || fail "own claim while the broker is down"
out=$(via LCJ outbox) || fail "duban outbox with the broker away: $out"
[ "$(echo "$out" | grep -c '待发送')" = 2 ] || fail "expected two pending commands: $out"
echo "$out" | has 'off-theirs' || fail "the pending list does not name the request: $out"
pass "duban outbox lists the commands still waiting for the broker"

# A coordinator's key with a department's agent is an error at once, even
# with the broker away: nothing is queued under the department's name.
out=$(DUBAN_KEY="$(key_of coordinator:office)" via LCJ remind demo-2023-1:1.1.1 --note '请加快' 2>&1) \
  && fail "a coordinator's key through LCJ's agent worked with the broker away: $out"
echo "$out" | has 'coordinator:office' || fail "the error does not name the key's identity: $out"
[ "$(via LCJ outbox --json | jq '.outbox | length')" = 2 ] || fail "the coordinator's command reached the outbox"
pass "a key that is no department's with a department's agent is refused, the broker away or not"

start_broker
for i in $(seq 1 100); do
  [ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq -r '.state')" != assigned ] && break
  sleep 0.1
done
[ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq -r '.state')" != assigned ] \
  || fail "the own claim was not delivered: $(as unit:LCJ task demo-2023-1:1.1.1 --json)"
for i in $(seq 1 50); do
  via LCJ outbox --keep-unseen --json | jq -e '.outbox | length == 1 and .[0].refused' >/dev/null && break
  sleep 0.1
done
# The agent crashes: the refusal, and that nobody has seen it, survive.
kill -9 "$AGENT_PID_LCJ"; wait "$AGENT_PID_LCJ" 2>/dev/null || true
rm -f "$T/agent-LCJ.sock"
start_agent LCJ

err=$(via LCJ tasks 2>&1 >/dev/null) || fail "tasks through the agent: $err"
echo "$err" | has '1 条排队的命令被拒绝，见 duban outbox' || fail "no notice of the refusal: $err"
json=$(via LCJ outbox --keep-unseen --json) || fail "duban outbox --json"
echo "$json" | jq -e '.outbox | length == 1' >/dev/null || fail "expected only the refusal left: $json"
echo "$json" | jq -e '.outbox[0] | .refused and (.seen | not) and .request_id == "off-theirs" and .kind == "claim"
  and .task == "demo-2023-1:2.1.1" and .code == "permission_denied"
  and (.reason | test("not one of unit LCJ"))' >/dev/null || fail "the refusal as kept: $json"
pass "the broker's refusal of a queued command is kept with its code and reason across an agent crash"

out=$(via LCJ outbox 2>&1) || fail "duban outbox: $out"
echo "$out" | has '被拒绝' || fail "the table does not say refused: $out"
echo "$out" | has '无权操作' || fail "the table does not give the code in words: $out"
echo "$out" | has 'not one of unit LCJ' || fail "the table does not give the broker's reason: $out"
echo "$out" | has '条排队的命令被拒绝' && fail "duban outbox itself printed the notice: $out"
err=$(via LCJ tasks 2>&1 >/dev/null) || fail "tasks after the outbox was read: $err"
[ -z "$err" ] || fail "the notice is still printed after duban outbox showed the refusal: $err"
out=$(via LCJ outbox) || fail "duban outbox again"
echo "$out" | has '被拒绝' || fail "a seen refusal is no longer listed: $out"
pass "duban outbox shows the refusal in Chinese, and the notice stops once it has been shown"

out=$(as unit:LCJ outbox 2>&1) && fail "duban outbox straight to the broker worked: $out"
echo "$out" | has -- '--agent' || fail "the refusal does not say to use the agent: $out"
pass "duban outbox straight to the broker is refused: the outbox is the agent's"
