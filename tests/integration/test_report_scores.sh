# The assessment (考核) from a real broker on a virtual clock: scoring rules
# loaded, the clock run past a due date, then the scores, ranks, overdue
# days and the split of escalations read back from `duban audit report`
# (JSON and table) and from the Excel workbook `duban audit export` writes.
# A report for a past day stays the same after new rules are loaded, and
# rules the report would refuse are refused by the broker with the reason.
#
# Hand-computed with examples/scoring/2023.rules (base 100, on time +5,
# -1 a day overdue, automatic escalation -5, reminder -2, behind pace -3):
#   on 2024-01-05 (the clock after 39 + 26 days from 2023-11-01)
#   LCJ  1.1.1 accepted on time                           100 + 5       = 105
#   ZRJ  1.1.2 at 30%, on pace; its own escalation costs 0               = 100
#   CZJ  1.2.1 untouched: 13% expected by pace, 0 done -> behind pace -3 =  97
#   JTJ  2.1.1 due 2023-12-31: 5 days late, automatic escalation, a reminder
#                                                      100 - 5 - 5 - 2  =  88
#   at the end of 2023-12-31 JTJ was blue and behind pace: 100 - 3 = 97.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker --virtual-clock 2023-11-01 --yellow-days 30
load_plan
as coordinator:office scoring load "$SRC/examples/scoring/2023.rules" >/dev/null || fail "load the 2023 rules"
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
as unit:LCJ progress demo-2023-1:1.1.1 --percent 100 >/dev/null
as unit:LCJ submit demo-2023-1:1.1.1 >/dev/null
as coordinator:office accept demo-2023-1:1.1.1 >/dev/null
as unit:ZRJ claim demo-2023-1:1.1.2 >/dev/null
as unit:ZRJ progress demo-2023-1:1.1.2 --percent 30 >/dev/null
as unit:ZRJ escalate demo-2023-1:1.1.2 --category 审批 --reason '用地审批未完成' >/dev/null
as admin:admin clock advance --days 39 >/dev/null
as admin:admin clock advance --days 26 >/dev/null
as coordinator:office remind demo-2023-1:2.1.1 --note '请尽快办结' >/dev/null

# Rules the report would refuse never reach the log.
cat >"$T/bad.rules" <<'RULES'
version = 2024年度考核细则
effective = 2024-01-01
per_reminder = 2
RULES
expect_code invalid_argument as coordinator:office scoring load "$T/bad.rules"
out=$(as coordinator:office scoring load "$T/bad.rules" 2>&1 || true)
echo "$out" | has 'per_reminder' || fail "the refusal does not name per_reminder: $out"
sed -i 's/^per_reminder = 2$/per_reminder = -2/; s/^effective = .*/effective = 2024-02-30/' "$T/bad.rules"
out=$(as coordinator:office scoring load "$T/bad.rules" 2>&1 || true)
echo "$out" | has 'effective' || fail "a date that does not exist was not refused: $out"
pass "rules with a rewarded reminder or a date that does not exist are refused with the reason"

report=$("$BIN/duban" audit report --data "$T/data" --json)
echo "$report" >"$T/report.json"
total() { echo "$report" | jq -r --arg code "$1" '.units[] | select(.code == $code) | "\(.total) \(.rank)"'; }
[ "$(total LCJ)" = "105 1" ] || fail "LCJ: $(total LCJ)"
[ "$(total ZRJ)" = "100 2" ] || fail "ZRJ: $(total ZRJ)"
[ "$(total CZJ)" = "97 3" ] || fail "CZJ: $(total CZJ)"
[ "$(total JTJ)" = "88 4" ] || fail "JTJ: $(total JTJ)"
echo "$report" | jq -e '.rules.version == "2023年度考核细则" and .rules.loaded' >/dev/null \
  || fail "rules version: $(echo "$report" | jq -c .rules)"
echo "$report" | jq -e '.overdue == [.overdue[0]] and .overdue[0].task == "demo-2023-1:2.1.1"
  and .overdue[0].days_late == 5 and .overdue[0].due == "2023-12-31"' >/dev/null \
  || fail "overdue list: $(echo "$report" | jq -c .overdue)"
echo "$report" | jq -e '.own_escalations == 1 and .automatic_escalations == 1' >/dev/null \
  || fail "escalations: $(echo "$report" | jq -c '[.own_escalations, .automatic_escalations]')"
echo "$report" | jq -e '(.units[] | select(.code == "JTJ") | .colour == "red" and .automatic_escalation_points == -5)
  and (.units[] | select(.code == "ZRJ") | .own_escalations == 1 and .own_escalation_points == 0)' >/dev/null \
  || fail "JTJ/ZRJ parts: $(echo "$report" | jq -c '.units')"
echo "$report" | jq -e '[.months[].month] == ["2023-11", "2023-12", "2024-01"]
  and .months[1].colours.JTJ == "blue" and .months[2].colours.JTJ == "red" and .months[0].colours.LCJ == "green"' \
  >/dev/null || fail "monthly colours: $(echo "$report" | jq -c .months)"
hash=$(echo "$report" | jq -r .head_hash)
[ ${#hash} = 64 ] || fail "head hash: $hash"
pass "scores, ranks, overdue days, escalations split and monthly colours as computed by hand"

table=$("$BIN/duban" audit report --data "$T/data" --verify)
echo "$table" | has "$hash" || fail "the table lacks the head hash: $table"
echo "$table" | has '2023年度考核细则' || fail "the table lacks the rules version: $table"
echo "$table" | has '日志校验： 通过' || fail "the table lacks the verify status: $table"
echo "$table" | has '主动求助 1 件，自动督办 1 件' || fail "the table lacks the escalation split: $table"
# The ranking lines up: JTJ's row has its total under 总分 whatever the
# width of the names before it.
header=$(echo "$table" | grep '^ *排名')
row=$(echo "$table" | grep '市交通运输局')
col() { echo "$1" | python3 -c 'import sys,unicodedata
line, word = sys.stdin.read().rstrip("\n"), sys.argv[1]
i = line.index(word) + len(word)
print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:i]))' "$2"; }
[ "$(col "$header" 总分)" = "$(col "$row" ' 88')" ] || fail "总分 does not line up: [$header] [$row]"
echo "$row" | has '红' || fail "JTJ's row has no red: $row"
# report.h's one list of ranking columns: the terminal shows all but 逾期扣分.
[ "$(echo "$header" | tr -s ' ' | sed 's/^ //; s/ $//')" = \
  "排名 单位 代码 总分 颜色 任务 按期办结 逾期办结 逾期 逾期天数 滞后序时 主动求助 自动督办 催办 漏报 确认节点 红 黄 蓝 绿" ] \
  || fail "the ranking's terminal columns changed: [$header]"
pass "the table has the head hash, the rules version, verify, and lines up with Chinese names"

# A past day: the rules of that day, the state of that day.
past=$("$BIN/duban" audit report --data "$T/data" --at 2023-12-31 --json)
echo "$past" | jq -e '(.units[] | select(.code == "JTJ") | .total == 97 and .colour == "blue") and (.overdue | length) == 0
  and .rules.version == "2023年度考核细则"' >/dev/null || fail "2023-12-31: $(echo "$past" | jq -c '[.units, .overdue]')"

# New rules from 2024-01-01 change today's report but not the past one.
cat >"$T/2024.rules" <<'RULES'
version = 2024年度考核细则
effective = 2024-01-01
base_points = 50
done_on_time = 5
per_day_overdue = -1
max_overdue_per_task = -30
per_automatic_escalation = -5
per_reminder = -2
RULES
as coordinator:office scoring load "$T/2024.rules" >/dev/null || fail "load the 2024 rules"
now=$("$BIN/duban" audit report --data "$T/data" --json)
echo "$now" | jq -e '.rules.version == "2024年度考核细则" and (.units[] | select(.code == "LCJ") | .total == 55)' \
  >/dev/null || fail "the 2024 rules do not apply now: $(echo "$now" | jq -c '[.rules.version, .units]')"
again=$("$BIN/duban" audit report --data "$T/data" --at 2023-12-31 --json)
[ "$(echo "$again" | jq -c '[.rules.version, .head_hash, [.units[] | .total]]')" = \
  "$(echo "$past" | jq -c '[.rules.version, .head_hash, [.units[] | .total]]')" ] \
  || fail "the report for 2023-12-31 changed after new rules: $again"
pass "a report for a past day is unchanged after new rules are loaded; today's uses them"

# The workbook.
"$BIN/duban" audit export --data "$T/data" --xlsx "$T/report.xlsx" >/dev/null || fail "export"
head_hash=$(echo "$now" | jq -r .head_hash)
/usr/bin/python3 - "$T/report.xlsx" "$head_hash" <<'PY' || fail "the workbook does not read back"
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
assert book.sheetnames == ["任务", "指标", "考核排名", "逾期清单"], book.sheetnames
for sheet in book.worksheets:
    assert sys.argv[2] in sheet["A1"].value, (sheet.title, sheet["A1"].value)
    assert "2024年度考核细则" in sheet["A1"].value, sheet["A1"].value
ranking = book["考核排名"]
assert ranking["A3"].value == "排名" and ranking["D3"].value == "总分"
assert [c.value for c in ranking[3]] == ["排名", "单位", "代码", "总分", "颜色", "任务数", "按期办结", "逾期办结",
    "逾期任务", "逾期天数", "逾期扣分", "滞后序时", "主动求助", "自动督办", "催办", "漏报", "确认节点",
    "红", "黄", "蓝", "绿"], [c.value for c in ranking[3]]
rows = {row[2]: row for row in ranking.iter_rows(min_row=4, values_only=True)}
assert rows["LCJ"][3] == 55 and rows["LCJ"][0] == 1, rows["LCJ"]
assert rows["JTJ"][1] == "市交通运输局", rows["JTJ"]
assert ranking.cell(row=4, column=5).fill.fgColor.rgb.endswith("D9EAD3"), ranking.cell(row=4, column=5).fill.fgColor.rgb
overdue = book["逾期清单"]
assert overdue["A4"].value == "demo-2023-1:2.1.1" and overdue["E4"].value == 5, [c.value for c in overdue[4]]
PY
pass "the workbook has its four sheets, the head hash and rules version on each, and the scores"
