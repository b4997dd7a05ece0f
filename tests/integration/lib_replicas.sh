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
