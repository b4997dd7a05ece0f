# Departments sign their own writes (store/signed_request.h): an admin
# registers its own signing key first, then each department's (made with
# `duban keygen --self` on its host, only the public part sent). From then
# on the broker refuses an unsigned write, a signature that does not hold,
# a signature by a key nobody registered (a second key minted in the
# broker's clients folder) and one by a revoked key; audit verify checks
# every signature again and names the event of a forged one.
. "$(dirname "$0")/lib.sh"
make_keys
TASK=demo-2023-1:1.1.1
start_broker
# Writes before any key is registered: the old way, unsigned, still verify.
load_plan

self_key() { "$BIN/duban" keygen --self "$1" --dir "$T/keys" --json | jq -r .signing_public_key; }
ADMIN_PUB=$(self_key admin:admin)
[ "$(stat -c %a "$T/keys/admin-admin.sign_secret")" = 600 ] || fail "the signing secret is not 0600"
"$BIN/duban" keygen --self unit:LCJ --dir "$T/keys" >"$T/self.out" || fail "keygen --self"
grep -q "admin register-key unit:LCJ" "$T/self.out" || fail "keygen --self does not tell the admin's command: $(cat "$T/self.out")"
grep -q "_secret" "$T/self.out" && ! grep -qE "[0-9a-f]{128}" "$T/self.out" || fail "keygen --self printed a secret: $(cat "$T/self.out")"
LCJ_PUB=$("$BIN/duban" keygen --self unit:LCJ --dir "$T/keys" --json | jq -r .signing_public_key)
OFFICE_PUB=$(self_key coordinator:office)

# The first admin key registers itself; from then on every write is signed.
as admin:admin admin register-key admin:admin "$ADMIN_PUB" "首个管理员密钥" >/dev/null || fail "admin registers its own key"
expect_code unauthenticated as unit:ZRJ claim demo-2023-1:1.2.1
as admin:admin admin register-key unit:LCJ "$LCJ_PUB" >/dev/null || fail "register unit:LCJ"
as admin:admin admin register-key coordinator:office "$OFFICE_PUB" >/dev/null || fail "register coordinator:office"
expect_code already_exists as admin:admin admin register-key unit:LCJ "$LCJ_PUB"
pass "an admin registers its own key, then a department's and a coordinator's"

as unit:LCJ claim 1.1.1 --request-id s-claim >/dev/null || fail "a signed claim with a short task id"
as unit:LCJ progress "$TASK" --percent 30 --note "签名的进展" --request-id s-p1 >/dev/null || fail "signed progress"
start_agent LCJ
via LCJ progress "$TASK" --percent 40 --note "经代理签名" --request-id s-p2 >/dev/null || fail "progress through the agent"
for i in $(seq 1 50); do
  as auditor:audit task "$TASK" --json | jq -e '.percent == 40' >/dev/null && break
  sleep 0.1
done
as auditor:audit task "$TASK" --json | jq -e '.percent == 40' >/dev/null || fail "the agent's signed write did not arrive"
as coordinator:office remind "$TASK" --note "请按时报送" >/dev/null || fail "a coordinator's signed reminder"
"$BIN/duban" audit replay --data "$T/data" --json >"$T/events.json"
OLD_ID=$("$BIN/duban" keygen --self unit:LCJ --dir "$T/keys" --json | jq -r .signing_key_id)
for id in s-claim s-p1 s-p2; do
  [ "$(jq -s -r --arg id $id '[.[] | select(.request_id == $id)][0].signer_key_id' "$T/events.json")" = "$OLD_ID" ] ||
    fail "event $id does not carry unit:LCJ's key id $OLD_ID"
done
pass "signed writes from the CLI, the agent and a coordinator are accepted"

# A department without a registered key is refused, in Chinese.
out=$(as unit:ZRJ claim demo-2023-1:1.2.1 2>&1 || true)
echo "$out" | has "必须由登记过的密钥签名" || fail "the refusal of an unsigned write is not explained: $out"

# Another unit's key: unit:ZRJ signing with unit:LCJ's registered key.
cp "$T/keys/unit-LCJ.sign_secret" "$T/keys/unit-ZRJ.sign_secret"
out=$(as unit:ZRJ claim demo-2023-1:1.2.1 2>&1 || true)
echo "$out" | has "未在日志中为 unit:ZRJ 登记" || fail "a write signed with another unit's key was not refused: $out"
rm "$T/keys/unit-ZRJ.sign_secret"
pass "a write without a signature, or signed with another unit's key, is refused"

# Rogue key: whoever can write the clients folder mints a second key for
# unit:LCJ, with a signing key of its own. Its writes are refused.
mkdir -p "$T/rogue"
"$BIN/duban" keygen --dir "$T/rogue" unit:LCJ >/dev/null || fail "rogue keygen"
cp "$T/rogue/clients/unit-LCJ.key" "$T/keys/clients/unit-LCJ-second.key"
"$BIN/duban" keygen --self unit:LCJ --dir "$T/rogue" >/dev/null || fail "rogue signing key"
sleep 1.2 # the broker reads the clients folder again at most once a second
rogue() { "$BIN/duban" "$@" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$T/rogue/unit-LCJ.key"; }
rogue ping >/dev/null || fail "the rogue CURVE key does not even connect (the test would prove nothing)"
out=$(rogue progress "$TASK" --percent 100 --note "冒名" 2>&1 || true)
echo "$out" | has "未在日志中为 unit:LCJ 登记" || fail "a rogue signing key was not refused: $out"
rm "$T/rogue/unit-LCJ.sign_secret"
expect_code unauthenticated rogue progress "$TASK" --percent 100 --note "冒名未签"
pass "a second key minted in the clients folder cannot write as unit:LCJ, signed or not"

# The same folder writer mints a second admin:admin key too, with a signing
# key of its own, and registers its own signing key for unit:LCJ: refused, a
# registration must be signed by an admin key the log registered; the log
# does not grow.
"$BIN/duban" keygen --dir "$T/rogue" admin:admin >/dev/null || fail "rogue admin keygen"
cp "$T/rogue/clients/admin-admin.key" "$T/keys/clients/admin-admin-second.key"
"$BIN/duban" keygen --self admin:admin --dir "$T/rogue" >/dev/null || fail "rogue admin signing key"
rm -f "$T/rogue/unit-LCJ.sign" # the pair of the section above is gone: a fresh one
ROGUE_PUB=$("$BIN/duban" keygen --self unit:LCJ --dir "$T/rogue" --json | jq -r .signing_public_key)
sleep 1.2
before=$(as auditor:audit ping --json | jq .head_seq)
out=$("$BIN/duban" admin register-key unit:LCJ "$ROGUE_PUB" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
  --key "$T/rogue/admin-admin.key" 2>&1 || true)
echo "$out" | has "未在日志中为 admin:admin 登记" || fail "a rogue admin's key registration was not refused: $out"
out=$(rogue progress "$TASK" --percent 100 --note "冒名" 2>&1 || true)
echo "$out" | has "未在日志中为 unit:LCJ 登记" || fail "the rogue unit key signs after the refused registration: $out"
[ "$(as auditor:audit ping --json | jq .head_seq)" = "$before" ] || fail "the refused writes grew the log"
rm "$T/rogue/unit-LCJ.sign_secret" "$T/rogue/admin-admin.sign_secret"
pass "a second admin key in the clients folder cannot register a signing key for unit:LCJ"

# Rotation: a new key registered, the old one revoked; writes before and after verify.
mkdir -p "$T/old" && cp "$T/keys/unit-LCJ.sign"* "$T/old/"
rm "$T/keys/unit-LCJ.sign" "$T/keys/unit-LCJ.sign_secret"
NEW_PUB=$(self_key unit:LCJ)
as admin:admin admin register-key unit:LCJ "$NEW_PUB" "轮换" >/dev/null || fail "register the new key"
as admin:admin admin revoke-key unit:LCJ "$OLD_ID" "轮换后停用旧密钥" >/dev/null || fail "revoke the old key"
as unit:LCJ progress "$TASK" --percent 50 --note "新密钥" --request-id s-p3 >/dev/null || fail "a write with the new key"
cp "$T/old/"* "$T/keys/"
out=$(as unit:LCJ progress "$TASK" --percent 60 --note "旧密钥" 2>&1 || true)
echo "$out" | has "已于事件 [0-9]* 吊销" || fail "a revoked key was not refused: $out"
pass "key rotation: the new key signs, the revoked one is refused"
stop_broker

"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>&1 || fail "the signed log does not verify: $(cat "$T/verify.out")"
pass "audit verify checks every signature of the log and passes"

# The operator rewrites a signed event and rechains the log: the chain holds,
# the signature does not, and verify names the event.
EDIT=$(jq -s '[.[] | select(.request_id == "s-p1")][0].seq' "$T/events.json")
tampered() {
  local name=$1 want=$2
  shift 2
  "$BIN/witness_rechain" "$T/data" "$T/$name" "$@" || fail "$name: rechain"
  if "$BIN/duban" audit verify --data "$T/$name" --json >"$T/$name.json" 2>"$T/$name.err"; then
    fail "$name: audit verify passed a rewritten signed event"
  fi
  [ "$(jq .first_bad_seq "$T/$name.json")" = "$want" ] || fail "$name: verify does not name event $want: $(cat "$T/$name.json")"
  jq -r .problem "$T/$name.json" | has "签名" || fail "$name: the problem does not say the signature fails: $(cat "$T/$name.json")"
  pass "$name: audit verify names event $want"
}
tampered "re-chained note" "$EDIT" --edit "$EDIT" "其实早已完成"
tampered "percent set to 100" "$EDIT" --percent "$EDIT" 100
tampered "actor changed" "$EDIT" --actor "$EDIT" unit:ZRJ
