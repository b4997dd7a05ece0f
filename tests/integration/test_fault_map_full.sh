# Map full at the broker: with its map capped (--map-max) the broker refuses
# writes as unavailable once the log fills it, stays up, serves reads, writes
# nothing half-way; restarted with room it takes writes again.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker --map-size 1 --map-max 2
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
note=$(head -c 6000 /dev/zero | tr '\0' 'x')
acked=0
refused=""
for i in $(seq 1 2000); do
  if out=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent $((i % 100)) --note "$note" --json 2>&1); then
    acked=$((acked + 1))
  else
    refused=$out
    break
  fi
done
[ -n "$refused" ] || fail "2000 reports of 6 KB fitted in a 2 MiB map"
echo "$refused" | has unavailable || fail "a full map was not reported as unavailable: $refused"
echo "$refused" | has 'nothing was recorded' || fail "the refusal does not say nothing was recorded: $refused"
pass "with the map at its cap, a write is refused as unavailable after $acked acknowledged ones"

kill -0 "$BROKER_PID" || fail "the broker died on a full map"
as auditor:audit task demo-2023-1:1.1.1 --json >/dev/null || fail "reads are not served with a full map"
expect_code unavailable as unit:LCJ progress demo-2023-1:1.1.1 --percent 5 --note "$note"
pass "the broker stays up, serves reads and keeps refusing writes"

stop_broker
n=$("$BIN/duban" audit replay --data "$T/data" --json | jq -s '[.[] | select(.kind == "progress")] | length')
[ "$n" = "$acked" ] || fail "the log holds $n progress events, $acked were acknowledged"
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "verify after a full map"
pass "the log holds exactly the $acked acknowledged reports and verifies"

start_broker --map-size 1 --map-max 64
as unit:LCJ progress demo-2023-1:1.1.1 --percent 77 --note "$note" >/dev/null || fail "no write after room was given"
[ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq '.percent')" = 77 ] || fail "the write after recovery"
pass "restarted with room, the broker takes writes again"
