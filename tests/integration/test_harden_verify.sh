# audit verify replays the rules and names the event behind a damaged view
# (issue: verify named the head, not the change, for a flipped byte in the
# task definitions, units, plans and unit-tasks views, and did not re-check
# that each event's actor had the right to make it).
#   - a bit flipped in one record of each view (tests/tools/view_flip.c)
#     is reported at the event that last wrote that record, not the head;
#   - an event rewritten to another actor and rechained (the operator's
#     rewrite, tests/tools/witness_rechain.c) is reported at its seq when
#     that actor had no right to make it (the request table's roles, and a
#     unit acting on another unit's task).
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
seq_now() { as auditor:audit ping --json | jq .head_seq; }
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
as unit:LCJ progress demo-2023-1:1.1.1 --percent 10 >/dev/null || fail "progress"
CLAIM_ZRJ=$(as unit:ZRJ claim demo-2023-1:1.1.2 --json | jq .seq)
# A second plan, with a unit of its own: its records are written at PLAN2.
jq '.id = "demo-2023-2" | .units += [{"code": "TJJ", "name": "市统计局", "aliases": []}]
  | .sections[0].measures[0].actions[0].unit = "市统计局"
  | (.. | objects | select(has("id") and (.id | type == "string") and (.id | startswith("demo-2023-1:"))) | .id)
    |= sub("^demo-2023-1:"; "demo-2023-2:")' "$PLAN_JSON" >"$T/plan2.json"
as admin:admin plan load "$T/plan2.json" >/dev/null || fail "load the second plan"
PLAN2=$(seq_now)
as unit:LCJ progress demo-2023-1:1.1.1 --percent 20 >/dev/null || fail "progress"
as coordinator:office reassign demo-2023-1:1.1.2 --unit JTJ --reason "职责调整" >/dev/null || fail "reassign"
REASSIGN=$(seq_now)
for p in 30 40 50; do as unit:LCJ progress demo-2023-1:1.1.1 --percent $p >/dev/null || fail "progress"; done
HEAD=$(seq_now)
stop_broker
"$BIN/duban" audit verify --data "$T/data" >/dev/null 2>&1 || fail "the undamaged log does not verify"
echo "plan 2 at seq $PLAN2, reassignment at $REASSIGN, head $HEAD"

# verified_at NAME DIR WANT: audit verify fails on DIR and names seq WANT.
verified_at() {
  local name=$1 dir=$2 want=$3
  if "$BIN/duban" audit verify --data "$dir" --json >"$T/$name.json" 2>"$T/$name.err"; then
    fail "$name: audit verify passed"
  fi
  [ "$(jq .first_bad_seq "$T/$name.json")" = "$want" ] ||
    fail "$name: verify names $(jq .first_bad_seq "$T/$name.json"), not $want: $(jq -r .problem "$T/$name.json")"
  echo "$name: seq $want: $(jq -r .problem "$T/$name.json")"
}

# flipped VIEW KEY WANT: a copy of the log with a bit of that record flipped.
flipped() {
  local view=$1 key=$2 want=$3 copy=$T/flip-$1
  mkdir -p "$copy" && cp "$T/data/data.mdb" "$copy/"
  "$BIN/view_flip" "$copy" "$view" "$key" >/dev/null || fail "view_flip $view $key"
  verified_at "flipped $view" "$copy" "$want"
  jq -r .problem "$T/flipped $view.json" | grep -q "$view" || fail "the problem does not name view $view"
}
flipped plans demo-2023-2 "$PLAN2"
flipped task_defs demo-2023-2:1.1.1 "$PLAN2"
flipped units TJJ "$PLAN2"
flipped unit_tasks 'JTJ%00demo-2023-1:1.1.2' "$REASSIGN"
pass "a flipped bit in plans, task_defs, units and unit_tasks is named at the event that wrote the record"

# The operator rewrites who made an event, and rechains the log.
"$BIN/witness_rechain" "$T/data" "$T/by-coordinator" --actor "$CLAIM_ZRJ" coordinator:office ||
  fail "rechain with a coordinator's claim"
verified_at "a coordinator's claim" "$T/by-coordinator" "$CLAIM_ZRJ"
grep -q "无权" "$T/a coordinator's claim.json" || fail "the problem does not say the actor had no right"
"$BIN/witness_rechain" "$T/data" "$T/by-other-unit" --actor "$CLAIM_ZRJ" unit:LCJ ||
  fail "rechain with LCJ claiming ZRJ's task"
verified_at "another unit's claim" "$T/by-other-unit" "$CLAIM_ZRJ"
grep -q "不属于本单位" "$T/another unit's claim.json" || fail "the problem does not say the task is not the actor's"
pass "an event whose actor had no right to make it is reported at its seq"
