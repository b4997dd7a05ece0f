# A log of format 2 (tests/fixtures/log-v2, made by its make.sh with the
# duban that first wrote the LogHeader) opens, verifies and replays the
# same with this duban, says what it is (format 2, a virtual clock), and a
# broker on a virtual clock serves it and appends to it.
. "$(dirname "$0")/lib.sh"
FIXTURE=$SRC/tests/fixtures/log-v2
mkdir -p "$T/data"
cp "$FIXTURE/data.mdb" "$T/data/"
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" || fail "the v2 log does not verify: $(cat "$T/verify.out")"
grep -q "^OK" "$T/verify.out" || fail "verify did not say OK: $(cat "$T/verify.out")"
grep -q "log format:    2, clock virtual" "$T/verify.out" || fail "verify does not read the header: $(cat "$T/verify.out")"
pass "the format 2 log verifies and says it was made on a virtual clock"

"$BIN/duban" audit replay --data "$T/data" >"$T/replay.txt"
diff -u "$FIXTURE/replay.txt" "$T/replay.txt" || fail "audit replay prints the v2 log differently"
# Without default values: a field the protocol gains later prints with its
# default for events that never had it.
without_defaults() {
  jq -c 'walk(if type == "object" then with_entries(select(.value != "" and .value != 0 and .value != false
            and .value != [] and .value != {} and .value != null)) else . end)' "$1"
}
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl"
diff -u <(without_defaults "$FIXTURE/replay.jsonl") <(without_defaults "$T/replay.jsonl") ||
  fail "audit replay --json prints the v2 log differently"
pass "replay, text and JSON, is the same line for line"

# The log was made on a virtual clock: a broker on the real clock refuses
# it (test_log_header.sh has the rest), one on a virtual clock serves it.
make_keys
start_broker --virtual-clock 2024-01-08
as unit:ZRJ progress demo-2023-1:1.1.2 --percent 30 >/dev/null || fail "a progress report on the v2 log"
stop_broker
"$BIN/duban" audit verify --data "$T/data" >"$T/verify2.out" || fail "the v2 log with a new event does not verify"
grep -q "the chain and every view verify" "$T/verify2.out" || fail "after the append: $(cat "$T/verify2.out")"
lines=$(wc -l <"$FIXTURE/replay.txt")
"$BIN/duban" audit replay --data "$T/data" | head -n "$lines" | diff -u "$FIXTURE/replay.txt" - ||
  fail "the first $lines events replay differently after the broker appended"
pass "a broker serves the v2 log on a virtual clock, appends to it, and every view then verifies"
