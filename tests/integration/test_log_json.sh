#!/usr/bin/env bash
# test_log_json.sh: DUBAN_LOG_FORMAT=json turns a real broker's and agent's
# stderr into JSON lines: every line parses with jq and has time (ISO 8601,
# UTC), level, component and message. Without the variable the lines stay
# plain text.
source "$(dirname "$0")/lib.sh"

make_keys
export DUBAN_LOG_FORMAT=json
start_broker
load_plan
start_agent JTJ
# Some traffic, and a refusal, so that more than the start gets logged.
as admin:admin ping >/dev/null
expect_code already_exists as admin:admin plan load "$PLAN_JSON"
via JTJ inbox >/dev/null 2>&1 || true
kill -TERM "$AGENT_PID_JTJ"
wait "$AGENT_PID_JTJ" 2>/dev/null || true
stop_broker

# check_json FILE: every line one object with the four keys.
check_json() {
  local file=$1 least=${2:-2} lines
  lines=$(wc -l <"$file")
  [ "$lines" -ge "$least" ] || fail "$file has $lines lines, expected at least $least"
  local n=0 line
  while IFS= read -r line; do
    n=$((n + 1))
    echo "$line" | jq -e '
      type == "object" and (keys | sort) == ["component", "level", "message", "time"]
      and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))
      and (.level | IN("debug", "info", "warn", "error"))
      and (.component | type == "string" and length > 0) and (.message | type == "string")' >/dev/null ||
      fail "$file line $n is not a JSON log line: $line"
  done <"$file"
  pass "$file: $lines lines, each a JSON object with time, level, component, message"
}
check_json "$T/broker.log"
check_json "$T/agent-JTJ.log"
jq -e -s 'map(select(.component == "broker" and (.message | test("serving")))) | length == 1' "$T/broker.log" \
  >/dev/null || fail "no 'serving' line from the broker"
pass "the broker's start line is there as JSON"

# A message with quotes, a backslash, a tab, Chinese and a byte that is not
# UTF-8 (a keys folder so named, which the broker names when it refuses it).
odd=$T/$'say "hi" \\ tab\t部门\xff'
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data2" --keys "$odd" >"$T/odd.log" 2>&1 &&
  fail "the broker started without keys"
check_json "$T/odd.log" 1
jq -e -s --arg want $'say "hi" \\ tab\t部门\xef\xbf\xbd' 'any(.[]; .level == "error" and (.message | contains($want)))' \
  "$T/odd.log" >/dev/null || fail "the odd folder name is not in the message as written: $(cat "$T/odd.log")"
pass "quotes, backslash, tab, Chinese and a stray byte are escaped"

# Without the variable: the plain line as before.
unset DUBAN_LOG_FORMAT
: >"$T/broker.log"
start_broker
stop_broker
head -n 1 "$T/broker.log" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z info  broker: serving ' ||
  fail "plain log line changed: $(head -n 1 "$T/broker.log")"
pass "without DUBAN_LOG_FORMAT the lines stay plain"
