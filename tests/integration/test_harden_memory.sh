# A key holder who sends one message whose frames never end (4 MiB frames,
# each flagged "more", the last never sent; tests/tools/flood_frames.c
# speaks ZMTP/CURVE itself to do it) does not grow the broker's memory
# without bound: past its memory ceiling (DUBAN_BROKER_MEMORY_MIB, here 256)
# the broker drops every connection, which discards the unfinished message,
# and goes on serving; the other clients' requests are still answered.
# Prints the broker's largest anonymous memory (RssAnon) seen.
. "$(dirname "$0")/lib.sh"
CEILING_MIB=${CEILING_MIB:-256}
SECONDS_FLOOD=${FLOOD_SECONDS:-15}
make_keys
DUBAN_BROKER_MEMORY_MIB=$CEILING_MIB start_broker
load_plan

rss_anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$BROKER_PID/status"; }
base=$(rss_anon_kib)
"$BIN/duban-flood-frames" 127.0.0.1 "$PORT" "$T/keys/broker.key" "$(key_of unit:LCJ)" $((4 * 1024 * 1024 - 64)) \
  "$SECONDS_FLOOD" >"$T/flood.out" 2>&1 &
flood=$!
PIDS+=("$flood")
max=$base
answered=0
asked=0
end=$(($(date +%s) + SECONDS_FLOOD))
while [ "$(date +%s)" -lt "$end" ]; do
  now=$(rss_anon_kib) || fail "the broker is gone during the flood"
  [ "$now" -gt "$max" ] && max=$now
  asked=$((asked + 1))
  as auditor:audit --timeout 10000 ping >/dev/null 2>&1 && answered=$((answered + 1))
  sleep 0.2
done
wait "$flood" || fail "the flooding client failed: $(cat "$T/flood.out")"
echo "flood: $(cat "$T/flood.out"); broker RssAnon at start ${base} KiB, largest seen ${max} KiB; pings answered $answered of $asked"
kill -0 "$BROKER_PID" || fail "the broker died"
[ "$max" -lt $(((CEILING_MIB + 256) * 1024)) ] || fail "the broker grew to ${max} KiB, past ${CEILING_MIB} MiB + 256 MiB"
pass "the broker's memory stayed under ${CEILING_MIB} MiB + 256 MiB (largest ${max} KiB)"
[ "$answered" -ge $((asked / 2)) ] && [ "$answered" -gt 0 ] || fail "only $answered of $asked pings were answered during the flood"
as auditor:audit ping >/dev/null || fail "no answer after the flood"
pass "other clients were served during the flood ($answered of $asked pings) and after it"
