# Notifications reach a real HTTPS receiver (tests/notify/receiver.py, with
# a self-signed certificate the channels trust through ca_file): a 催办 is
# delivered once to DingTalk with a valid signature and to WeCom, a
# rejection to the generic webhook with its HMAC header; an entry waits
# while the receiver is down and is delivered when it is back; and
# duban-notify killed with SIGKILL while entries are pending delivers them
# after a restart, none lost and none doubled.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan

. "$SRC/tests/notify/notify_lib.sh"

cat >"$T/notify.conf" <<CONF
[channel ding]
type = dingtalk
url = https://127.0.0.1:$RPORT/ding?access_token=test
secret = SECtest123
ca_file = $T/receiver.pem
events = reminded, rejected
timeout = 5

[channel wecom]
type = wecom
url = https://127.0.0.1:$RPORT/wecom?key=test
ca_file = $T/receiver.pem
units = JTJ
events = reminded

[channel hook]
type = webhook
url = https://127.0.0.1:$RPORT/hook
secret = hook-secret
ca_file = $T/receiver.pem
events = rejected
CONF

# wait_failed N: until the queue shows at least N failed entries.
wait_failed() {
  local i
  for i in $(seq 1 200); do
    [ "$("$BIN/duban-notify" --status --config "$T/notify.conf" --data "$T/notify" | jq .failed)" -ge "$1" ] && return 0
    sleep 0.1
  done
  fail "no failed attempt recorded: $("$BIN/duban-notify" --status --config "$T/notify.conf" --data "$T/notify")"
}

start_receiver
start_notify

as coordinator:office remind 2.1.1 --note '请本周内报送充电桩进度' --person 王主任 >/dev/null || fail "remind"
wait_received /ding 请本周内报送充电桩进度
wait_received /wecom 请本周内报送充电桩进度
# (jq -s: with -e alone the exit status follows the last line, not the match)
jq -e -s 'map(select(.path == "/ding")) | length == 1 and all(.sign_ok)' "$RLOG" >/dev/null \
  || fail "the DingTalk signature did not check: $(cat "$RLOG")"
jq -e -s 'map(select(.path == "/ding")) | all(.body.msgtype == "text" and (.query | contains("access_token=test")))' \
  "$RLOG" >/dev/null || fail "the DingTalk post is not a text message to its access_token: $(cat "$RLOG")"
text=$(jq -r 'select(.path == "/ding") | .body.text.content' "$RLOG")
for want in 【督办催办】市交通运输局 demo-2023-1:2.1.1 '意见：请本周内报送充电桩进度' 经办人：王主任 '时间：2023-09-20 00:00'; do
  grep -q -- "$want" <<<"$text" || fail "the message lacks '$want': $text"
done
pass "a 催办 reaches DingTalk (signed, checked by the receiver) and WeCom, in Chinese, naming the department"

as coordinator:office remind 1.1.2 --note '自然资源局请回复' >/dev/null || fail "remind ZRJ"
wait_received /ding 自然资源局请回复
via_hook=$(jq -c 'select(.path == "/hook")' "$RLOG" | wc -l)
as coordinator:office reject 2.1.1 --reason '缺少验收材料' >/dev/null 2>&1 || true # not submitted: refused, no event
start_agent JTJ
via JTJ claim 2.1.1 >/dev/null || fail "claim"
via JTJ submit 2.1.1 --note 完成 >/dev/null || fail "submit"
as coordinator:office reject 2.1.1 --reason '缺少验收材料' >/dev/null || fail "reject"
wait_received /hook 缺少验收材料
jq -e -s 'map(select(.path == "/hook")) | length == 1 and all(.sign_ok and .body.kind == "rejected"
       and .body.unit == "JTJ" and .body.unit_name == "市交通运输局" and (.body.text | contains("退回原因：缺少验收材料")))' \
  "$RLOG" >/dev/null \
  || fail "the webhook post is not the signed rejection: $(jq -c 'select(.path == "/hook")' "$RLOG")"
wait_received /ding 缺少验收材料
[ "$via_hook" = 0 ] || fail "a reminder went to the rejections-only webhook"
[ "$(received /wecom 自然资源局请回复)" = 0 ] || fail "WeCom's units = JTJ let ZRJ's reminder through"
pass "a rejection reaches the generic webhook with a valid HMAC; event and unit filters hold"

# The receiver is down: the entry waits and is retried until it is back.
stop_receiver
as coordinator:office remind 2.1.1 --note '第二次催办' >/dev/null || fail "remind 2"
wait_failed 1
"$BIN/duban-notify" --status --config "$T/notify.conf" --data "$T/notify" | jq -e '.errors[0].error | length > 0' \
  >/dev/null || fail "the status does not say why"
start_receiver
wait_received /ding 第二次催办
wait_received /wecom 第二次催办
pass "with the receiver down the entry is retried, and delivered when it comes back"

# Killed while entries are pending (the receiver answers 500): nothing lost
# after the restart, nothing sent twice.
touch "$FAIL_FILE"
as coordinator:office remind 2.1.1 --note '第三次催办' >/dev/null || fail "remind 3"
wait_failed 2
kill -9 "$NOTIFY_PID"
wait "$NOTIFY_PID" 2>/dev/null || true
as coordinator:office remind 2.1.1 --note '停机期间的催办' >/dev/null || fail "remind while stopped"
rm -f "$FAIL_FILE"
start_notify
wait_received /ding 第三次催办
wait_received /wecom 第三次催办
wait_received /ding 停机期间的催办
wait_received /wecom 停机期间的催办
sleep 1 # time for a double to show
for note in 请本周内报送充电桩进度 第二次催办 第三次催办 停机期间的催办; do
  for path in /ding /wecom; do
    [ "$(received $path "$note")" = 1 ] || fail "'$note' reached $path $(received $path "$note") times"
  done
done
[ "$(received /hook 缺少验收材料)" = 1 ] || fail "the rejection reached the webhook more than once"
jq -e -s 'map(select(.path == "/ding")) | all(.sign_ok)' "$RLOG" >/dev/null || fail "a DingTalk post was not signed right"
status=$("$BIN/duban-notify" --status --config "$T/notify.conf" --data "$T/notify")
echo "$status" | jq -e '.pending == 0' >/dev/null || fail "entries left: $status"
pass "killed with SIGKILL while entries were pending: after a restart each reached each channel exactly once"

kill -TERM "$NOTIFY_PID"
for i in $(seq 1 100); do kill -0 "$NOTIFY_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$NOTIFY_PID" 2>/dev/null && fail "SIGTERM did not stop duban-notify"
wait "$NOTIFY_PID" && pass "SIGTERM stops duban-notify cleanly" || fail "duban-notify exited with $? on SIGTERM"

out=$("$BIN/duban-notify" --config "$T/nope.conf" --data "$T/n2" --status 2>&1) && fail "a missing config was accepted"
echo "$out" | has '无法打开配置文件' || fail "missing config: $out"
printf '[channel a]\nurl = https://x/\nretry = 3\n' >"$T/bad.conf"
out=$("$BIN/duban-notify" --config "$T/bad.conf" --data "$T/n2" --status 2>&1) && fail "a bad config was accepted"
echo "$out" | has '第 3 行' || fail "the error does not name the line: $out"
out=$("$BIN/duban-notify" --bogus 2>&1) && fail "--bogus accepted"
echo "$out" | has '未知' || fail "bad option: $out"
"$BIN/duban-notify" --help | has 'usage: duban-notify' || fail "--help"
pass "bad options and configs get Chinese errors naming the line"
