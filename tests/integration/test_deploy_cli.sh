# The command lines a deployment leans on: every program says its version,
# which comes from one place (project(duban VERSION ...) in CMakeLists.txt),
# with the wire protocol's and the log format's; every program refuses an
# option it does not know by name; the broker refuses a config file naming
# an unknown key, with the line number; and the config examples shipped in
# /etc/duban are accepted as they are and document every option.
. "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^project(duban VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
protocol=$(sed -n 's/^#define DBN_PROTOCOL_VERSION \([0-9]*\)u.*/\1/p' "$SRC/proto/wire.h")
format=$(sed -n 's/^#define DBN_LOG_FORMAT_VERSION \([0-9]*\).*/\1/p' "$SRC/store/store.h")
[ -n "$version" ] && [ -n "$protocol" ] && [ -n "$format" ] || fail "cannot read the versions from the sources"

programs="duban duban-broker duban-agent duban-console duban-notify duban-bench"
for p in $programs; do
  out=$("$BIN/$p" --version) || fail "$p --version exited $?"
  [ "$out" = "$p $version（协议版本 $protocol，日志格式版本 $format）" ] || fail "$p --version says: $out"
  rc=0
  err=$("$BIN/$p" --bogus 2>&1 </dev/null) || rc=$?
  [ "$rc" -ne 0 ] || fail "$p --bogus succeeded"
  echo "$err" | has "unknown option '--bogus'" || fail "$p --bogus says: $err"
  "$BIN/$p" --help | has -- "--version" || fail "$p --help does not list --version"
done
pass "all six programs print $version, protocol $protocol and log format $format, and refuse --bogus by name"

# A known option without its value is still "needs a value", not "unknown".
rc=0
err=$("$BIN/duban-broker" --data 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$err" | has "'data' needs a value" || fail "duban-broker --data: rc $rc, $err"
rc=0
err=$("$BIN/duban-agent" --data 2>&1) || rc=$?
[ "$rc" != 0 ] && echo "$err" | has "needs a value" || fail "duban-agent --data: rc $rc, $err"
pass "a known option missing its value is told apart from an unknown one"

# The shipped broker.conf, pointed at this test's folders, starts a broker.
make_keys
sed -e "s|^endpoint = .*|endpoint = $ENDPOINT|" -e "s|^data = .*|data = $T/data|" -e "s|^keys = .*|keys = $T/keys|" \
  "$SRC/packaging/etc/broker.conf" >"$T/broker.conf"
"$BIN/duban-broker" --config "$T/broker.conf" >>"$T/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
for i in $(seq 1 100); do
  as admin:admin ping --timeout 300 >/dev/null 2>&1 && break
  kill -0 "$BROKER_PID" 2>/dev/null || fail "the broker refused the shipped broker.conf: $(tail -3 "$T/broker.log")"
  sleep 0.1
done
as admin:admin ping --timeout 1000 >/dev/null || fail "the broker on broker.conf does not answer"
pass "the shipped broker.conf starts a broker as it is"

# ...and so does the shipped agent.conf.
code=$(jq -r '.units[0].code' "$PLAN_JSON")
sed -e "s|^broker = .*|broker = $ENDPOINT|" -e "s|^server-key = .*|server-key = $T/keys/broker.key|" \
  -e "s|^key = .*|key = $(key_of "unit:$code")|" -e "s|^listen = .*|listen = ipc://$T/agent.sock|" \
  -e "s|^data = .*|data = $T/agent|" "$SRC/packaging/etc/agent.conf" >"$T/agent.conf"
"$BIN/duban-agent" --config "$T/agent.conf" >>"$T/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
for i in $(seq 1 50); do [ -S "$T/agent.sock" ] && break; sleep 0.1; done
[ -S "$T/agent.sock" ] || fail "the agent on the shipped agent.conf did not start"
"$BIN/duban" ping --agent "ipc://$T/agent.sock" >/dev/null || fail "ping through the agent on agent.conf"
pass "the shipped agent.conf starts an agent as it is"
# systemd stops them with SIGTERM (Type=simple): exit 0 is a clean stop.
stop_cleanly "$AGENT_PID" "the agent"
stop_cleanly "$BROKER_PID" "the broker"
pass "agent and broker exit 0 on SIGTERM"

# Every option of --help is documented in the examples, and nothing more.
help_keys() { "$BIN/$1" --help | grep -o -- '--[a-z][a-z-]*' | grep -v -e '^--help$' -e '^--version$' -e '^--config$' | sort -u; }
conf_keys() { sed -n 's/^#\{0,1\}\([a-z][a-z-]*\) = .*/--\1/p' "$1" | sort -u; }
diff <(help_keys duban-broker) <(conf_keys "$SRC/packaging/etc/broker.conf") ||
  fail "broker.conf and duban-broker --help list different options"
diff <(help_keys duban-agent) <(conf_keys "$SRC/packaging/etc/agent.conf") ||
  fail "agent.conf and duban-agent --help list different options"
for o in $(help_keys duban-console); do
  grep -q -- "$o " "$SRC/packaging/etc/console.env" || fail "console.env does not document $o"
done
pass "broker.conf, agent.conf and console.env document every option"

# A config file naming an unknown key: refused with its line, nothing started.
printf 'data = %s\n# a comment\ncolour = blue\n' "$T/data2" >"$T/bad.conf"
rc=0
err=$("$BIN/duban-broker" --config "$T/bad.conf" 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "a config with an unknown key: exit $rc"
echo "$err" | has "$T/bad.conf:3: unknown setting 'colour'" || fail "bad.conf says: $err"
[ ! -e "$T/data2" ] || fail "the broker created its data folder before refusing its config"
# An unknown bare word in the file, a line without '=', and a bad value.
printf 'endpoint = tcp://127.0.0.1:1\nno-such-switch = true\n' >"$T/bad2.conf"
err=$("$BIN/duban-broker" --config "$T/bad2.conf" 2>&1) && fail "bad2.conf accepted"
echo "$err" | has "bad2.conf:2: unknown setting 'no-such-switch'" || fail "bad2.conf says: $err"
printf '\n\nyellow-days\n' >"$T/bad3.conf"
err=$("$BIN/duban-broker" --config "$T/bad3.conf" 2>&1) && fail "bad3.conf accepted"
echo "$err" | has "bad3.conf:3: expected" || fail "bad3.conf says: $err"
printf 'yellow-days = many\n' >"$T/bad4.conf"
err=$("$BIN/duban-broker" --config "$T/bad4.conf" 2>&1) && fail "bad4.conf accepted"
echo "$err" | has "bad4.conf:1: bad value 'many' for 'yellow-days'" || fail "bad4.conf says: $err"
printf 'broker = x\ncolour = blue\n' >"$T/bad-agent.conf"
err=$("$BIN/duban-agent" --config "$T/bad-agent.conf" 2>&1) && fail "the agent accepted an unknown key"
echo "$err" | has "bad-agent.conf:2: unknown key" || fail "the agent's bad config says: $err"
pass "config files naming an unknown key, lacking '=' or with a bad value are refused with their line number"
