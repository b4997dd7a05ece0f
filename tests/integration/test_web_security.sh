# The board's guards, against a real broker and a real duban-console with
# curl: no session → login page (401 for the API); a missing or wrong CSRF
# token → 403 and the log unchanged; traversal in static paths → 404; an
# oversized body → 413 with a message; the failed-login limit; a note with
# <script> is served JSON-escaped, never as markup.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
command -v curl >/dev/null || exit 77
make_keys
start_broker
load_plan                                                  # seq 1
make_user 李协调 coordinator "" 'correct-horse-1'
make_user 王审计 auditor "" 'auditor-pass-1'
[ "$(stat -c %a "$T/users")" = 600 ] || fail "users file is not 0600"
start_console

code=$(curl -s -o "$T/out" -w '%{http_code}' "$CONSOLE_URL/")
loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$CONSOLE_URL/")
[ "$code" = 303 ] && [[ "$loc" == */login ]] || fail "no session: / gave $code to $loc"
curl -s "$CONSOLE_URL/login" | has '督办系统 登录' || fail "login page is not the login form"
code=$(curl -s -o "$T/out" -w '%{http_code}' "$CONSOLE_URL/api/board")
[ "$code" = 401 ] && jq -e '.error == "请先登录"' "$T/out" >/dev/null || fail "no session: /api/board gave $code $(cat "$T/out")"
hdrs=$(curl -s -D - -o /dev/null "$CONSOLE_URL/login")
echo "$hdrs" | has -i "content-security-policy:.*frame-ancestors 'none'" || fail "no CSP: $hdrs"
echo "$hdrs" | has -i "x-content-type-options: nosniff" || fail "no nosniff"
pass "no session: the login page, 401 for the API, security headers"

login 李协调 'correct-horse-1'
grep -q 'HttpOnly' <(curl -s -D - -o /dev/null -d 'name=李协调' -d 'password=correct-horse-1' "$CONSOLE_URL/login") \
  || fail "session cookie not HttpOnly"
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null             # seq 2
as unit:LCJ escalate demo-2023-1:1.1.1 --category funding --reason '资金未到位' >/dev/null   # seq 3
wait_mirror 3
[ "$(curl -s -b "$JAR" "$CONSOLE_URL/api/board" | jq '.escalations | length')" = 1 ] || fail "board lacks the escalation"

code=$(curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -d action=ack -d target=3 "$CONSOLE_URL/api/action")
[ "$code" = 403 ] || fail "missing CSRF gave $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -d action=ack -d target=3 -d csrf=0000 "$CONSOLE_URL/api/action")
[ "$code" = 403 ] || fail "wrong CSRF gave $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: ${CSRF%?}x" -d action=ack -d target=3 \
  "$CONSOLE_URL/api/action")
[ "$code" = 403 ] || fail "wrong CSRF header gave $code"
sleep 0.5
[ "$(as coordinator:office ping --json | jq '.head_seq')" = 3 ] || fail "a refused request still wrote to the log"
pass "missing or wrong CSRF token: 403 and the log head unchanged"

code=$(curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -d action=ack -d target=3 -d "csrf=$CSRF" -d 'note=已收到' \
  "$CONSOLE_URL/api/action")
[ "$code" = 200 ] && jq -e '.results[0].seq == 4' "$T/out" >/dev/null || fail "ack with CSRF: $code $(cat "$T/out")"
as auditor:audit watch --after 3 --count 1 --json --timeout-idle 5000 | tail -n 1 >"$T/ack.json"
jq -e '.seq == 4 and .kind == "acknowledged" and .person == "李协调"' "$T/ack.json" >/dev/null \
  || fail "the ack did not carry the person (经办人): $(cat "$T/ack.json")"
pass "with the CSRF token the ack reaches the broker as the logged-in person"

login 王审计 'auditor-pass-1'
code=$(curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -d action=resolve -d target=3 -d "csrf=$CSRF" "$CONSOLE_URL/api/action")
[ "$code" = 403 ] || fail "an auditor could write: $code"
pass "an auditor's session cannot write"

for path in '/assets/../console.log' '/assets/common/../../x' '/assets/%2e%2e/%2e%2e/etc/passwd' \
  '/assets/%2E%2e/x' '/assets/common%2flogin.html' '/assets/common/%5c..%5cx' '/assets/common/login.html%00' \
  '/assets/common\..\login.html'; do
  code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$CONSOLE_URL$path")
  [ "$code" = 404 ] || fail "$path gave $code"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$CONSOLE_URL/assets/common/login.html")" = 200 ] || fail "plain asset"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$CONSOLE_URL/assets/vendor/echarts/echarts.min.js")
[[ "$ctype" == application/javascript* ]] || fail "echarts served as $ctype"
pass "traversal and encoded variants in static paths: 404"

head -c 2000000 /dev/zero >"$T/big.bin"
code=$(curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" -F "file=@$T/big.bin" \
  "$CONSOLE_URL/api/action")
[ "$code" = 413 ] && grep -q '上传内容过大' "$T/out" || fail "oversized upload gave $code $(cat "$T/out")"
pass "an oversized upload is refused with 413 and a message"

as unit:LCJ progress demo-2023-1:1.1.1 --percent 10 --note '<script>alert(1)</script>' >/dev/null   # seq 5
wait_mirror 5
curl -s -b "$JAR" "$CONSOLE_URL/api/board" >"$T/board.json"
! grep -q '<script>' "$T/board.json" || fail "raw <script> in the JSON"
jq -e '.tasks[] | select(.id == "demo-2023-1:1.1.1") | .note == "<script>alert(1)</script>"' "$T/board.json" >/dev/null \
  || fail "the note did not survive as text"
ctype=$(curl -s -o /dev/null -w '%{content_type}' -b "$JAR" "$CONSOLE_URL/api/board")
[[ "$ctype" == application/json* ]] || fail "board served as $ctype"
pass "a <script> note is served JSON-escaped as application/json"

for i in 1 2 3 4 5; do
  code=$(curl -s -o "$T/out" -w '%{http_code}' -d 'name=李协调' -d 'password=wrong-pass' "$CONSOLE_URL/login")
  [ "$code" = 401 ] || fail "wrong password $i gave $code"
done
code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Accept: application/json' -d 'name=李协调' -d 'password=correct-horse-1' \
  "$CONSOLE_URL/login")
[ "$code" = 429 ] && jq -e '.error | contains("锁定")' "$T/out" >/dev/null || fail "6th try gave $code $(cat "$T/out")"
pass "after 5 wrong passwords the account is locked, even for the right one"

kill -TERM "$CONSOLE_PID"
for i in $(seq 1 50); do kill -0 "$CONSOLE_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$CONSOLE_PID" 2>/dev/null || fail "console did not stop on SIGTERM"
pass "the console stops on SIGTERM"
