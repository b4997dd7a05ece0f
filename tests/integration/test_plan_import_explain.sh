# plan import --explain TASK FILE: where a task came from. On the seed text
# the section, measure and task lines with the numbers the report uses; on
# the .docx fixture the row and its cells under their column headers, a
# merged cell marked; the short id 1.1.1 works as the full one; a task the
# document does not have is refused (exit 1) with a message.
. "$(dirname "$0")/lib.sh"
SEED=$SRC/examples/plans/ordos-2023-58.txt
DOCX=$SRC/tests/fixtures/plans/ordos-2023-58-table.docx

"$BIN/duban" plan import --explain ordos-2023-58:3.4.1 "$SEED" >"$T/seed.txt" || fail "explain on the seed"
grep -q '^  第131行：三、加快形成绿色低碳生产和生活方式$' "$T/seed.txt" || fail "section line: $(cat "$T/seed.txt")"
grep -q '^  第150行：（四）推进康巴什区全域智能网联交通示范区建设' "$T/seed.txt" || fail "measure line"
grep -q '^  第153行：1\.2023年，在东康伊中心城区新建5000个公共充电桩' "$T/seed.txt" || fail "task line"
[ "$(grep -c '行：' "$T/seed.txt")" = 3 ] || fail "explain prints other lines: $(cat "$T/seed.txt")"
# an action written over two lines shows both
"$BIN/duban" plan import --explain 1.5.1 "$SEED" >"$T/short.txt" || fail "explain with a short id"
grep -q '任务 ordos-2023-58:1.5.1 的来源' "$T/short.txt" || fail "short id not resolved"
pass "explain on the text: section 131, measure 150, task 153"

"$BIN/duban" plan import --explain 1.2.2 "$DOCX" >"$T/docx.txt" || fail "explain on the .docx"
grep -q '← 表1 第6行：重点任务（合并）=建设鄂尔多斯市国际荒漠化治理技术创新中心' "$T/docx.txt" ||
  fail "table row and merged cell: $(cat "$T/docx.txt")"
grep -q '具体措施=推进鄂尔多斯市国际荒漠化治理技术创新中心提质进位' "$T/docx.txt" || fail "the row's task cell"
grep -q '| 责任单位=市科学技术局$' "$T/docx.txt" || fail "the row's unit cell"
# the line the explanation names is the line of --text
line=$(sed -n 's/^  第\([0-9]*\)行：2\.推进.*/\1/p' "$T/docx.txt")
"$BIN/duban" plan import "$DOCX" --text "$T/docx-text.txt" >/dev/null 2>&1 || fail "import --text"
sed -n "${line}p" "$T/docx-text.txt" | has '^2\.推进鄂尔多斯市国际荒漠化治理技术创新中心提质进位' ||
  fail "line $line of --text is not the task"
pass "explain on the .docx: 表1 第6行 with its cells, line $line of --text"

set +e
"$BIN/duban" plan import --explain 9.9.9 "$DOCX" >"$T/none.txt" 2>"$T/none.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "a missing task exits $rc"
grep -q '文档中没有任务 9.9.9' "$T/none.err" || fail "no message for a missing task: $(cat "$T/none.err")"
pass "a task that is not in the document: exit 1 with a message"
