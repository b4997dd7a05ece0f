# `duban watch` as a person reads it, with no language asked for: each
# line names its event kind in Chinese (domain/event_kind.h: 认领任务,
# 填报进度, 改派 where the log says claimed, progress, reassigned), who acted
# and the unit a task was handed to by the plan's names (市交通运输局, not
# JTJ), and its option errors are Chinese. With DUBAN_LANG=en the lines keep
# the machine codes, as before.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
# The person's default: neither DUBAN_LANG nor an English locale.
zh() { (unset DUBAN_LANG LANGUAGE LC_MESSAGES; export LC_ALL=C LANG=C; "$@"); }
# A watch started before any plan learns the units' names from the load.
zh as coordinator:office watch --count 4 --timeout-idle 15000 >"$T/live.out" 2>"$T/live.err" &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.5
load_plan                                                                       # seq 1
as unit:ZRJ claim demo-2023-1:1.1.2 >/dev/null                                  # seq 2
as unit:ZRJ progress demo-2023-1:1.1.2 --percent 30 >/dev/null                  # seq 3
as coordinator:office reassign demo-2023-1:1.1.2 --unit JTJ --reason "职责调整" >/dev/null  # seq 4

zh as coordinator:office watch --after 0 --count 4 --timeout-idle 10000 >"$T/zh.out" 2>"$T/zh.err" \
  || fail "watch in Chinese: $(cat "$T/zh.out" "$T/zh.err")"
cat "$T/zh.out"
line() { grep -E "^ +$1 " "$T/zh.out" || fail "no line for seq $1: $(cat "$T/zh.out")"; }
line 1 | has "导入计划" || fail "the plan's load: $(line 1)"
line 2 | has "认领任务" || fail "the claim's kind: $(line 2)"
line 2 | has "市自然资源局" || fail "the claim names its unit: $(line 2)"
line 3 | has "填报进度" || fail "the progress kind: $(line 3)"
line 4 | has "改派" || fail "the reassignment's kind: $(line 4)"
line 4 | has "改派给 市交通运输局" || fail "the unit handed the task, by name: $(line 4)"
grep -qE '\b(plan_loaded|claimed|progress|reassigned)\b' "$T/zh.out" && fail "a kind's code shown: $(cat "$T/zh.out")"
grep -qE '(^|[^A-Za-z])(JTJ|ZRJ)([^A-Za-z]|$)|unit:' "$T/zh.out" && fail "a unit's code shown: $(cat "$T/zh.out")"
pass "watch names each kind in Chinese and each unit by the plan's name"

wait "$WATCH_PID" || fail "the live watch: $(cat "$T/live.out" "$T/live.err")"
grep -E '^ +4 ' "$T/live.out" | has "改派给 市交通运输局" || fail "the live watch's names: $(cat "$T/live.out")"
grep -E '^ +2 ' "$T/live.out" | has "市自然资源局  *认领任务" || fail "the live watch's claim: $(cat "$T/live.out")"
pass "a watch started before the plan was loaded names the units from the load on"

# A department's own watch reads the same way.
zh as unit:ZRJ watch --after 0 --count 2 --timeout-idle 10000 >"$T/unit.out" 2>"$T/unit.err" \
  || fail "ZRJ's watch: $(cat "$T/unit.out" "$T/unit.err")"
grep -E '^ +3 ' "$T/unit.out" | has "市自然资源局  *填报进度" || fail "ZRJ's watch: $(cat "$T/unit.out")"
pass "a department's watch names the kinds and itself in Chinese"

as coordinator:office watch --after 0 --count 4 --timeout-idle 10000 >"$T/en.out" 2>/dev/null || fail "watch in English"
grep -E '^ +3 ' "$T/en.out" | has -w progress || fail "English lost the code: $(cat "$T/en.out")"
grep -E '^ +4 ' "$T/en.out" | has "unit:ZRJ\|coordinator:office" || fail "English actor changed: $(cat "$T/en.out")"
has "填报进度" "$T/en.out" && fail "English shows the Chinese kind: $(cat "$T/en.out")"
# English watch lines are audit replay's lines, as they have always been.
"$BIN/duban" audit replay --data "$T/data" 2>/dev/null | grep -E '^ +[0-9]+ ' >"$T/replay.out" || fail "audit replay"
grep -E '^ +[0-9]+ ' "$T/en.out" | diff - "$T/replay.out" >"$T/diff" || fail "English watch differs from replay: $(cat "$T/diff")"
pass "with DUBAN_LANG=en the lines keep the codes, byte for byte those of audit replay"

# audit replay prints the same Chinese lines, naming the units even when it
# starts after the plan's load (the names come from the log's views).
zh "$BIN/duban" audit replay --data "$T/data" --after 2 >"$T/replay-zh.out" 2>&1 || fail "audit replay in Chinese: $(cat "$T/replay-zh.out")"
grep -E '^ +3 ' "$T/replay-zh.out" | has "市自然资源局  *填报进度" || fail "replay's progress line: $(cat "$T/replay-zh.out")"
grep -E '^ +4 ' "$T/replay-zh.out" | has "改派给 市交通运输局" || fail "replay's reassignment: $(cat "$T/replay-zh.out")"
pass "audit replay names kinds and units in Chinese, from --after on too"

for bad in "--after x" "--count 0" "--timeout-idle x" "--keepalive 5"; do
  # shellcheck disable=SC2086
  rc=0; zh as coordinator:office watch $bad >/dev/null 2>"$T/bad.err" || rc=$?
  [ "$rc" = 2 ] || fail "watch $bad exited $rc: $(cat "$T/bad.err")"
  has "应为" "$T/bad.err" || fail "watch $bad not in Chinese: $(cat "$T/bad.err")"
  has "wants" "$T/bad.err" && fail "watch $bad left English: $(cat "$T/bad.err")"
  rc=0; as coordinator:office watch $bad >/dev/null 2>"$T/bad.err" || rc=$?
  has "wants" "$T/bad.err" || fail "watch $bad in English: $(cat "$T/bad.err")"
done
pass "watch's option errors are Chinese by default, English under DUBAN_LANG=en"
