# The board in headless Chromium (test_board.py) against a real broker and
# console. SKIPs (77) only when chromium or its driver is missing.
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "SKIP: no chromium"; exit 77; }
. "$DUBAN_SOURCE/tests/integration/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
make_keys
start_broker
load_plan
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
export CONSOLE_URL T BIN ENDPOINT
/usr/bin/python3 "$SRC/tests/browser/test_board.py" || fail "browser test"
