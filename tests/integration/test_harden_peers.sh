# Clients that never read cannot grow the broker (issue: 20 watchers that
# asked for the log from seq 0 and never read took the broker's anonymous
# memory from 82 MB to 3.2 GB; one coordinator sending list_tasks without
# reading the replies took it to 965 MB). The broker holds at most 16
# messages per peer in libzmq's pipe (a watch delivery is at most 256 KiB)
# and at most 1 MiB of replies of its own per peer (broker/peers.h): a
# watcher that falls behind is paused and resumes from the log by seq.
#
# A log of a few thousand 2 KB reports is written first; then 20 watchers
# from seq 0 that never read and a list_tasks flood that never reads run
# beside a well-behaved writer, and the broker's RssAnon is sampled. Prints
# the largest seen and the writer's rate alone and beside them (a rate is
# printed, never asserted). DUBAN_PEERS_SECONDS sets the length (20).
. "$(dirname "$0")/lib.sh"
SECONDS_LOAD=${DUBAN_PEERS_SECONDS:-20}
WATCHERS=20
make_keys
# No fsync: the log is grown quickly; memory, not durability, is the question.
start_broker --no-sync
load_plan
TASK=demo-2023-1:1.1.1
as unit:LCJ claim "$TASK" >/dev/null || fail "claim"
stress() { "$BIN/duban-stress-peers" "$ENDPOINT" "$T/keys/broker.key" "$(key_of "$1")" "${@:2}"; }
rss_anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$BROKER_PID/status"; }

alone=$(stress unit:LCJ writer "$TASK" 6) || fail "the writer alone: $alone"
echo "the log: $(as auditor:audit ping --json | jq .head_seq) events, $(du -m "$T/data/data.mdb" | cut -f1) MiB;" \
  "writer alone: $alone"
base=$(rss_anon_kib)

stress coordinator:office watchers "$WATCHERS" "$SECONDS_LOAD" >"$T/watchers.out" 2>&1 &
watchers=$!
stress coordinator:office flood "$SECONDS_LOAD" >"$T/flood.out" 2>&1 &
flood=$!
PIDS+=("$watchers" "$flood")
stress unit:LCJ writer "$TASK" "$SECONDS_LOAD" >"$T/writer.out" 2>&1 &
writer=$!
PIDS+=("$writer")
max=$base
while kill -0 "$writer" 2>/dev/null; do
  now=$(rss_anon_kib) || fail "the broker is gone"
  [ "$now" -gt "$max" ] && max=$now
  sleep 0.2
done
wait "$writer" || fail "the writer had no report accepted beside the misbehaving clients: $(cat "$T/writer.out")"
wait "$watchers" "$flood" || true
sleep 2
after=$(rss_anon_kib)
echo "beside $WATCHERS never-reading watchers and a never-reading list_tasks flood: $(cat "$T/writer.out")"
echo "flood: $(cat "$T/flood.out"); watchers: $(cat "$T/watchers.out")"
echo "broker RssAnon: ${base} KiB before, largest ${max} KiB during, ${after} KiB 2 s after the clients closed"
# The stated bound: per peer 16 messages in libzmq (deliveries of 256 KiB,
# a list_tasks reply of this plan is a few KiB) and 1 MiB queued by the
# broker, so 5 MiB a peer, plus 64 MiB for the log's pages being read and
# everything else.
bound=$((base + (WATCHERS + 1) * 5 * 1024 + 64 * 1024))
memory_bound_holds "$max" "$bound" "the broker"
pass "the broker stayed under ${bound} KiB (largest ${max} KiB) and the writer kept going"
kill -0 "$BROKER_PID" || fail "the broker died"
as auditor:audit ping >/dev/null || fail "the broker does not answer after the load"
