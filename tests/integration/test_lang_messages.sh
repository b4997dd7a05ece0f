# The importer's and the auditor's messages are Chinese unless English is
# asked for: with no language chosen, a refused plan document (binary data,
# a broken .docx), the import report of the real plan, an export of the
# broker's signed checkpoints (and a witness whose signatures do not hold)
# and a log that does not verify all read in Chinese; --lang en gives the
# English texts, word for word as before.
. "$(dirname "$0")/lib.sh"
unset DUBAN_LANG LC_ALL LC_MESSAGES LANG
REAL_PLAN=$SRC/examples/plans/ordos-2023-58.txt

# refused NAME FILE ZH EN: plan import refuses FILE with ZH by default
# and with EN under --lang en, both after the command's name and the file.
refused() {
  local name=$1 file=$2 zh=$3 en=$4 out
  out=$("$BIN/duban" plan import "$file" 2>&1 >/dev/null) && fail "$name: imported"
  [[ $out == "duban plan import：$file：$zh"* ]] || fail "$name: not the Chinese refusal: $out"
  out=$("$BIN/duban" --lang en plan import "$file" 2>&1 >/dev/null) && fail "$name: imported under --lang en"
  [[ $out == "duban plan import: $file: $en"* ]] || fail "$name: not the English refusal: $out"
}
printf '一、总体要求\n\0（一）措施\n' >"$T/binary.txt"
refused "a NUL byte" "$T/binary.txt" "二进制数据：第 2 行有 NUL 字节；计划文件应是文本" \
  "binary data: a NUL byte at line 2; a plan document is text"
# a .docx cut short: its zip directory, at the end, is gone
head -c 2000 "$SRC/tests/fixtures/plans/chuzhou-2020-table.docx" >"$T/broken.docx"
refused "a broken .docx" "$T/broken.docx" "不是可读的 .docx（zip 压缩包）：" "not a readable .docx (zip): "
# a zip archive that is no Word document
(cd "$T" && printf 'x' >note.txt && python3 -c 'import zipfile; zipfile.ZipFile("nodoc.docx", "w").write("note.txt")')
refused "a zip without a document" "$T/nodoc.docx" "zip 压缩包中没有 word/document.xml：不是 Word 文档" \
  "a zip archive without word/document.xml: not a Word document"
out=$("$BIN/duban" plan import --bogus 2>&1) && fail "an unknown option was taken"
[ "$out" = "duban plan import：未知选项 --bogus（见 --help）" ] || fail "unknown option: $out"
pass "a binary file, a broken .docx and an unknown option are refused in Chinese, in English under --lang en"

# The real plan's report: one line per doubt, numbered by the document's lines.
"$BIN/duban" plan import "$REAL_PLAN" >"$T/plan.json" 2>"$T/report-zh.txt" || fail "import of the real plan"
"$BIN/duban" --lang en plan import "$REAL_PLAN" >"$T/plan-en.json" 2>"$T/report-en.txt" ||
  fail "import of the real plan under --lang en"
cmp -s "$T/plan.json" "$T/plan-en.json" || fail "the plan itself depends on the language"
[ "$(wc -l <"$T/report-zh.txt")" = "$(wc -l <"$T/report-en.txt")" ] || fail "the reports differ in length"
has -x '第 360 行：general：措施 7.1 没有写单位：作为总体要求保留，不生成任务' "$T/report-zh.txt" ||
  fail "the Chinese report: $(head -n 3 "$T/report-zh.txt")"
has -x 'line 360: general: measure 7.1 names no units: kept as a general requirement, no tasks' "$T/report-en.txt" ||
  fail "the English report: $(head -n 3 "$T/report-en.txt")"
has '^第 [0-9]* 行：deadline：举措 [0-9.]* 没有写日期：不设期限（不凭空设定' "$T/report-zh.txt" ||
  fail "the undated actions are not reported in Chinese"
! grep -v '^第 [0-9]* 行：[a-z_]*：' "$T/report-zh.txt" | has . ||
  fail "a report line not in the Chinese form: $(grep -v '^第 [0-9]* 行：[a-z_]*：' "$T/report-zh.txt" | head -n 1)"
! grep -E '：[a-z_]+：.*\b(names|action|measure|the|read as)\b' "$T/report-zh.txt" | has . ||
  fail "English in the Chinese report: $(grep -E '：[a-z_]+：.*\b(names|action|measure|the|read as)\b' "$T/report-zh.txt" | head -n 1)"
"$BIN/duban" plan import "$REAL_PLAN" --report "$T/report.json" >/dev/null || fail "--report"
jq -e '[.[] | select(.kind == "general")][0].message == "措施 7.1 没有写单位：作为总体要求保留，不生成任务"' \
  "$T/report.json" >/dev/null || fail "the JSON report's message is not Chinese"
pass "the real plan's import report is Chinese ($(wc -l <"$T/report-zh.txt") lines), English under --lang en, the plan the same"

# Checkpoints the broker signed, kept by a department's agent, exported for
# an auditor; and a witness checked with a key that is not the broker's.
make_keys
start_broker --checkpoint-events 1
load_plan
start_agent LCJ
via LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
via LCJ progress demo-2023-1:1.1.1 --percent 20 --note "进展" >/dev/null || fail "progress"
WITNESS=$T/agent-LCJ/witness
HEAD=$(as auditor:audit ping --json | jq .head_seq)
for i in $(seq 1 300); do
  ls "$WITNESS" 2>/dev/null | has "^$(printf %020d "$HEAD")-" && break
  [ "$i" = 300 ] && fail "the agent kept no checkpoint of seq $HEAD"
  sleep 0.1
done
KEY=$T/keys/broker.sign
out=$("$BIN/duban" audit checkpoints --witness "$WITNESS" --key "$KEY" --export "$T/out-zh") || fail "export: $out"
[[ $out =~ ^已把\ [0-9]+\ 个检查点和\ [0-9]+\ 个副署导出到\ $T/out-zh$ ]] || fail "the export's line: $out"
out=$("$BIN/duban" --lang en audit checkpoints --witness "$WITNESS" --key "$KEY" --export "$T/out-en") ||
  fail "export under --lang en: $out"
[[ $out =~ ^exported\ [0-9]+\ checkpoints\ and\ [0-9]+\ cosignatures\ to\ $T/out-en$ ]] || fail "English export: $out"
"$BIN/duban" keygen --dir "$T/other-keys" >"$T/keygen.txt" || fail "keygen of another broker's key"
has "^已生成  broker  *$T/other-keys/broker.key$" "$T/keygen.txt" || fail "keygen's lines: $(cat "$T/keygen.txt")"
"$BIN/duban" keygen --dir "$T/other-keys" --lang en >"$T/keygen-en.txt" || fail "keygen again"
has "^kept     broker  *$T/other-keys/broker.key$" "$T/keygen-en.txt" || fail "keygen's English: $(cat "$T/keygen-en.txt")"
out=$(via LCJ outbox) || fail "outbox: $out"
[ "$out" = "发件箱是空的：没有待发送或被拒绝的命令" ] || fail "the empty outbox: $out"
"$BIN/duban" audit checkpoints --witness "$WITNESS" --key "$T/other-keys/broker.sign" >/dev/null 2>"$T/refused.txt" ||
  true
has "^duban: $WITNESS 中有 [0-9]* 个检查点的签名不成立，未采用$" "$T/refused.txt" ||
  fail "checkpoints of another key: $(cat "$T/refused.txt")"
"$BIN/duban" --lang en audit checkpoints --witness "$WITNESS" --key "$T/other-keys/broker.sign" >/dev/null \
  2>"$T/refused-en.txt" || true
has "^duban: [0-9]* checkpoints in $WITNESS were left out: their signature does not hold$" "$T/refused-en.txt" ||
  fail "checkpoints of another key, in English: $(cat "$T/refused-en.txt")"
pass "audit checkpoints exports and refuses in Chinese, in English under --lang en; keygen and outbox in Chinese"
stop_broker

# The agent's start-up refusals.
out=$("$BIN/duban-agent" --broker "$ENDPOINT" 2>&1) && fail "an agent started without its keys"
[[ $out == "duban-agent：必须给出 --server-key（作为选项或写在 --config 中）"* ]] || fail "the agent's refusal: $out"
out=$(DUBAN_LANG=en "$BIN/duban-agent" --broker "$ENDPOINT" 2>&1) && fail "an agent started without its keys"
[[ $out == "duban-agent: --server-key is required (as a flag or in --config)"* ]] || fail "in English: $out"
printf 'broker = %s\nspeed = 3\n' "$ENDPOINT" >"$T/agent.conf"
out=$("$BIN/duban-agent" --config "$T/agent.conf" 2>&1) && fail "an agent started with an unknown key"
echo "$out" | has "$T/agent.conf:2：未知的键 \`speed\`" || fail "the agent's config refusal: $out"
pass "the agent refuses a missing flag and an unknown config key in Chinese, in English with DUBAN_LANG=en"

# A log with a bit flipped in a view does not verify: said in Chinese.
"$BIN/duban" audit verify --data "$T/data" >"$T/good.txt" || fail "the undamaged log: $(cat "$T/good.txt")"
has '^通过：哈希链与全部视图无误$' "$T/good.txt" || fail "the undamaged log's verdict: $(cat "$T/good.txt")"
mkdir -p "$T/damaged" && cp "$T/data/data.mdb" "$T/damaged/"
"$BIN/view_flip" "$T/damaged" units LCJ >/dev/null || fail "view_flip"
"$BIN/duban" audit verify --data "$T/damaged" >"$T/bad.txt" 2>"$T/bad.err" && fail "the damaged log verifies"
has "^损坏：第 [0-9]* 号事件：视图 'units' 在键 'LCJ' 处与日志不符" "$T/bad.txt" || fail "verify's verdict: $(cat "$T/bad.txt")"
has "^duban: data_loss: $T/damaged 中的日志在第 [0-9]* 号事件处校验不通过：视图 'units' 在键 'LCJ' 处与日志不符" \
  "$T/bad.err" || fail "verify's error: $(cat "$T/bad.err")"
"$BIN/duban" audit verify --data "$T/damaged" --lang en >"$T/bad-en.txt" 2>"$T/bad-en.err" &&
  fail "the damaged log verifies under --lang en"
has "^CORRUPT at seq [0-9]*: view 'units' disagrees with the log at key 'LCJ'" "$T/bad-en.txt" ||
  fail "verify's English verdict: $(cat "$T/bad-en.txt")"
has "^duban: data_loss: the log in $T/damaged does not verify at seq [0-9]*: view 'units' disagrees" "$T/bad-en.err" ||
  fail "verify's English error: $(cat "$T/bad-en.err")"
pass "a damaged log is reported in Chinese, in English under --lang en"
