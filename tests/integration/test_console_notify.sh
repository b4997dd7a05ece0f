# The notifier inside duban-console (--notify-config), fed from the
# console's mirror, against the real HTTPS receiver of the notification
# tests: a 催办 made before the console's queue existed is history and is
# not sent (the default --notify-from auto); a new one is delivered once,
# signed; with the receiver down the failure shows, per channel and in
# Chinese, in /api/notify and on the board's /api/live stream; the console
# killed with SIGKILL while entries are pending, and a reminder made while
# it is down, are each delivered exactly once after a restart (started that
# time from a --config file with the notify-config key); --notify-from
# start on a new queue sends the old events too, and duban-notify --from
# head does not.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
make_keys
start_broker
load_plan
. "$SRC/tests/notify/notify_lib.sh"
make_user 李协调 coordinator "" 'correct-horse-1'

cat >"$T/notify.conf" <<CONF
[channel ding]
type = dingtalk
url = https://127.0.0.1:$RPORT/ding?access_token=test
secret = SECtest123
ca_file = $T/receiver.pem
events = reminded
timeout = 5

[channel wecom]
type = wecom
url = https://127.0.0.1:$RPORT/wecom?key=test
ca_file = $T/receiver.pem
events = reminded
CONF

notify_status() { curl -s -b "$JAR" "$CONSOLE_URL/api/notify"; }

# wait_channel_failed CHANNEL N: until the board shows N failed entries for CHANNEL.
wait_channel_failed() {
  local i
  for i in $(seq 1 200); do
    [ "$(notify_status | jq --arg c "$1" '.by_channel[] | select(.channel == $c) | .failed')" -ge "$2" ] \
      2>/dev/null && return 0
    sleep 0.1
  done
  fail "the board shows no failed delivery on $1: $(notify_status)"
}

# An old log: a reminder made before the console's queue existed.
as coordinator:office remind 2.1.1 --note '建队列之前的旧催办' >/dev/null || fail "old remind"
start_receiver
start_console --notify-config "$T/notify.conf"
login 李协调 'correct-horse-1'
for i in $(seq 1 100); do
  [ "$(notify_status | jq '.waiting_for_head')" = false ] && break
  sleep 0.1
done
status=$(notify_status)
echo "$status" | jq -e '.enabled and .deliver_after >= 2 and .last_seq >= .deliver_after' >/dev/null \
  || fail "a new queue on an old log did not start at its head: $status"

as coordinator:office remind 2.1.1 --note '请本周内报送充电桩进度' --person 王主任 >/dev/null || fail "remind"
wait_received /ding 请本周内报送充电桩进度
wait_received /wecom 请本周内报送充电桩进度
sleep 1 # time for a double, or the old reminder, to show
[ "$(received /ding 建队列之前的旧催办)" = 0 ] || fail "the reminder from before the queue existed was sent"
[ "$(received /ding 请本周内报送充电桩进度)" = 1 ] || fail "the reminder reached DingTalk more than once"
jq -e -s 'map(select(.path == "/ding")) | length == 1 and all(.sign_ok)' "$RLOG" >/dev/null \
  || fail "the DingTalk signature did not check: $(cat "$RLOG")"
pass "the console's notifier delivers a 催办 once, signed; the log's older events are not sent"

# The receiver down: the board says so, per channel, in Chinese, and pushes it.
stop_receiver
as coordinator:office remind 2.1.1 --note '第二次催办' >/dev/null || fail "remind 2"
wait_channel_failed ding 1
wait_channel_failed wecom 1
status=$(notify_status)
echo "$status" | jq -e '.by_channel[] | select(.channel == "ding") | .pending >= 1 and .attempts >= 1
       and (.last_error | test("发送失败：无法连接接收方"))' >/dev/null || fail "the board does not say why: $status"
live=$(curl -s -N -b "$JAR" --max-time 3 "$CONSOLE_URL/api/live" || true)
echo "$live" | grep '^event: notify' >/dev/null || fail "no notify event on /api/live: $live"
# (no grep -q at the end of a pipe: under pipefail its early exit fails the pipe)
[ "$(echo "$live" | grep '^data: ' | grep '"enabled":true' | grep -c '发送失败')" -ge 1 ] \
  || fail "the live stream does not carry the failure: $live"
start_receiver
wait_received /ding 第二次催办
wait_received /wecom 第二次催办
for i in $(seq 1 200); do [ "$(notify_status | jq .pending)" = 0 ] && break; sleep 0.1; done
[ "$(notify_status | jq .pending)" = 0 ] || fail "entries left after the receiver came back: $(notify_status)"
pass "with the receiver down the board shows each channel's pending and failed entries and the error, live"

# Killed while entries are pending; a reminder while it is down; restarted
# from a config file: each delivered exactly once.
touch "$FAIL_FILE"
as coordinator:office remind 2.1.1 --note '第三次催办' >/dev/null || fail "remind 3"
wait_channel_failed ding 1
kill -9 "$CONSOLE_PID"
wait "$CONSOLE_PID" 2>/dev/null || true
as coordinator:office remind 2.1.1 --note '控制台停机期间的催办' >/dev/null || fail "remind while stopped"
rm -f "$FAIL_FILE"
cat >"$T/console.conf" <<CONF
# the console's settings: the same names as the flags
notify-config = $T/notify.conf
notify-from = head
CONF
start_console --config "$T/console.conf"
login 李协调 'correct-horse-1'
wait_received /ding 第三次催办
wait_received /wecom 第三次催办
wait_received /ding 控制台停机期间的催办
wait_received /wecom 控制台停机期间的催办
sleep 1
for note in 请本周内报送充电桩进度 第二次催办 第三次催办 控制台停机期间的催办; do
  for path in /ding /wecom; do
    [ "$(received $path "$note")" = 1 ] || fail "'$note' reached $path $(received $path "$note") times"
  done
done
[ "$(received /ding 建队列之前的旧催办)" = 0 ] || fail "the old reminder was sent after the restart"
notify_status | jq -e '.pending == 0' >/dev/null || fail "entries left: $(notify_status)"
pass "killed with SIGKILL while entries were pending: after a restart each reached each channel exactly once"

out=$("$BIN/duban-notify" --config "$T/notify.conf" --data "$T/mirror/notify" --broker "$ENDPOINT" \
  --server-key "$T/keys/broker.key" --key "$(key_of coordinator:office)" 2>&1) \
  && fail "duban-notify delivered the console's queue beside it"
echo "$out" | grep -q '控制台' || fail "duban-notify on a queue in use: $out"
pass "a second notifier on the console's queue is refused while the console delivers it"

# --notify-from start: a new queue sends the log's old events as well.
kill -TERM "$CONSOLE_PID"
wait "$CONSOLE_PID" || fail "the console exited with $? on SIGTERM"
cat >"$T/all.conf" <<CONF
[channel all]
type = webhook
url = https://127.0.0.1:$RPORT/all
ca_file = $T/receiver.pem
events = reminded
CONF
start_console --notify-config "$T/all.conf" --notify-data "$T/notify-all" --notify-from start
wait_received /all 建队列之前的旧催办
wait_received /all 控制台停机期间的催办
pass "--notify-from start sends a new queue the log's old events too"

# duban-notify --from head: the same choice for the separate daemon.
sed "s|/all|/head|; s|channel all|channel head|" "$T/all.conf" >"$T/head.conf"
"$BIN/duban-notify" --config "$T/head.conf" --data "$T/notify-head" --from head --broker "$ENDPOINT" \
  --server-key "$T/keys/broker.key" --key "$(key_of coordinator:office)" >>"$T/notify.log" 2>&1 &
PIDS+=($!)
head_status() { "$BIN/duban-notify" --status --config "$T/head.conf" --data "$T/notify-head" 2>/dev/null; }
for i in $(seq 1 100); do
  [ "$(head_status | jq '.deliver_after')" -gt 0 ] 2>/dev/null && break
  sleep 0.1
done
[ "$(head_status | jq '.deliver_after')" -gt 0 ] || fail "duban-notify --from head did not start at the head: $(head_status)"
as coordinator:office remind 2.1.1 --note 'duban-notify 启动后的催办' >/dev/null || fail "remind for --from head"
wait_received /head 'duban-notify 启动后的催办'
sleep 1
[ "$(received /head 建队列之前的旧催办)" = 0 ] || fail "duban-notify --from head sent an old reminder"
[ "$(received /head 第二次催办)" = 0 ] || fail "duban-notify --from head sent an old reminder"
pass "duban-notify --from head sends only what comes after the log's head"

out=$("$BIN/duban-console" --broker "$ENDPOINT" --keys "$T/keys" --key coordinator-office --data "$T/m2" \
  --users "$T/users" --notify-from tail 2>&1) && fail "a bad --notify-from was accepted"
echo "$out" | grep -q 'auto、head 或 start' || fail "bad --notify-from: $out"
printf 'notify-confg = x\n' >"$T/typo.conf"
out=$("$BIN/duban-console" --config "$T/typo.conf" 2>&1) && fail "a typo in the config was accepted"
echo "$out" | grep -q '第 1 行：未知的键' || fail "config typo: $out"
pass "a bad --notify-from and an unknown config key get Chinese errors"
