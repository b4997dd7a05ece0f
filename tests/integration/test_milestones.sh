# Milestones are met one by one, on the real plan: a department reports a
# milestone met with its figure, a coordinator confirms it, and the task
# (due in 2023 and in 2025) is not overdue in 2024; one confirmed only after
# its red warning stops being overdue. A milestone sent back carries its
# reason to the department's inbox. A task with a reporting cycle that went
# a whole period without a report gets a missed-report warning, once.
. "$(dirname "$0")/lib.sh"
DOC=$SRC/examples/plans/ordos-2023-58.txt
"$BIN/duban" plan import "$DOC" >"$T/plan.json" 2>"$T/report.json" || fail "import"
# 3.4.1's 每年安排800万元 is money given every year, not a yearly report (the
# importer reads no cycle there): the yearly cycle is set as an admin would.
jq '(.sections[].measures[].actions[] | select(.id == "ordos-2023-58:3.4.1")).report_cycle = "yearly"' \
  "$T/plan.json" >"$T/plan-yearly.json" && mv "$T/plan-yearly.json" "$T/plan.json"
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19 --yellow-days 30
as admin:admin plan load "$T/plan.json" >/dev/null || fail "plan load"

# 2.1.1 (市能源局, NYJ): 2023-12-31 and 2025-12-31, targets 新能源批复规模 and more.
as unit:NYJ claim 2.1.1 >/dev/null || fail "claim 2.1.1"
as unit:NYJ claim 2.3.1 >/dev/null || fail "claim 2.3.1"
out=$(as unit:NYJ milestone met 2.1.1 2024-12-31 2>&1) && fail "a milestone the task does not have was accepted: $out"
echo "$out" | grep -q 'not_found' || fail "unknown milestone: $out"
echo "$out" | grep -q '1. 2023-12-31，2. 2025-12-31' || fail "the refusal does not list the milestones: $out"
out=$(as unit:NYJ milestone met 2.1.1 1 --figure '新能源批复规模=3300吨' 2>&1) && fail "a figure in tons accepted: $out"
echo "$out" | grep -q 'invalid_argument' || fail "a wrong figure with the milestone: $out"
expect_code permission_denied as unit:KJJ milestone met 2.1.1 1
expect_code failed_precondition as coordinator:office milestone confirm 2.1.1 1
as unit:NYJ milestone met 2.1.1 1 --figure '1=3300万千瓦' --note '一期批复完成' >/dev/null || fail "milestone met"
expect_code failed_precondition as unit:NYJ milestone met 2.1.1 2023-12-31
expect_code permission_denied as unit:NYJ milestone confirm 2.1.1 1
shown=$(as auditor:audit task 2.1.1)
echo "$shown" | grep -q '1. 2023-12-31〔待确认〕' || fail "the reported milestone is not shown awaiting confirmation: $shown"
echo "$shown" | grep -q '3300万千瓦 / 5500万千瓦 (60%)' || fail "the milestone's figure is not against its target: $shown"
as coordinator:office milestone confirm 2.1.1 1 --note '核实无误' >/dev/null || fail "confirm"
shown=$(as auditor:audit task 2.1.1)
echo "$shown" | grep -q '1. 2023-12-31〔已确认达成〕' || fail "the confirmed milestone is not shown met: $shown"
as unit:NYJ inbox --json --keep-unread | jq -e '.inbox[0] | select(.kind == "milestone_confirmed") | .text | test("2023-12-31.*核实无误")' \
  >/dev/null || fail "the confirmation is not in the department's inbox"
pass "a milestone reported met with its figure, refused when unknown or wrong, then confirmed"

# 2024-01-05: past 2023-12-31. 2.1.1's 2023 milestone is met: no red, not overdue.
as admin:admin clock advance --days 108 >/dev/null || fail "clock"
[ "$(as auditor:audit task 2.1.1 --json | jq '.overdue')" = false ] || fail "2.1.1 is overdue though its milestone was met"
[ "$(as auditor:audit task 2.3.1 --json | jq '.overdue')" = true ] || fail "2.3.1 (nothing met) is not overdue"
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl" || fail "replay"
jq -s -e 'any(.[]; .kind == "deadline_warning" and .task == "ordos-2023-58:2.1.1" and .level == "red") | not' \
  "$T/replay.jsonl" >/dev/null || fail "a red warning was raised for a met milestone"
as auditor:audit tasks --json | jq -e '.tasks[] | select(.id == "ordos-2023-58:2.1.1") | .overdue == false' >/dev/null \
  || fail "tasks lists 2.1.1 as overdue"
as auditor:audit tasks >"$T/tasks.txt" || fail "tasks"
grep 'ordos-2023-58:2.1.1 ' "$T/tasks.txt" | grep -q '2025-12-31' || fail "the next due shown is not the first unmet milestone"
pass "a task met for 2023 and due again in 2025 is not overdue in 2024"

# 2.3.1: sent back first (the reason reaches the inbox), then met late and confirmed.
as unit:NYJ milestone met 2.3.1 1 --note '已完成' >/dev/null || fail "milestone met 2.3.1"
expect_code 'reason is required' as coordinator:office milestone return 2.3.1 1
as coordinator:office milestone return 2.3.1 1 --reason '缺少佐证材料' >/dev/null || fail "return"
as unit:NYJ inbox --json --keep-unread | jq -e '.inbox[0] | select(.kind == "milestone_returned" and .text == "缺少佐证材料")' \
  >/dev/null || fail "the reason it was sent back is not in the inbox"
[ "$(as auditor:audit task 2.3.1 --json | jq '.overdue')" = true ] || fail "a returned milestone cleared overdue"
as unit:NYJ milestone met 2.3.1 2023-12-31 --note '补充佐证' >/dev/null || fail "milestone met again"
as coordinator:office milestone confirm 2.3.1 2023-12-31 >/dev/null || fail "confirm 2.3.1"
[ "$(as auditor:audit task 2.3.1 --json | jq '.overdue')" = false ] || fail "the confirmation did not clear overdue"
as admin:admin clock advance --days 2 >/dev/null
[ "$(as auditor:audit task 2.3.1 --json | jq '.overdue')" = false ] || fail "the next scan made 2.3.1 overdue again"
pass "a milestone sent back keeps the task overdue and tells why; met late and confirmed clears it on the next scan"

# 3.4.1 (市住房和城乡建设局, ZJJ) reports yearly (set above): nothing in 2024 -> one
# missed-report warning on the first scan of 2025, none for 2023 (the plan
# was issued in September).
as unit:ZJJ claim 3.4.1 >/dev/null || fail "claim 3.4.1"
as auditor:audit task 3.4.1 | grep -q '年报' || fail "the reporting cycle is not shown"
as admin:admin clock advance --days 364 >/dev/null # 2025-01-04
as admin:admin clock advance --days 5 >/dev/null
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl" || fail "replay"
missed=$(jq -s -c '[.[] | select(.kind == "report_missed") | [.task, .period_end]]' "$T/replay.jsonl")
echo "$missed" | jq -e 'any(.[]; . == ["ordos-2023-58:3.4.1", "2024-12-31"])' >/dev/null \
  || fail "no missed-report warning for 3.4.1's 2024: $missed"
[ "$(echo "$missed" | jq '[.[] | select(.[0] == "ordos-2023-58:3.4.1")] | length')" = 1 ] \
  || fail "3.4.1 was warned other than once: $missed"
# Into a file: grep -q ending the pipe early would fail the replay with SIGPIPE.
"$BIN/duban" audit replay --data "$T/data" >"$T/replay.txt" || fail "replay"
grep -q '漏报：截至 2024-12-31 的年报未报送' "$T/replay.txt" || fail "replay does not describe it"
as unit:ZJJ inbox --json | jq -e 'any(.inbox[]; .kind == "report_missed")' >/dev/null || fail "not in ZJJ's inbox"
"$BIN/duban" audit verify --data "$T/data" | grep -q 'every view verify' || fail "verify"
pass "a yearly task with no report in 2024 is warned once; the log and its views verify"
