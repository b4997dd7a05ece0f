# Prometheus metrics (`--metrics 127.0.0.1:PORT`) on the broker and the
# agent: the text is what `promtool check metrics` accepts, and the values
# follow known traffic: 5 progress reports through an agent count 5, a
# watcher counts as a watcher, a clock moved past a due date counts its red
# warnings and open escalations, the head seq is the log's; with the broker
# away, the agent's outbox depth and the age of its oldest command rise,
# and fall to 0 once it is delivered. The example alert rules in
# docs/alerts.yml pass `promtool check rules`.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "promtool not installed (Debian: prometheus); skipping"; exit 77; }
promtool check rules "$SRC/docs/alerts.yml" >/dev/null || fail "docs/alerts.yml: $(promtool check rules "$SRC/docs/alerts.yml" 2>&1)"
pass "docs/alerts.yml passes promtool check rules"

make_keys
# Port 0: the system picks a free one and the program logs it (a port
# picked here could be taken by a test running beside this one).
# metrics_port LOG: the port of the last start logged there.
metrics_port() {
  local i port
  for i in $(seq 1 50); do
    port=$(sed -n 's/.*Prometheus metrics on port \([0-9]*\).*/\1/p' "$1" | tail -n 1)
    [ -n "$port" ] && [ "$port" != 0 ] && { echo "$port"; return; }
    sleep 0.1
  done
  fail "no metrics port in $1"
}
scrape() { curl -sf "http://127.0.0.1:$1/metrics"; }
# value PORT SERIES: the value of one series (name with its labels, as printed), or "none".
value() { scrape "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "none" }'; }
# wait_value PORT SERIES WANT: until the series says WANT (the gauges are read once a second).
wait_value() {
  local i got
  for i in $(seq 1 100); do
    got=$(value "$1" "$2")
    [ "$got" = "$3" ] && return 0
    sleep 0.1
  done
  fail "$2 is $got, not $3"
}

s=0
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/bad" --keys "$T/keys" --metrics localhost >"$T/bad.log" 2>&1 || s=$?
[ "$s" != 0 ] && grep -q 'HOST:PORT' "$T/bad.log" || fail "a bad --metrics address was not refused: $(cat "$T/bad.log")"
pass "a --metrics that is not a numeric HOST:PORT is refused at start"

start_broker --metrics 127.0.0.1:0
BROKER_METRICS=$(metrics_port "$T/broker.log")
load_plan
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:LCJ)" \
  --listen "ipc://$T/agent-LCJ.sock" --data "$T/agent-LCJ" --metrics 127.0.0.1:0 \
  >>"$T/agent-LCJ.log" 2>&1 &
PIDS+=("$!")
for i in $(seq 1 50); do [ -S "$T/agent-LCJ.sock" ] && break; sleep 0.1; done
AGENT_METRICS=$(metrics_port "$T/agent-LCJ.log")
as coordinator:office watch --json --timeout-idle 60000 >"$T/watch.out" 2>"$T/watch.log" &
WATCH_PID=$!
PIDS+=("$WATCH_PID")

via LCJ claim demo-2023-1:1.1.1 >/dev/null || fail "claim"
for p in 10 20 30 40 50; do via LCJ progress demo-2023-1:1.1.1 --percent $p >/dev/null || fail "progress $p"; done
wait_value "$BROKER_METRICS" 'duban_broker_requests_total{kind="progress",code="ok"}' 5
wait_value "$BROKER_METRICS" 'duban_broker_requests_total{kind="claim",code="ok"}' 1
wait_value "$BROKER_METRICS" 'duban_broker_watchers' 1
clients=$(value "$BROKER_METRICS" duban_broker_connected_clients)
[ "$clients" -ge 2 ] || fail "connected clients: $clients (the agent and the watcher are connected)"
expect_code failed_precondition via LCJ claim demo-2023-1:1.1.1
wait_value "$BROKER_METRICS" 'duban_broker_requests_total{kind="claim",code="failed_precondition"}' 1
pass "5 progress reports count 5, a refused claim counts under its code; 1 watcher, $clients clients"

# Writes are the plan, the claim and 5 reports: 7 events, in batches that
# were each synced (the refused claim's batch wrote nothing, and LMDB does
# not sync an empty commit). A batch's commit syncs once; one client
# waiting for each answer sends no next batch to carry the sync of its meta
# page, so each batch costs one sync more (broker/pipeline.h), never more.
wait_value "$BROKER_METRICS" duban_broker_head_seq 7
batches=$(value "$BROKER_METRICS" duban_broker_batch_events_count)
syncs=$(value "$BROKER_METRICS" duban_broker_syncs_total)
[ "$syncs" -ge "$batches" ] && [ "$syncs" -le $((2 * batches)) ] ||
  fail "$batches batches made $syncs syncs (between 1 and 2 per batch)"
sum=$(value "$BROKER_METRICS" duban_broker_batch_events_sum)
[ "$sum" = 7 ] || fail "the batches hold $sum writes, not 7: $(scrape "$BROKER_METRICS" | grep batch_events)"
used=$(value "$BROKER_METRICS" duban_broker_map_used_bytes)
file=$(value "$BROKER_METRICS" duban_broker_log_file_bytes)
map=$(value "$BROKER_METRICS" duban_broker_map_bytes)
[ "$used" -gt 0 ] && [ "$used" -le "$map" ] && [ "$file" = "$(stat -c %s "$T/data/data.mdb")" ] ||
  fail "map use $used of $map, file $file"
pass "head seq 7, 7 events in $batches batches and $syncs syncs, map use $used of $map bytes, file $file bytes"

# Past 2023-12-31: tasks 1.1.1 (claimed) and 2.1.1 go red and are escalated.
as admin:admin clock advance --days 110 >/dev/null || fail "clock advance"
wait_value "$BROKER_METRICS" 'duban_broker_deadline_warnings_total{colour="red"}' 2
wait_value "$BROKER_METRICS" 'duban_broker_open_escalations{level="0"}' 2
pass "a clock past the due date counts 2 red warnings and 2 open escalations at level 0"

scrape "$BROKER_METRICS" >"$T/broker.metrics"
scrape "$AGENT_METRICS" >"$T/agent.metrics"
promtool check metrics <"$T/broker.metrics" || fail "promtool rejects the broker's metrics"
promtool check metrics <"$T/agent.metrics" || fail "promtool rejects the agent's metrics"
pass "promtool check metrics accepts the broker's and the agent's text"

# The broker away: two commands wait in the outbox, the oldest ages.
wait_value "$AGENT_METRICS" duban_agent_outbox_depth 0
stop_broker
via LCJ progress demo-2023-1:1.1.1 --percent 60 >/dev/null || true
via LCJ progress demo-2023-1:1.1.1 --percent 70 >/dev/null || true
wait_value "$AGENT_METRICS" duban_agent_outbox_depth 2
sleep 2
age=$(value "$AGENT_METRICS" duban_agent_outbox_oldest_age_seconds)
awk -v a="$age" 'BEGIN { exit !(a >= 2) }' || fail "the oldest command's age is $age s after 2 s away"
pass "with the broker away the outbox holds 2 and its oldest has waited $age s"
start_broker --metrics 127.0.0.1:0
BROKER_METRICS=$(metrics_port "$T/broker.log")
wait_value "$AGENT_METRICS" duban_agent_outbox_depth 0
wait_value "$AGENT_METRICS" duban_agent_outbox_oldest_age_seconds 0
wait_value "$BROKER_METRICS" 'duban_broker_requests_total{kind="progress",code="ok"}' 2
pass "once the broker is back the outbox drains to 0 and the new broker counts the 2 reports"
