#!/usr/bin/env bash
# fsyncs.sh: how many durable writes one command costs, in the agent and in
# the broker. Starts a real broker and one department's agent, each under
# `strace -f`, sends progress reports through the agent (each waiting for
# its answer), stops both with SIGTERM and counts the durable writes: the
# fsync-family calls, and the writes through a descriptor opened with
# O_DSYNC (LMDB writes its meta page so after its fdatasync, unless the log
# is opened with MDB_NOMETASYNC, as the broker's pipelined commit does:
# broker/pipeline.h). It runs twice, with 0 and with N reports, so start-up
# and shutdown cancel out.
#
#   bench/fsyncs.sh [N]            (N = 200 by default; needs strace and bc)
#   DUBAN_BIN=build/bin            (the programs; default build/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
export DUBAN_BIN=${DUBAN_BIN:-$PWD/build/bin} DUBAN_SOURCE=$PWD
for tool in strace bc; do
  command -v $tool >/dev/null || { echo "fsyncs.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
. tests/integration/lib.sh
make_keys
SYNCS=fdatasync,fsync,msync,sync_file_range

# traced OUT PROGRAM ARGS...: PROGRAM under strace in the background; sets TRACED_PID
# to the program itself (strace's child), so that SIGTERM reaches it. The child is
# found by its name: strace forks short-lived children of its own at start (to probe
# what ptrace can do), and signalling one of those instead left the program running
# and the script waiting for it. Nothing of strace or the program writes to this
# script's stdout, which `run` hands back through a pipe: a process left holding it
# would keep the reader waiting forever.
traced() {
  local out=$1 name
  shift
  name=$(basename "$1")
  strace -f -e trace=$SYNCS,openat,close,pwrite64,pwritev -o "$out" "$@" >>"$out.log" 2>&1 &
  local strace_pid=$!
  PIDS+=("$strace_pid")
  TRACED_PID=
  for _ in $(seq 1 100); do
    TRACED_PID=$(pgrep -P "$strace_pid" -x "${name:0:15}" | head -n 1 || true)
    [ -n "$TRACED_PID" ] && break
    sleep 0.05
  done
  [ -n "$TRACED_PID" ] || { echo "fsyncs.sh: $name did not start under strace (see $out.log)" >&2; exit 1; }
  TRACED_STRACE=$strace_pid
}

# count FILE: "SYNC_CALLS DSYNC_WRITES" in an strace log (one line a call;
# a call another thread interrupted is split, and only its first part names
# it with an opening parenthesis).
count() {
  awk -v names="${SYNCS//,/|}" '
    $2 ~ "^(" names ")\\(" { syncs++ }
    $2 ~ /^openat\(/ && /O_DSYNC/ && match($0, /= [0-9]+$/) { dsync[substr($0, RSTART + 2)] = 1 }
    $2 ~ /^close\(/ { fd = $2; sub(/^close\(/, "", fd); sub(/\).*/, "", fd); delete dsync[fd] }
    $2 ~ /^pwrite(64|v)\(/ { fd = $2; sub(/^pwrite(64|v)\(/, "", fd); sub(/,.*/, "", fd); if (fd in dsync) writes++ }
    END { print syncs + 0, writes + 0 }' "$1"
}

# run REPORTS: a fresh log and outbox, REPORTS progress reports; prints the
# agent's sync calls and O_DSYNC writes, then the broker's.
run() {
  local reports=$1 dir=$T/run-$1
  mkdir -p "$dir"
  traced "$dir/broker.strace" "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$dir/data" --keys "$T/keys" \
    --virtual-clock 2023-09-20
  local broker=$TRACED_PID broker_strace=$TRACED_STRACE
  for _ in $(seq 1 100); do as admin:admin ping --timeout 300 >/dev/null 2>&1 && break; sleep 0.1; done
  as admin:admin plan load "$PLAN_JSON" >/dev/null
  as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
  traced "$dir/agent.strace" "$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
    --key "$(key_of unit:LCJ)" --listen "ipc://$dir/agent.sock" --data "$dir/agent"
  local agent=$TRACED_PID agent_strace=$TRACED_STRACE
  for _ in $(seq 1 100); do "$BIN/duban" ping --agent "ipc://$dir/agent.sock" >/dev/null 2>&1 && break; sleep 0.1; done
  for i in $(seq 1 "$reports"); do
    "$BIN/duban" progress demo-2023-1:1.1.1 --percent $((i % 100)) --agent "ipc://$dir/agent.sock" >/dev/null
  done
  kill -TERM "$agent"
  wait "$agent_strace" 2>/dev/null || true
  kill -TERM "$broker"
  wait "$broker_strace" 2>/dev/null || true
  echo "$(count "$dir/agent.strace") $(count "$dir/broker.strace")"
}

read -r agent0 agent_dsync0 broker0 broker_dsync0 < <(run 0)
read -r agentN agent_dsyncN brokerN broker_dsyncN < <(run "$N")
echo "$N progress reports through one agent, each waiting for its answer (sync calls: $SYNCS;"
echo "O_DSYNC writes: through a descriptor opened with O_DSYNC, each as durable as a sync)"
per() { echo "($1 - $2) / $N" | bc -l; }
for who in agent broker; do
  eval "calls=\$${who}N calls0=\$${who}0 dsync=\$${who}_dsyncN dsync0=\$${who}_dsync0"
  printf '%-7s %5d sync calls with the reports, %3d without: %.2f per command; O_DSYNC writes %.2f per command; durable writes %.2f per command\n' \
    "$who:" "$calls" "$calls0" "$(per "$calls" "$calls0")" "$(per "$dsync" "$dsync0")" \
    "$(per $((calls + dsync)) $((calls0 + dsync0)))"
done
