# Retries are safe and acknowledged means durable: a repeated request id has
# one effect; kill -9 of the broker loses nothing it acknowledged.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null

first=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent 10 --request-id again-1 --json)
second=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent 10 --request-id again-1 --json)
[ "$(echo "$first" | jq '.seq')" = "$(echo "$second" | jq '.seq')" ] || fail "a repeat got another seq: $first / $second"
[ "$(echo "$second" | jq '.duplicate')" = true ] || fail "a repeat was not marked duplicate: $second"
# The same request id from another identity is another request.
as unit:ZRJ claim demo-2023-1:1.1.2 --request-id again-1 >/dev/null || fail "same id, other unit"
n=$("$BIN/duban" audit replay --data "$T/data" --json | jq -s '[.[] | select(.request_id == "again-1")] | length')
[ "$n" = 2 ] || fail "expected 2 events with request id again-1 (one per identity), found $n"
pass "a repeated request id has one effect and gets the first answer"

# kill -9 right after acknowledgements: every acknowledged event survives.
acked=()
for i in $(seq 1 30); do
  seq=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent $((i + 10)) --json | jq '.seq')
  acked+=("$seq")
done
kill_broker
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "verify after kill -9"
have=$("$BIN/duban" audit replay --data "$T/data" --json | jq '.seq' | tr '\n' ' ')
for s in "${acked[@]}"; do
  case " $have " in *" $s "*) ;; *) fail "acknowledged event $s lost after kill -9" ;; esac
done
start_broker
[ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq '.percent')" = 40 ] || fail "state after restart"
# After the restart, a retry of an old request id still gets its first answer.
again=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent 10 --request-id again-1 --json)
[ "$(echo "$again" | jq '.duplicate')" = true ] || fail "dedup lost across restart: $again"
[ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq '.percent')" = 40 ] || fail "a retried old request took effect again"
pass "kill -9: all ${#acked[@]} acknowledged events survive, dedup survives the restart"
stop_broker
grep -q 'stopping' "$T/broker.log" || fail "SIGTERM did not stop the broker cleanly"
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "verify after SIGTERM"
pass "SIGTERM stops the broker cleanly and the log verifies"
