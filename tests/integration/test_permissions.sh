# Identity comes from the key: a department may act only on its own tasks and
# never as a coordinator; auditors only read; unknown keys never get in.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan

expect_code permission_denied as unit:ZRJ claim demo-2023-1:1.1.1
expect_code permission_denied as unit:ZRJ progress demo-2023-1:1.1.1 --percent 10
expect_code permission_denied as unit:ZRJ task demo-2023-1:2.1.1 # JTJ's, of a measure ZRJ has no part in
expect_code permission_denied as unit:ZRJ tasks --unit LCJ
pass "a department is refused on another department's task"

as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
as unit:LCJ escalate demo-2023-1:1.1.1 --category funding --reason '资金未到位' >/dev/null || fail "escalate"
esc=$(as coordinator:office escalations --json | jq -r '.escalations[0].id')
expect_code permission_denied as unit:LCJ ack "$esc"
expect_code permission_denied as unit:LCJ resolve "$esc"
expect_code permission_denied as unit:LCJ accept demo-2023-1:1.1.1
expect_code permission_denied as unit:LCJ reassign demo-2023-1:1.1.1 --unit ZRJ
expect_code permission_denied as unit:LCJ plan load "$PLAN_JSON"
pass "a department is refused on coordinator and admin commands"

expect_code permission_denied as auditor:audit claim demo-2023-1:1.1.2
expect_code permission_denied as auditor:audit ack "$esc"
expect_code permission_denied as coordinator:office claim demo-2023-1:1.1.2
expect_code permission_denied as coordinator:office plan load "$PLAN_JSON"
pass "auditors write nothing; coordinators do not act for departments"

# A key the broker has never seen: the handshake is refused, nothing answers.
mkdir -p "$T/stranger"
"$BIN/duban" keygen --dir "$T/stranger" unit:LCJ >/dev/null
if "$BIN/duban" claim demo-2023-1:1.1.1 --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
    --key "$T/stranger/unit-LCJ.key" --timeout 1500 >"$T/stranger.out" 2>&1; then
  fail "an unknown key was let in"
fi
grep -q 'refused key' "$T/broker.log" || fail "the broker did not log the refused key"
pass "an unknown key is refused at the handshake"

# Revocation: remove a unit's public key from the broker's folder.
rm "$T/keys/clients/unit-ZRJ.key"
sleep 1.1 # the key store notices folder changes by modification time
if as unit:ZRJ claim demo-2023-1:1.1.2 --timeout 1500 >/dev/null 2>&1; then fail "a revoked key was let in"; fi
pass "a revoked key is refused"

before=$("$BIN/duban" audit replay --data "$T/data" --json | wc -l)
[ "$before" = 3 ] || fail "refused requests wrote events: $before events, expected 3"
pass "nothing refused was written"
