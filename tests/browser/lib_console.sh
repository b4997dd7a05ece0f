# lib_console.sh: start a duban-console against the broker of lib.sh, with
# accounts made by `duban user`. Source after tests/integration/lib.sh.

# make_user NAME ROLE [UNIT] PASSWORD: an account in $T/users.
make_user() {
  local name=$1 role=$2 unit=$3 password=$4
  local args=(user add --users "$T/users" "$name" --role "$role" --password-stdin)
  [ -n "$unit" ] && args+=(--unit "$unit")
  echo "$password" | "$BIN/duban" "${args[@]}" >>"$T/users.log" 2>&1 || fail "duban user add $name"
}

# start_console [extra flags]: the board on a free port; sets CONSOLE_URL.
# A port that free_port gave but another test took before the console bound
# it (tests run side by side) is retried on another port, as start_broker does.
start_console() {
  local attempt
  for attempt in 1 2 3 4 5; do
    start_console_once "$@" && return 0
    tail -n 3 "$T/console.log" | has "Address already in use" || fail "console exited at start (see console.log)"
  done
  fail "console found no free port in 5 tries"
}

# start_console_once [extra flags]: 0 once the console answers, 1 if it exited.
start_console_once() {
  CONSOLE_PORT=$(free_port)
  "$BIN/duban-console" --broker "$ENDPOINT" --keys "$T/keys" --key coordinator-office --data "$T/mirror" \
    --users "$T/users" --listen "127.0.0.1:$CONSOLE_PORT" "$@" >>"$T/console.log" 2>&1 &
  CONSOLE_PID=$!
  PIDS+=("$CONSOLE_PID")
  CONSOLE_URL=http://127.0.0.1:$CONSOLE_PORT
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$CONSOLE_URL/login" && return 0
    kill -0 "$CONSOLE_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  fail "console did not answer within 10 s"
}

# mirror_head: the head seq the console's board reports (needs $JAR logged in).
board_head() { curl -s -b "$JAR" "$CONSOLE_URL/api/board" | jq '.head'; }

# wait_mirror SEQ: until the console's mirror has reached SEQ.
wait_mirror() {
  local i
  for i in $(seq 1 100); do
    [ "$(board_head)" -ge "$1" ] 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the console's mirror did not reach seq $1 (at $(board_head))"
}

# login NAME PASSWORD: a session in the cookie jar $JAR; sets CSRF.
login() {
  JAR=$T/cookies
  curl -s -c "$JAR" -o /dev/null -d "name=$1" -d "password=$2" "$CONSOLE_URL/login"
  CSRF=$(curl -s -b "$JAR" "$CONSOLE_URL/api/session" | jq -r '.csrf')
  [ ${#CSRF} -eq 64 ] || fail "login as $1 gave no session"
}
