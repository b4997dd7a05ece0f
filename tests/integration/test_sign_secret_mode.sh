# Secret keys are their holder's: the CLI and the agent refuse a CURVE or a
# signing secret that group or others can read, naming the file and the
# command that fixes it, as the broker does for its own.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
"$BIN/duban" keygen --self unit:LCJ --dir "$T/keys" >/dev/null || fail "keygen --self"
as unit:LCJ ping >/dev/null || fail "ping with 0600 secrets"

for file in unit-LCJ.key_secret unit-LCJ.sign_secret; do
  chmod 640 "$T/keys/$file"
  if out=$(as unit:LCJ ping 2>&1); then fail "the CLI used $file at mode 0640: $out"; fi
  echo "$out" | has "$T/keys/$file" && echo "$out" | has "chmod 600" ||
    fail "the refusal of $file does not name the file and chmod 600: $out"
  if "$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$T/keys/unit-LCJ.key" \
    --listen "ipc://$T/agent.sock" --data "$T/agent" >"$T/agent.out" 2>&1; then
    fail "the agent started with $file at mode 0640"
  fi
  grep -q "chmod 600 $T/keys/$file" "$T/agent.out" || fail "the agent does not say how to fix $file: $(cat "$T/agent.out")"
  chmod 600 "$T/keys/$file"
  pass "the CLI and the agent refuse $file readable by the group"
done
as unit:LCJ ping >/dev/null || fail "ping after chmod 600"
