# A department takes a task through claim -> progress -> submit, directly and
# through its agent; a coordinator accepts it; the audit log verifies.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan

out=$(as unit:LCJ tasks)
echo "$out" | has 'demo-2023-1:1.1.1' || fail "LCJ does not see its task: $out"
echo "$out" | has 'demo-2023-1:2.1.1' && fail "LCJ sees JTJ's task of a measure it has no part in"
# Two tasks of LCJ? No: one action is LCJ's; CZJ's and ZRJ's are theirs,
# which LCJ sees as the lead of their measures (domain/lead.h).
[ "$(as unit:LCJ tasks --json | jq '[.tasks[] | select(.seen_as == "own")] | length')" = 1 ] ||
  fail "LCJ should own exactly 1 task"
[ "$(as unit:LCJ tasks --json | jq -c '[.tasks[] | select(.seen_as == "lead") | .id]')" = \
  '["demo-2023-1:1.1.2","demo-2023-1:1.2.1"]' ] || fail "LCJ does not see its measures' other tasks as their lead"
pass "a unit sees exactly its own tasks and, as lead, its measures' others"

as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
as unit:LCJ progress demo-2023-1:1.1.1 --percent 40 --figure '治沙面积=400万亩' --note '完成选址，开工建设' >/dev/null \
  || fail "progress"
task=$(as unit:LCJ task demo-2023-1:1.1.1 --json)
[ "$(echo "$task" | jq -r '.state')" = in_progress ] || fail "state after progress: $task"
[ "$(echo "$task" | jq -r '.percent')" = 40 ] || fail "percent after progress: $task"
echo "$task" | jq -e '.figures[] | select(.what == "治沙面积" and .value == 400)' >/dev/null || fail "figure: $task"
as unit:LCJ submit demo-2023-1:1.1.1 --note '已完成' >/dev/null || fail "submit"
as coordinator:office accept demo-2023-1:1.1.1 >/dev/null || fail "accept"
[ "$(as auditor:audit task demo-2023-1:1.1.1 --json | jq -r '.state')" = done ] || fail "not done after accept"
pass "claim -> progress -> submit -> accept, directly to the broker"

# The same cycle through the department's agent, with a rejection.
start_agent JTJ
via JTJ claim demo-2023-1:2.1.1 >/dev/null || fail "claim via agent"
via JTJ progress demo-2023-1:2.1.1 --percent 100 --figure '公共充电桩=5000个' >/dev/null || fail "progress via agent"
via JTJ submit demo-2023-1:2.1.1 >/dev/null || fail "submit via agent"
as coordinator:office reject demo-2023-1:2.1.1 --reason '缺少验收材料' >/dev/null || fail "reject"
[ "$(via JTJ task demo-2023-1:2.1.1 --json | jq -r '.state')" = in_progress ] || fail "reject returns to in_progress"
via JTJ submit demo-2023-1:2.1.1 >/dev/null || fail "resubmit via agent"
as coordinator:office accept demo-2023-1:2.1.1 >/dev/null || fail "accept 2"
pass "the same cycle through the department's agent, with a rejection"

# Wrong states and bad values are refused with a clear code, and write nothing.
expect_code failed_precondition as unit:ZRJ submit demo-2023-1:1.1.2
expect_code failed_precondition as unit:LCJ claim demo-2023-1:1.1.1
expect_code '0..100' as unit:ZRJ progress demo-2023-1:1.1.2 --percent 101
expect_code not_found as unit:ZRJ claim demo-2023-1:9.9.9
expect_code already_exists as admin:admin plan load "$PLAN_JSON"
pass "wrong states, bad values and unknown tasks are refused"

# 1 plan + LCJ (claim, progress, submit, accept) + JTJ (claim, progress, submit, reject, submit, accept) = 11 events.
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" || fail "audit verify: $(cat "$T/verify.out")"
n=$("$BIN/duban" audit replay --data "$T/data" --json | wc -l)
[ "$n" = 11 ] || fail "expected 11 events in the log, found $n"
pass "audit verify passes and the log holds exactly the 11 accepted events"
stop_broker
