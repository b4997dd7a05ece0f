# A key holder who sends one message whose frames never end (4 MiB frames,
# each flagged "more", the last never sent; tests/tools/flood_frames.c
# speaks ZMTP/CURVE itself to do it) does not grow the broker's memory
# without bound, and costs nobody else their connection: the broker's flood
# guard (broker/flood_guard.h) finds the connection that received far more
# than any complete message and drops it alone. With the flood running, a
# writer beside it keeps being acknowledged, a watcher connected before the
# flood keeps its very TCP connection and gets every event, the flooder is
# dropped again and again, and memory stays under the ceiling
# (--memory-mib, here 256); the broker never falls back to dropping every
# connection. Prints the broker's largest anonymous memory (RssAnon) seen,
# and a writer's rate alone and beside the flood (printed, not asserted:
# a test never fails because the machine is slow).
. "$(dirname "$0")/lib.sh"
CEILING_MIB=${CEILING_MIB:-256}
SECONDS_FLOOD=${FLOOD_SECONDS:-20}
RATE_SECONDS=${RATE_SECONDS:-5}
make_keys
start_broker --memory-mib "$CEILING_MIB"
load_plan

rss_anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$BROKER_PID/status"; }
stress() { "$BIN/duban-stress-peers" "$ENDPOINT" "$T/keys/broker.key" "$(key_of "$1")" "${@:2}"; }
# tcp_to_broker PID...: the inodes of the established TCP connections of
# those processes to the broker's port, one a line.
tcp_to_broker() {
  local port_hex pid inodes=""
  port_hex=$(printf '%04X' "$PORT")
  for pid in "$@"; do
    inodes+=$(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')$'\n'
  done
  awk -v port="$port_hex" 'NR == FNR { if ($1 != "") want[$1] = 1; next }
    FNR > 1 && $4 == "01" && substr($3, length($3) - 3) == port && ($10 in want) { print $10 }' \
    <(printf '%s' "$inodes") /proc/net/tcp /proc/net/tcp6 | sort -u
}
as unit:ZRJ claim demo-2023-1:1.1.2 >/dev/null || fail "claim"
as unit:CZJ claim demo-2023-1:1.2.1 >/dev/null || fail "claim"
alone=$(stress unit:CZJ writer demo-2023-1:1.2.1 "$RATE_SECONDS") || fail "writer alone: $alone"

WRITES=30
after=$(as admin:admin ping --json | jq '.head_seq')
as unit:ZRJ watch --after "$after" --json --count "$WRITES" --timeout-idle 60000 >"$T/watch.out" 2>"$T/watch.log" &
watch=$!
PIDS+=("$watch")
watch_pids() { echo "$watch" $(pgrep -P "$watch" || true); }
for _ in $(seq 1 50); do
  watch_tcp=$(tcp_to_broker $(watch_pids))
  [ -n "$watch_tcp" ] && break
  sleep 0.1
done
[ -n "$watch_tcp" ] || fail "the watcher has no TCP connection to the broker"
base=$(rss_anon_kib)
"$BIN/duban-flood-frames" 127.0.0.1 "$PORT" "$T/keys/broker.key" "$(key_of unit:LCJ)" $((4 * 1024 * 1024 - 64)) \
  "$SECONDS_FLOOD" >"$T/flood.out" 2>&1 &
flood=$!
PIDS+=("$flood")
sleep 1
max=$base
# The writer's rate beside the flood alone (nothing else running here).
stress unit:CZJ writer demo-2023-1:1.2.1 "$RATE_SECONDS" >"$T/writer.out" 2>&1 &
writer=$!
PIDS+=("$writer")
while kill -0 "$writer" 2>/dev/null; do
  now=$(rss_anon_kib) || fail "the broker is gone during the flood"
  [ "$now" -gt "$max" ] && max=$now
  sleep 0.2
done
wait "$writer" || fail "the writer beside the flood had no report accepted: $(cat "$T/writer.out")"
# During the flood: a ping and a write every few hundred milliseconds, each
# answered within 10 s; before each write the watcher (waiting for it) still
# has the TCP connection it had before the flood (under AddressSanitizer,
# whose quarantine keeps freed memory resident, the last resort may drop it:
# it then resumes by seq, checked below).
for i in $(seq 1 "$WRITES"); do
  now=$(rss_anon_kib) || fail "the broker is gone during the flood"
  [ "$now" -gt "$max" ] && max=$now
  watch_tcp_now=$(tcp_to_broker $(watch_pids))
  [ "$watch_tcp_now" = "$watch_tcp" ] || [ "${DUBAN_SANITIZED:-0}" = 1 ] ||
    fail "before write $i the watcher's connection was not the one it had (TCP inode $watch_tcp, now ${watch_tcp_now:-none})"
  as auditor:audit --timeout 10000 ping >/dev/null || fail "ping $i during the flood was not answered"
  as unit:ZRJ --timeout 10000 progress demo-2023-1:1.1.2 --percent "$i" >/dev/null \
    || fail "write $i during the flood was not answered"
  sleep 0.2
done
while kill -0 "$flood" 2>/dev/null; do
  now=$(rss_anon_kib) || fail "the broker is gone during the flood"
  [ "$now" -gt "$max" ] && max=$now
  sleep 0.2
done
wait "$flood" || fail "the flooding client failed: $(cat "$T/flood.out")"
echo "flood: $(cat "$T/flood.out"); broker RssAnon at start ${base} KiB, largest seen ${max} KiB"
echo "writer alone: $alone"
echo "writer beside the flood: $(cat "$T/writer.out")"
kill -0 "$BROKER_PID" || fail "the broker died"
# The ceiling, or half a ceiling over what the broker holds itself when
# that is more (a sanitizer build), plus what arrives before a drop.
bound=$((CEILING_MIB * 1024))
[ $((base + CEILING_MIB * 512)) -gt "$bound" ] && bound=$((base + CEILING_MIB * 512))
bound=$((bound + 256 * 1024))
memory_bound_holds "$max" "$bound" "the broker"
grep -q "dropped by the broker [1-9]" "$T/flood.out" || fail "the flooder was never dropped: $(cat "$T/flood.out")"
has "since its last complete message" <"$T/broker.log" || fail "the flood guard logged no drop"
# Under AddressSanitizer its quarantine keeps freed memory resident: the
# last resort may then be the broker's own doing.
if [ "${DUBAN_SANITIZED:-0}" != 1 ]; then
  ! has "every connection dropped" <"$T/broker.log" || fail "the broker dropped every connection, not the flooder's alone"
fi
pass "the broker's memory stayed under ${bound} KiB (largest ${max} KiB; ceiling ${CEILING_MIB} MiB)"
pass "the flooder's connection was dropped, alone, $(grep -c 'since its last complete message' "$T/broker.log") times"
pass "$WRITES pings and $WRITES writes of another unit were answered during the flood"
[ "$(as auditor:audit task demo-2023-1:1.1.2 --json | jq -r '.percent')" = "$WRITES" ] || fail "the last write is not the task's state"
wait "$watch" || fail "the watcher did not get all $WRITES events: $(tail -n 3 "$T/watch.log")"
# A unit sees the events of its own tasks only: the seqs rise, with the
# other unit's writes between them, each once.
jq -s -e --argjson a "$after" --argjson n "$WRITES" \
  '[.[] | select(.seq) | .seq] | length == $n and . == (sort | unique) and .[0] > $a' \
  "$T/watch.out" >/dev/null || fail "the watcher has a repeat or a miss: $(jq -s -c '[.[] | .seq]' "$T/watch.out")"
pass "a watcher connected before the flood kept its connection and got all $WRITES events in order, each once"
