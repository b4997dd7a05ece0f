# A department may watch, and sees only its own tasks' events: unit:NYJ's
# live watch shows its claim and progress and the coordinator's reminder on
# its task, never JTJ's work, straight to the broker or through its agent;
# a coordinator still sees every event, with no gap.
. "$(dirname "$0")/lib.sh"
sed 's/CZJ/NYJ/g' "$PLAN_JSON" >"$T/plan.json"   # demo-2023-1:1.2.1 belongs to NYJ
make_keys "$T/plan.json"
start_broker
load_plan "$T/plan.json"                                             # seq 1

as unit:NYJ watch --after 1 --json --count 3 --timeout-idle 15000 >"$T/nyj.out" 2>"$T/nyj.log" &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.5
as unit:JTJ claim demo-2023-1:2.1.1 >/dev/null                       # seq 2
as unit:NYJ claim demo-2023-1:1.2.1 >/dev/null                       # seq 3
as unit:JTJ progress demo-2023-1:2.1.1 --percent 10 >/dev/null       # seq 4
as coordinator:office remind demo-2023-1:1.2.1 --note '请加快' >/dev/null  # seq 5
as unit:NYJ progress demo-2023-1:1.2.1 --percent 20 >/dev/null       # seq 6
as coordinator:office remind demo-2023-1:2.1.1 --note '请加快' >/dev/null  # seq 7
wait "$WATCH_PID" || fail "NYJ's watch did not get its 3 events: $(cat "$T/nyj.out" "$T/nyj.log")"
[ "$(seqs "$T/nyj.out")" = "[3,5,6]" ] || fail "NYJ's live watch saw: $(cat "$T/nyj.out")"
grep -q '2\.1\.1' "$T/nyj.out" && fail "NYJ's watch shows JTJ's task: $(cat "$T/nyj.out")"
pass "a unit's live watch shows its own task's events and not another unit's"

as unit:JTJ watch --after 0 --json --count 3 --timeout-idle 10000 >"$T/jtj.out" 2>"$T/jtj.log" \
  || fail "JTJ's watch from the start: $(cat "$T/jtj.log")"
[ "$(seqs "$T/jtj.out")" = "[2,4,7]" ] || fail "JTJ's watch from 0 saw: $(seqs "$T/jtj.out")"
start_agent NYJ
via NYJ watch --after 0 --json --count 3 --timeout-idle 10000 >"$T/agent.out" 2>"$T/agent.log" \
  || fail "NYJ's watch through its agent: $(cat "$T/agent.log")"
[ "$(seqs "$T/agent.out")" = "[3,5,6]" ] || fail "NYJ's watch through its agent saw: $(seqs "$T/agent.out")"
# Quiet after its own events: the other units' later work is not shown.
as unit:JTJ progress demo-2023-1:2.1.1 --percent 30 >/dev/null       # seq 8
out=$(via NYJ watch --after 6 --json --count 1 --timeout-idle 1500 2>&1 | grep '"seq"' || true)
[ -z "$out" ] || fail "NYJ's watch after its last event shows: $out"
pass "a unit's watch from the log, direct or through its agent, has only its own events"

as coordinator:office watch --after 0 --json --count 8 --timeout-idle 10000 >"$T/office.out" 2>"$T/office.log" \
  || fail "the coordinator's watch: $(cat "$T/office.log")"
[ "$(seqs "$T/office.out")" = "$(jq -n -c '[range(1;9)]')" ] || fail "the coordinator saw: $(seqs "$T/office.out")"
pass "a coordinator's watch still has every event"
