# The console is a witness too: every watch delivery carries the broker's
# latest signed checkpoint, and the console keeps each new one whose
# signature holds in its mirror's witness/ directory, as an agent does. That
# directory then finds a re-chained edit of the broker's log, which plain
# `audit verify` passes, at the right seq.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
make_keys
KEY=$T/keys/broker.sign
TASK=demo-2023-1:1.1.1
start_broker --checkpoint-events 1
load_plan
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
login 李协调 'correct-horse-1'
as unit:LCJ claim "$TASK" --request-id cw-claim >/dev/null || fail "claim"
for i in 1 2 3; do
  as unit:LCJ progress "$TASK" --percent $((i * 20)) --note "第${i}次" --request-id "cw-p$i" >/dev/null || fail "progress $i"
done
HEAD=$("$BIN/duban" audit verify --data "$T/data" --chain-only --json | jq .head_seq)
wait_mirror "$HEAD"
WITNESS=$T/mirror/witness
for i in $(seq 1 100); do
  ls "$WITNESS" 2>/dev/null | grep -q "^$(printf %020d "$HEAD")-.*\.ckpt$" && break
  sleep 0.1
done
ls "$WITNESS" 2>/dev/null | grep -q "^$(printf %020d "$HEAD")-.*\.ckpt$" ||
  fail "the console kept no checkpoint of seq $HEAD: $(ls "$WITNESS" 2>&1 | tr '\n' ' ')"
grep -q "keeping the broker's checkpoints" "$T/console.log" || fail "the console does not say it keeps checkpoints"
"$BIN/duban" audit verify --data "$T/data" --witness "$WITNESS" --key "$KEY" --json >"$T/honest.json" ||
  fail "the log does not verify against the console's checkpoints: $(cat "$T/honest.json")"
jq -e --argjson h "$HEAD" '.witness.agreed_seq == $h' "$T/honest.json" >/dev/null ||
  fail "verify does not agree up to $HEAD: $(cat "$T/honest.json")"
pass "watch deliveries carry the broker's checkpoints; the console keeps them up to seq $HEAD"

stop_broker
"$BIN/duban" audit replay --data "$T/data" --json >"$T/events.json"
EDIT=$(jq -s '[.[] | select(.request_id == "cw-p2")][0].seq' "$T/events.json")
"$BIN/witness_rechain" "$T/data" "$T/edited" --edit "$EDIT" "其实早已完成" || fail "rechain"
"$BIN/duban" audit verify --data "$T/edited" >/dev/null || fail "the re-chained log should verify on its own"
if "$BIN/duban" audit verify --data "$T/edited" --witness "$WITNESS" --key "$KEY" --json >"$T/edited.json" 2>/dev/null; then
  fail "verify --witness passed a re-chained edit"
fi
WANT=$(ls "$WITNESS" | grep '\.ckpt$' | sed 's/-.*//' | awk -v e="$EDIT" '$1 + 0 >= e + 0 { print $1 + 0; exit }')
[ "$(jq .witness.first_bad_seq "$T/edited.json")" = "$WANT" ] ||
  fail "the console's witness does not name seq $WANT: $(cat "$T/edited.json")"
pass "a re-chained edit passes plain verify; the console's checkpoints name seq $WANT"
