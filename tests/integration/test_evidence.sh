# Evidence (佐证材料) end to end on the real plan, with a real broker and a
# department's agent: files attached to a progress report, a milestone-met
# report and a submission go through the agent, are listed with their event
# and fetched back byte for byte by the department, a coordinator and an
# auditor; another unit gets nothing; a file over 1 MiB and a sixth file are
# refused with the limit named; replay names the files; the board's task
# page lists and serves them; and a file changed
# or removed behind duban's back is named by `audit verify` at its event.
. "$(dirname "$0")/lib.sh"
DOC=$SRC/examples/plans/ordos-2023-58.txt
"$BIN/duban" plan import "$DOC" >"$T/plan.json" 2>"$T/report.json" || fail "import"
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19
as admin:admin plan load "$T/plan.json" >/dev/null || fail "plan load"
start_agent NYJ

mkdir -p "$T/files"
{ printf '%%PDF-1.4\n'; head -c 300000 /dev/urandom; } >"$T/files/批复文件.pdf"
head -c 200000 /dev/urandom >"$T/files/现场照片.jpg"
printf '节点一验收记录\n' >"$T/files/验收记录.txt"
b2() { b2sum -l 256 "$1" | cut -d' ' -f1; }

via NYJ claim 2.1.1 >/dev/null || fail "claim"
out=$(via NYJ progress 2.1.1 --percent 30 --figure '1=3300万千瓦' \
  --evidence "$T/files/批复文件.pdf" --evidence "$T/files/现场照片.jpg" --json) || fail "progress with evidence: $out"
progress_seq=$(echo "$out" | jq .seq)
via NYJ milestone met 2.1.1 1 --note '一期批复完成' --evidence "$T/files/验收记录.txt" >/dev/null || fail "milestone met"
via NYJ evidence list 2.1.1 --json >"$T/list.json" || fail "evidence list"
[ "$(jq '.evidence | length' "$T/list.json")" = 3 ] || fail "three files expected: $(cat "$T/list.json")"
jq -e --argjson s "$progress_seq" '.evidence[0] | .seq == $s and .kind == "progress" and .name == "批复文件.pdf"
  and .media_type == "application/pdf" and .size == 300009' "$T/list.json" >/dev/null || fail "the pdf's entry: $(cat "$T/list.json")"
jq -e '.evidence[2] | .kind == "milestone_reported" and .media_type == "text/plain"' "$T/list.json" >/dev/null ||
  fail "the milestone's file: $(cat "$T/list.json")"
pdf=$(jq -r '.evidence[0].hash' "$T/list.json")
jpg=$(jq -r '.evidence[1].hash' "$T/list.json")
[ "$pdf" = "$(b2 "$T/files/批复文件.pdf")" ] || fail "the listed hash is not the file's BLAKE2b-256"
via NYJ evidence get "$pdf" -o "$T/got.pdf" 2>/dev/null || fail "get through the agent"
cmp -s "$T/got.pdf" "$T/files/批复文件.pdf" || fail "the pdf came back changed"
as coordinator:office evidence get "$jpg" -o "$T/got.jpg" 2>/dev/null || fail "get as coordinator"
cmp -s "$T/got.jpg" "$T/files/现场照片.jpg" || fail "the jpg came back changed"
[ "$(as auditor:audit evidence list 2.1.1 --json | jq '.evidence | length')" = 3 ] || fail "the auditor's list"
(cd "$T" && as auditor:audit evidence get "$pdf" 2>/dev/null) || fail "get as auditor, to the file's own name"
cmp -s "$T/批复文件.pdf" "$T/files/批复文件.pdf" || fail "the auditor's copy under its own name"
pass "files attached to a progress and a milestone report, listed and fetched back by unit, coordinator and auditor"

# 市文化和旅游局 has no part in measure 2.1 (KJJ cooperates on it, and reads it).
expect_code not_found as unit:WLJ evidence get "$pdf"
expect_code permission_denied as unit:WLJ evidence list 2.1.1
as unit:KJJ evidence get "$pdf" -o "$T/kjj.pdf" >/dev/null 2>&1 || fail "the cooperating unit cannot fetch the measure's evidence"
pass "another unit can neither list nor fetch them"

head -c $((1024 * 1024 + 1)) /dev/urandom >"$T/files/太大.pdf"
out=$(via NYJ progress 2.1.1 --percent 40 --evidence "$T/files/太大.pdf" 2>&1) && fail "a file over 1 MiB went in"
echo "$out" | has '超过每个文件 1048576 字节（1 MiB）的上限' || fail "the size refusal does not name the limit: $out"
args=()
for i in 1 2 3 4 5 6; do
  printf '第%s页\n' "$i" >"$T/files/page$i.txt"
  args+=(--evidence "$T/files/page$i.txt")
done
out=$(via NYJ progress 2.1.1 --percent 40 "${args[@]}" 2>&1) && fail "six files went in"
echo "$out" | has '一次报送最多附 5 个佐证材料，本次附了 6 个' || fail "the count refusal does not name the limit: $out"
printf 'MZ' >"$T/files/tool.exe"
out=$(via NYJ progress 2.1.1 --percent 40 --evidence "$T/files/tool.exe" 2>&1) && fail "an executable went in"
echo "$out" | has '不在允许之列' || fail "the type refusal: $out"
[ "$(via NYJ evidence list 2.1.1 --json | jq '.evidence | length')" = 3 ] || fail "a refused report left files"
pass "a file over 1 MiB, a sixth file and a program are refused with the limit named"

# Near the limits, through the agent: three files of a million bytes each (3 MB of the 3 MiB a report may carry).
for i in 1 2 3; do head -c 1000000 /dev/urandom >"$T/files/扫描件$i.pdf"; done
via NYJ claim 2.3.1 >/dev/null || fail "claim 2.3.1"
via NYJ progress 2.3.1 --percent 10 --evidence "$T/files/扫描件1.pdf" --evidence "$T/files/扫描件2.pdf" \
  --evidence "$T/files/扫描件3.pdf" >/dev/null || fail "three files of 1 MB through the agent"
big=$(via NYJ evidence list 2.3.1 --json | jq -r '.evidence[2].hash')
via NYJ evidence get "$big" -o "$T/got3.pdf" 2>/dev/null && cmp -s "$T/got3.pdf" "$T/files/扫描件3.pdf" ||
  fail "the third 1 MB file did not come back"
pass "a report of three 1 MB files goes through the agent and comes back"

out=$(via NYJ submit 2.1.1 --note '全部完成' --evidence "$T/files/page1.txt" --json) || fail "submit with evidence: $out"
submit_seq=$(echo "$out" | jq .seq)
[ "$(as coordinator:office evidence list 2.1.1 --json | jq -r '.evidence[3].kind')" = submitted ] ||
  fail "the submission's file is not listed"
"$BIN/duban" audit replay --data "$T/data" >"$T/replay.txt" || fail "replay"
grep -E "^ *$progress_seq .*佐证材料：批复文件.pdf、现场照片.jpg" "$T/replay.txt" >/dev/null ||
  fail "replay does not name the progress report's files: $(grep " $progress_seq " "$T/replay.txt")"
grep -E "^ *$submit_seq .*佐证材料：page1.txt" "$T/replay.txt" >/dev/null || fail "replay does not name the submission's file"
"$BIN/duban" audit verify --data "$T/data" | has '^OK' || fail "the log with its files does not verify"
pass "a submission's file; replay names each report's files; verify checks them"

# The board's task page lists the files from its mirror and serves each from the broker.
. "$SRC/tests/browser/lib_console.sh"
make_user 王协调 coordinator "" 'board-password-1'
start_console
login 王协调 'board-password-1'
wait_mirror "$submit_seq"
curl -s -b "$JAR" "$CONSOLE_URL/api/task?id=ordos-2023-58:2.1.1" >"$T/board-task.json"
jq -e --arg h "$pdf" '.evidence | length == 4 and .[0].name == "批复文件.pdf" and .[0].hash == $h
  and .[3].kind == "submitted"' "$T/board-task.json" >/dev/null || fail "the board's task page: $(jq -c .evidence "$T/board-task.json")"
curl -s -b "$JAR" -o "$T/board.jpg" "$CONSOLE_URL$(jq -r '.evidence[1].url' "$T/board-task.json")"
cmp -s "$T/board.jpg" "$T/files/现场照片.jpg" || fail "the board's download differs"
pass "the board's task page lists each report's files and downloads them"

# A hot backup carries the files: it verifies, every file checked against its event.
"$BIN/duban" admin backup --data "$T/data" --to "$T/backup" >/dev/null 2>&1 || fail "backup"
"$BIN/duban" audit verify --data "$T/backup" | has '^OK' || fail "the backup's files do not verify"
"$BIN/evidence_tamper" "$T/backup" "$pdf" --delete || fail "delete from the backup"
"$BIN/duban" audit verify --data "$T/backup" >/dev/null 2>&1 && fail "a backup without one of its files verified"
pass "a hot backup holds the files and verifies them"

stop_broker
"$BIN/evidence_tamper" "$T/data" "$jpg" || fail "tamper"
out=$("$BIN/duban" audit verify --data "$T/data" 2>&1) && fail "a changed file verified: $out"
echo "$out" | has "CORRUPT at seq $progress_seq: 事件 $progress_seq 的佐证材料 现场照片.jpg（$jpg）已被改动" ||
  fail "verify does not name the progress event and its file: $out"
"$BIN/evidence_tamper" "$T/data" "$jpg" --delete || fail "delete"
out=$("$BIN/duban" audit verify --data "$T/data" --json 2>/dev/null) && fail "a missing file verified"
echo "$out" | jq -e --argjson s "$progress_seq" '.ok == false and .first_bad_seq == $s and (.problem | test("缺失"))' \
  >/dev/null || fail "verify does not name the event whose file is missing: $out"
pass "a changed and a removed file are named by audit verify at the event that attached them"
