# lib.sh: what the integration tests share. Each test sources this, gets a
# fresh temporary folder with real CURVE keys, starts a real broker (and
# agents) on a free loopback port, and everything is killed and removed on
# exit. Tests talk to the processes only through their command lines.
set -euo pipefail

BIN=${DUBAN_BIN:?set DUBAN_BIN to the build tree bin folder}
SRC=${DUBAN_SOURCE:?set DUBAN_SOURCE to the source tree}
T=$(mktemp -d "${TMPDIR:-/tmp}/duban-it-XXXXXX")
# The suite reads the CLI's English messages (common/lang.h); a person gets
# Chinese by default, which test_lang.sh and test_demo.sh check.
export DUBAN_LANG=en
PLAN_JSON=$SRC/tests/fixtures/small-plan.json
PIDS=()

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
    echo "---- logs of the failed test ($T) ----" >&2
    for log in "$T"/*.log; do [ -f "$log" ] && { echo "== $log" >&2; tail -n 40 "$log" >&2; }; done
  fi
  rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# memory_bound_holds MAX BOUND WHAT: fail unless MAX < BOUND (KiB), but only
# in a normal build; under AddressSanitizer (DUBAN_SANITIZED=1, from CTest)
# the figure is printed, since its quarantine keeps freed memory resident.
memory_bound_holds() {
  if [ "${DUBAN_SANITIZED:-0}" = 1 ]; then
    echo "note: $3 reached $1 KiB (bound $2 KiB, not checked under AddressSanitizer)"
    return 0
  fi
  [ "$1" -lt "$2" ] || fail "$3 grew to $1 KiB, past $2 KiB"
}

# has GREP-ARGS...: like `grep -q`, but reads its input to the end, so that a
# program piped into it is never killed by SIGPIPE (under pipefail that
# failed the pipe whenever grep -q matched early in a long output).
has() { grep "$@" >/dev/null; }
pass() { echo "ok: $*"; }

# A loopback port nobody listens on.
# Ports come from below the kernel's ephemeral range (32768 and up here):
# a port in that range can be the source port of any client connection of
# a test running beside this one, and a bind to it then fails.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "$port"; return; }
  done
}
PORT=$(free_port)
ENDPOINT=tcp://127.0.0.1:$PORT

make_keys() {
  "$BIN/duban" keygen --dir "$T/keys" --plan "${1:-$PLAN_JSON}" >"$T/keygen.log" 2>&1 || fail "keygen"
}

# start_broker [extra flags...]: runs in the background, waits until it answers.
# free_port only says a port was free a moment ago; tests running side by
# side may take it first. So a first start that finds its port taken moves
# to another (a restart keeps its endpoint: agents are connected to it).
BROKER_STARTED=0
start_broker() {
  local attempt
  for attempt in 1 2 3 4 5; do
    start_broker_once "$@" && { BROKER_STARTED=1; return 0; }
    [ "$BROKER_STARTED" = 0 ] && tail -n 3 "$T/broker.log" | has "Address already in use" ||
      fail "broker exited at start (see broker.log)"
    PORT=$(free_port)
    ENDPOINT=tcp://127.0.0.1:$PORT
  done
  fail "broker found no free port in 5 tries"
}

# start_broker_once [extra flags...]: 0 once the broker answers, 1 if it exited.
start_broker_once() {
  # A virtual clock at the plan's start keeps deadline warnings out of the way
  # unless a test moves it; a later --virtual-clock in "$@" wins.
  "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" --virtual-clock 2023-09-20 "$@" \
    >>"$T/broker.log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  local i
  for i in $(seq 1 100); do
    if as admin:admin ping --timeout 300 >/dev/null 2>&1; then return 0; fi
    kill -0 "$BROKER_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  fail "broker did not answer within 10 s"
}

stop_broker() { kill -TERM "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; }
kill_broker() { kill -9 "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; }
# stop_cleanly PID WHAT: SIGTERM, as systemd stops a unit, must end the
# program with exit 0 (anything else is a failed stop to systemd).
stop_cleanly() {
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  [ "$rc" = 0 ] || fail "$2 exited $rc on SIGTERM"
}

key_of() { echo "$T/keys/${1/:/-}.key"; }

# as IDENTITY duban-subcommand args...: the CLI straight to the broker with that key.
as() {
  local who=$1
  shift
  "$BIN/duban" "$@" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of "$who")"
}

# start_agent CODE: the agent of unit CODE, listening on $T/agent-CODE.sock.
start_agent() {
  local code=$1
  "$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of "unit:$code")" \
    --listen "ipc://$T/agent-$code.sock" --data "$T/agent-$code" >>"$T/agent-$code.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  eval "AGENT_PID_$code=$pid"
  local i
  for i in $(seq 1 50); do [ -S "$T/agent-$code.sock" ] && return 0; sleep 0.1; done
  fail "agent $code did not start"
}

# via CODE duban-subcommand args...: the CLI through unit CODE's agent.
via() {
  local code=$1
  shift
  "$BIN/duban" "$@" --agent "ipc://$T/agent-$code.sock"
}

load_plan() { as admin:admin plan load "${1:-$PLAN_JSON}" >/dev/null || fail "plan load"; }

# expect_code CODE_NAME command...: the command fails and says CODE_NAME.
expect_code() {
  local want=$1
  shift
  local out
  if out=$("$@" 2>&1); then fail "expected $want from: $* (got success: $out)"; fi
  echo "$out" | has "$want" || fail "expected $want from: $*, got: $out"
}


# seqs FILE: the sequence numbers of the events in a `watch --json` output
# (the first line lists open escalations and has no seq).
seqs() { jq -s -c '[.[] | select(has("seq")) | .seq]' "$1"; }
