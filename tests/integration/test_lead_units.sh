# Lead and cooperating units on the real plan, with a real broker and CLI.
# Measure 2.1 is led by 市能源局 (NYJ) with 市科学技术局 (KJJ) cooperating;
# 2.1.1 is NYJ's and 2.1.2 KJJ's. The lead sees KJJ's task with its colour
# and the measure's roll-up, watches its events, and reminds KJJ, which
# reads the text in its inbox; the cooperating unit reads NYJ's task and
# writes nothing to it; a unit with no part in the measure sees neither. A
# reassignment tells both the unit that gets the task and the one that
# loses it, in their inboxes, with the reason.
. "$(dirname "$0")/lib.sh"
DOC=$SRC/examples/plans/ordos-2023-58.txt
"$BIN/duban" plan import "$DOC" >"$T/plan.json" 2>"$T/report.json" || fail "import"
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19 --yellow-days 30
as admin:admin plan load "$T/plan.json" >/dev/null || fail "plan load"

seen_as() { as "unit:$1" tasks --json | jq -r --arg id "ordos-2023-58:$2" '.tasks[] | select(.id == $id) | .seen_as'; }
[ "$(seen_as NYJ 2.1.1)" = own ] || fail "NYJ does not own 2.1.1"
[ "$(seen_as NYJ 2.1.2)" = lead ] || fail "NYJ does not see KJJ's 2.1.2 as its lead: $(seen_as NYJ 2.1.2)"
[ "$(seen_as KJJ 2.1.1)" = cooperating ] || fail "KJJ does not see 2.1.1 as cooperating: $(seen_as KJJ 2.1.1)"
[ -z "$(seen_as JTJ 2.1.2)" ] || fail "JTJ, with no part in measure 2.1, sees 2.1.2"
grep -q '^seen as     牵头' <<<"$(as unit:NYJ task 2.1.2)" || fail "the lead cannot read its measure's task"
expect_code permission_denied as unit:JTJ task 2.1.2
table=$(as unit:NYJ tasks)
echo "$table" | grep 'ordos-2023-58:2.1.2 ' | has '牵头' || fail "the table does not say NYJ leads 2.1.2: $table"
echo "$table" | has '^牵头措施 ordos-2023-58:2.1：绿（2 项：绿 2，蓝 0，黄 0，红 0）' \
  || fail "no roll-up line for measure 2.1: $table"
pass "the lead sees its measure's tasks, the cooperating unit its measure's, nobody else's"

# The cooperating unit reads, but writes nothing to a task it does not own.
grep -q '^seen as     配合' <<<"$(as unit:KJJ task 2.1.1)" || fail "the cooperating unit cannot read 2.1.1"
expect_code permission_denied as unit:KJJ claim 2.1.1
expect_code permission_denied as unit:KJJ progress 2.1.1 --percent 10
expect_code permission_denied as unit:NYJ claim 2.1.2
expect_code permission_denied as unit:KJJ lead remind 2.1.1 --note '请加快'
expect_code permission_denied as unit:NYJ lead remind 2.1.1 --note '本单位的任务'
expect_code permission_denied as unit:JTJ lead remind 2.1.2 --note '不相干'
expect_code 'note' as unit:NYJ lead remind 2.1.2
pass "a cooperating unit or a lead cannot write to a task it does not own; only the lead reminds"

# The lead watches its measure's tasks: KJJ's claim reaches NYJ's watch.
head=$(as auditor:audit ping --json | jq -r '.head_seq')
as unit:NYJ watch --after "$head" --count 1 --timeout-idle 20000 --json >"$T/nyj-watch.jsonl" &
watcher=$!
PIDS+=("$watcher")
sleep 0.5
as unit:KJJ claim 2.1.2 >/dev/null || fail "KJJ claim"
wait "$watcher" || fail "NYJ's watch ended without the event"
jq -s -e 'any(.[]; .kind == "claimed" and .task == "ordos-2023-58:2.1.2")' "$T/nyj-watch.jsonl" >/dev/null \
  || fail "the lead's watch did not show KJJ's claim: $(cat "$T/nyj-watch.jsonl")"
pass "the lead's watch shows its measure's events"

# Through the departments' own agents, as they work.
start_agent NYJ
start_agent KJJ
via NYJ lead remind 2.1.2 --note '请本周内报送储能技术进展' >/dev/null || fail "lead remind"
as unit:KJJ inbox --json --keep-unread | jq -e '.inbox[0] | select(.kind == "lead_reminded")
  | .text == "请本周内报送储能技术进展" and .from == "unit:NYJ" and .task == "ordos-2023-58:2.1.2"' >/dev/null \
  || fail "the reminder is not in KJJ's inbox: $(as unit:KJJ inbox --json --keep-unread)"
grep -q '请本周内报送储能技术进展' <<<"$(via KJJ inbox --keep-unread)" || fail "duban inbox does not show the text"
"$BIN/duban" audit replay --data "$T/data" >"$T/replay.txt" || fail "replay"
grep -q '牵头单位催办；请本周内报送储能技术进展' "$T/replay.txt" || fail "replay does not describe the reminder"
[ "$(as auditor:audit task 2.1.2 --json | jq '.reminders')" = 0 ] \
  || fail "a lead's reminder counted as a coordinator's 催办 in the scores"
pass "the lead's reminder reaches the cooperating unit's inbox with its text"

# Past 2023-12-31 NYJ's 2.1.1 is red, and so is the measure it leads.
as admin:admin clock advance --days 108 >/dev/null || fail "clock"
grep -q '^牵头措施 ordos-2023-58:2.1：红' <<<"$(as unit:NYJ tasks)" || fail "the roll-up is not red: $(as unit:NYJ tasks)"
pass "the measure's roll-up is the worst of its tasks' colours"

# A reassignment: the unit that gets the task and the one that loses it are told.
as coordinator:office reassign 2.6.1 --unit 市发展和改革委员会 --reason '职责调整，由发改委牵头' >/dev/null \
  || fail "reassign"
for code in FGW NYJ; do
  as "unit:$code" inbox --json --keep-unread | jq -e '.inbox[0] | select(.kind == "reassigned")
    | .task == "ordos-2023-58:2.6.1" and .text == "职责调整，由发改委牵头"' >/dev/null \
    || fail "no reassignment item in $code's inbox: $(as "unit:$code" inbox --json --keep-unread)"
done
[ "$(seen_as FGW 2.6.1)" = own ] || fail "FGW does not own 2.6.1 after the reassignment"
[ "$(seen_as NYJ 2.6.1)" = lead ] || fail "NYJ, 2.6's lead, no longer sees 2.6.1 as its lead"
grep -q '^牵头措施 ordos-2023-58:2.6：' <<<"$(as unit:NYJ tasks)" || fail "no roll-up of 2.6, led by NYJ"
grep -q 'every view verify' <<<"$("$BIN/duban" audit verify --data "$T/data")" || fail "verify"
pass "a reassigned task shows in the new owner's inbox and the old owner's, with the reason"
