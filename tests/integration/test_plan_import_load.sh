# The real plan document, imported and loaded into a running broker in one
# command; then each of its 22 departments sees exactly its own tasks, and a
# unit can be named by its Chinese name, an alias or its code.
. "$(dirname "$0")/lib.sh"
DOC=$SRC/examples/plans/ordos-2023-58.txt
"$BIN/duban" plan import "$DOC" >"$T/plan.json" 2>"$T/report.json" || fail "import"
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19
out=$(as admin:admin plan import "$DOC" --load 2>"$T/load.log") || fail "import --load: $out $(cat "$T/load.log")"
echo "$out" | has '83 tasks' || fail "import --load did not load 83 tasks: $out"
pass "plan import --load puts the document's 83 actions into the running broker"

[ "$(jq '.units | length' "$T/plan.json")" = 22 ] || fail "expected 22 units"
total=0
for code in $(jq -r '.units[].code' "$T/plan.json"); do
  # The plan JSON names owners by canonical name; map the code to that name.
  name=$(jq -r --arg c "$code" '.units[] | select(.code == $c) | .name' "$T/plan.json")
  want=$(jq -c --arg c "$code" --arg n "$name" \
    '[.sections[].measures[].actions[] | select(.unit == $c or .unit == $n) | .id] | sort' "$T/plan.json")
  # It also sees, marked lead or cooperating, its measures' other tasks (domain/lead.h).
  got=$(as "unit:$code" tasks --json | jq -c '[.tasks[] | select(.seen_as == "own") | .id] | sort')
  [ "$got" = "$want" ] || fail "unit $code ($name) sees $got, owns $want"
  [ "$got" != "[]" ] || fail "unit $code has no task"
  total=$((total + $(echo "$got" | jq length)))
done
[ "$total" = 83 ] || fail "the 22 units see $total tasks together, not 83"
pass "each of the 22 units sees exactly its own tasks (83 in all)"

# The alias the document uses once (市交通和运输局) and the canonical name both
# name JTJ wherever a command takes a unit.
jtj=$(as coordinator:office tasks --unit JTJ --json | jq -c '[.tasks[].id]')
[ "$(as coordinator:office tasks --unit 市交通运输局 --json | jq -c '[.tasks[].id]')" = "$jtj" ] || fail "canonical name"
[ "$(as coordinator:office tasks --unit 市交通和运输局 --json | jq -c '[.tasks[].id]')" = "$jtj" ] || fail "alias"
task=$(echo "$jtj" | jq -r '.[0]')
as coordinator:office reassign "$task" --unit 市林业和草原局 --reason '职责调整' >/dev/null || fail "reassign by name"
[ "$(as auditor:audit task "$task" --json | jq -r '.unit')" = LCJ ] || fail "reassign by name did not store the code"
expect_code not_found as coordinator:office tasks --unit 市不存在局
pass "a unit is accepted by its Chinese name, its alias or its code"

# No due date is invented: an action that names none is loaded with none,
# unless --horizon gives one, and then it is marked inherited.
undated=$(jq -r '[.sections[].measures[].actions[] | select((.milestones // []) | length == 0) | .id][0]' "$T/plan.json")
[ -n "$undated" ] && [ "$undated" != null ] || fail "the seed has undated actions, none found in the JSON"
[ "$(as auditor:audit task "$undated" --json | jq '.milestones // [] | length')" = 0 ] ||
  fail "$undated names no date but was loaded with one"
out=$(as admin:admin plan import "$DOC" --load --id ordos-h --horizon 2025-12-31 2>"$T/load-h.log") ||
  fail "import --load --horizon: $out $(cat "$T/load-h.log")"
inherited="ordos-h:${undated#*:}"
[ "$(as auditor:audit task "$inherited" --json | jq -c '[.milestones[] | {due, inherited}]')" = \
  '[{"due":"2025-12-31","inherited":true}]' ] || fail "--horizon with --load: $(as auditor:audit task "$inherited" --json)"
pass "an undated action gets no due date, or with --horizon the horizon marked inherited"
