# A request id names one request: a retry of the same request under it is
# answered with the first answer (once, a duplicate), but another request
# under an id already used is refused (failed_precondition, naming the
# event the id produced) instead of being answered "already applied". A log
# written before requests were hashed keeps today's behaviour: any request
# under one of its ids is its retry.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
TASK=demo-2023-1:1.1.1
as unit:LCJ claim $TASK >/dev/null || fail "claim"

first=$(as unit:LCJ progress $TASK --percent 30 --note "第一次" --request-id rid-1 --json) || fail "first report: $first"
seq=$(echo "$first" | jq -r '.seq')
[ "$seq" -gt 0 ] || fail "the first report has no seq: $first"
again=$(as unit:LCJ progress $TASK --percent 30 --note "第一次" --request-id rid-1 --json) || fail "retry refused: $again"
[ "$(echo "$again" | jq -r '.duplicate')" = true ] || fail "the retry is not answered as a duplicate: $again"
[ "$(echo "$again" | jq -r '.seq')" = "$seq" ] || fail "the retry does not name the first event $seq: $again"
pass "the same request under the same id is a duplicate of event $seq"

out=$(as unit:LCJ progress $TASK --percent 90 --note "第一次" --request-id rid-1 2>&1) && fail "a different request under rid-1 was accepted: $out"
echo "$out" | has failed_precondition || fail "the different request is not refused as failed_precondition: $out"
echo "$out" | has "事件 $seq" || fail "the refusal does not name event $seq: $out"
echo "$out" | has "already applied" && fail "the different request is answered as applied: $out"
out=$(as unit:LCJ progress $TASK --percent 30 --note "另一句" --request-id rid-1 2>&1) && fail "a different note under rid-1 was accepted: $out"
echo "$out" | has failed_precondition || fail "a different note is not refused: $out"
[ "$(as auditor:audit task $TASK --json | jq -r '.percent')" = 30 ] || fail "the refused request changed the task"
pass "a different request under a used id is refused, naming event $seq, and changes nothing"

# Another actor's request under the same id is its own request.
as unit:ZRJ claim demo-2023-1:1.1.2 --request-id rid-1 >/dev/null || fail "another actor's id rid-1 was refused"
pass "the id is the actor's own: another unit may use rid-1"

# Across a restart (the digest is in the event, so in the log).
stop_broker
start_broker
as unit:LCJ progress $TASK --percent 30 --note "第一次" --request-id rid-1 >/dev/null || fail "the retry after a restart was refused"
out=$(as unit:LCJ progress $TASK --percent 91 --request-id rid-1 2>&1) && fail "a different request after a restart was accepted: $out"
echo "$out" | has failed_precondition || fail "after a restart, not failed_precondition: $out"
pass "after a restart the same holds"
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>&1 || fail "the log does not verify: $(cat "$T/verify.out")"
stop_broker

# An old log (tests/fixtures/log-v1): its event 3 is unit:LCJ's progress
# report under this id, written without a digest.
rm -rf "$T/data"
mkdir -p "$T/data"
cp "$SRC/tests/fixtures/log-v1/data.mdb" "$T/data/"
chmod u+w "$T/data/data.mdb"
start_broker
old=$(as unit:LCJ progress $TASK --percent 77 --request-id 661a178863b0908572a4c5be57d0c627 --json) \
  || fail "a request under an old log's id was refused: $old"
[ "$(echo "$old" | jq -r '.duplicate')" = true ] && [ "$(echo "$old" | jq -r '.seq')" = 3 ] \
  || fail "under an old log's id, not the duplicate of event 3: $old"
pass "an event of an old log (no digest) answers any request under its id as before: duplicate of event 3"
