# Replies that grow with the log come a page at a time (issue: 600
# escalations with 8 KB reasons made `duban escalations` and `duban watch`
# fail for every coordinator, the reply being over the 4 MiB a client
# accepts). The broker cuts list_tasks and list_escalations into pages of at
# most 2 MiB (or the request's limit) with a cursor; the client library
# follows it, so `duban escalations`, `duban tasks` and `duban watch` (which
# starts from the open escalations) show everything, directly and through a
# department's agent, and the console's board (a mirror fed by the watch
# stream, which pages by seq) holds every escalation. DUBAN_PAGES_ESCALATIONS
# changes the count (600).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
COUNT=${DUBAN_PAGES_ESCALATIONS:-600}
make_keys
start_broker
load_plan
TASK=demo-2023-1:1.1.1
as unit:LCJ claim "$TASK" >/dev/null || fail "claim"

# A reason of 8,000 bytes (what a person may type: Chinese text).
REASON=$(printf '资金未到位%.0s' $(seq 1 533))
[ "$(printf %s "$REASON" | wc -c)" -ge 7995 ] || fail "the reason is shorter than 8 KB"
export REASON TASK
export -f as key_of
export BIN ENDPOINT T
start=$(date +%s)
seq 1 "$COUNT" | xargs -P 4 -I{} bash -c \
  'as unit:LCJ escalate "$TASK" --category 资金 --reason "第{}件：$REASON" >/dev/null || echo "escalation {} failed" >&2' \
  2>"$T/escalate.err"
[ -s "$T/escalate.err" ] && fail "raising escalations: $(head -3 "$T/escalate.err")"
echo "$COUNT escalations with 8 KB reasons raised in $(($(date +%s) - start)) s"

json=$(as coordinator:office escalations --json) || fail "duban escalations: $json"
[ "$(echo "$json" | jq '.escalations | length')" = "$COUNT" ] ||
  fail "duban escalations --json listed $(echo "$json" | jq '.escalations | length') of $COUNT"
[ "$(echo "$json" | jq '[.escalations[].id] | unique | length')" = "$COUNT" ] || fail "an escalation listed twice"
echo "$json" | jq -e '[.escalations[].id] == ([.escalations[].id] | sort)' >/dev/null || fail "escalations out of order"
bytes=$(echo "$json" | wc -c)
echo "duban escalations --json: $COUNT escalations, $bytes bytes (over the 4 MiB of one reply: $([ "$bytes" -gt 4194304 ] && echo yes || echo no))"
out=$(as coordinator:office escalations) || fail "duban escalations (the table)"
[ "$(echo "$out" | grep -c '资金未到位')" = "$COUNT" ] || fail "the table does not show every escalation"
pass "duban escalations shows all $COUNT escalations, a page at a time"

start_agent LCJ
json=$(via LCJ escalations --json) || fail "duban escalations through LCJ's agent: $json"
[ "$(echo "$json" | jq '.escalations | length')" = "$COUNT" ] || fail "through the agent: not every escalation"
pass "through a department's agent too"

after=$(as coordinator:office ping --json | jq .head_seq)
as coordinator:office watch --json --count 1 --timeout-idle 20000 >"$T/watch.out" 2>"$T/watch.log" &
watch=$!
PIDS+=("$watch")
sleep 1
as unit:LCJ progress "$TASK" --percent 5 >/dev/null || fail "progress"
wait "$watch" || fail "duban watch failed: $(cat "$T/watch.log")"
[ "$(head -1 "$T/watch.out" | jq '.open_escalations | length')" = "$COUNT" ] ||
  fail "duban watch did not start with every open escalation"
[ "$(tail -1 "$T/watch.out" | jq .seq)" = $((after + 1)) ] || fail "duban watch did not show the next event"
pass "duban watch starts with all $COUNT open escalations and follows the log"

# A request's own limit, and a cursor that names no escalation.
head=$(as coordinator:office ping --json | jq .head_seq)
make_user office coordinator "" 'office-pass-1234'
start_console
login office 'office-pass-1234'
wait_mirror "$head"
board=$(curl -s -b "$JAR" "$CONSOLE_URL/api/board")
[ "$(echo "$board" | jq '.escalations | length')" = "$COUNT" ] ||
  fail "the board shows $(echo "$board" | jq '.escalations | length') of $COUNT escalations"
pass "the console's board holds all $COUNT escalations (its mirror caught up through the watch stream)"

tasks=$(as coordinator:office tasks --json | jq '.tasks | length')
[ "$tasks" -gt 0 ] || fail "duban tasks listed nothing"
pass "duban tasks lists $tasks tasks"
