# The 国密 profile through the whole cycle (store/crypto_profile.h): a log
# made with `duban-broker --crypto sm` records "sm" in its first event and
# chains with SM3 (checked here with Python's hashlib, outside duban); every
# key is SM2 (`duban keygen --crypto sm`, `keygen --self --crypto sm`); an
# Ed25519 key is refused by its registry and a broker started with the other
# profile is refused. Signed writes through the CLI and an agent, witnessed
# and cosigned checkpoints, `audit verify` and `audit verify --witness`
# pass; the broker's SM2 signature verifies with the openssl command line;
# a re-chained edit and a cut tail are caught at the right seq.
. "$(dirname "$0")/lib.sh"
python3 -c 'import hashlib; hashlib.new("sm3")' 2>/dev/null || { echo "skip: python3 hashlib has no sm3"; exit 77; }
"$BIN/duban" keygen --dir "$T/keys" --plan "$PLAN_JSON" --crypto sm >"$T/keygen.log" 2>&1 || fail "keygen --crypto sm"
KEY=$T/keys/broker.sign
[ "$(tr -d '\n' <"$KEY" | wc -c)" = 128 ] || fail "broker.sign is not an SM2 public key (64 bytes): $(cat "$KEY")"
TASK=demo-2023-1:1.1.1

start_broker --crypto sm --checkpoint-events 1
load_plan
"$BIN/duban" audit verify --data "$T/data" --chain-only --json | jq -e '.crypto == "sm"' >/dev/null ||
  fail "the log does not say it is of the sm profile"

# keygen --self --crypto sm makes SM2 pairs; an Ed25519 key is refused here.
self_key() { "$BIN/duban" keygen --self "$1" --dir "$T/keys" --crypto sm --json; }
self_key admin:admin >"$T/admin.json" || fail "keygen --self admin:admin --crypto sm"
jq -e '.crypto == "sm" and (.signing_public_key | length) == 128' "$T/admin.json" >/dev/null ||
  fail "keygen --self --crypto sm did not make an SM2 key: $(cat "$T/admin.json")"
[ "$(stat -c %a "$T/keys/admin-admin.sign_secret")" = 600 ] || fail "the SM2 secret is not 0600"
LCJ_PUB=$(self_key unit:LCJ | jq -r .signing_public_key)
mkdir -p "$T/ed"
ED_PUB=$("$BIN/duban" keygen --self coordinator:office --dir "$T/ed" --json | jq -r .signing_public_key)
as admin:admin admin register-key admin:admin "$(jq -r .signing_public_key "$T/admin.json")" >/dev/null ||
  fail "the admin registers its SM2 key"
out=$(as admin:admin admin register-key coordinator:office "$ED_PUB" 2>&1 || true)
echo "$out" | grep -q "ed25519-blake2b 配置的公钥" || fail "an Ed25519 key was not refused in an sm log: $out"
as admin:admin admin register-key unit:LCJ "$LCJ_PUB" >/dev/null || fail "register unit:LCJ's SM2 key"
pass "SM2 keys are registered; an Ed25519 key is refused in an sm log"

# The chain is SM3: event 2 carries SM3 of event 1's stored bytes.
event_hex() { mdb_dump -s events "$T/data" | awk -v k="$(printf ' %016x' "$1")" 'p { print; exit } $0 == k { p = 1 }' | tr -d ' '; }
E1=$(event_hex 1)
E2=$(event_hex 2)
[ -n "$E1" ] && [ -n "$E2" ] || fail "mdb_dump did not show events 1 and 2"
SM3=$(python3 -c 'import hashlib,sys; print(hashlib.new("sm3", bytes.fromhex(sys.argv[1])).hexdigest())' "$E1")
B2B=$(python3 -c 'import hashlib,sys; print(hashlib.blake2b(bytes.fromhex(sys.argv[1]), digest_size=32).hexdigest())' "$E1")
case $E2 in *"$SM3"*) ;; *) fail "event 2 does not carry SM3 of event 1 ($SM3)" ;; esac
case $E2 in *"$B2B"*) fail "event 2 carries the BLAKE2b hash in an sm log" ;; esac
pass "a log made with --crypto sm records it in event 1 and chains with SM3"

# Signed writes from the CLI and through the agent.
as unit:LCJ claim "$TASK" --request-id sm-claim >/dev/null || fail "a claim signed with SM2"
as unit:LCJ progress "$TASK" --percent 20 --note "国密签名的进展" --request-id sm-p1 >/dev/null || fail "signed progress"
start_agent LCJ
WITNESS=$T/agent-LCJ/witness
via LCJ progress "$TASK" --percent 40 --note "经代理签名" --request-id sm-p2 >/dev/null || fail "progress through the agent"
for i in $(seq 1 50); do
  as auditor:audit task "$TASK" --json | jq -e '.percent == 40' >/dev/null && break
  sleep 0.1
done
as auditor:audit task "$TASK" --json | jq -e '.percent == 40' >/dev/null || fail "the agent's signed write did not arrive"
via LCJ progress "$TASK" --percent 50 --note "再报一次" --request-id sm-p3 >/dev/null || fail "progress 3"
head_seq() { "$BIN/duban" audit verify --data "$1" --chain-only --json | jq '.head_seq'; }
HEAD=$(head_seq "$T/data")
for i in $(seq 1 100); do
  ls "$WITNESS" 2>/dev/null | grep -q "^$(printf %020d "$HEAD")-.*\.cosig$" && break
  sleep 0.1
done
ls "$WITNESS" | grep -q "^$(printf %020d "$HEAD")-.*\.cosig$" || fail "no cosigned checkpoint of seq $HEAD"
pass "SM2-signed writes from the CLI and the agent; the agent keeps and cosigns SM2 checkpoints"

stop_broker
if timeout 20 "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/keys" --virtual-clock 2023-09-20 --crypto ed25519-blake2b \
  >"$T/wrong.out" 2>&1; then
  fail "a broker with --crypto ed25519-blake2b opened an sm log"
fi
grep -q "日志是用密码配置 sm 建立的" "$T/wrong.out" || fail "the refusal does not say why: $(cat "$T/wrong.out")"
mkdir -p "$T/edkeys" && cp "$T/keys/"*.key* "$T/edkeys/" && cp -r "$T/keys/clients" "$T/edkeys/"
"$BIN/duban" keygen --dir "$T/edkeys" >/dev/null || fail "an Ed25519 broker.sign"
if timeout 20 "$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/edkeys" --virtual-clock 2023-09-20 >"$T/wrongkey.out" 2>&1; then
  fail "a broker with an Ed25519 checkpoint key opened an sm log"
fi
grep -q "检查点签名密钥" "$T/wrongkey.out" || fail "the key refusal does not say why: $(cat "$T/wrongkey.out")"
pass "a broker of the other profile, or with an Ed25519 checkpoint key, is refused"

"$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>&1 || fail "the sm log does not verify: $(cat "$T/verify.out")"
grep -q "crypto: *sm" "$T/verify.out" || fail "verify does not name the profile: $(cat "$T/verify.out")"
"$BIN/duban" audit checkpoints --witness "$WITNESS" --key "$KEY" --export "$T/export" >"$T/export.out" ||
  fail "export: $(cat "$T/export.out")"
"$BIN/duban" audit verify --data "$T/data" --witness "$T/export" --key "$KEY" --json >"$T/honest.json" ||
  fail "the sm log does not verify against its witness: $(cat "$T/honest.json")"
jq -e --argjson h "$HEAD" '.witness.agreed_seq == $h and (.witness.cosigners | map(select(.identity == "unit:LCJ")) | length == 1)' \
  "$T/honest.json" >/dev/null || fail "verify --witness does not agree up to $HEAD with unit:LCJ's cosignatures: $(cat "$T/honest.json")"
pass "audit verify and audit verify --witness pass on the sm log"

# The broker's SM2 signature of a checkpoint, checked by the openssl command
# line (SM3 digest, the distinguishing ID 1234567812345678) from the kept
# file and broker.sign alone: the bytes signed are the ones checkpoint.h
# documents, and the signature is standard SM2.
CKPT=$(ls "$T/export"/*.ckpt | tail -1)
python3 - "$CKPT" "$KEY" "$T" <<'PY' || fail "cannot lay out the checkpoint for openssl"
import struct, sys
data, fields, i = open(sys.argv[1], "rb").read(), {}, 0
def varint(i):
    n = shift = 0
    while True:
        b = data[i]; i += 1; n |= (b & 0x7F) << shift; shift += 7
        if b < 0x80: return n, i
while i < len(data):
    tag, i = varint(i)
    if tag & 7 == 0:
        fields[tag >> 3], i = varint(i)
    else:
        n, i = varint(i); fields[tag >> 3] = data[i:i + n]; i += n
signed = b"duban-checkpoint/1\0" + struct.pack(">Q", fields[1]) + fields[2] + struct.pack(">Q", fields[3]) + fields[4]
open(sys.argv[3] + "/ckpt.bytes", "wb").write(signed)
def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80: b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
sig = fields[5]
body = der_int(sig[:32]) + der_int(sig[32:])
open(sys.argv[3] + "/ckpt.sig", "wb").write(b"\x30" + bytes([len(body)]) + body)
# SubjectPublicKeyInfo: id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301), the point 04 | x | y.
spki = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004") + bytes.fromhex(open(sys.argv[2]).read().strip())
open(sys.argv[3] + "/broker-sign.der", "wb").write(spki)
PY
openssl pkey -pubin -inform DER -in "$T/broker-sign.der" -out "$T/broker-sign.pem" 2>/dev/null || fail "openssl does not read broker.sign as an SM2 key"
ossl_verify() {
  openssl pkeyutl -verify -pubin -inkey "$T/broker-sign.pem" -rawin -in "$1" -sigfile "$T/ckpt.sig" -digest sm3 \
    -pkeyopt distid:1234567812345678 >/dev/null 2>&1
}
ossl_verify "$T/ckpt.bytes" || fail "openssl does not verify the broker's SM2 checkpoint signature"
printf x >>"$T/ckpt.bytes"
! ossl_verify "$T/ckpt.bytes" || fail "openssl verified a changed checkpoint"
pass "openssl pkeyutl verifies the broker's SM2 checkpoint signature (SM3, ID 1234567812345678)"

# A re-chained edit of the SM2-signed report: the operator recomputes every
# SM3 link with duban's own store library. The signature gives it away, and
# so does the witness.
"$BIN/duban" audit replay --data "$T/data" --json >"$T/events.json"
EDIT=$(jq -s '[.[] | select(.request_id == "sm-p1")][0].seq' "$T/events.json")
"$BIN/witness_rechain" "$T/data" "$T/edited" --edit "$EDIT" "其实早已完成" || fail "rechain"
"$BIN/duban" audit verify --data "$T/edited" --chain-only >/dev/null || fail "the re-chained log's SM3 chain should hold"
if "$BIN/duban" audit verify --data "$T/edited" --json >"$T/edited.json" 2>/dev/null; then
  fail "audit verify passed a re-chained edit of a signed event"
fi
[ "$(jq .first_bad_seq "$T/edited.json")" = "$EDIT" ] || fail "verify does not name event $EDIT: $(cat "$T/edited.json")"
if "$BIN/duban" audit verify --data "$T/edited" --witness "$T/export" --key "$KEY" --json >"$T/edited-w.json" 2>/dev/null; then
  fail "audit verify --witness passed a re-chained edit"
fi
# The witness names the first checkpoint it holds at or after the edit.
WANT=$(ls "$T/export" | grep '\.ckpt$' | sed 's/-.*//' | awk -v e="$EDIT" '$1 + 0 >= e + 0 { print $1 + 0; exit }')
[ "$(jq .witness.first_bad_seq "$T/edited-w.json")" = "$WANT" ] ||
  fail "the witness does not name seq $WANT: $(cat "$T/edited-w.json")"
pass "a re-chained edit: the SM3 chain holds, the SM2 signature names seq $EDIT and the witness seq $WANT"

"$BIN/witness_rechain" "$T/data" "$T/cut" --drop-last 1 || fail "drop last"
"$BIN/duban" audit verify --data "$T/cut" >/dev/null || fail "the cut log verifies on its own"
if "$BIN/duban" audit verify --data "$T/cut" --witness "$T/export" --key "$KEY" --json >"$T/cut.json" 2>/dev/null; then
  fail "audit verify --witness passed a cut tail"
fi
[ "$(jq .witness.first_bad_seq "$T/cut.json")" = "$HEAD" ] || fail "the witness does not name seq $HEAD: $(cat "$T/cut.json")"
pass "a deleted last event: plain verify passes, verify --witness names seq $HEAD"
