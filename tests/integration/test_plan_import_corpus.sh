# The corpus: real breakdown documents of other governments, each in its
# own layout (tests/fixtures/plans/SOURCES.md gives where each came from and
# the hand counts). For every fixture the importer must give the hand
# counts: sections, tasks with an owner, distinct units, tasks that name a
# date. SOURCES.md lists what the importer still cannot read.
# The seed stays exact: 49 measures, 83 actions, 22 units.
. "$(dirname "$0")/lib.sh"
FIX=$SRC/tests/fixtures/plans

# file | sections | tasks with owners | distinct units | dated tasks | issued
while IFS='|' read -r file sections tasks units dated issued; do
  [ -n "$file" ] || continue
  "$BIN/duban" plan import "$FIX/$file" >"$T/plan.json" 2>"$T/report.txt" || fail "$file: import exits $?"
  got=$(jq -r '[(.sections | length), ([.sections[].measures[].actions[]] | length), (.units | length),
                ([.sections[].measures[].actions[] | select(any(.milestones[]; .inherited == false))] | length),
                .issued] | map(tostring) | join("|")' "$T/plan.json")
  [ "$got" = "$sections|$tasks|$units|$dated|$issued" ] ||
    fail "$file: sections|tasks|units|dated|issued = $got, hand counts $sections|$tasks|$units|$dated|$issued"
  pass "$file: $sections sections, $tasks tasks with owners, $units units, $dated dated, issued $issued"
done <<'COUNTS'
lishan-2023-2.txt|1|6|11|0|2023-03-28
xuchang-2020-20.txt|1|2|3|0|2020-01-01
sichuan-liutong-2022.txt|1|2|4|0|2022-10-18
chuzhou-2020.txt|1|3|14|0|2020-02-03
chuzhou-2020-table.docx|1|3|14|0|2020-02-03
caidian-2023-1.txt|1|3|2|0|2023-01-03
shapingba-2022.txt|1|10|7|0|2022-01-21
shapingba-2022-table.docx|1|10|7|0|2022-01-21
xining-2017-liutong.txt|2|1|5|0|2017-11-24
xianyang-2022-fangguanfu.txt|1|1|4|1|2022-01-01
ordos-2023-58-sec3.pdf|1|6|3|2|2023-09-18
dazhu-2016-20.txt|1|11|10|11|2016-02-26
dazhu-2016-20-table.docx|1|11|10|11|2016-02-26
huoshan-2025-kaifaqu.txt|1|3|4|0|2025-01-01
huoshan-2025-kaifaqu-table.docx|1|3|4|0|2025-01-01
COUNTS

imp() { "$BIN/duban" plan import "$FIX/$1" 2>"$T/report.txt"; }
# Details the counts do not show.
imp lishan-2023-2.txt >"$T/p.json"
[ "$(jq -c '.sections[0].measures[0].actions[2] | [.unit]' "$T/p.json")" = '["区发改局"]' ] || fail "lishan: 牵头单位 owns"
[ "$(jq -c '[.sections[0].measures[0].cooperating[]] | index("全区经济运行各专班") != null' "$T/p.json")" = true ] ||
  fail "lishan: 责任单位 on the next line are the item's cooperating units"
imp chuzhou-2020.txt >"$T/p.json"
! jq -r '.units[].name' "$T/p.json" | has 金力 || fail "chuzhou: a person (牵头负责领导) read as a unit"
jq -r '.units[].name' "$T/p.json" | has -x '各县、市、区政府' || fail "chuzhou: the collective 各县、市、区政府"
imp xuchang-2020-20.txt >"$T/p.json"
[ "$(jq -r .document "$T/p.json")" = '许政 [2020] 20号' ] || fail "xuchang: document number $(jq -r .document "$T/p.json")"
jq -r '.units[].name' "$T/p.json" | has -x '各县(市、区)政府(管委会)' || fail "xuchang: the collective with two parentheses"
imp sichuan-liutong-2022.txt >"$T/p.json"
[ "$(jq -c '.sections[0].measures[0].lead' "$T/p.json")" = '["省发展改革委","省市场监管局","商务厅","省大数据中心"]' ] ||
  fail "sichuan: 〔责任单位：…按职责分工负责。note〕"
imp caidian-2023-1.txt >"$T/p.json"
[ "$(jq -r '.sections[0].title' "$T/p.json")" = '2023年全区经济社会发展的主要预期目标' ] ||
  fail "caidian: the notice's numbered paragraphs taken for sections"
[ "$(jq -r .title "$T/p.json")" = '区人民政府办公室关于印发2023年区《政府工作报告》确定的主要目标任务责任分解方案的通知' ] ||
  fail "caidian: the page's repeated title line: $(jq -r .title "$T/p.json")"
imp shapingba-2022.txt >"$T/p.json"
grep -q 'table: 表格按单元格逐行展开（序号后 2 列）：10 行读作事项' "$T/report.txt" ||
  fail "shapingba: the flattened table is not reported"
[ "$(jq -r '.sections[0].measures[0].actions[9] | .text + "|" + .unit' "$T/p.json")" = '节能减排降碳完成年度目标任务|区发展改革委' ] ||
  fail "shapingba: row 10"
imp xining-2017-liutong.txt >"$T/p.json"
[ "$(jq -c '.sections[1].measures[0] | [.lead, .cooperating]' "$T/p.json")" = '[["市商务局"],["市编办","市发改委","市法制办","各区县政府"]]' ] ||
  fail "xining: (牵头单位:A  责任单位:B、C) in one parenthesis"
pass "details: 牵头/责任 lines, persons, collectives, 〔〕 statements, notice paragraphs, the flattened table"

# 咸阳, in traditional characters: 牽頭 owns, 按職責分工負責 cooperates, and
# 及 between two collectives makes two units.
imp xianyang-2022-fangguanfu.txt >"$T/p.json"
[ "$(jq -r '.sections[0].measures[0].actions[0].unit' "$T/p.json")" = 市政府辦公室 ] || fail "xianyang: owner (牽頭)"
[ "$(jq -c '.sections[0].measures[0].cooperating' "$T/p.json")" = '["市級各有關部門","各縣市區政府"]' ] ||
  fail "xianyang: cooperating units $(jq -c '.sections[0].measures[0].cooperating' "$T/p.json")"
pass "xianyang (traditional): 牽頭 owner, two cooperating collectives joined by 及"

# 大竹县 (a real table): row 5 holds two works under one number and one unit
# cell merged down; several units of a cell are its paragraphs, the first
# owns. 9月投入使用 in the 完成时限 cell is a deadline (the month's end),
# though no 底/前 follows the month.
imp dazhu-2016-20-table.docx >"$T/p.json"
[ "$(jq -c '[.sections[0].measures[0].actions[5] | .text, .unit]' "$T/p.json")" = '["开工建设老年大学。（完成时限：12月底前）","县民政局"]' ] ||
  fail "dazhu: row 5's second work under the merged 责任单位"
[ "$(jq -r '.sections[0].measures[0].actions[1].milestones[0].due' "$T/p.json")" = 2016-09-30 ] ||
  fail "dazhu: 9月投入使用 in 完成时限 is not read as 2016-09-30"
# The flattened page: cells of several lines (units one a line, row 5's two
# works) read as the .docx does, each such row reported.
imp dazhu-2016-20.txt >"$T/p.json"
[ "$(jq -c '[.sections[0].measures[0].actions[] | .unit] | .[0:6]' "$T/p.json")" = '["县水务局","县住建局","县文体广新局","县残联","县民政局","县民政局"]' ] ||
  fail "dazhu.txt: owners $(jq -c '[.sections[0].measures[0].actions[] | .unit]' "$T/p.json")"
[ "$(jq -c '.sections[0].measures[0].lead | index("县护城河指挥部") != null' "$T/p.json")" = true ] ||
  fail "dazhu.txt: row 1's third unit"
[ "$(grep -c '单元格占多行' "$T/report.txt")" = 5 ] || fail "dazhu.txt: the 5 tall rows are not reported"
# A row whose extra line is neither a unit nor a deadline still cannot be
# lined up: the table is not read (exit 3), never read askew.
printf '附件
序号
工作任务
责任单位
完成时限
1
建成公园。
县住建局
另有说明文字。
12月底前
2
建成桥梁。
县交通局
12月底前
' >"$T/askew.txt"
code=0
"$BIN/duban" plan import "$T/askew.txt" >/dev/null 2>"$T/askew.report" || code=$?
[ "$code" = 3 ] || fail "an askew flattened row: exit $code, expected 3"
# 霍山县: 责任领导 (people) is a column read as nothing; cells end in " |".
for f in huoshan-2025-kaifaqu.txt huoshan-2025-kaifaqu-table.docx; do
  imp "$f" >"$T/p.json"
  ! jq -r '.units[].name' "$T/p.json" | grep -q -e 叶林 -e 马振明 -e 张云峰 || fail "$f: a 责任领导 read as a unit"
  [ "$(jq -r '.sections[0].measures[0].actions[1].unit' "$T/p.json")" = 改革办 ] || fail "$f: row 2's unit"
  ! jq -r '.sections[0].measures[0].actions[].text' "$T/p.json" | grep -q '|' || fail "$f: the cell rule | kept"
done
pass "dazhu (merged row 5, units one a paragraph), huoshan (责任领导 column, cells ending in |)"

"$BIN/duban" plan import "$SRC/examples/plans/ordos-2023-58.txt" >"$T/seed.json" 2>/dev/null || fail "seed"
[ "$(jq -c '[([.sections[].measures[]] | length), ([.sections[].measures[].actions[]] | length), (.units | length)]' "$T/seed.json")" = '[49,83,22]' ] ||
  fail "the seed is no longer 49 measures, 83 actions, 22 units"
pass "seed: 49 measures, 83 actions, 22 units"
