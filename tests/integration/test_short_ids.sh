# A task may be named by its short id ("2.1.1") wherever one loaded plan has
# it; with two plans that both have it, the short id is refused as
# ambiguous and the full id still works.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
as unit:JTJ claim 2.1.1 >/dev/null || fail "claim by short id"
as unit:JTJ progress 2.1.1 --percent 10 >/dev/null || fail "progress by short id"
state=$(as unit:JTJ task 2.1.1 --json | jq -r '.state')
[ "$state" = in_progress ] || fail "task 2.1.1 by short id is $state"
as coordinator:office remind 2.1.1 --note '请加快进度' >/dev/null || fail "remind by short id"
"$BIN/duban" audit replay --data "$T/data" --json | jq -r 'select(.kind == "claimed") | .task' | has -x 'demo-2023-1:2.1.1' \
  || fail "the log does not hold the full id"
pass "short ids name the task of the one plan, and the log holds the full id"

jq '.id = "demo-2023-2" | .sections[].measures[].actions[].id |= sub("demo-2023-1"; "demo-2023-2")' "$PLAN_JSON" >"$T/second.json"
as admin:admin plan load "$T/second.json" >/dev/null || fail "second plan"
expect_code invalid_argument as unit:JTJ claim 2.1.1
out=$(as unit:JTJ claim 2.1.1 2>&1 || true)
echo "$out" | has "2 plans" || fail "the ambiguity is not explained: $out"
as unit:JTJ claim demo-2023-2:2.1.1 >/dev/null || fail "full id with two plans"
expect_code not_found as unit:JTJ claim 9.9.9
pass "an ambiguous short id is refused with the reason; full ids and unknown ids behave as before"
