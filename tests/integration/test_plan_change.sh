# 计划调整 on the real plan, with a real broker and CLI: a coordinator
# cancels an overdue task (it stops being overdue, its unit hears why and
# can do nothing more with it), re-dates another past its missed day (no
# longer overdue, due on the new day), adds a task to a measure (its unit
# claims it) and adds and removes milestones; each change needs a reason,
# a department may make none, and a day before the plan's issue or already
# past is refused. `duban task` shows every change with its reason, replay
# describes each, a report for a day before the changes is the plan as it
# stood then and one after differs as it should, and the log verifies.
. "$(dirname "$0")/lib.sh"
DOC=$SRC/examples/plans/ordos-2023-58.txt
"$BIN/duban" plan import "$DOC" >"$T/plan.json" 2>"$T/report.json" || fail "import"
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19 --yellow-days 30
as admin:admin plan load "$T/plan.json" >/dev/null || fail "plan load"

# Refused before anything is written: no reason, a department, a day before
# the plan was issued (2023-09-18), a day already past, a milestone unknown.
out=$(as coordinator:office plan change cancel 1.4.1 2>&1) && fail "a cancel without a reason went through: $out"
echo "$out" | has 'reason' || fail "no word on the missing reason: $out"
expect_code permission_denied as unit:SLJ plan change cancel 1.4.1 --reason '不想做了'
expect_code '早于方案印发日 2023-09-18' as coordinator:office plan change redate 1.6.1 --due 2023-01-01 --reason '调整'
expect_code '不是日期' as coordinator:office plan change redate 1.6.1 --due 2023-13-45 --reason '调整'
expect_code not_found as coordinator:office plan change redate 1.6.1 --milestone 2024-05-01 --due 2024-06-30 \
  --reason '调整'
expect_code '只有这一个节点' as coordinator:office plan change remove-milestone 1.6.1 --milestone 1 --reason '调整'
expect_code not_found as coordinator:office plan change add 9.9 --unit SLJ --text '新任务' --due 2024-06-30 \
  --reason '调整'
pass "a plan change needs a reason, a coordinator and a real day after the plan's issue and not past"

# 2024-01-05: 1.4.1 and 1.6.1 (市水利局, due 2023-12-31) are overdue.
as admin:admin clock advance --days 108 >/dev/null || fail "clock"
for id in 1.4.1 1.6.1; do
  [ "$(as auditor:audit task $id --json | jq '.overdue')" = true ] || fail "$id is not overdue on 2024-01-05"
done
as admin:admin clock advance --days 2 >/dev/null || fail "clock" # 2024-01-07: the changes are made today

as coordinator:office plan change cancel 1.4.1 --reason '项目并入1.6.1统一实施' >/dev/null || fail "cancel"
shown=$(as auditor:audit task 1.4.1)
echo "$shown" | has 'cancelled (plan change)' || fail "the task is not shown cancelled: $shown"
echo "$shown" | has 'coordinator:office 撤销任务; reason: 项目并入1.6.1统一实施' || fail "no history line: $shown"
[ "$(as auditor:audit task 1.4.1 --json | jq '.overdue')" = false ] || fail "a cancelled task is still overdue"
expect_code '已因计划调整撤销' as unit:SLJ claim 1.4.1
expect_code '已因计划调整撤销' as coordinator:office plan change cancel 1.4.1 --reason '再撤一次'
as unit:SLJ inbox --json --keep-unread | jq -e '.inbox[0] | select(.kind == "plan_task_cancelled")
  | .text == "计划调整：撤销任务；理由：项目并入1.6.1统一实施"' >/dev/null || fail "the unit was not told why"
pass "a cancelled overdue task is no longer overdue, takes nothing more, and its unit is told why"

expect_code '已经过去' as coordinator:office plan change redate 1.6.1 --due 2024-01-05 --reason '调整'
as coordinator:office plan change redate 1.6.1 --due 2024-06-30 --reason '受汛期影响延期' >/dev/null || fail "redate"
json=$(as auditor:audit task 1.6.1 --json)
echo "$json" | jq -e '.overdue == false and ([.milestones[].due] == ["2024-06-30"])' >/dev/null \
  || fail "the re-dated task: $json"
as auditor:audit tasks | grep 'ordos-2023-58:1.6.1 ' | has '2024-06-30' || fail "tasks does not show the new due"
as auditor:audit task 1.6.1 | has '节点 2023-12-31 改期为 2024-06-30; reason: 受汛期影响延期' || fail "no redate history"
expect_code '已有一个 2024-06-30 到期的节点' as coordinator:office plan change add-milestone 1.6.1 --due 2024-06-30 \
  --text '重复' --reason '调整'
as coordinator:office plan change add-milestone 1.6.1 --due 2024-03-31 --text '完成初步设计' \
  --reason '细化节点' >/dev/null || fail "add-milestone"
[ "$(as auditor:audit task 1.6.1 --json | jq -c '[.milestones[].due]')" = '["2024-03-31","2024-06-30"]' ] \
  || fail "the milestones are not in due order after the addition"
as coordinator:office plan change remove-milestone 1.6.1 --milestone 2024-03-31 --reason '并入最终节点' >/dev/null \
  || fail "remove-milestone"
[ "$(as auditor:audit task 1.6.1 --json | jq -c '[.plan_changes[].what]')" = \
  '["节点 2023-12-31 改期为 2024-06-30","新增节点 2024-03-31：完成初步设计","删除节点 2024-03-31"]' ] \
  || fail "history of 1.6.1: $(as auditor:audit task 1.6.1 --json | jq -c .plan_changes)"
pass "a re-dated overdue task is due on its new day and not overdue; milestones added and removed, each in its history"

out=$(as coordinator:office plan change add 2.1 --unit 市科学技术局 --text '开展储能技术攻关' --due 2024-12-31 \
  --reason '领导小组会议新增') || fail "add: $out"
echo "$out" | has 'ordos-2023-58:2.1.3' || fail "the new task's id is not said: $out"
json=$(as auditor:audit task 2.1.3 --json)
echo "$json" | jq -e '.unit == "KJJ" and .state == "assigned" and .lead == ["NYJ"] and .measure == "1"
  and .section == "2" and ([.milestones[].due] == ["2024-12-31"])' >/dev/null || fail "the new task: $json"
as unit:KJJ inbox --json --keep-unread | jq -e 'any(.inbox[]; .kind == "plan_task_added" and .task == "ordos-2023-58:2.1.3")' \
  >/dev/null || fail "the new task's unit was not told"
as unit:KJJ claim 2.1.3 >/dev/null || fail "the new task cannot be claimed"
grep -q 'ordos-2023-58:2.1.3' <<<"$(as unit:KJJ tasks)" || fail "the unit does not list its new task"
pass "a task added to measure 2.1 gets the next number, its measure's lead, and its unit can claim it"

# The history in replay, and the plan as it stood on each day.
"$BIN/duban" audit replay --data "$T/data" >"$T/replay.txt" || fail "replay"
grep -q '计划调整：撤销任务；理由：项目并入1.6.1统一实施' "$T/replay.txt" || fail "replay: cancel"
grep -q '计划调整：节点 2023-12-31 改期为 2024-06-30；理由：受汛期影响延期' "$T/replay.txt" || fail "replay: redate"
grep -q '计划调整：新增任务（KJJ），节点 2024-12-31：开展储能技术攻关' "$T/replay.txt" || fail "replay: add"
"$BIN/duban" audit replay --data "$T/data" --task 1.6.1 --json >"$T/history.jsonl" || fail "replay --task"
jq -s -e 'all(.[]; .task == "ordos-2023-58:1.6.1" or (.kind | test("escalation_level|acknowledged|resolved")))
  and ([.[] | select(.kind == "plan_dates_changed") | .reason] == ["受汛期影响延期", "细化节点", "并入最终节点"])
  and any(.[]; .kind == "deadline_warning" and .level == "red")' "$T/history.jsonl" >/dev/null \
  || fail "the history of 1.6.1: $(jq -c '[.kind, .task]' "$T/history.jsonl")"
expect_code not_found "$BIN/duban" audit replay --data "$T/data" --task 9.9.9
before=$("$BIN/duban" audit report --data "$T/data" --at 2024-01-05 --json)
after=$("$BIN/duban" audit report --data "$T/data" --at 2024-01-07 --json)
overdue() { echo "$1" | jq -c '[.overdue[].task | select(. == "ordos-2023-58:1.4.1" or . == "ordos-2023-58:1.6.1")]'; }
[ "$(overdue "$before")" = '["ordos-2023-58:1.4.1","ordos-2023-58:1.6.1"]' ] \
  || fail "before the changes: $(overdue "$before")"
[ "$(overdue "$after")" = '[]' ] || fail "after the changes: $(overdue "$after")"
# Scored tasks: KJJ has one more (2.1.3 added), SLJ one fewer (1.4.1 cancelled, not scored).
scored() { echo "$1" | jq -r --arg code "$2" '.units[] | select(.code == $code) | .tasks'; }
[ "$(( $(scored "$before" KJJ) + 1 ))" = "$(scored "$after" KJJ)" ] \
  || fail "KJJ's scored tasks: $(scored "$before" KJJ) then $(scored "$after" KJJ)"
[ "$(( $(scored "$before" SLJ) - 1 ))" = "$(scored "$after" SLJ)" ] \
  || fail "SLJ's scored tasks: $(scored "$before" SLJ) then $(scored "$after" SLJ)"
cancelled() { echo "$1" | jq -r '.tasks[] | select(.id == "ordos-2023-58:1.4.1") | .cancelled // false'; }
[ "$(cancelled "$before")/$(cancelled "$after")" = false/true ] \
  || fail "1.4.1 in the reports: cancelled $(cancelled "$before") then $(cancelled "$after")"
auto_esc() { echo "$1" | jq -r '.units[] | select(.code == "SLJ") | .automatic_escalations'; }
[ "$(( $(auto_esc "$before") - 1 ))" = "$(auto_esc "$after")" ] \
  || fail "the cancelled task's escalation still counts against SLJ: $(auto_esc "$before") then $(auto_esc "$after")"
pass "replay describes each change; the report for the day before is the plan as it stood, the day after differs"

# The monitor warns no more about the cancelled task, nor raises its escalation;
# a re-dated one stops climbing while it is not overdue.
# A month on (2024-02-06), 1.6.1 is not overdue: the escalation raised for
# its missed 2023 day stays open but climbs no further.
as admin:admin clock advance --days 30 >/dev/null || fail "clock"
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl" || fail "replay"
jq -s -e '([.[] | select(.kind == "escalated" and .task == "ordos-2023-58:1.6.1") | .seq]) as $mine
  | ([.[] | select(.kind == "plan_dates_changed")][0].seq) as $redated
  | [.[] | select(.seq > $redated and .kind == "escalation_level" and (.escalation as $e | $mine | index($e)))]
  | length == 0' "$T/replay.jsonl" >/dev/null || fail "the re-dated task's old escalation kept rising"
as admin:admin clock advance --days 370 >/dev/null || fail "clock"
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl" || fail "replay"
cancel_seq=$(jq -s '[.[] | select(.kind == "plan_task_cancelled")][0].seq' "$T/replay.jsonl")
jq -s -e --argjson c "$cancel_seq" '[.[] | select(.seq > $c and .kind == "deadline_warning" and .task == "ordos-2023-58:1.4.1")]
  | length == 0' "$T/replay.jsonl" >/dev/null || fail "the cancelled task was warned after its cancellation"
jq -s -e --argjson c "$cancel_seq" '([.[] | select(.kind == "escalated" and .task == "ordos-2023-58:1.4.1") | .seq]) as $mine
  | [.[] | select(.seq > $c and .kind == "escalation_level" and (.escalation as $e | $mine | index($e)))] | length == 0' \
  "$T/replay.jsonl" >/dev/null || fail "the cancelled task's escalation rose after its cancellation"
[ "$(as auditor:audit task 1.6.1 --json | jq '.overdue')" = true ] || fail "1.6.1 is not overdue past its new day"
# The state right before and right after the cancellation's seq.
slj_at() { "$BIN/duban" audit report --data "$T/data" --until "$1" --json | jq -r '.units[] | select(.code == "SLJ") | .tasks'; }
[ "$(( $(slj_at $((cancel_seq - 1))) - 1 ))" = "$(slj_at "$cancel_seq")" ] \
  || fail "the state at seq $cancel_seq does not differ from the one before: $(slj_at $((cancel_seq - 1))) $(slj_at "$cancel_seq")"
grep -q 'every view verify' <<<"$("$BIN/duban" audit verify --data "$T/data")" || fail "verify"
pass "a cancelled task is warned no more, a re-dated one is late after its new day; the log and its views verify"
