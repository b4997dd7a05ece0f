# What the board is pushed although no page asked (test_board_live.py): the
# 通知发送 panel of the console's own notifier (--notify-config) with the
# HTTPS receiver of the notification tests down, then up; and a grid cell
# that turns red when the virtual clock passes its due date. SKIPs (77)
# only when chromium or its driver is missing.
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "SKIP: no chromium"; exit 77; }
. "$DUBAN_SOURCE/tests/integration/lib.sh"
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
units = JTJ, LCJ
CONF
start_console --notify-config "$T/notify.conf" # the receiver is not started: deliveries fail
export CONSOLE_URL T BIN ENDPOINT RPORT SRC RLOG FAIL_FILE
/usr/bin/python3 "$SRC/tests/browser/test_board_live.py" || fail "browser test"
