# A department's inbox comes a page at a time, as list_tasks and
# list_escalations do: 600 reminders (催办) with 8 KB notes are more than
# the 4 MiB one reply may hold, so the broker answers list_inbox in pages of
# at most 2 MiB (or the request's limit) with a cursor, and the client
# library follows it: `duban inbox` (straight to the broker and through the
# department's agent) and the desk's inbox show every item, newest first,
# each once; reading them all marks them all read. DUBAN_PAGES_REMINDERS
# changes the count (600).
. "$(dirname "$0")/lib.sh"
COUNT=${DUBAN_PAGES_REMINDERS:-600}
make_keys
start_broker
load_plan
TASK=demo-2023-1:1.1.1
as unit:LCJ claim "$TASK" >/dev/null || fail "claim"

# A note of 8,000 bytes (what a person may type: Chinese text).
NOTE=$(printf '请加快进度%.0s' $(seq 1 533))
[ "$(printf %s "$NOTE" | wc -c)" -ge 7995 ] || fail "the note is shorter than 8 KB"
export NOTE TASK
export -f as key_of
export BIN ENDPOINT T
start=$(date +%s)
seq 1 "$COUNT" | xargs -P 4 -I{} bash -c \
  'as coordinator:office remind "$TASK" --note "第{}次：$NOTE" >/dev/null || echo "reminder {} failed" >&2' \
  2>"$T/remind.err"
[ -s "$T/remind.err" ] && fail "sending reminders: $(head -3 "$T/remind.err")"
echo "$COUNT reminders with 8 KB notes sent in $(($(date +%s) - start)) s"

# check_inbox JSON WHAT: every reminder, newest first, each once.
check_inbox() {
  local n
  n=$(echo "$1" | jq '[.inbox[] | select(.kind == "reminded")] | length')
  [ "$n" = "$COUNT" ] || fail "$2 listed $n of $COUNT reminders"
  [ "$(echo "$1" | jq '[.inbox[].seq] | unique | length')" = "$(echo "$1" | jq '.inbox | length')" ] ||
    fail "$2 listed an item twice"
  echo "$1" | jq -e '[.inbox[].seq] == ([.inbox[].seq] | sort | reverse)' >/dev/null || fail "$2: not newest first"
}
json=$(as unit:LCJ inbox --all --keep-unread --json) || fail "duban inbox: $json"
check_inbox "$json" "duban inbox --json"
bytes=$(echo "$json" | wc -c)
echo "duban inbox --json: $COUNT reminders, $bytes bytes (over the 4 MiB of one reply: $([ "$bytes" -gt 4194304 ] && echo yes || echo no))"
[ "$bytes" -gt $((4 * 1024 * 1024)) ] || fail "the inbox is not over one reply's 4 MiB: the test shows nothing"
pass "duban inbox shows all $COUNT reminders, a page at a time"

start_agent LCJ
json=$(via LCJ inbox --all --keep-unread --json) || fail "duban inbox through LCJ's agent: $json"
check_inbox "$json" "through the agent"
pass "through a department's agent too"

# The desk reads the inbox through the same client library.
DESK_PORT=$(free_port)
DESK=http://127.0.0.1:$DESK_PORT
printf '%s\n' 'desk-password-1' | "$BIN/duban" user add --users "$T/users" 李四 --role clerk --unit LCJ --password-stdin \
  >/dev/null || fail "user add"
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:LCJ)" \
  --listen "ipc://$T/agent-desk.sock" --data "$T/agent-desk" --desk-listen "127.0.0.1:$DESK_PORT" \
  --desk-users "$T/users" >>"$T/agent-desk.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "$DESK/login" && break; sleep 0.1; done
J="$T/cookies"
curl -s -c "$J" -o /dev/null -H 'Accept: application/json' --data-urlencode 'name=李四' \
  --data-urlencode 'password=desk-password-1' "$DESK/login" || fail "the desk did not start"
desk=$(curl -s -b "$J" "$DESK/api/inbox") || fail "the desk's inbox"
n=$(echo "$desk" | jq '[.items[] | select(.kind == "reminded")] | length')
[ "$n" = "$COUNT" ] || fail "the desk's inbox shows $n of $COUNT reminders: $(echo "$desk" | head -c 300)"
pass "the desk's inbox shows all $COUNT reminders"

# Reading the unread inbox marks every item read, on every page.
as unit:LCJ inbox >/dev/null || fail "duban inbox (marking read)"
left=$(as unit:LCJ inbox --keep-unread --json | jq '.inbox | length')
[ "$left" = 0 ] || fail "$left items still unread after duban inbox listed them all"
pass "listing the inbox marked all $COUNT items read"
