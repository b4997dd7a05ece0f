# The department desk in a real headless Chromium (tests/browser/test_desk.py)
# against a real broker, JTJ's agent serving the desk, and a clerk made with
# `duban user add`; then, on the real plan, the desk of 市能源局 (NYJ), which
# leads measure 2.1 (2.1.2 is 市科学技术局's, KJJ) and cooperates on 2.2: the
# marks, the 催办, milestones met and a cancelled task. Skips (77) when
# chromium or its driver is missing.
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "SKIP: chromium or chromedriver missing"; exit 77; }
. "$(dirname "$0")/../integration/lib.sh"
make_keys
start_broker
load_plan
DESK_PORT=$(free_port)
printf '%s\n' 'desk-password-1' | "$BIN/duban" user add --users "$T/users" 张三 --role clerk --unit JTJ --password-stdin \
  >/dev/null || fail "user add"
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:JTJ)" \
  --listen "ipc://$T/agent-JTJ.sock" --data "$T/agent-JTJ" --desk-listen "127.0.0.1:$DESK_PORT" \
  --desk-users "$T/users" >>"$T/agent-JTJ.log" 2>&1 &
AGENT_PID=$!
PIDS+=($AGENT_PID)
for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$DESK_PORT/login" && break; sleep 0.1; done
# The coordinator's writes (remind, reject) are sent by the CLI when the
# test asks: coordinator.sh WORD OPTION TEXT, on task 2.1.1, by 王协调 (经办人).
cat >"$T/coordinator.sh" <<COORDINATOR
#!/bin/bash
exec "$BIN/duban" "\$1" 2.1.1 "\$2" "\$3" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
  --key "$(key_of coordinator:office)" --person 王协调
COORDINATOR
chmod +x "$T/coordinator.sh"
SHOT_DIR=${DUBAN_SCREENSHOTS:-${BUILD_DIR:-$BIN/..}}
/usr/bin/python3 "$(dirname "$0")/test_desk.py" "http://127.0.0.1:$DESK_PORT" "$T/coordinator.sh" "$SHOT_DIR" \
  >"$T/selenium.log" 2>&1 || { cat "$T/selenium.log" >&2; fail "the desk in the browser"; }
cat "$T/selenium.log"

# The real plan, on a fresh broker at the same endpoint.
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
stop_broker
mv "$T/data" "$T/data-small"
"$BIN/duban" plan import "$SRC/examples/plans/ordos-2023-58.txt" >"$T/real.json" 2>/dev/null || fail "import"
rm -rf "$T/keys"
make_keys "$T/real.json"
start_broker --virtual-clock 2023-09-19
load_plan "$T/real.json"
printf '%s\n' 'desk-password-3' | "$BIN/duban" user add --users "$T/users" 王五 --role clerk --unit NYJ --password-stdin \
  >/dev/null || fail "user add"
DESK_PORT=$(free_port)
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:NYJ)" \
  --listen "ipc://$T/agent-NYJ.sock" --data "$T/agent-NYJ" --desk-listen "127.0.0.1:$DESK_PORT" \
  --desk-users "$T/users" >>"$T/agent-NYJ.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$DESK_PORT/login" && break; sleep 0.1; done
# as.sh IDENTITY duban-subcommand args...: the CLI with that identity's key.
cat >"$T/as.sh" <<AS
#!/bin/bash
who=\$1
shift
exec "$BIN/duban" "\$@" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$T/keys/\${who/:/-}.key"
AS
chmod +x "$T/as.sh"
/usr/bin/python3 "$(dirname "$0")/test_desk.py" "http://127.0.0.1:$DESK_PORT" "$T/as.sh" "$SHOT_DIR" lead \
  >"$T/selenium-lead.log" 2>&1 || { cat "$T/selenium-lead.log" >&2; fail "the lead's desk in the browser"; }
cat "$T/selenium-lead.log"
