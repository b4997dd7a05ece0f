# Nothing quietly overdue: moving the virtual clock past a due date raises a
# red warning, marks the task overdue and opens an automatic escalation that a
# watching coordinator sees; auditors get scorecards now and at a past moment.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker --virtual-clock 2023-11-01 --yellow-days 30
load_plan                                                   # seq 1
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null              # seq 2
as unit:LCJ progress demo-2023-1:1.1.1 --percent 100 >/dev/null   # seq 3
as unit:LCJ submit demo-2023-1:1.1.1 >/dev/null             # seq 4
as coordinator:office accept demo-2023-1:1.1.1 >/dev/null   # seq 5

as coordinator:office watch --after 5 --json --timeout-idle 3000 >"$T/watch.out" 2>/dev/null &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.3
# 2023-12-10: within 30 days of 2023-12-31 -> yellow for JTJ's 2.1.1 (LCJ's is done).
as admin:admin clock advance --days 39 >/dev/null
# 2024-01-05: past 2023-12-31 -> red + automatic escalation for 2.1.1.
as admin:admin clock advance --days 26 >/dev/null
expect_code permission_denied as coordinator:office clock advance --days 1
wait "$WATCH_PID" || true

kinds=$(jq -s -c '[.[] | select(has("seq")) | [.kind, (.task // ""), (.level // "")]]' "$T/watch.out")
echo "$kinds" | has '\["deadline_warning","demo-2023-1:2.1.1","yellow"\]' || fail "no yellow warning: $kinds"
echo "$kinds" | has '\["deadline_warning","demo-2023-1:2.1.1","red"\]' || fail "no red warning: $kinds"
echo "$kinds" | has '\["escalated","demo-2023-1:2.1.1",""\]' || fail "no automatic escalation: $kinds"
echo "$kinds" | has '1.1.1' && fail "a task that was done got a deadline warning: $kinds"
[ "$(echo "$kinds" | jq '[.[] | select(.[0] == "deadline_warning" and .[2] == "red")] | length')" = 1 ] \
  || fail "the red warning was raised more than once: $kinds"
pass "the clock passing a due date raises yellow, then red with an automatic escalation, once each"

task=$(as auditor:audit task demo-2023-1:2.1.1 --json)
[ "$(echo "$task" | jq '.overdue')" = true ] || fail "task not overdue: $task"
esc=$(as coordinator:office escalations --json | jq -c '.escalations[] | select(.task == "demo-2023-1:2.1.1")')
[ "$(echo "$esc" | jq -r '.category')" = deadline ] || fail "automatic escalation: $esc"
[ "$(echo "$esc" | jq '.automatic')" = true ] || fail "escalation not marked automatic: $esc"
pass "the task is flagged overdue and the coordinators have an open escalation"

# Nobody acknowledges it: after 72 hours with a 48-hour SLA it has risen one
# level; an acknowledged escalation does not rise.
as unit:ZRJ claim demo-2023-1:1.1.2 >/dev/null
as unit:ZRJ escalate demo-2023-1:1.1.2 --category 审批 --reason '用地审批未完成' >/dev/null
acked=$(as coordinator:office escalations --json | jq -r '.escalations[] | select(.task == "demo-2023-1:1.1.2") | .id')
as coordinator:office ack "$acked" >/dev/null
as admin:admin clock advance --days 3 >/dev/null
level=$(as coordinator:office escalations --json | jq -r '.escalations[] | select(.task == "demo-2023-1:2.1.1") | .level')
[ "$level" = 1 ] || fail "an escalation open for 72 h with a 48 h SLA is at level $level, not 1"
level=$(as coordinator:office escalations --json | jq -r '.escalations[] | select(.task == "demo-2023-1:1.1.2") | .level')
[ "$level" = 0 ] || fail "an acknowledged escalation rose to level $level"
pass "an escalation nobody acknowledges rises a level after its SLA; an acknowledged one does not"

report=$("$BIN/duban" audit report --data "$T/data" --json)
lcj=$(echo "$report" | jq -c '.units[] | select(.code == "LCJ")')
jtj=$(echo "$report" | jq -c '.units[] | select(.code == "JTJ")')
[ "$(echo "$lcj" | jq '[.tasks, .done, .overdue]' -c)" = '[1,1,0]' ] || fail "LCJ scorecard: $lcj"
[ "$(echo "$jtj" | jq '[.tasks, .assigned, .overdue, .escalations]' -c)" = '[1,1,1,1]' ] || fail "JTJ scorecard: $jtj"
past=$("$BIN/duban" audit report --data "$T/data" --until 3 --json | jq -c '.units[] | select(.code == "LCJ")')
[ "$(echo "$past" | jq '[.working, .done, .average_percent]' -c)" = '[1,0,100]' ] || fail "LCJ at seq 3: $past"
before=$("$BIN/duban" audit report --data "$T/data" --at 2023-12-31 --json | jq -c '.units[] | select(.code == "JTJ")')
[ "$(echo "$before" | jq '.overdue')" = 0 ] || fail "JTJ was not overdue on 2023-12-31: $before"
"$BIN/duban" audit report --data "$T/data" | has '市交通运输局' || fail "the text report lacks unit names"
pass "scorecards now, after event 3, and at the end of 2023-12-31"
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "verify"
