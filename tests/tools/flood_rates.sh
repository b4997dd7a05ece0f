# flood_rates.sh: a well-behaved writer's rate alone and beside a client
# whose message never ends (duban-flood-frames), in alternating rounds
# against one broker (--memory-mib 256), for the README's figures. Prints
# the rates, how often the flooder was dropped, and how often the broker
# dropped every connection instead. A measurement, not a test:
#
#   DUBAN_BIN=build/bin DUBAN_SOURCE=. [ROUNDS=2] [SECONDS_EACH=8] [FLOOD_NICE=19] bash tests/tools/flood_rates.sh
#
# The flooder encrypts its frames on the same machine: FLOOD_NICE=19 gives
# it only what the others leave, as if it ran on a host of its own, so that
# what is left is what the flood costs the broker.
. "$DUBAN_SOURCE/tests/integration/lib.sh"
ROUNDS=${ROUNDS:-2}
EACH=${SECONDS_EACH:-8}
make_keys
start_broker --memory-mib 256
load_plan
stress() { "$BIN/duban-stress-peers" "$ENDPOINT" "$T/keys/broker.key" "$(key_of "$1")" "${@:2}"; }
as unit:CZJ claim demo-2023-1:1.2.1 >/dev/null || fail "claim"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round, alone:  $(stress unit:CZJ writer demo-2023-1:1.2.1 "$EACH")"
  nice -n "${FLOOD_NICE:-0}" "$BIN/duban-flood-frames" 127.0.0.1 "$PORT" "$T/keys/broker.key" "$(key_of unit:LCJ)" $((4 * 1024 * 1024 - 64)) \
    $((EACH + 2)) >"$T/flood.out" 2>&1 &
  flood=$!
  PIDS+=("$flood")
  sleep 1
  echo "round $round, beside: $(stress unit:CZJ writer demo-2023-1:1.2.1 "$EACH")"
  wait "$flood" || true
  echo "  flooder: $(cat "$T/flood.out")"
done
echo "the broker dropped every connection $(grep -c 'every connection dropped' "$T/broker.log") times;" \
  "the flooder's connection alone $(grep -c 'since its last complete message' "$T/broker.log") times"
