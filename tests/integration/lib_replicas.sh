# lib_replicas.sh: duban brokers in replicated mode on an etcd cluster that
# lib_etcd.sh started. Source it after lib.sh and lib_etcd.sh:
#
#   start_replica 1         # broker b1: data in $T/data-1, log $T/broker-1.log
#   $BROKERS                # every replica's endpoint, comma-separated
#   asr IDENTITY args...    # the CLI with the whole list (it finds the leader)
#   wait_leader             # the number of the replica that leads, once one does
#   kill_replica 1          # kill -9
#   replica_head 1          # the last seq in b1's log (read-only, while it runs)
#   wait_same_logs 1 2      # until both logs replay to the same bytes
#
# Every replica shares the key folder (the broker key pair is the same on
# each, so clients trust any of them) and runs a lease of 2 s.

BROKERS=

replica_endpoint() { eval "echo tcp://127.0.0.1:\$REPLICA_PORT_$1"; }

start_replica() {
  local i=$1
  shift
  local port
  eval "port=\${REPLICA_PORT_$i:-}"
  if [ -z "$port" ]; then
    port=$(etcd_port)
    ETCD_TAKEN+="$port "
    eval "REPLICA_PORT_$i=$port"
    BROKERS+="${BROKERS:+,}tcp://127.0.0.1:$port"
  fi
  "$BIN/duban-broker" --endpoint "tcp://127.0.0.1:$port" --data "$T/data-$i" --keys "$T/keys" \
    --virtual-clock 2023-09-20 --etcd "$ETCD_ENDPOINTS" --node "b$i" --lease-seconds 2 "$@" \
    >>"$T/broker-$i.log" 2>&1 &
  eval "REPLICA_PID_$i=$!"
  PIDS+=("$!")
  local n
  for n in $(seq 1 100); do
    "$BIN/duban" ping --timeout 300 --broker "tcp://127.0.0.1:$port" --server-key "$T/keys/broker.key" \
      --key "$(key_of admin:admin)" >/dev/null 2>&1 && return 0
    kill -0 "$(eval "echo \$REPLICA_PID_$i")" 2>/dev/null || fail "replica $i exited at start (see broker-$i.log)"
    sleep 0.1
  done
  fail "replica $i did not answer within 10 s"
}

kill_replica() {
  local pid
  eval "pid=\$REPLICA_PID_$1"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

asr() {
  local who=$1
  shift
  "$BIN/duban" "$@" --broker "$BROKERS" --server-key "$T/keys/broker.key" --key "$(key_of "$who")"
}

# is_leader I: replica I's log says it leads now: its last change of role
# since it last started (a kill -9 writes no "no longer the leader").
is_leader() {
  awk '/broker: serving/ { role = "" } /成为主节点/ { role = "leader" } /不再是主节点/ { role = "" }
       END { exit role == "leader" ? 0 : 1 }' "$T/broker-$1.log" 2>/dev/null
}

# wait_leader [EXCEPT]: prints the replica that leads (not EXCEPT), within 30 s.
wait_leader() {
  local n i
  for n in $(seq 1 300); do
    for i in $(seq 1 "${REPLICAS:-3}"); do
      [ "$i" = "${1:-}" ] && continue
      [ -f "$T/broker-$i.log" ] && is_leader "$i" && { echo "$i"; return 0; }
    done
    sleep 0.1
  done
  fail "no replica became the leader within 30 s"
}

replica_head() { "$BIN/duban" audit verify --chain-only --data "$T/data-$1" --json 2>/dev/null | jq -r '.head_seq'; }

# replay_of I: every event of replica I's log, as audit replay prints it.
replay_of() { "$BIN/duban" audit replay --data "$T/data-$1" --json; }

wait_same_logs() {
  local n
  for n in $(seq 1 300); do
    [ "$(replica_head "$1")" = "$(replica_head "$2")" ] && break
    sleep 0.1
  done
  replay_of "$1" >"$T/replay-$1"
  replay_of "$2" >"$T/replay-$2"
  cmp -s "$T/replay-$1" "$T/replay-$2" ||
    fail "the logs of replicas $1 and $2 differ (heads $(replica_head "$1") and $(replica_head "$2"))"
}

# verify_replica I: audit verify passes on replica I's log.
verify_replica() {
  "$BIN/duban" audit verify --data "$T/data-$1" >"$T/verify-$1.out" 2>&1 ||
    fail "audit verify on replica $1: $(cat "$T/verify-$1.out")"
}

# start_writers N: N departments (F1..FN, fault_plan's) each sending progress
# reports to the list of brokers as fast as they are answered, each under
# its own request id, until stop_writers. Writer W writes one line per
# command to $T/writer-W.out: K EXIT_STATUS END_NS SEQ JSON.
WRITER_PIDS=()
replica_writer() {
  local w=$1 k=0 out rc seq
  while [ ! -e "$T/stop" ]; do
    k=$((k + 1))
    rc=0
    out=$(asr "unit:F$w" progress "fault-1:1.$w.1" --percent $((k % 101)) --request-id "w$w-$k" \
      --timeout 30000 --json 2>/dev/null) || rc=$?
    seq=$(echo "$out" | grep -o '"seq": *[0-9]*' | head -n 1 | grep -o '[0-9]*$' || true)
    echo "$k $rc $(date +%s%N) ${seq:-0} ${out//$'\n'/ }" >>"$T/writer-$w.out"
  done
}
start_writers() {
  local w
  for w in $(seq 1 "$1"); do
    replica_writer "$w" &
    WRITER_PIDS+=($!)
    PIDS+=($!)
  done
}
stop_writers() {
  touch "$T/stop"
  wait "${WRITER_PIDS[@]}" 2>/dev/null || true
}

# acked_after NS SEQ: the end times of acknowledged commands that ended
# after NS with an event past SEQ, the dead leader's head: only the new
# leader can have acknowledged those (an answer the old one gave just
# before the kill may be written down just after it).
acked_after() { cat "$T"/writer-*.out | awk -v t="$1" -v s="$2" '$2 == 0 && $3 > t && $4 > s { print $3 }' | sort -n; }

# acked_ids: the request ids of every command a writer was told succeeded.
acked_ids() { cat "$T"/writer-*.out | awk '$2 == 0' | cut -d' ' -f5- | jq -r 'select(.seq > 0) | .request_id' | sort; }

# failover_ms L: kill -9 replica L (the leader) and print the milliseconds
# until a new leader acknowledged a write (fails after 30 s).
failover_ms() {
  local t_kill h_kill first n
  kill_replica "$1"
  t_kill=$(date +%s%N)
  h_kill=$(replica_head "$1")
  for n in $(seq 1 300); do
    first=$(acked_after "$t_kill" "$h_kill" | head -n 1)
    [ -n "$first" ] && break
    sleep 0.1
  done
  [ -n "$first" ] || fail "nothing acknowledged within 30 s of killing leader b$1"
  echo $(((first - t_kill) / 1000000))
}
