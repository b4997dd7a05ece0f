# Fault: the broker is away for a while, and an agent is killed with a full
# outbox. Agents keep the department's commands, wait without a busy loop
# (their CPU use while the broker is away is measured from /proc/PID/stat
# and must stay under 5% of one core), and once the broker is back every
# command is applied exactly once, in the order each department gave them.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
AWAY_S=${DUBAN_FAULT_AWAY_S:-6}
COMMANDS=25
make_keys
start_broker
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
as unit:ZRJ claim demo-2023-1:1.1.2 >/dev/null
kill_broker
start_agent LCJ
start_agent ZRJ

# Commands given one after another while the broker is away; each CLI waits
# for "queued" in the background, so that giving them does not take minutes.
# The next command of a department is given once its agent has stored the
# previous one (its log says so), so "the order each department gave them"
# is defined however busy the machine is.
CLI_PIDS=()
for k in $(seq 1 $COMMANDS); do
  for code in LCJ ZRJ; do
    task=demo-2023-1:1.1.1
    [ $code = ZRJ ] && task=demo-2023-1:1.1.2
    via $code progress $task --percent "$k" --request-id "away-$code-$k" >/dev/null 2>&1 &
    CLI_PIDS+=($!)
  done
  for code in LCJ ZRJ; do
    for i in $(seq 1 200); do
      grep -q "stored progress away-$code-$k as outbox entry" "$T/agent-$code.log" && break
      sleep 0.05
    done
  done
done
for pid in "${CLI_PIDS[@]}"; do wait "$pid" || fail "a command was not taken while the broker is away"; done
pass "$((COMMANDS * 2)) commands queued in two outboxes while the broker is away"

# LCJ's agent dies with its outbox full and comes back.
kill -9 "$AGENT_PID_LCJ"
wait "$AGENT_PID_LCJ" 2>/dev/null || true
rm -f "$T/agent-LCJ.sock"
start_agent LCJ

# Waiting for the broker must not cost CPU.
hz=$(getconf CLK_TCK)
sleep 1 # past start-up
a0=$(cpu_ticks "$AGENT_PID_LCJ")
b0=$(cpu_ticks "$AGENT_PID_ZRJ")
sleep "$AWAY_S"
a1=$(cpu_ticks "$AGENT_PID_LCJ")
b1=$(cpu_ticks "$AGENT_PID_ZRJ")
for pair in "LCJ $a0 $a1" "ZRJ $b0 $b1"; do
  set -- $pair
  pct=$(awk -v d=$(($3 - $2)) -v hz="$hz" -v s="$AWAY_S" 'BEGIN { printf "%.2f", 100 * d / (hz * s) }')
  echo "agent $1 used $pct% of a core over ${AWAY_S}s while the broker was away"
  awk -v p="$pct" 'BEGIN { exit !(p < 5) }' || fail "agent $1 busy-loops while the broker is away: $pct%"
done

start_broker
for i in $(seq 1 150); do
  [ "$(log_ids away- | wc -l)" -ge $((COMMANDS * 2)) ] && break
  sleep 0.2
done
sleep 1 # would a late resend double anything?
for code in LCJ ZRJ; do
  got=$(log_ids "away-$code-" | tr '\n' ' ')
  want=$(seq 1 $COMMANDS | sed "s/^/away-$code-/" | tr '\n' ' ')
  [ "$got" = "$want" ] || fail "$code: the log holds [$got], expected each of 1..$COMMANDS once, in order"
done
verify_log
pass "after the broker returns both outboxes drain: each command once, in order per department (LCJ's agent was killed with a full outbox)"
