# plan import from a PDF, best effort through pdftotext -layout: the
# fixture tests/fixtures/plans/ordos-2023-58-sec3.pdf (the header and
# section 三 of 鄂府发〔2023〕58号 printed on two A4 pages, see SOURCES.md)
# reads into the same measures, units, actions, dates, targets and facts
# as section 三 of the text, though every paragraph wraps and one runs over
# the page break; the report says it was read from a PDF's layout; --text
# gives the lines it numbers; a broken PDF and a missing pdftotext are
# refused with a message.
. "$(dirname "$0")/lib.sh"
command -v pdftotext >/dev/null || { echo "skip: pdftotext (poppler-utils) not installed"; exit 77; }
PDF=$SRC/tests/fixtures/plans/ordos-2023-58-sec3.pdf

"$BIN/duban" plan import "$PDF" --text "$T/pdf.txt" >"$T/plan.json" 2>"$T/report.txt" || fail "import the PDF"
"$BIN/duban" plan import "$SRC/examples/plans/ordos-2023-58.txt" >"$T/seed.json" 2>/dev/null || fail "seed"
q='[.sections[] | select(.number=="3") | .measures[] | [.text, .lead, .cooperating,
   [.actions[] | [.text, .unit, [.milestones[].due], .targets, .facts]]]]'
[ "$(jq -c "$q" "$T/seed.json")" = "$(jq -c "$q" "$T/plan.json")" ] || fail "section 三 read from the PDF differs"
[ "$(jq '.sections | length' "$T/plan.json")" = 1 ] || fail "sections"
[ "$(jq '[.sections[].measures[].actions[]] | length' "$T/plan.json")" = 6 ] || fail "actions"
[ "$(jq -r '.document + " " + .issued' "$T/plan.json")" = "鄂府发〔2023〕58号 2023-09-18" ] || fail "header"
grep -q 'pdf: 从 PDF 的版面读出（pdftotext -layout，尽力而为）：2 页' "$T/report.txt" || fail "report: $(head -3 "$T/report.txt")"
! grep -q '—1—\|—2—' "$T/pdf.txt" || fail "page numbers left in the text"
line=$(sed -n 's/^line \([0-9]*\): fact: 「每年安排800万元」.*/\1/p' "$T/report.txt")
sed -n "${line}p" "$T/pdf.txt" | has '^1\.2023年，在东康伊中心城区新建5000个公共充电桩' || fail "report line $line is not the task in --text"
pass "PDF: section 三 as in the text (4 measures, 6 actions), header read, report line $line = --text line"

printf '%%PDF-1.4\nnot really\n' >"$T/broken.pdf"
set +e
"$BIN/duban" plan import "$T/broken.pdf" >/dev/null 2>"$T/broken.err"; rc=$?
env PATH=/nonexistent "$BIN/duban" plan import "$PDF" >/dev/null 2>"$T/nopdftotext.err"; rc2=$?
set -e
[ "$rc" = 1 ] && grep -q 'pdftotext 读不了' "$T/broken.err" || fail "broken PDF: $rc $(cat "$T/broken.err")"
[ "$rc2" = 1 ] && grep -q 'poppler-utils' "$T/nopdftotext.err" || fail "no pdftotext: $rc2 $(cat "$T/nopdftotext.err")"
pass "a broken PDF and a missing pdftotext: exit 1 with a message"
