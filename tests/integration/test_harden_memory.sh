# A key holder who sends one message whose frames never end (4 MiB frames,
# each flagged "more", the last never sent; tests/tools/flood_frames.c
# speaks ZMTP/CURVE itself to do it) does not grow the broker's memory
# without bound: past its memory ceiling (--memory-mib, here 256)
# the broker drops every connection, which discards the unfinished message,
# and goes on serving; the other clients' requests are still answered (a
# write retried across a drop takes effect once), and a watcher resumes by
# seq. Prints the broker's largest anonymous memory (RssAnon) seen.
. "$(dirname "$0")/lib.sh"
CEILING_MIB=${CEILING_MIB:-256}
SECONDS_FLOOD=${FLOOD_SECONDS:-15}
make_keys
start_broker --memory-mib "$CEILING_MIB"
load_plan

rss_anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$BROKER_PID/status"; }
as unit:ZRJ claim demo-2023-1:1.1.2 >/dev/null || fail "claim"
WRITES=30
after=$(as admin:admin ping --json | jq '.head_seq')
as coordinator:office watch --after "$after" --json --count "$WRITES" --timeout-idle 60000 >"$T/watch.out" 2>"$T/watch.log" &
watch=$!
PIDS+=("$watch")
sleep 0.5
base=$(rss_anon_kib)
"$BIN/duban-flood-frames" 127.0.0.1 "$PORT" "$T/keys/broker.key" "$(key_of unit:LCJ)" $((4 * 1024 * 1024 - 64)) \
  "$SECONDS_FLOOD" >"$T/flood.out" 2>&1 &
flood=$!
PIDS+=("$flood")
max=$base
# During the flood: a ping and a write every few hundred milliseconds, each
# answered within 10 s (a write retried across a drop takes effect once).
for i in $(seq 1 "$WRITES"); do
  now=$(rss_anon_kib) || fail "the broker is gone during the flood"
  [ "$now" -gt "$max" ] && max=$now
  as auditor:audit --timeout 10000 ping >/dev/null || fail "ping $i during the flood was not answered"
  as unit:ZRJ --timeout 10000 progress demo-2023-1:1.1.2 --percent "$i" >/dev/null \
    || fail "write $i during the flood was not answered"
  sleep 0.3
done
while kill -0 "$flood" 2>/dev/null; do
  now=$(rss_anon_kib) || fail "the broker is gone during the flood"
  [ "$now" -gt "$max" ] && max=$now
  sleep 0.2
done
wait "$flood" || fail "the flooding client failed: $(cat "$T/flood.out")"
echo "flood: $(cat "$T/flood.out"); broker RssAnon at start ${base} KiB, largest seen ${max} KiB"
kill -0 "$BROKER_PID" || fail "the broker died"
# The ceiling, or half a ceiling over what the broker holds itself when
# that is more (a sanitizer build), plus what arrives before a drop.
bound=$((CEILING_MIB * 1024))
[ $((base + CEILING_MIB * 512)) -gt "$bound" ] && bound=$((base + CEILING_MIB * 512))
bound=$((bound + 256 * 1024))
[ "$max" -lt "$bound" ] || fail "the broker grew to ${max} KiB, past ${bound} KiB"
grep -q "dropped by the broker [1-9]" "$T/flood.out" || fail "the flood never reached the ceiling: $(cat "$T/flood.out")"
pass "the broker's memory stayed under ${bound} KiB (largest ${max} KiB; ceiling ${CEILING_MIB} MiB)"
pass "$WRITES pings and $WRITES writes of another unit were answered during the flood"
[ "$(as auditor:audit task demo-2023-1:1.1.2 --json | jq -r '.percent')" = "$WRITES" ] || fail "the last write is not the task's state"
wait "$watch" || fail "the watcher did not get all $WRITES events: $(tail -n 3 "$T/watch.log")"
jq -s -e --argjson a "$after" --argjson n "$WRITES" '[.[] | select(.seq) | .seq] == [range($a + 1; $a + $n + 1)]' \
  "$T/watch.out" >/dev/null || fail "the watcher has a gap or a repeat: $(jq -s -c '[.[] | .seq]' "$T/watch.out")"
pass "a watcher connected through the drops got all $WRITES events in order, each once"
