# What the broker raises itself reaches people too: moving the virtual clock
# past a due date sends the yellow and red deadline warnings and the
# automatic escalation, a level of the 督办 ladder that names whom it
# notifies goes to the channel for that person, and a resolution follows;
# each exactly once, naming the department as the plan types it.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker --virtual-clock 2023-11-01 --yellow-days 30 --escalation-sla-hours 48 \
  --escalation-levels '蓝色督办单,橙色督办单=分管副市长,红色督办单'
load_plan
. "$SRC/tests/notify/notify_lib.sh"

cat >"$T/notify.conf" <<CONF
[channel hook]
type = webhook
url = https://127.0.0.1:$RPORT/hook
secret = hook-secret
ca_file = $T/receiver.pem
units = JTJ

[channel leader]
type = dingtalk
url = https://127.0.0.1:$RPORT/ding-leader?access_token=t2
secret = SECtest123
ca_file = $T/receiver.pem
events = escalation_level
ladder = 分管副市长
CONF

start_receiver
start_notify

as admin:admin clock advance --days 39 >/dev/null || fail "clock advance 39" # 2023-12-10: yellow for 2.1.1
wait_received /hook 到期提醒
as admin:admin clock advance --days 26 >/dev/null || fail "clock advance 26" # 2024-01-05: red + escalation
wait_received /hook 逾期警示
wait_received /hook 问题上报
as admin:admin clock advance --days 3 >/dev/null || fail "clock advance 3" # past the SLA: level 1
wait_received /hook 督办升级为橙色督办单
wait_received /ding-leader 督办升级为橙色督办单
esc=$(as coordinator:office escalations --json | jq -r '.escalations[] | select(.task == "demo-2023-1:2.1.1") | .id')
as coordinator:office resolve "$esc" --note '已协调解决用地问题' >/dev/null || fail "resolve"
wait_received /hook 已协调解决用地问题

jq -e -s 'map(select(.path == "/hook")) | all(.sign_ok and .body.unit_name == "市交通运输局"
          and .body.task == "demo-2023-1:2.1.1")' "$RLOG" >/dev/null \
  || fail "a webhook post is not about JTJ's 2.1.1, or not signed: $(cat "$RLOG")"
kinds=$(jq -s -c 'map(select(.path == "/hook") | .body.kind)' "$RLOG")
[ "$kinds" = '["deadline_warning","deadline_warning","escalated","escalation_level","resolved"]' ] \
  || fail "the webhook got $kinds"
jq -e -s 'map(select(.body.kind == "escalation_level")) | all(.body.notify == "分管副市长"
          and (.body.text | contains("呈报：分管副市长")))' "$RLOG" >/dev/null || fail "the level does not say whom"
pass "yellow and red warnings, the automatic escalation, its ladder level and its resolution, once each"

# Two days more: LCJ's escalation (raised the same day, for 1.1.1) reaches
# 红色督办单, which names nobody; the leader's channel must not get it.
as admin:admin clock advance --days 2 >/dev/null || fail "clock advance 2"
as coordinator:office remind 2.1.1 --note 屏障 >/dev/null || fail "remind"
wait_received /hook 屏障
sleep 1 # a double, or the cap level, would show by now
leader=$(jq -s -c 'map(select(.path == "/ding-leader") | [.sign_ok, (.body.text.content | contains("呈报：分管副市长")),
                   (.body.text.content | contains("红色督办单"))])' "$RLOG")
[ "$leader" = '[[true,true,false],[true,true,false]]' ] \
  || fail "the leader's channel got $leader, not the two level-1 notices (LCJ's and JTJ's), signed"
[ "$(received /hook 问题上报)" = 1 ] || fail "the escalation reached the webhook more than once"
pass "only the ladder levels that name 分管副市长 reach that person's channel"

# A second notifier on the same queue would post every entry twice: refused.
out=$(timeout 20 "$BIN/duban-notify" --config "$T/notify.conf" --data "$T/notify" --broker "$ENDPOINT" \
  --server-key "$T/keys/broker.key" --key "$(key_of coordinator:office)" 2>&1) && fail "a second notifier ran: $out"
echo "$out" | has '另一个 duban-notify' || fail "the second notifier's error: $out"
pass "a second notifier on the same queue is refused with a clear error"
