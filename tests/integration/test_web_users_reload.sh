# The console rereads its users file when `duban user` changes it, without
# a restart: a person added after the console started can log in; a removed
# person's session ends at once (401 on the next request) and the login is
# refused; a changed password ends the old sessions too; a file made
# unsafe (group-writable) is not taken, the accounts stay as they were.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
command -v curl >/dev/null || exit 77
make_keys
start_broker
load_plan
make_user 李协调 coordinator "" 'correct-horse-1'
start_console

# status_as JAR: the HTTP status of /api/board with that cookie jar.
status_as() { curl -s -o /dev/null -w '%{http_code}' -b "$1" "$CONSOLE_URL/api/board"; }
# login_as JAR NAME PASSWORD: the status of the login (303 on success).
login_as() {
  curl -s -c "$1" -o /dev/null -w '%{http_code}' -d "name=$2" -d "password=$3" "$CONSOLE_URL/login"
}

[ "$(login_as "$T/wang" 王协调 'new-person-1')" = 401 ] || fail "a person not yet in the file logged in"
make_user 王协调 coordinator "" 'new-person-1'
[ "$(login_as "$T/wang" 王协调 'new-person-1')" = 303 ] || fail "a person added with duban user add cannot log in"
[ "$(status_as "$T/wang")" = 200 ] || fail "the new person's session does not work"
grep -q 'reread the users file' "$T/console.log" || fail "the console did not say it reread the file"
pass "a person added with duban user add logs in without restarting the console"

[ "$(login_as "$T/li" 李协调 'correct-horse-1')" = 303 ] || fail "李协调 cannot log in"
# Both have the live stream open; only the removed person's ends.
curl -s -N -b "$T/wang" "$CONSOLE_URL/api/events" >"$T/wang.sse" 2>&1 &
WANG_SSE=$!
curl -s -N -b "$T/li" "$CONSOLE_URL/api/events" >"$T/li.sse" 2>&1 &
LI_SSE=$!
PIDS+=("$WANG_SSE" "$LI_SSE")
for i in $(seq 1 50); do grep -q retry "$T/wang.sse" && grep -q retry "$T/li.sse" && break; sleep 0.1; done
grep -q retry "$T/wang.sse" || fail "王协调's event stream did not open"
"$BIN/duban" user remove --users "$T/users" 王协调 >>"$T/users.log" 2>&1 || fail "duban user remove"
[ "$(status_as "$T/wang")" = 401 ] || fail "a removed person's session still works"
for i in $(seq 1 50); do kill -0 "$WANG_SSE" 2>/dev/null || break; sleep 0.1; done
kill -0 "$WANG_SSE" 2>/dev/null && fail "a removed person's event stream stays open"
kill -0 "$LI_SSE" 2>/dev/null || fail "another person's event stream ended with the removal"
kill "$LI_SSE" 2>/dev/null
[ "$(login_as "$T/wang" 王协调 'new-person-1')" = 401 ] || fail "a removed person logged in"
[ "$(status_as "$T/li")" = 200 ] || fail "another person's session ended with the removal"
pass "a removed person's session and event stream end and the login is refused; others stay logged in"

printf '%s\n' 'correct-horse-2' | "$BIN/duban" user passwd --users "$T/users" 李协调 --password-stdin \
  >>"$T/users.log" 2>&1 || fail "duban user passwd"
[ "$(status_as "$T/li")" = 401 ] || fail "the session survived a password change"
[ "$(login_as "$T/li" 李协调 'correct-horse-1')" = 401 ] || fail "the old password still works"
[ "$(login_as "$T/li" 李协调 'correct-horse-2')" = 303 ] || fail "the new password does not work"
pass "a changed password ends the old sessions; the new password logs in"

# An unsafe file is refused: an account smuggled into a group-writable file
# does not appear, the existing ones keep working.
make_user 赵协调 coordinator "" 'smuggled-in-1'
chmod 664 "$T/users"
[ "$(login_as "$T/zhao" 赵协调 'smuggled-in-1')" = 401 ] || fail "a group-writable users file was taken"
[ "$(status_as "$T/li")" = 200 ] || fail "an unsafe file ended the sessions"
grep -q 'cannot be read' "$T/console.log" || fail "the console did not say the file was refused"
chmod 600 "$T/users"
[ "$(login_as "$T/zhao" 赵协调 'smuggled-in-1')" = 303 ] || fail "the file made safe again was not reread"
pass "a group-writable users file is not taken; once safe again it is"
