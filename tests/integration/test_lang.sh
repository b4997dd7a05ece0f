# Chinese is what a person reads unless they ask for English: with no
# language chosen (and with LANG=C or zh_CN) the CLI answers, refuses and
# lists in Chinese, the broker's refusal included (with its code kept for
# scripts); LANG=en_US.UTF-8, DUBAN_LANG=en or --lang en give English;
# --lang wins over the locale either way; an unknown --lang is refused.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
unset DUBAN_LANG LC_ALL LC_MESSAGES LANG

out=$(as unit:LCJ claim 1.1.1) || fail "claim: $out"
[[ $out == "完成：已签收 1.1.1（事件 "* ]] || fail "the claim's answer is not Chinese: $out"
out=$(LANG=C as unit:LCJ progress 1.1.1 --percent 10) || fail "progress: $out"
[[ $out == "完成：已填报 1.1.1：进度 10%，指标 0 个（事件 "* ]] || fail "LANG=C is not Chinese: $out"
pass "by default, and with LANG=C, a write is answered in Chinese"

out=$(as unit:LCJ progress 1.1.1 --percent 20 --figure '造林面积=5万亩' 2>&1) && fail "a figure of no target was accepted"
[[ $out == "duban：“造林面积”不是本任务的目标（任务 demo-2023-1:1.1.1 的目标：1. 治沙面积 1000万亩）（invalid_argument）" ]] ||
  fail "the broker's refusal is not in Chinese with its code: $out"
out=$(as unit:LCJ progress 1.1.1 --percent 300 2>&1) && fail "300% was accepted"
echo "$out" | has -F "duban progress：--percent 要 0..100 的整数，而不是 '300'" || fail "a usage error is not Chinese: $out"
echo "$out" | has -F "用法见 'duban progress --help'" || fail "the usage hint is not Chinese: $out"
pass "a broker refusal and a usage error are Chinese, the code kept"

out=$(as unit:LCJ task 1.1.1) || fail "task: $out"
echo "$out" | has '^状态 *推进中, 20%\|^状态 *推进中, 10%' || fail "the task view is not Chinese: $out"
out=$(as unit:LCJ tasks) || fail "tasks: $out"
echo "$out" | has '推进中' || fail "the task list's states are not Chinese: $out"
echo "$out" | has '市林业和草原局' || fail "the task list does not name the unit as the plan does: $out"
echo "$out" | has -w 'LCJ' && fail "the task list shows the unit's code: $out"
pass "the task view and the task list speak Chinese, the unit by the plan's name"

out=$(LANG=en_US.UTF-8 as unit:LCJ progress 1.1.1 --percent 30) || fail "progress: $out"
[[ $out == "ok: 1.1.1 at 30%, 0 figures (seq "* ]] || fail "LANG=en_US.UTF-8 is not English: $out"
out=$(DUBAN_LANG=en as unit:LCJ progress 1.1.1 --percent 31) || fail "progress: $out"
[[ $out == "ok: 1.1.1 at 31%, 0 figures (seq "* ]] || fail "DUBAN_LANG=en is not English: $out"
out=$(as unit:LCJ progress 1.1.1 --percent 32 --lang en) || fail "progress: $out"
[[ $out == "ok: 1.1.1 at 32%, 0 figures (seq "* ]] || fail "--lang en is not English: $out"
out=$("$BIN/duban" --lang=en tasks --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:LCJ)") ||
  fail "tasks: $out"
echo "$out" | has 'in_progress' || fail "--lang=en before the command is not English: $out"
echo "$out" | has -w 'LCJ' || fail "English lost the unit's code: $out"
out=$(LANG=en_US.UTF-8 as unit:LCJ progress 1.1.1 --percent 33 --lang zh) || fail "progress: $out"
[[ $out == "完成："* ]] || fail "--lang zh does not win over LANG=en_US.UTF-8: $out"
out=$(LANG=en_US.UTF-8 as unit:LCJ progress 1.1.1 --percent 20 --figure '造林面积=5万亩' 2>&1) && fail "accepted"
[[ $out == "duban: invalid_argument: '造林面积' is not a target of this task; "* ]] || fail "the English refusal: $out"
pass "English through LANG, DUBAN_LANG or --lang (before or after the command); --lang zh wins over the locale"

out=$(as unit:LCJ tasks --lang fr 2>&1) && fail "--lang fr was accepted"
echo "$out" | has -F "不支持的语言 'fr'" || fail "--lang fr is not explained: $out"
status=0
as unit:LCJ tasks --lang fr >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "--lang fr exits $status, not 2"
out=$(as unit:LCJ progress 1.1.1 --note '--lang en' --percent 34) || fail "a note of '--lang en': $out"
[[ $out == "完成："* ]] || fail "a note's text was taken for the option: $out"
pass "an unknown language is a usage error (exit 2)"
