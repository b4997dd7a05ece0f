# notify_lib.sh: what the notification tests share, sourced after
# tests/integration/lib.sh: a self-signed certificate, the HTTPS receiver
# (receiver.py) on a free port, duban-notify with $T/notify.conf, and
# questions about what the receiver got.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" -days 2 \
  -keyout "$T/receiver.key" -out "$T/receiver.pem" >"$T/openssl.log" 2>&1 || fail "openssl req"
RPORT=$(free_port)
RLOG=$T/received.jsonl
FAIL_FILE=$T/receiver-fails
touch "$RLOG"

start_receiver() {
  /usr/bin/python3 "$SRC/tests/notify/receiver.py" --port "$RPORT" --cert "$T/receiver.pem" --key "$T/receiver.key" \
    --log "$RLOG" --fail-file "$FAIL_FILE" --dingtalk-secret SECtest123 --webhook-secret hook-secret \
    >>"$T/receiver.log" 2>&1 &
  RECEIVER_PID=$!
  PIDS+=("$RECEIVER_PID")
  local i
  for i in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$RPORT) 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the receiver did not listen"
}
stop_receiver() { kill "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; }

start_notify() {
  "$BIN/duban-notify" --config "$T/notify.conf" --data "$T/notify" --broker "$ENDPOINT" \
    --server-key "$T/keys/broker.key" --key "$(key_of coordinator:office)" >>"$T/notify.log" 2>&1 &
  NOTIFY_PID=$!
  PIDS+=("$NOTIFY_PID")
}

# received PATH TEXT: how many POSTs to PATH carry TEXT.
received() { jq -c --arg p "$1" --arg t "$2" 'select(.path == $p and (.body | tostring | contains($t)))' "$RLOG" | wc -l; }

# wait_received PATH TEXT: until at least one arrived (20 s).
wait_received() {
  local i
  for i in $(seq 1 200); do
    [ "$(received "$1" "$2")" -ge 1 ] && return 0
    sleep 0.1
  done
  fail "nothing with '$2' reached $1: $(cat "$RLOG")"
}

