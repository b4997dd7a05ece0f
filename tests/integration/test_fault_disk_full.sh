# Fault: a full disk. The broker refuses writes with a clear `unavailable`,
# stays up, serves reads, writes nothing half, and takes writes again once
# space returns. The disk is a small tmpfs mounted on the data folder
# (skipped, exit 77, where mount is not permitted). A map that cannot grow
# is tests/unit/test_fault_store.c (a store-level fault: it needs a small
# address space, which a whole broker with its threads does not fit).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/fault/lib_fault.sh"
make_keys
mkdir -p "$T/data"
mount -t tmpfs -o size=6m,mode=0700 duban-fault "$T/data" 2>/dev/null || skip "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)"
MOUNTED=$T/data
trap 's=$?; set +e; kill -9 "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; umount "$MOUNTED" || umount -l "$MOUNTED"; [ $s = 0 ] || cat "$T/broker.log" >&2; (exit $s); cleanup' EXIT

start_broker
load_plan
as unit:LCJ claim demo-2023-1:1.1.1 >/dev/null
# Fill the disk to the last byte.
dd if=/dev/zero of="$T/data/filler" bs=64k >/dev/null 2>&1 || true
head_before=$(as admin:admin ping --json | jq '.head_seq')
note=$(head -c 6000 /dev/zero | tr '\0' 'x')
refused=0
for i in $(seq 1 20); do
  out=$(as unit:LCJ progress demo-2023-1:1.1.1 --percent $i --note "$note" 2>&1) && continue
  echo "$out" | has unavailable || fail "a write on a full disk got: $out"
  refused=$((refused + 1))
done
[ "$refused" -gt 0 ] || fail "the disk never filled"
echo "$out"
kill -0 "$BROKER_PID" || fail "the broker died on a full disk"
as unit:LCJ task demo-2023-1:1.1.1 --json >/dev/null || fail "reads stop on a full disk"
as auditor:audit tasks >/dev/null || fail "reads stop on a full disk"
grep -q 'no space left' "$T/broker.log" || fail "the broker did not log why it refused"
pass "full disk: $refused writes refused with unavailable, the broker serves reads"
rm -f "$T/data/filler"
as unit:LCJ progress demo-2023-1:1.1.1 --percent 77 >/dev/null || fail "no recovery after space returned"
[ "$(as unit:LCJ task demo-2023-1:1.1.1 --json | jq '.percent')" = 77 ] || fail "state after recovery"
stop_broker
verify_log
pass "space returns: writes are taken again, the log verifies"

