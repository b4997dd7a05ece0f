# One bad request never fails its neighbours, seen from the command line: a
# plan whose task id is past LMDB's 511-byte key limit, given at the same
# moment as a unit's valid progress report, is refused with a message that
# says what is wrong, and the report is recorded every time. (The CLI
# refuses such a plan before sending it; the same plan sent raw to the
# broker, batched with the report, is tests/unit/test_harden_broker.c.)
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"

long=$(printf 'x%.0s' $(seq 1 600))
rounds=20
for i in $(seq 1 $rounds); do
  # A new plan each round (a reloaded plan id is refused for another reason),
  # whose first action's id is 607 bytes or more.
  jq --arg id "huge-$i" --arg long "$long" \
    '.id = $id | .sections[0].measures[0].actions[0].id = ($id + ":" + $long)' "$PLAN_JSON" >"$T/huge.json"
  as admin:admin plan load "$T/huge.json" >"$T/plan-$i.out" 2>&1 &
  plan_pid=$!
  as unit:LCJ progress demo-2023-1:1.1.1 --percent "$i" --note "第${i}次" >"$T/report-$i.out" 2>&1 \
    || fail "round $i: the valid report was refused: $(cat "$T/report-$i.out")"
  if wait "$plan_pid"; then fail "round $i: the plan with a 607-byte task id was accepted"; fi
  grep -Eq 'invalid_argument|resource_exhausted|too|longer' "$T/plan-$i.out" \
    || fail "round $i: the plan's refusal does not say what was wrong: $(cat "$T/plan-$i.out")"
done
[ "$(as auditor:audit task demo-2023-1:1.1.1 --json | jq -r '.percent')" = $rounds ] || fail "the last report is not the task's state"
pass "a plan with a 607-byte task id is refused alone; the unit's report batched with it succeeded $rounds of $rounds times"

"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>&1 \
  || fail "the log does not verify: $(cat "$T/verify.out")"
pass "the log verifies"
