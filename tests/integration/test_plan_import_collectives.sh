# Collectives expanded through the admin's units file (docs/plan-format.md,
# "The units file"): `plan import FILE --units UNITS.json` puts a
# collective's registered units wherever the document names it, one task
# for each when it owns an action; the report names each expansion; a
# collective without members stays one unit and is reported; the expanded
# plan loads and each member unit sees its own task.
. "$(dirname "$0")/lib.sh"
FIX=$SRC/tests/fixtures/plans

# 滁州 (a real document): 协同责任单位 各县、市、区政府, expanded into the
# eight county-level governments; 14 units become 13 - 1 + 8 = 21.
"$BIN/duban" plan import "$FIX/chuzhou-2020.txt" --units "$FIX/chuzhou-units.json" >"$T/chuzhou.json" \
  2>"$T/chuzhou.report" || fail "chuzhou: import --units exits $?"
[ "$(jq '.units | length' "$T/chuzhou.json")" = 21 ] || fail "chuzhou: $(jq '.units | length' "$T/chuzhou.json") units, expected 21"
! jq -r '.units[].name' "$T/chuzhou.json" | has -x '各县、市、区政府' || fail "chuzhou: the expanded collective is still a unit"
[ "$(jq -c '[.sections[].measures[].cooperating[] | select(endswith("人民政府"))] | unique | length' "$T/chuzhou.json")" = 8 ] ||
  fail "chuzhou: the eight governments are not among the cooperating units"
[ "$(jq -r '.units[] | select(.name == "天长市人民政府") | .code' "$T/chuzhou.json")" = TCS ] || fail "chuzhou: member code"
has '集体单位 各县、市、区政府 按单位文件展开为 8 个单位：琅琊区人民政府、南谯区人民政府' "$T/chuzhou.report" ||
  fail "chuzhou: the expansion is not reported"
[ "$(jq '[.sections[].measures[].actions[]] | length' "$T/chuzhou.json")" = 3 ] || fail "chuzhou: tasks changed"
pass "chuzhou: 各县、市、区政府 expanded into 8 registered governments, reported"

# A collective that owns an action: one task per member, the others under
# the measure's next numbers, the date copied; 各相关街镇 (not in the file)
# stays one unit and is reported.
DOC=$FIX/collectives.txt
UNITS=$FIX/collectives-units.json
"$BIN/duban" plan import "$DOC" --units "$UNITS" --id coll >"$T/plan.json" 2>"$T/report.txt" || fail "import --units"
[ "$(jq -c '[.sections[0].measures[0].actions[] | [.id, .unit, .milestones[0].due]]' "$T/plan.json")" = \
  '[["coll:1.1.1","东城区人民政府","2024-12-31"],["coll:1.1.3","西城区人民政府","2024-12-31"],["coll:1.1.4","南山县级市人民政府","2024-12-31"],["coll:1.1.2","市住建局","2024-06-30"]]' ] ||
  fail "owner split: $(jq -c '[.sections[0].measures[0].actions[] | [.id, .unit]]' "$T/plan.json")"
has '任务 1.1.1 由集体单位 各区、县级市 承担：按单位文件拆成 3 项任务，每个单位一项：1.1.1 东城区人民政府、1.1.3 西城区人民政府、1.1.4 南山县级市人民政府' \
  "$T/report.txt" || fail "the owner split is not reported"
has '各相关街镇 is a collective .*give it "members"' "$T/report.txt" || fail "the unexpanded collective is not reported"
has '单位 5 个（其中集体单位 1 个），按单位文件展开集体单位 1 个$' "$T/report.txt" || fail "the summary does not count the expansion"
jq -r '.units[].name' "$T/plan.json" | has -x 各相关街镇 || fail "the unexpanded collective is not a unit"
pass "an owning collective becomes one task per member; one without members stays one unit, reported"

# --explain finds a further member's task (numbered after the measure's
# actions) in the line of the action it was split from.
"$BIN/duban" plan import --explain coll:1.1.3 "$DOC" --units "$UNITS" --id coll >"$T/explain.txt" 2>&1 ||
  fail "--explain coll:1.1.3: $(cat "$T/explain.txt")"
has '第5行：1.完成老旧小区改造100个' "$T/explain.txt" || fail "--explain coll:1.1.3: $(cat "$T/explain.txt")"

# Without the units file the collective is one unit, as before.
"$BIN/duban" plan import "$DOC" --id coll >"$T/plain.json" 2>/dev/null || fail "import without --units"
[ "$(jq -c '[.sections[0].measures[0].actions[] | .unit]' "$T/plain.json")" = '["各区、县级市","市住建局"]' ] ||
  fail "without --units: $(jq -c '[.sections[0].measures[0].actions[] | .unit]' "$T/plain.json")"

# A member that is no unit of the file refuses the file, with a message.
echo '[{"name": "各区、县级市", "members": ["北区"]}]' >"$T/bad.json"
code=0
"$BIN/duban" plan import "$DOC" --units "$T/bad.json" >/dev/null 2>"$T/bad.txt" || code=$?
[ "$code" != 0 ] || fail "a bad member was accepted"
has '北区 is not a unit of the file' "$T/bad.txt" || fail "no message for the bad member: $(cat "$T/bad.txt")"
pass "without --units the collective stays one unit; a bad member refuses the file"

# The expanded plan loads; each member unit sees its own task.
make_keys "$T/plan.json"
start_broker --virtual-clock 2024-02-02
out=$(as admin:admin plan import "$DOC" --units "$UNITS" --id coll --load 2>"$T/load.log") ||
  fail "import --units --load: $out $(cat "$T/load.log")"
echo "$out" | has '6 tasks' || fail "expected 6 tasks loaded: $out"
for code in DCQ XCQ NSS; do
  got=$(as "unit:$code" tasks --json | jq -c '[.tasks[] | select(.seen_as == "own") | .id]')
  [ "$(echo "$got" | jq length)" = 1 ] || fail "unit $code owns $got"
done
pass "the expanded plan loads: each of the three members owns its task"
