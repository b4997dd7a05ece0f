# Evidence (佐证材料) on signed writes: a department that signs its writes
# (store/signed_request.h) attaches files from the CLI and through its
# agent; the signature covers each file by its hash (the content is never
# in the event), so the broker takes them and audit verify checks every
# signature and every file again.
. "$(dirname "$0")/lib.sh"
make_keys
TASK=demo-2023-1:1.1.1
start_broker
load_plan
self_key() { "$BIN/duban" keygen --self "$1" --dir "$T/keys" --json | jq -r .signing_public_key; }
as admin:admin admin register-key admin:admin "$(self_key admin:admin)" "首个管理员密钥" >/dev/null || fail "admin key"
as admin:admin admin register-key unit:LCJ "$(self_key unit:LCJ)" >/dev/null || fail "register unit:LCJ"

printf '%%PDF-1.4 签名的佐证\n' >"$T/签名材料.pdf"
head -c 5000 /dev/urandom >"$T/现场.png"
as unit:LCJ claim "$TASK" >/dev/null || fail "signed claim"
as unit:LCJ progress "$TASK" --percent 30 --evidence "$T/签名材料.pdf" >/dev/null || fail "signed progress with a file"
start_agent LCJ
via LCJ progress "$TASK" --percent 40 --evidence "$T/现场.png" >/dev/null || fail "through the agent, signed"
for i in $(seq 1 50); do
  as auditor:audit task "$TASK" --json | jq -e '.percent == 40' >/dev/null && break
  sleep 0.1
done
as auditor:audit evidence list "$TASK" --json | jq -e '.evidence | length == 2' >/dev/null || fail "two files expected"
"$BIN/duban" audit replay --data "$T/data" --json | jq -s -e '[.[] | select(.signer_key_id != null and .signer_key_id != "")] | length >= 3' \
  >/dev/null || fail "the writes are not signed"
"$BIN/duban" audit verify --data "$T/data" | has '^OK' || fail "signed writes with files do not verify"
pass "signed writes carry files by their hash, from the CLI and through the agent, and verify"
