# Figures are reported against the task's targets, in a unit of the target's
# dimension, and print against it; what coordinators say reaches the
# department's inbox, through the broker or the department's agent.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
start_agent JTJ
via JTJ claim 2.1.1 >/dev/null || fail "claim"

via JTJ progress 2.1.1 --percent 20 --figure '公共充电桩=1200个' >/dev/null || fail "a figure against the target"
shown=$(via JTJ task 2.1.1)
echo "$shown" | has '公共充电桩 1200个 / 5000个 (24%)' || fail "the figure is not shown against its target: $shown"
echo "$shown" | has '1. 公共充电桩 5000个' || fail "the targets are not listed by number: $shown"
via JTJ progress 2.1.1 --percent 25 --figure '1=0.15万个' >/dev/null || fail "a figure naming its target by number"
figure=$(via JTJ task 2.1.1 --json | jq -c '.figures[0] | [.what, .base_milli]')
[ "$figure" = '["公共充电桩","1500000"]' ] || [ "$figure" = '["公共充电桩",1500000]' ] \
  || fail "the figure by number is not stored under the target's name with its exact amount: $figure"
pass "figures against targets: by name or number, in any unit of the dimension, shown as 1200个 / 5000个 (24%)"

for bad in '充电桩=12个' '公共充电桩=12吨' '公共充电桩=12' '公共充电桩=-5个' '3=1个'; do
  out=$(via JTJ progress 2.1.1 --percent 30 --figure "$bad" 2>&1) && fail "figure $bad accepted: $out"
  echo "$out" | has 'invalid_argument' || fail "figure $bad: $out"
  echo "$out" | has '1. 公共充电桩 5000个' || fail "figure $bad: the refusal does not list the targets: $out"
done
out=$(via JTJ progress 2.1.1 --percent 30 --figure '公共充电桩=12吨' 2>&1 || true)
echo "$out" | has 'count of 个' || fail "a wrong dimension is not explained: $out"
[ "$(via JTJ task 2.1.1 --json | jq '.percent')" = 25 ] || fail "a refused report changed the task"
pass "a figure naming no target, in a wrong unit, without a unit or negative is refused with the targets listed"

as coordinator:office remind 2.1.1 --note '请本周内报送充电桩建设进度' >/dev/null || fail "remind"
inbox=$(via JTJ inbox)
echo "$inbox" | has '催办' || fail "the reminder is not in the inbox: $inbox"
echo "$inbox" | has '请本周内报送充电桩建设进度' || fail "the reminder's text is not in the inbox: $inbox"
echo "$inbox" | has 'coordinator:office' || fail "the inbox does not say who: $inbox"
sleep 0.3 # the agent delivers the mark-read write
via JTJ inbox | has 'no unread items' || fail "listing did not mark the items read: $(via JTJ inbox --keep-unread)"
via JTJ inbox --all | has '请本周内报送充电桩建设进度' || fail "--all does not list read items"
pass "a reminder's text reaches the department's inbox, which is marked read once listed"

via JTJ progress 2.1.1 --percent 100 --figure '公共充电桩=5000个' >/dev/null
via JTJ submit 2.1.1 --note '已建成' >/dev/null
as coordinator:office reject 2.1.1 --reason '缺少验收报告' >/dev/null || fail "reject"
as unit:JTJ inbox --json --keep-unread >"$T/inbox.json" || fail "inbox --json directly to the broker"
jq -e '.inbox[0] | select(.kind == "rejected" and .text == "缺少验收报告" and .read == false)' "$T/inbox.json" >/dev/null \
  || fail "the rejection's reason is not the newest unread item: $(cat "$T/inbox.json")"
as unit:LCJ inbox --json | jq -e '.inbox | length == 0' >/dev/null || fail "another department sees JTJ's inbox"
expect_code permission_denied as coordinator:office inbox
pass "a rejection's reason reaches the department, and nobody else's inbox"

via JTJ submit 2.1.1 --note '补充验收报告' >/dev/null
as coordinator:office accept 2.1.1 --note '验收通过' >/dev/null || fail "accept"
as unit:JTJ inbox --json | jq -e '[.inbox[] | .kind] | index("accepted") != null' >/dev/null || fail "no acceptance in the inbox"
"$BIN/duban" audit verify --data "$T/data" | has 'every view verify' || fail "verify"
pass "an acceptance reaches the inbox; the log and its views verify"

# A coordinator's key with a department's agent: a clear error, not the
# department's identity.
out=$(DUBAN_KEY="$(key_of coordinator:office)" via JTJ escalations 2>&1) && fail "a coordinator's key through JTJ's agent worked: $out"
echo "$out" | has 'coordinator:office' || fail "the error does not name the key's identity: $out"
echo "$out" | has 'unit:JTJ' || fail "the error does not name the agent's identity: $out"
DUBAN_KEY="$(key_of unit:JTJ)" via JTJ tasks >/dev/null || fail "the department's own key with its agent is refused"
pass "a key that is not the agent's identity is refused with both named; the department's own key is fine"

# The person who acted (经办人) goes with the write as an attribute; the
# identity stays the key's.
as coordinator:office remind demo-2023-1:1.1.2 --note '请报送' --person '李明' >"$T/remind.out" \
  || fail "remind with --person: $(cat "$T/remind.out")"
start_agent LCJ
DUBAN_PERSON='王芳' via LCJ claim 1.1.1 >/dev/null || fail "claim with DUBAN_PERSON"
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl" 2>"$T/replay.err" || fail "replay: $(cat "$T/replay.err")"
# -s and any(): jq 1.6's -e looks only at the last input line.
jq -s -e 'any(.[]; .kind == "reminded" and .task == "demo-2023-1:1.1.2" and .person == "李明" and .actor == "coordinator:office")' \
  "$T/replay.jsonl" >/dev/null || fail "the reminder does not carry its 经办人"
jq -s -e 'any(.[]; .kind == "claimed" and .task == "demo-2023-1:1.1.1" and .person == "王芳" and .actor == "unit:LCJ")' \
  "$T/replay.jsonl" >/dev/null || fail "the claim through the agent does not carry its 经办人"
"$BIN/duban" audit replay --data "$T/data" | has '经办人：李明' || fail "replay does not show the 经办人"
expect_code 'wants a name of 1..64 bytes' as unit:LCJ progress 1.1.1 --percent 5 --person "$(printf '%070d' 0)"
pass "the person who acted is recorded with each write, directly and through the agent"
