# duban plan diff OLD NEW: a revision of the seed document made here (one
# task added in measure 3.4 so that the two after it are renumbered, one
# removed from 2.5, an owner changed in 1.7, a target raised in 3.4.1, a
# deadline moved in 1.4.1) gives exactly those changes, in Chinese and as
# duban-plan-diff/1 JSON whose ids are the loaded plan's; the plan JSON as
# imported compares equal to its document; exit 0 without a difference,
# 1 with, 2 for a version that cannot be read.
. "$(dirname "$0")/lib.sh"
SEED=$SRC/examples/plans/ordos-2023-58.txt
awk 'NR == 82 { sub(/（市生态环境局）$/, "（市水利局）") }
     NR == 123 { next }
     NR == 52 { gsub(/2023年，/, "2024年，") }
     NR == 153 { sub(/新建5000个公共充电桩/, "新建6000个公共充电桩") }
     NR == 155 { print "2.建设一批公交换电站，2024年底前完成。（市能源局）"; print ""; sub(/^2\./, "3.") }
     NR == 157 { sub(/^3\./, "4.") }
     { print }' "$SEED" >"$T/revised.txt"
"$BIN/duban" plan import "$SEED" >"$T/old.json" 2>/dev/null || fail "import the seed"

set +e
"$BIN/duban" plan diff "$T/old.json" "$SEED" >"$T/same.txt"; same=$?
"$BIN/duban" plan diff "$T/old.json" "$T/revised.txt" >"$T/diff.txt"; rc=$?
"$BIN/duban" plan diff "$T/old.json" "$T/revised.txt" --json >"$T/diff.json"; rc_json=$?
"$BIN/duban" plan diff "$T/old.json" "$T/missing.txt" >/dev/null 2>"$T/missing.err"; missing=$?
set -e
[ "$same" = 0 ] || fail "the plan JSON and its document differ: $(cat "$T/same.txt")"
grep -q '^新增任务 0 项$' "$T/same.txt" && grep -q '^未变 83 项$' "$T/same.txt" || fail "no-change output: $(cat "$T/same.txt")"
[ "$rc" = 1 ] && [ "$rc_json" = 1 ] || fail "differences exit $rc/$rc_json"
[ "$missing" = 2 ] || fail "an unreadable version exits $missing"
pass "plan JSON = its document (exit 0, 83 unchanged); differences exit 1; unreadable exit 2"


grep -q '^新增任务 1 项：$' "$T/diff.txt" || fail "added count"
grep -q '^  + 3\.4\.2（ordos-2023-58:3\.4\.4）〔市能源局〕「建设一批公交换电站，2024年底前完成。」 完成时限：2024-12-31$' "$T/diff.txt" ||
  fail "the added task"
grep -q '^删除任务 1 项：$' "$T/diff.txt" && grep -q "^  - 2\.5\.2（ordos-2023-58:2\.5\.2）〔鄂尔多斯供电公司〕「通过进一步加强" "$T/diff.txt" ||
  fail "the removed task"
grep -q '^修改任务 5 项：$' "$T/diff.txt" || fail "changed count"
grep -q '^  ~ 1\.7\.3 责任单位：市生态环境局 → 市水利局$' "$T/diff.txt" || fail "owner change"
grep -q '^  ~ 3\.4\.1 目标：公共充电桩5000个 → 公共充电桩6000个$' "$T/diff.txt" || fail "target change"
grep -q '^  ~ 1\.4\.1 完成时限：2023-12-31 → 2024-12-31$' "$T/diff.txt" || fail "date change"
grep -q '^  = 3\.4\.2 → 3\.4\.3（内容未变，任务编号 ordos-2023-58:3\.4\.2 不变）$' "$T/diff.txt" || fail "renumbered"
grep -q '^未变 77 项$' "$T/diff.txt" || fail "unchanged count"
pass "revision: 1 added, 1 removed, 5 changed (owner, target, date, 2 renumbered), 77 unchanged"

j() { jq -r "$1" "$T/diff.json"; }
[ "$(j .format)" = duban-plan-diff/1 ] && [ "$(j .plan)" = ordos-2023-58 ] || fail "diff header"
[ "$(j '[.changes[].op] | group_by(.) | map("\(.[0])=\(length)") | join(" ")')" = \
  "add_task=1 amend_task=3 cancel_task=1 redate_task=1 renumber_task=2" ] || fail "ops: $(j '[.changes[].op]')"
[ "$(j '.changes[] | select(.op == "add_task") | .action.id')" = "ordos-2023-58:3.4.4" ] || fail "added id"
[ "$(j '.changes[] | select(.op == "redate_task") | .milestones[0].due')" = 2024-12-31 ] || fail "redate"
[ "$(j '[.changes[] | select(.reason != "计划修订：鄂府发〔2023〕58号")] | length')" = 0 ] || fail "reasons"
[ "$(j '.changes[] | select(.op == "amend_task" and .task == "ordos-2023-58:1.7.3") | .fields.unit.new')" = 市水利局 ] ||
  fail "amend unit"
pass "--json: duban-plan-diff/1 with add/cancel/amend/redate/renumber, the loaded plan's ids, a reason each"

# the same through plan import: a revised document against the plan as loaded
set +e
"$BIN/duban" plan import "$T/revised.txt" --against "$T/old.json" --json >"$T/against.json"; rc=$?
set -e
[ "$rc" = 1 ] || fail "plan import --against exits $rc"
[ "$(jq -c .summary "$T/against.json")" = "$(jq -c .summary "$T/diff.json")" ] || fail "--against differs from plan diff"
pass "plan import REVISED --against LOADED.json --json = plan diff LOADED.json REVISED --json"
