# Intruders at the file level: the keys, the event log and the agent's
# outbox are created readable by their owner only, even when the daemons
# are started with a careless umask; and the broker refuses to start on a key
# folder that anyone else can write (they could add a key and walk in),
# saying which folder and how to fix it, before it writes anything.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
mode() { stat -c %a "$1"; }
umask 000
make_keys
[ "$(mode "$T/keys")" = 700 ] || fail "key folder is $(mode "$T/keys")"
for f in "$T"/keys/*_secret; do [ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"; done
pass "keygen under umask 000: folder 0700, every secret key 0600"

start_broker
load_plan
[ "$(mode "$T/data")" = 700 ] || fail "data folder is $(mode "$T/data")"
for f in data.mdb lock.mdb; do [ "$(mode "$T/data/$f")" = 600 ] || fail "$f is $(mode "$T/data/$f")"; done
start_agent LCJ
via LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
[ "$(mode "$T/agent-LCJ")" = 700 ] || fail "the outbox folder is $(mode "$T/agent-LCJ")"
for f in "$T"/agent-LCJ/*.mdb; do [ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"; done
pass "under umask 000 the event log and the outbox are 0700 folders of 0600 files"
stop_broker
umask 077

before=$("$BIN/duban" audit replay --data "$T/data" --json | wc -l)
# The log was made on a virtual clock: restart on one, so that the keys are
# what a start is refused for.
VIRTUAL=(--virtual-clock 2023-09-20)
for target in "$T/keys" "$T/keys/clients"; do
  chmod go+w "$target"
  if "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" "${VIRTUAL[@]}" >"$T/refused.log" 2>&1; then
    fail "the broker started with $target writable by others"
  fi
  grep -q "writable by group or others" "$T/refused.log" || fail "no reason given: $(cat "$T/refused.log")"
  grep -q "chmod go-w" "$T/refused.log" || fail "no fix given: $(cat "$T/refused.log")"
  chmod go-w "$target"
done
chmod 644 "$T/keys/broker.key_secret"
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" "${VIRTUAL[@]}" >"$T/refused.log" 2>&1 \
  && fail "the broker started with its secret key readable by others"
grep -q "chmod 600" "$T/refused.log" || fail "no fix given: $(cat "$T/refused.log")"
chmod 600 "$T/keys/broker.key_secret"
[ "$("$BIN/duban" audit replay --data "$T/data" --json | wc -l)" = "$before" ] || fail "a refused start wrote events"
pass "the broker refuses a key folder others can write, and a secret others can read, and says how to fix it"
start_broker
as admin:admin ping >/dev/null || fail "the broker does not start once the modes are right"
