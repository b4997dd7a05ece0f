# A truncated event log fails loudly: with data.mdb cut to 90 % the broker
# refuses to start and `audit verify` says the file is damaged, each with a
# clear message and a non-zero exit, never a signal (before, the broker
# logged "serving ... at seq 18" and died of SIGBUS on its first request, and
# verify died of SIGBUS too). The size check is LMDB's meta page against the
# file, made before any page is read.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
for i in 1 2 3 4 5; do as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null 2>&1 || true; done
as unit:LCJ progress demo-2023-1:1.1.1 --percent 10 >/dev/null || fail "progress"
stop_broker
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "the intact log does not verify"

size=$(stat -c %s "$T/data/data.mdb")
truncate -s $((size * 9 / 10)) "$T/data/data.mdb"

# s holds each command's exit status (a signal shows as 128 + its number).
s=0
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" >"$T/start.log" 2>&1 || s=$?
[ "$s" != 0 ] || fail "the broker started on a truncated log"
[ "$s" -lt 128 ] || fail "the broker died of signal $((s - 128)) instead of refusing: $(cat "$T/start.log")"
grep -q 'truncated' "$T/start.log" || fail "the broker does not say the file is truncated: $(cat "$T/start.log")"
grep -q '截断' "$T/start.log" || fail "the broker's message has no Chinese: $(cat "$T/start.log")"
pass "the broker refuses a truncated log with a clear message (exit $s)"

s=0
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>"$T/verify.err" || s=$?
[ "$s" != 0 ] || fail "audit verify passed a truncated log"
[ "$s" -lt 128 ] || fail "audit verify died of signal $((s - 128))"
grep -q 'truncated' "$T/verify.out" "$T/verify.err" || fail "verify does not say truncated: $(cat "$T/verify.out" "$T/verify.err")"
pass "audit verify reports the truncated log (exit $s)"

s=0
"$BIN/duban" audit verify --chain-only --data "$T/data" >/dev/null 2>&1 || s=$?
[ "$s" -lt 128 ] || fail "audit verify --chain-only died of signal $((s - 128))"
s=0
"$BIN/duban" audit replay --data "$T/data" >/dev/null 2>&1 || s=$?
[ "$s" != 0 ] && [ "$s" -lt 128 ] || fail "audit replay on a truncated log: exit $s"
pass "the other readers of the log refuse it too, without a signal"

# The agent's outbox is an LMDB file too, opened by the same code.
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data2" --keys "$T/keys" --virtual-clock 2023-09-20 \
  >>"$T/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
start_agent LCJ
kill -TERM "$AGENT_PID_LCJ"; wait "$AGENT_PID_LCJ" 2>/dev/null || true
size=$(stat -c %s "$T/agent-LCJ/data.mdb")
truncate -s $((size * 9 / 10)) "$T/agent-LCJ/data.mdb"
s=0
timeout 20 "$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:LCJ)" \
  --listen "ipc://$T/agent-again.sock" --data "$T/agent-LCJ" >"$T/agent-again.log" 2>&1 || s=$?
[ "$s" != 0 ] && [ "$s" -lt 124 ] || fail "the agent on a truncated outbox: exit $s: $(cat "$T/agent-again.log")"
grep -q 'truncated' "$T/agent-again.log" || fail "the agent does not say its outbox is truncated: $(cat "$T/agent-again.log")"
pass "the agent refuses a truncated outbox with a clear message (exit $s)"
