# Plan import from a .docx: the responsibility tables of
# tests/fixtures/plans/ordos-2023-58-table.docx (sections 一 and 二 of
# 鄂府发〔2023〕58号 as tables with merged cells, see SOURCES.md) read into the
# same tasks, owners and dates as the text of the document; a table built
# here with header variants, horizontal and vertical merges, a repeated
# header and a category row; an old .doc refused with the conversion
# command; and a document without structure refused with its own exit code.
# The plan read from the .docx is loaded into a running broker and each unit
# sees its own tasks.
. "$(dirname "$0")/lib.sh"
FIX=$SRC/tests/fixtures/plans
DOCX=$FIX/ordos-2023-58-table.docx
PY=/usr/bin/python3

"$BIN/duban" plan import "$DOCX" --text "$T/docx.txt" >"$T/plan.json" 2>"$T/report.txt" || fail "import .docx"
count() { jq "$1" "$T/plan.json"; }
# Hand counts (SOURCES.md): 2 sections, 7 + 6 tasks (measures), 17 + 11 rows
# (actions), 10 owning units, 11 units in all, 10 rows that name a date.
[ "$(count '.sections | length')" = 2 ] || fail "sections: $(count '.sections | length')"
[ "$(count '[.sections[].measures[]] | length')" = 13 ] || fail "measures"
[ "$(count '[.sections[].measures[].actions[]] | length')" = 28 ] || fail "actions: $(count '[.sections[].measures[].actions[]] | length')"
[ "$(count '[.sections[].measures[].actions[].unit] | unique | length')" = 10 ] || fail "owners"
[ "$(count '.units | length')" = 11 ] || fail "units: $(count '[.units[].name]')"
[ "$(count '[.sections[].measures[].actions[] | select(any(.milestones[]; .inherited == false))] | length')" = 10 ] ||
  fail "dated actions"
[ "$(count '.id')" = '"ordos-2023-58"' ] || fail "plan id from the document number: $(count .id)"
[ "$(count '.sections[0].title')" = '"筑牢我国北方重要生态安全屏障"' ] || fail "category row as section: $(count '.sections[0].title')"
grep -q 'read 2 task table' "$T/report.txt" || fail "report does not say the tables were read"
pass ".docx tables: 2 sections, 13 tasks, 28 rows, 10 owners, 11 units, 10 dated rows"

# The same rows as the text of the document: texts, owners and dates of
# section 一 (责任单位 per row), and the tasks of section 二 with their lead
# and cooperating units (merged cells down each task's rows).
"$BIN/duban" plan import "$SRC/examples/plans/ordos-2023-58.txt" >"$T/seed.json" 2>/dev/null || fail "seed import"
rows='[.sections[0].measures[].actions[] | [.text, .unit, [.milestones[] | select(.inherited == false) | .due]]]'
tasks='[.sections[1].measures[] | [.text, .lead, .cooperating, (.actions | length)]]'
[ "$(jq -c "$rows" "$T/seed.json")" = "$(jq -c "$rows" "$T/plan.json")" ] || fail "section 一 rows differ from the text"
[ "$(jq -c "$tasks" "$T/seed.json")" = "$(jq -c "$tasks" "$T/plan.json")" ] || fail "section 二 tasks differ from the text"
[ "$(jq -r '.sections[1].measures[1].actions[2].unit' "$T/plan.json")" = 市发展和改革委员会 ] ||
  fail "a row under a merged 牵头单位 cell does not inherit it"
grep -q '^（七）支持鄂尔多斯市系统化推进海绵城市建设' "$T/docx.txt" || fail "--text does not show the document as text"
pass "the .docx rows are the document's actions: same texts, owners, dates, lead and cooperating units"

# A table built here: header variants (工作任务, 工作措施, 责任部门, 完成时间),
# a 牵头区领导 column (people: not read as units),
# a category row across the width, a deadline merged down over two rows, a
# unit cell spanning two columns (gridSpan), the header repeated, and a
# second table with no header row (its cells are kept as paragraphs).
"$PY" - "$T/variants.docx" <<'PYEOF' || fail "python3-docx"
import sys
import docx
d = docx.Document()
d.add_paragraph("某区人民政府办公室关于印发优化营商环境重点任务分解表的通知")
d.add_paragraph("2024年3月1日")
t = d.add_table(rows=1, cols=7)
for c, w in zip(t.rows[0].cells, ["序号", "工作任务", "工作措施", "责任部门", "配合部门", "完成 时间", "牵头区领导"]):
    c.text = w
r = t.add_row().cells
r[0].merge(r[6]).text = "一、提升政务服务效能"
rows = [["1", "推进一网通办", "高频事项全程网办", "区政务服务局", "区大数据中心", "2024年6月底前", "张副区长"],
        ["2", "推进一网通办", "政务服务事项网上可办率达到95%", "区政务服务局", "区大数据中心", "", "张副区长"],
        ["序号", "工作任务", "工作措施", "责任部门", "配合部门", "完成时间", "牵头区领导"],
        ["3", "优化企业开办", "企业开办时间压缩至1个工作日以内", "区市场监督管理局", "", "2024年9月底前", "李副区长"]]
for row in rows:
    cells = t.add_row().cells
    for c, v in zip(cells, row):
        c.text = v
n = len(t.rows)
t.cell(n - 4, 1).merge(t.cell(n - 3, 1)).text = "推进一网通办"
t.cell(n - 4, 5).merge(t.cell(n - 3, 5)).text = "2024年6月底前"
t.cell(n - 1, 3).merge(t.cell(n - 1, 4)).text = "区市场监督管理局"
d.add_paragraph("附：联系人")
u = d.add_table(rows=1, cols=2)
u.rows[0].cells[0].text = "联系人"
u.rows[0].cells[1].text = "张三"
d.save(sys.argv[1])
PYEOF
"$BIN/duban" plan import "$T/variants.docx" --text "$T/variants.txt" >"$T/v.json" 2>"$T/v.report" ||
  fail "import variants: $(cat "$T/v.report")"
v() { jq -c "$1" "$T/v.json"; }
[ "$(v '[.sections[].measures[].actions[]] | length')" = 3 ] || fail "variants: 3 rows expected: $(cat "$T/variants.txt")"
[ "$(v '[.sections[].measures[].text]')" = '["推进一网通办","优化企业开办"]' ] || fail "tasks: $(v '[.sections[].measures[].text]')"
[ "$(v '[.sections[].measures[].actions[] | .milestones[0].due]')" = '["2024-06-30","2024-06-30","2024-09-30"]' ] ||
  fail "merged deadline not inherited: $(v '[.sections[].measures[].actions[] | .milestones]')"
[ "$(v '[.sections[].measures[].actions[].unit]')" = '["区政务服务局","区政务服务局","区市场监督管理局"]' ] ||
  fail "owners: $(v '[.sections[].measures[].actions[].unit]')"
[ "$(v '.sections[0].title')" = '"提升政务服务效能"' ] || fail "category row"
[ "$(v '[.units[].name] | sort')" = '["区大数据中心","区市场监督管理局","区政务服务局"]' ] || fail "units: $(v '[.units[].name]')"
pass "header variants, merged cells (vMerge, gridSpan), a repeated header and a category row"

# An old binary .doc (an OLE compound file) is refused with the command
# that converts it, exit 4; a .docx with no structure exits 3, not "0 tasks".
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest-of-an-ole-file' >"$T/old.doc"
set +e
"$BIN/duban" plan import "$T/old.doc" >/dev/null 2>"$T/doc.err"; code=$?
set -e
[ "$code" = 4 ] || fail "a .doc exits $code, not 4"
grep -qF "libreoffice --headless --convert-to docx $T/old.doc" "$T/doc.err" || fail "no conversion command: $(cat "$T/doc.err")"
cp "$T/old.doc" "$T/old.wps"
set +e
"$BIN/duban" plan import "$T/old.wps" >/dev/null 2>&1; code=$?
set -e
[ "$code" = 4 ] || fail "a .wps exits $code, not 4"
"$PY" -c 'import docx, sys; d = docx.Document(); d.add_paragraph("会议纪要"); d.add_paragraph("大家发言踊跃。"); d.save(sys.argv[1])' "$T/prose.docx"
for empty in "$T/prose.docx" "$FIX/no-structure.txt"; do
  set +e
  "$BIN/duban" plan import "$empty" >"$T/empty.json" 2>"$T/empty.err"; code=$?
  set -e
  [ "$code" = 3 ] || fail "$empty without structure exits $code, not 3"
  [ ! -s "$T/empty.json" ] || fail "$empty without structure printed a plan"
  grep -q 'no structure' "$T/empty.err" || fail "no reason for $empty"
done
printf 'PK\003\004not really a zip' >"$T/broken.docx"
set +e
"$BIN/duban" plan import "$T/broken.docx" >/dev/null 2>"$T/broken.err"; code=$?
set -e
[ "$code" = 1 ] || fail "a broken .docx exits $code, not 1"
pass ".doc/.wps refused with the conversion command (exit 4), no structure exits 3, a broken .docx exits 1"

# The plan read from the .docx loads into a running broker; each unit sees
# exactly the rows it owns.
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19
out=$(as admin:admin plan import "$DOCX" --load 2>"$T/load.log") || fail "import --load: $out $(cat "$T/load.log")"
echo "$out" | has '28 tasks' || fail "import --load did not load 28 tasks: $out"
for code in $(jq -r '.units[].code' "$T/plan.json"); do
  name=$(jq -r --arg c "$code" '.units[] | select(.code == $c) | .name' "$T/plan.json")
  want=$(jq -c --arg c "$code" --arg n "$name" \
    '[.sections[].measures[].actions[] | select(.unit == $c or .unit == $n) | .id] | sort' "$T/plan.json")
  # It also sees, marked lead or cooperating, its measures' other tasks (domain/lead.h).
  got=$(as "unit:$code" tasks --json | jq -c '[.tasks[] | select(.seen_as == "own") | .id] | sort')
  [ "$got" = "$want" ] || fail "unit $code ($name) sees $got, owns $want"
done
pass "the .docx plan loads (28 tasks) and each unit sees exactly its rows"
