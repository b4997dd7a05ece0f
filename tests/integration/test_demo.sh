# The main job runs to its end on the programs under test: scripts/demo.sh
# on the real plan exits 0 (it once died of SIGPIPE at the escalation list
# and nothing checked it) and shows what it promises: figures against
# targets, a confirmed milestone that keeps its task out of overdue while an
# unreported one is overdue, a department's inbox, the ranking and a
# verified chain.
. "$(dirname "$0")/lib.sh"
# As a person runs it: no language chosen, so Chinese.
env -u DUBAN_LANG -u LANG -u LC_ALL -u LC_MESSAGES TMPDIR=$T DUBAN_BIN=$BIN bash "$SRC/scripts/demo.sh" >"$T/demo.out" 2>"$T/demo.log" || fail "demo.sh exited $?: $(tail -n 20 "$T/demo.out")"
expect() { grep -qF -- "$1" "$T/demo.out" || fail "the demo's output lacks '$1'"; }
expect "3300万千瓦 / 5500万千瓦"
expect "ordos-2023-58:2.1.1: 未逾期；已确认节点 2023-12-31"
expect "ordos-2023-58:2.3.1: 逾期；已确认节点 无"
expect "催办       ordos-2023-58:1.6.2  coordinator:office  请加快推进，本周五前报送进展"
expect "排名  单位"
expect "完成：已确认 2.1.1 的节点 1 完成"
expect "通过：哈希链与全部视图无误"
pass "the demo runs to the verified chain and shows figures, a confirmed milestone, an inbox and the ranking"
