# A log written by an earlier duban (tests/fixtures/log-v1, made by its
# make.sh before the tree was reorganised) still verifies, replays to the
# same lines and gives the same scorecards now and at past moments: the log
# format and what auditors read have not changed.
. "$(dirname "$0")/lib.sh"
FIXTURE=$SRC/tests/fixtures/log-v1
mkdir -p "$T/data"
cp "$FIXTURE/data.mdb" "$T/data/"
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" || fail "the v1 log does not verify: $(cat "$T/verify.out")"
grep -q "OK" "$T/verify.out" || fail "verify did not say OK: $(cat "$T/verify.out")"
grep -q "older duban" "$T/verify.out" || fail "verify did not say the views are an older duban's: $(cat "$T/verify.out")"
pass "a log written before the reorganisation verifies (the chain, and a replay of every event)"

"$BIN/duban" audit replay --data "$T/data" >"$T/replay.txt"
diff -u "$FIXTURE/replay.txt" "$T/replay.txt" || fail "audit replay prints the v1 log differently"
# Without default values (0, "", false, [], {}): a field the protocol gained
# since prints with its default for events that never had it.
without_defaults() {
  jq -c 'walk(if type == "object" then with_entries(select(.value != "" and .value != 0 and .value != false
            and .value != [] and .value != {} and .value != null)) else . end)' "$1"
}
"$BIN/duban" audit replay --data "$T/data" --json >"$T/replay.jsonl"
diff -u <(without_defaults "$FIXTURE/replay.jsonl") <(without_defaults "$T/replay.jsonl") \
  || fail "audit replay --json prints the v1 log differently"
pass "replay, text and JSON, is the same line for line"

"$BIN/duban" audit report --data "$T/data" >"$T/report.txt"
diff -u "$FIXTURE/report.txt" "$T/report.txt" || fail "the scorecard table differs"
"$BIN/duban" audit report --data "$T/data" --json | jq -S . >"$T/report.json"
diff -u "$FIXTURE/report.json" "$T/report.json" || fail "the scorecards differ"
for seq in 3 12 20; do
  "$BIN/duban" audit report --data "$T/data" --until "$seq" --json | jq -S . >"$T/report-$seq.json"
  diff -u "$FIXTURE/report-until-$seq.json" "$T/report-$seq.json" || fail "the scorecards after event $seq differ"
done
pass "scorecards now and after events 3, 12 and 20 are the same"

# The broker serves the old log and appends to it; the result verifies.
make_keys
start_broker --virtual-clock 2024-01-08
as unit:ZRJ progress demo-2023-1:1.1.2 --percent 30 >/dev/null || fail "a progress report on the v1 log"
stop_broker
"$BIN/duban" audit verify --data "$T/data" >"$T/verify2.out" || fail "the v1 log with a new event does not verify"
grep -q "the chain and every view verify" "$T/verify2.out" || fail "views not rebuilt: $(cat "$T/verify2.out")"
grep -q "rebuilt" "$T/broker.log" || fail "the broker did not say it rebuilt the views"
"$BIN/duban" audit replay --data "$T/data" | head -n 22 | diff -u "$FIXTURE/replay.txt" - \
  || fail "the first 22 events replay differently after the broker appended"
pass "a broker rebuilds the v1 log's views, appends to it, and every view then verifies"
