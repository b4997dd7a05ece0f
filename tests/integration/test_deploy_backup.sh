# duban admin backup: a hot copy of a broker's log taken while two writers
# keep committing is consistent (its chain and views verify), compacted,
# and says its head seq and hash; an existing copy is never overwritten;
# restoring it (stop the broker, put the copy in place, start) brings the
# broker back at exactly that head, and it goes on from there.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan

# Two writers: each clock advance is one committed event.
touch "$T/writing"
writer() {
  local n=0
  while [ -f "$T/writing" ]; do
    as admin:admin clock advance 60 >/dev/null 2>>"$T/writer-$1.log" || { echo "write failed" >>"$T/writer-$1.log"; return 1; }
    n=$((n + 1))
  done
  echo "$n" >"$T/writer-$1.count"
}
writer 1 &
W1=$!
writer 2 &
W2=$!
PIDS+=("$W1" "$W2")
head_of() { as admin:admin ping --json | jq -r .head_seq; }
for i in $(seq 1 50); do [ "$(head_of)" -gt 20 ] && break; sleep 0.1; done

last=0
for n in 1 2 3; do
  "$BIN/duban" admin backup --data "$T/data" --to "$T/backup-$n" >"$T/backup-$n.out" 2>&1 ||
    fail "backup $n under load: $(cat "$T/backup-$n.out")"
  grep -q "^校验通过：哈希链与全部视图无误" "$T/backup-$n.out" || fail "backup $n: $(cat "$T/backup-$n.out")"
  seq=$(sed -n 's/^最新序号：\([0-9]*\)$/\1/p' "$T/backup-$n.out")
  hash=$(sed -n 's/^最新哈希：\([0-9a-f]\{64\}\)$/\1/p' "$T/backup-$n.out")
  [ -n "$seq" ] && [ -n "$hash" ] || fail "backup $n does not say its head: $(cat "$T/backup-$n.out")"
  [ "$seq" -gt "$last" ] || fail "backup $n is at seq $seq, not past the previous one ($last), with writers running"
  last=$seq
  "$BIN/duban" audit verify --data "$T/backup-$n" | has "^OK" || fail "audit verify of backup $n"
  sleep 0.3
done
rm "$T/writing"
wait "$W1" || fail "writer 1 failed: $(cat "$T/writer-1.log")"
wait "$W2" || fail "writer 2 failed: $(cat "$T/writer-2.log")"
final=$(head_of)
[ "$final" -gt "$last" ] || fail "the writers did not go on past the last backup ($last, head $final)"
pass "three hot backups under two writers verify, at seqs rising to $last (the broker went on to $final)"

json=$("$BIN/duban" admin backup --data "$T/data" --to "$T/backup-json" --json) || fail "backup --json"
[ "$(echo "$json" | jq -r .head_seq)" = "$final" ] || fail "a quiet backup is not at the head $final: $json"
[ "$(echo "$json" | jq '.bytes <= .source_bytes')" = true ] || fail "the copy is bigger than the log: $json"
echo "figures: $(echo "$json" | jq -c '{head_seq, bytes, source_bytes}')"
pass "a backup of a quiet broker is at its head, and compacted"

rc=0
out=$("$BIN/duban" admin backup --data "$T/data" --to "$T/backup-1" 2>&1) || rc=$?
[ "$rc" = 1 ] && echo "$out" | has "已存在" || fail "a second backup into backup-1: rc $rc, $out"
[ "$(sed -n 's/^最新序号：//p' "$T/backup-1.out")" = "$("$BIN/duban" audit verify --data "$T/backup-1" --json | jq .head_seq)" ] ||
  fail "the refused backup changed backup-1"
mkdir "$T/empty"
out=$("$BIN/duban" admin backup --data "$T/empty" --to "$T/backup-x" 2>&1) && fail "a backup of no log succeeded"
echo "$out" | has "没有日志" || fail "backup of an empty folder says: $out"
out=$("$BIN/duban" admin backup --data "$T/data" 2>&1) && fail "backup without --to succeeded"
pass "an existing copy is not overwritten; no log, or no --to, is refused"

# Restore backup 3: stop the broker, put the copy in place, start it.
want_seq=$(sed -n 's/^最新序号：//p' "$T/backup-3.out")
want_hash=$(sed -n 's/^最新哈希：//p' "$T/backup-3.out")
stop_broker
cp "$T/backup-3/data.mdb" "$T/data/data.mdb"
rm -f "$T/data/lock.mdb"
start_broker
[ "$(head_of)" = "$want_seq" ] || fail "the restored broker is at $(head_of), not $want_seq"
"$BIN/duban" audit verify --data "$T/data" | has "^OK" || fail "the restored log does not verify"
"$BIN/duban" admin backup --data "$T/data" --to "$T/after-restore" >"$T/after.out" || fail "backup after restore"
grep -qx "最新哈希：$want_hash" "$T/after.out" || fail "the restored log's head hash differs: $(cat "$T/after.out")"
as admin:admin clock advance 60 >/dev/null || fail "a write after the restore"
[ "$(head_of)" = $((want_seq + 1)) ] || fail "after the restore the next event is not $((want_seq + 1))"
"$BIN/duban" audit verify --data "$T/data" | has "^OK" || fail "the log after restore and a write does not verify"
pass "restore: the broker restarts at the copy's seq $want_seq and hash, and goes on from there"
