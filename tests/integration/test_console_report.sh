# The console's report of its mirror: the ranking as JSON and the Excel
# workbook (read back with openpyxl), both from a real broker's log copied
# into the console's mirror.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || exit 77
make_keys
start_broker
load_plan
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
login 李协调 'correct-horse-1'
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
as unit:LCJ progress demo-2023-1:1.1.1 --percent 30 >/dev/null      # seq 3
wait_mirror 3
curl -s -b "$JAR" "$CONSOLE_URL/api/report" >"$T/report.json"
jq -e '.head_seq == 3 and (.units | length) == 4 and ([.units[].rank] | min) == 1' "$T/report.json" >/dev/null \
  || fail "report of the mirror: $(head -c 400 "$T/report.json")"
pass "the ranking is made from the console's mirror"

code=$(curl -s -b "$JAR" -o "$T/out.xlsx" -D "$T/headers" -w '%{http_code}' "$CONSOLE_URL/api/export.xlsx")
[ "$code" = 200 ] || fail "export gave $code"
grep -qi 'content-disposition: attachment' "$T/headers" || fail "not a download"
/usr/bin/python3 - "$T/out.xlsx" <<'PY' || fail "the workbook does not read back"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert "考核排名" in wb.sheetnames, wb.sheetnames
cells = [str(c.value) for row in wb["任务"].iter_rows() for c in row if c.value is not None]
assert any("demo-2023-1:1.1.1" in c for c in cells), cells[:20]
PY
pass "导出Excel: the workbook reads back with the task and the ranking sheet"
code=$(curl -s -o /dev/null -w '%{http_code}' "$CONSOLE_URL/api/export.xlsx")
[ "$code" = 401 ] || fail "export without a session gave $code"
pass "no export without a session"

# The charts over time: two months later LCJ has reported more; each month
# has the plan's completion, each department's and its monthly colour.
as admin:admin clock advance --days 45 >/dev/null
seq=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent 90 --json | jq '.seq')
wait_mirror "$seq"
curl -s -b "$JAR" "$CONSOLE_URL/api/charts" >"$T/charts.json"
jq -e '(.months | length) >= 3 and .months[0] == "2023-09" and (.plan | length) == (.months | length)
  and (.units | length) == 4
  and all(.units[]; (.completion | length) == ($m | length) and (.colours | length) == ($m | length))' \
  --argjson m "$(jq '.months' "$T/charts.json")" "$T/charts.json" >/dev/null \
  || fail "the charts' shape: $(head -c 600 "$T/charts.json")"
# LCJ's completion rose from the September report to the November one, and
# so did the plan's; the earlier months keep what was true then.
jq -e '(.units[] | select(.code == "LCJ") | .completion) as $c | $c[0] > 0 and $c[-1] > $c[0]
  and .plan[-1] > .plan[0] and all(.units[].colours[]; IN("red", "yellow", "blue", "green"))' \
  "$T/charts.json" >/dev/null || fail "the charts' figures: $(head -c 600 "$T/charts.json")"
pass "the charts: completion of the plan and per department at each month's end, monthly colours"
code=$(curl -s -o /dev/null -w '%{http_code}' "$CONSOLE_URL/api/charts")
[ "$code" = 401 ] || fail "charts without a session gave $code"

# The ranking at any date: ?at=YYYY-MM-DD is the report as the log stood at
# the end of that day, the same as `duban audit report --at` of the log; the
# workbook takes it too, and a day that is not a day is refused.
curl -s -b "$JAR" "$CONSOLE_URL/api/report?at=2023-09-20" >"$T/report-then.json"
"$BIN/duban" audit report --data "$T/data" --at 2023-09-20 --json >"$T/audit-then.json" || fail "audit report --at"
jq -e --slurpfile audit "$T/audit-then.json" '.head_seq == $audit[0].head_seq and .head_seq < '"$seq"'
  and ([.units[] | {code, total, rank}] == [$audit[0].units[] | {code, total, rank}])' "$T/report-then.json" >/dev/null ||
  fail "the board's report at 2023-09-20 is not the log's: $(head -c 400 "$T/report-then.json")"
[ "$(jq '.units[] | select(.code == "LCJ") | .tasks' "$T/report-then.json")" != null ] || fail "no LCJ then"
code=$(curl -s -b "$JAR" -o "$T/then.xlsx" -w '%{http_code}' "$CONSOLE_URL/api/export.xlsx?at=2023-09-20")
[ "$code" = 200 ] || fail "export at a date gave $code"
code=$(curl -s -b "$JAR" -o "$T/bad.json" -w '%{http_code}' "$CONSOLE_URL/api/report?at=2023-02-30")
[ "$code" = 400 ] && has '日期应为' "$T/bad.json" || fail "2023-02-30 gave $code: $(cat "$T/bad.json")"
pass "the ranking and the workbook at a past date are the log's as of that day; a date that is no day is refused"
