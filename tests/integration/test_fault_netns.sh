# Fault: the network between a department's agent and the broker is cut in
# the middle of a stream of commands, then restored: nothing lost, nothing
# doubled, order kept. The broker and the agent each run in a network
# namespace this test makes, joined by a veth pair; the cut takes the link
# down. Where namespaces cannot be made (no root, no CAP_NET_ADMIN, no `ip`)
# the test is skipped with exit 77 and says why.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
command -v ip >/dev/null || skip "no 'ip' command (iproute2) to make network namespaces"
NS_B=dbn-b-$$
NS_A=dbn-a-$$
ip netns add "$NS_B" 2>/dev/null || skip "cannot make network namespaces here (needs root or CAP_NET_ADMIN)"
ip netns add "$NS_A" || { ip netns del "$NS_B"; skip "cannot make a second network namespace"; }
# `ip netns exec` may fork, so the daemons are not always the pids we hold:
# end every process inside our namespaces, then the namespaces.
trap 's=$?; set +e; for ns in "$NS_A" "$NS_B"; do ip netns pids "$ns" | xargs -r kill -9; done; kill -9 "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; ip netns del "$NS_A"; ip netns del "$NS_B"; (exit $s); cleanup' EXIT
VB=dbnb$$
VA=dbna$$
ip link add "$VB" netns "$NS_B" type veth peer name "$VA" netns "$NS_A" || skip "cannot make a veth pair"
NET=10.213.$((RANDOM % 250)).
ip -n "$NS_B" addr add "${NET}1/30" dev "$VB"
ip -n "$NS_A" addr add "${NET}2/30" dev "$VA"
for ns in "$NS_B" "$NS_A"; do ip -n "$ns" link set lo up; done
ip -n "$NS_B" link set "$VB" up
ip -n "$NS_A" link set "$VA" up
ENDPOINT=tcp://${NET}1:$PORT
inb() { ip netns exec "$NS_B" "$@"; }

make_keys
inb "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" >>"$T/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
# `as` from lib.sh, run inside the broker's namespace.
asb() { local who=$1; shift; inb "$BIN/duban" "$@" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of "$who")"; }
for i in $(seq 1 50); do asb admin:admin ping --timeout 300 >/dev/null 2>&1 && break; sleep 0.1; done
asb admin:admin plan load "$PLAN_JSON" >/dev/null || fail "plan load"
asb unit:LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
ip netns exec "$NS_A" "$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
  --key "$(key_of unit:LCJ)" --listen "ipc://$T/agent-LCJ.sock" --data "$T/agent-LCJ" >>"$T/agent-LCJ.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 50); do [ -S "$T/agent-LCJ.sock" ] && break; sleep 0.1; done
via LCJ ping >/dev/null || fail "the agent cannot reach the broker across the namespaces"

N=60
given=0
for k in $(seq 1 $N); do
  [ "$k" = 20 ] && { ip -n "$NS_A" link set "$VA" down; echo "cut after 19 commands"; }
  [ "$k" = 45 ] && { ip -n "$NS_A" link set "$VA" up; echo "restored after 44 commands"; }
  # During the cut each command waits for "queued"; give those in the
  # background so the cut lasts seconds, not minutes.
  if [ "$k" -ge 20 ] && [ "$k" -lt 45 ]; then
    via LCJ progress demo-2023-1:1.1.1 --percent "$k" --request-id "net-$k" >/dev/null &
    sleep 0.25
  else
    via LCJ progress demo-2023-1:1.1.1 --percent "$k" --request-id "net-$k" >/dev/null || fail "command $k"
  fi
done
wait_for_log() {
  for i in $(seq 1 200); do
    [ "$("$BIN/duban" audit replay --data "$T/data" --json | jq -r 'select(.request_id | startswith("net-")) | .request_id' | wc -l)" -ge $N ] && return 0
    sleep 0.2
  done
  return 1
}
wait_for_log || fail "not every command arrived after the link came back"
sleep 1
got=$("$BIN/duban" audit replay --data "$T/data" --json | jq -r 'select(.request_id | startswith("net-")) | .request_id' | tr '\n' ' ')
want=$(seq 1 $N | sed 's/^/net-/' | tr '\n' ' ')
[ "$got" = "$want" ] || fail "after the cut the log holds [$got]"
[ "$(asb unit:LCJ task demo-2023-1:1.1.1 --json | jq '.percent')" = $N ] || fail "final state"
"$BIN/duban" audit verify --data "$T/data" >/dev/null || fail "verify"
pass "network cut between agent and broker (netns + veth) mid-stream: all $N commands applied once, in order"
