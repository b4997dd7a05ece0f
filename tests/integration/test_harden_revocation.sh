# Revocation bites open connections (issue: a department whose certificate
# was removed had 60 writes of 60 accepted on its open connection over 60 s).
# A department's agent keeps one connection open and writes in a loop, and
# the department watches the log on a connection of its own that never
# renews its watch. Then
#   1. its certificate is removed from the broker's clients folder: every
#      write on the open connection after 2 s is refused as
#      permission_denied, and the watch ends within 2 s;
#   2. (a second department, with signed writes) its signing key is revoked
#      in the log with `duban admin revoke-key`: its open connections are
#      refused, reads as well as writes, and its watch ends; a connection
#      made afterwards is served.
# Prints the writes accepted after each revocation.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# write_loop CODE TASK SECONDS OUT: progress through CODE's agent every 100 ms;
# one line per write: "MS_SINCE_START ok|refused|other".
write_loop() {
  local code=$1 task=$2 seconds=$3 out=$4 start i=0 rc err
  start=$(now_ms)
  while [ $(($(now_ms) - start)) -lt $((seconds * 1000)) ]; do
    i=$((i + 1))
    if err=$(via "$code" progress "$task" --percent $((i % 100)) --note "第 $i 次" 2>&1 >/dev/null); then
      rc=ok
    elif echo "$err" | grep -q permission_denied; then rc=refused; else rc="other: $err"; fi
    echo "$(($(now_ms) - start)) $rc" >>"$out"
    sleep 0.1
  done
}

# accepted_after FILE MS: writes of FILE accepted MS or more after its start.
accepted_after() { awk -v ms="$2" '$1 >= ms && $2 == "ok"' "$1" | wc -l; }

# watch_ended PID LOG: the watch exited (non-zero) within 2 s, saying why.
watch_ended() {
  local pid=$1 log=$2 i rc=0
  for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "the watch of a revoked key was still open after 2 s"
  wait "$pid" || rc=$?
  [ "$rc" != 0 ] || fail "the watch of a revoked key ended with exit 0"
  grep -q permission_denied "$log" || fail "the watch did not say permission_denied: $(cat "$log")"
}

# ---- 1. a certificate removed from the clients folder ----
TASK=demo-2023-1:1.1.1
as unit:LCJ claim "$TASK" >/dev/null || fail "claim"
start_agent LCJ
via LCJ progress "$TASK" --percent 1 >/dev/null || fail "a write through the agent before the removal"
# A keepalive of an hour: only the broker can end this watch.
as unit:LCJ watch --json --keepalive 3600000 >"$T/watch-lcj.out" 2>"$T/watch-lcj.log" &
watch=$!
PIDS+=("$watch")
sleep 0.5
kill -0 "$watch" || fail "the watch did not start: $(cat "$T/watch-lcj.log")"
write_loop LCJ "$TASK" 4 "$T/writes-lcj" &
loop=$!
sleep 1
rm "$T/keys/clients/unit-LCJ.key"
removed_at=$(now_ms)
watch_ended "$watch" "$T/watch-lcj.log"
echo "the watch ended $(($(now_ms) - removed_at)) ms after the removal"
wait "$loop"
# The loop started about 1 s before the removal: 3 s in is 2 s after it.
after=$(accepted_after "$T/writes-lcj" 3000)
total_after=$(awk '$1 >= 3000' "$T/writes-lcj" | wc -l)
echo "certificate removed: $after of $total_after writes accepted 2 s or more after the removal" \
  "($(accepted_after "$T/writes-lcj" 1000) accepted at any time after it)"
[ "$total_after" -gt 0 ] || fail "no writes were tried after the removal"
[ "$after" = 0 ] || fail "$after writes on the open connection were accepted 2 s after the removal"
grep -q other "$T/writes-lcj" && fail "a write failed otherwise than permission_denied: $(grep other "$T/writes-lcj" | head -1)"
pass "a removed certificate: every write on its open connection refused, its watch ended within 2 s"
as auditor:audit ping >/dev/null || fail "another key is no longer served"

# ---- 2. a signing key revoked in the log ----
self_key() { "$BIN/duban" keygen --self "$1" --dir "$T/keys" --json | jq -r .signing_public_key; }
as admin:admin admin register-key admin:admin "$(self_key admin:admin)" "管理员" >/dev/null || fail "admin key"
as admin:admin admin register-key unit:ZRJ "$(self_key unit:ZRJ)" "自然资源局" >/dev/null || fail "ZRJ key"
ZRJ_KEY_ID=$("$BIN/duban" keygen --self unit:ZRJ --dir "$T/keys" --json | jq -r .signing_key_id)
TASK=demo-2023-1:1.1.2
as unit:ZRJ claim "$TASK" >/dev/null || fail "ZRJ's signed claim"
start_agent ZRJ
via ZRJ progress "$TASK" --percent 1 >/dev/null || fail "a signed write through ZRJ's agent"
as unit:ZRJ watch --json --keepalive 3600000 >"$T/watch-zrj.out" 2>"$T/watch-zrj.log" &
watch=$!
PIDS+=("$watch")
sleep 0.5
write_loop ZRJ "$TASK" 4 "$T/writes-zrj" &
loop=$!
sleep 1
as admin:admin admin revoke-key unit:ZRJ "$ZRJ_KEY_ID" "密钥泄露" >/dev/null || fail "revoke ZRJ's key"
revoked_at=$(now_ms)
watch_ended "$watch" "$T/watch-zrj.log"
echo "the watch ended $(($(now_ms) - revoked_at)) ms after the revocation"
grep -q "吊销" "$T/watch-zrj.log" || fail "the watch's end does not say the key was revoked: $(cat "$T/watch-zrj.log")"
wait "$loop"
after=$(accepted_after "$T/writes-zrj" 3000)
echo "signing key revoked: $after of $(awk '$1 >= 3000' "$T/writes-zrj" | wc -l) writes accepted 2 s or more after"
[ "$after" = 0 ] || fail "$after writes were accepted 2 s after the revocation"
# A read on the agent's open connection is refused too, not only a write.
out=$(via ZRJ tasks 2>&1) && fail "a read on the revoked key's open connection was served: $out"
echo "$out" | grep -q permission_denied || fail "the read was not refused as permission_denied: $out"
pass "a revoked signing key: its open connections refused (reads too), its watch ended within 2 s"
# A connection made after the revocation is served (its writes need a new key).
as unit:ZRJ tasks >/dev/null || fail "a new connection of unit:ZRJ was not served after the revocation"
as unit:LCJ --timeout 1500 ping >/dev/null 2>&1 && fail "the removed certificate connects again"
pass "a new connection after the revocation is served; a removed certificate cannot connect"
stop_broker
"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>&1 || fail "the log does not verify: $(cat "$T/verify.out")"
