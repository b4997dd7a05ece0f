# Witnessed checkpoints: an operator who holds the broker's data directory
# can rewrite its log and recompute the chain (re-chained edit), cut its
# tail or put back an earlier copy, and plain `audit verify` passes each
# time. The checkpoints the broker signed and a department's agent kept say
# where the log parts from what the departments were told. And an agent
# keeps no checkpoint whose signature does not hold.
. "$(dirname "$0")/lib.sh"
make_keys
[ "$(stat -c %a "$T/keys/broker.sign_secret")" = 600 ] || fail "broker.sign_secret is not 0600"
[ "$(stat -c %a "$T/keys/broker.sign")" = 644 ] || fail "broker.sign is not 0644"
KEY=$T/keys/broker.sign
TASK=demo-2023-1:1.1.1

# A checkpoint after every event, so that the witness can name the exact seq.
start_broker --checkpoint-events 1
load_plan
start_agent LCJ
WITNESS=$T/agent-LCJ/witness

# wait_witness SEQ: the agent kept a checkpoint of seq SEQ.
wait_witness() {
  local i
  for i in $(seq 1 100); do
    ls "$WITNESS" 2>/dev/null | has "^$(printf %020d "$1")-" && return 0
    sleep 0.1
  done
  fail "the agent kept no checkpoint of seq $1: $(ls "$WITNESS" 2>&1 | tr '\n' ' ')"
}
head_seq() { "$BIN/duban" audit verify --data "$1" --chain-only --json | jq '.head_seq'; }

via LCJ claim "$TASK" --request-id w-claim >/dev/null || fail "claim"
for i in 1 2 3; do
  via LCJ progress "$TASK" --percent $((i * 10)) --note "第${i}次进展" --request-id "w-p$i" >/dev/null || fail "progress $i"
done
EARLY=$(head_seq "$T/data")
wait_witness "$EARLY"
# The operator keeps a copy of the log as it is now.
mdb_copy "$T/data" "$T/early-copy" 2>/dev/null || { mkdir -p "$T/early-copy" && mdb_copy "$T/data" "$T/early-copy"; }
for i in 4 5 6; do
  via LCJ progress "$TASK" --percent $((i * 10)) --note "第${i}次进展" --request-id "w-p$i" >/dev/null || fail "progress $i"
done
HEAD=$(head_seq "$T/data")
wait_witness "$HEAD"
# The seq of the second progress report: the one the operator rewrites.
EDIT=$("$BIN/duban" audit replay --data "$T/data" --json | jq -s '[.[] | select(.request_id == "w-p2")][0].seq')
[ "$EDIT" -gt 1 ] && [ "$EDIT" -le "$EARLY" ] || fail "unexpected seq of w-p2: $EDIT (early copy at $EARLY)"

# The CLI lists and exports what the agent kept.
"$BIN/duban" audit checkpoints --witness "$WITNESS" --key "$KEY" --json >"$T/list.json" || fail "audit checkpoints"
[ "$(jq 'map(.seq) | max' "$T/list.json")" = "$HEAD" ] || fail "checkpoints do not reach the head $HEAD: $(cat "$T/list.json")"
"$BIN/duban" audit checkpoints --witness "$WITNESS" --key "$KEY" --export "$T/for-auditor" >/dev/null || fail "export"
[ "$(ls "$T/for-auditor" | wc -l)" = "$(ls "$WITNESS" | wc -l)" ] || fail "export did not copy every checkpoint"
# The CLI talking to the broker directly keeps them too, in DUBAN_WITNESS,
# and asks for one of the head as it is.
DUBAN_WITNESS=$T/cli-witness as auditor:audit ping >/dev/null || fail "ping with DUBAN_WITNESS"
ls "$T/cli-witness" | has "^$(printf %020d "$HEAD")-" || fail "the CLI kept no checkpoint of seq $HEAD"
pass "the agent and the CLI keep the broker's checkpoints; audit checkpoints lists and exports them"
stop_broker

# The honest log agrees with the witness.
"$BIN/duban" audit verify --data "$T/data" --witness "$T/for-auditor" --key "$KEY" >"$T/honest.out" 2>&1 ||
  fail "the untouched log does not verify against the witness: $(cat "$T/honest.out")"
pass "the untouched log verifies against the $(ls "$WITNESS" | wc -l) checkpoints the agent kept"

# attack NAME DIR WANT_SEQ: plain verify passes, verify --witness fails at WANT_SEQ.
attack() {
  local name=$1 dir=$2 want=$3 out
  "$BIN/duban" audit verify --data "$dir" >"$T/$name-plain.out" 2>&1 ||
    fail "$name: plain verify should pass (the operator re-chained it): $(cat "$T/$name-plain.out")"
  if "$BIN/duban" audit verify --data "$dir" --witness "$WITNESS" --key "$KEY" >"$T/$name-w.out" 2>&1; then
    fail "$name: verify --witness passed a tampered log: $(cat "$T/$name-w.out")"
  fi
  grep -q "第 $want 号事件与见证的检查点不符" "$T/$name-w.out" || fail "$name: expected seq $want named: $(cat "$T/$name-w.out")"
  out=$("$BIN/duban" audit verify --data "$dir" --witness "$WITNESS" --key "$KEY" --json 2>/dev/null || true)
  [ "$(echo "$out" | jq '.ok')" = false ] && [ "$(echo "$out" | jq '.witness.first_bad_seq')" = "$want" ] ||
    fail "$name: JSON does not say first_bad_seq $want: $out"
  pass "$name: plain verify passes, verify --witness names seq $want"
}

# 1. A progress note rewritten and every hash after it recomputed, views and all.
"$BIN/witness_rechain" "$T/data" "$T/edited" --edit "$EDIT" "其实早已完成" || fail "rechain"
"$BIN/duban" audit replay --data "$T/edited" --json | jq -c --argjson s "$EDIT" 'select(.seq == $s)' | has "其实早已完成" ||
  fail "the rewrite did not change event $EDIT"
attack "re-chained edit" "$T/edited" "$EDIT"

# 2. The last event dropped.
"$BIN/witness_rechain" "$T/data" "$T/cut" --drop-last 1 || fail "drop last"
[ "$(head_seq "$T/cut")" = $((HEAD - 1)) ] || fail "the cut log's head is not $((HEAD - 1))"
attack "dropped last event" "$T/cut" "$HEAD"
grep -q "尾部被删去或被回滚" "$T/dropped last event-w.out" || fail "the cut is not called a cut tail or rollback"

# 2b. One event in the middle dropped, the ones after it renumbered.
"$BIN/witness_rechain" "$T/data" "$T/dropped" --drop "$EDIT" || fail "drop one"
[ "$(head_seq "$T/dropped")" = $((HEAD - 1)) ] || fail "the log with one event dropped does not end at $((HEAD - 1))"
attack "dropped event" "$T/dropped" "$EDIT"

# 2c. A report's time moved back to 2020: the chain is recomputed, and
# verify finds the time before its predecessor's; the witnesses name the
# same event as changed.
"$BIN/witness_rechain" "$T/data" "$T/retimed" --time "$EDIT" 1577808000 || fail "retime"
if "$BIN/duban" audit verify --data "$T/retimed" --witness "$WITNESS" --key "$KEY" >"$T/retimed.out" 2>&1; then
  fail "verify passed a log whose event $EDIT was moved to 2020: $(cat "$T/retimed.out")"
fi
grep -q "第 $EDIT 号事件与见证的检查点不符" "$T/retimed.out" || fail "the changed time is not named at seq $EDIT: $(cat "$T/retimed.out")"
pass "changed time: verify --witness names seq $EDIT"

# 3. The early copy put back.
attack "rollback to an earlier copy" "$T/early-copy" $((EARLY + 1))

# 4. The early copy put back and the broker run on it: new events take the
# old seqs. The agent keeps the broker's new checkpoints too, but those it
# kept before still disagree.
rm -rf "$T/data" && cp -a "$T/early-copy" "$T/data"
start_broker --checkpoint-events 1
via LCJ progress "$TASK" --percent 90 --note "回滚后的进展" --request-id w-after >/dev/null || fail "progress after rollback"
wait_witness $((EARLY + 1))
[ "$(ls "$WITNESS" | grep -c "^$(printf %020d $((EARLY + 1)))-")" -ge 2 ] ||
  fail "the agent did not keep the forked checkpoint beside the old one"
stop_broker
attack "rollback then new events" "$T/data" $((EARLY + 1))
grep -q "签过不同的哈希" "$T/rollback then new events-w.out" || fail "the fork (two heads signed for one seq) is not named"

# 5. A broker signing with a key that is not the published one: the agent
# refuses its checkpoints and keeps none.
kept_before=$(ls "$WITNESS" | wc -l)
"$BIN/duban" keygen --dir "$T/other-keys" >/dev/null || fail "keygen of the other key"
cp "$T/other-keys/broker.sign_secret" "$T/keys/broker.sign_secret"
start_broker --checkpoint-events 1
via LCJ progress "$TASK" --percent 95 --note "冒名签名" --request-id w-forged >/dev/null || fail "progress with a forged key"
for i in $(seq 1 50); do grep -q "拒收检查点" "$T/agent-LCJ.log" && break; sleep 0.1; done
grep -q "拒收检查点" "$T/agent-LCJ.log" || fail "the agent did not say it refused a checkpoint with a bad signature"
[ "$(ls "$WITNESS" | wc -l)" = "$kept_before" ] || fail "the agent kept a checkpoint whose signature does not hold"
pass "an agent refuses a checkpoint that the published broker key did not sign"
