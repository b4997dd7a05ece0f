# Departments cosign the checkpoints they keep (store/cosign.h): the agent
# of a department with a registered signing key signs each checkpoint it
# keeps. The operator copies the LMDB file aside, lets the broker write on,
# and later puts the copy back (a real rollback of data.mdb), or cuts the
# log's tail: plain `audit verify` passes, `audit verify --witness` with the
# department's export names the seq and says who cosigned what. A
# cosignature changed in the export, or made with a key minted behind the
# log's back, is refused.
. "$(dirname "$0")/lib.sh"
make_keys
KEY=$T/keys/broker.sign
TASK=demo-2023-1:1.1.1
start_broker --checkpoint-events 1
load_plan
self_key() { "$BIN/duban" keygen --self "$1" --dir "$T/keys" --json | jq -r .signing_public_key; }
as admin:admin admin register-key admin:admin "$(self_key admin:admin)" >/dev/null || fail "admin key"
as admin:admin admin register-key unit:LCJ "$(self_key unit:LCJ)" >/dev/null || fail "register unit:LCJ"
start_agent LCJ
WITNESS=$T/agent-LCJ/witness
head_seq() { "$BIN/duban" audit verify --data "$1" --chain-only --json | jq '.head_seq'; }
wait_cosig() {
  local i
  for i in $(seq 1 100); do
    ls "$WITNESS" 2>/dev/null | has "^$(printf %020d "$1")-.*\.cosig$" && return 0
    sleep 0.1
  done
  fail "the agent cosigned no checkpoint of seq $1: $(ls "$WITNESS" 2>&1 | tr '\n' ' ')"
}
report() { via LCJ progress "$TASK" --percent "$1" --note "第$1次" --request-id "c-$1" >/dev/null || fail "progress $1"; }

via LCJ claim "$TASK" --request-id c-claim >/dev/null || fail "claim"
report 10
report 20
EARLY=$(head_seq "$T/data")
wait_cosig "$EARLY"
# The operator stops the broker and copies the LMDB file aside.
stop_broker
cp "$T/data/data.mdb" "$T/early.mdb" || fail "copy data.mdb"
start_broker --checkpoint-events 1
report 30
report 40
HEAD=$(head_seq "$T/data")
wait_cosig "$HEAD"
stop_broker
grep -q "cosigning the checkpoints kept as unit:LCJ" "$T/agent-LCJ.log" || fail "the agent does not say it cosigns"

"$BIN/duban" audit checkpoints --witness "$WITNESS" --key "$KEY" --export "$T/export" >"$T/export.out" ||
  fail "export: $(cat "$T/export.out")"
[ "$(ls "$T/export" | grep -c '\.cosig$')" = "$(ls "$WITNESS" | grep -c '\.cosig$')" ] ||
  fail "the export does not hold every cosignature: $(cat "$T/export.out")"
"$BIN/duban" audit verify --data "$T/data" --witness "$T/export" --key "$KEY" --json >"$T/honest.json" ||
  fail "the untouched log does not verify with the cosigned export: $(cat "$T/honest.json")"
jq -e --argjson h "$HEAD" '.witness.cosigners | map(select(.identity == "unit:LCJ" and .last_seq == $h)) | length == 1' \
  "$T/honest.json" >/dev/null || fail "verify does not say unit:LCJ cosigned up to $HEAD: $(cat "$T/honest.json")"
"$BIN/duban" audit verify --data "$T/data" --witness "$T/export" --key "$KEY" | has "unit:LCJ 副署了" ||
  fail "the text output does not name the cosigner"
pass "the agent cosigns each checkpoint it keeps; verify names unit:LCJ up to seq $HEAD"

# attack NAME DIR WANT: plain verify passes, verify --witness names WANT.
attack() {
  local name=$1 dir=$2 want=$3
  "$BIN/duban" audit verify --data "$dir" >"$T/$name-plain.out" 2>&1 ||
    fail "$name: plain verify should pass: $(cat "$T/$name-plain.out")"
  if "$BIN/duban" audit verify --data "$dir" --witness "$T/export" --key "$KEY" --json >"$T/$name.json" 2>"$T/$name.err"; then
    fail "$name: verify --witness passed: $(cat "$T/$name.json")"
  fi
  [ "$(jq .witness.first_bad_seq "$T/$name.json")" = "$want" ] || fail "$name: seq $want not named: $(cat "$T/$name.json")"
  jq -r .witness.problem "$T/$name.json" | has "尾部被删去或被回滚" || fail "$name: not called a cut or rollback"
  pass "$name: plain verify passes, verify --witness names seq $want"
}

# Truncation: the last event cut, with the store library (the chain is consistent).
"$BIN/witness_rechain" "$T/data" "$T/cut" --drop-last 1 || fail "drop last"
attack "tail deleted" "$T/cut" "$HEAD"

# Rollback: the copied data.mdb put back over the live one.
mkdir -p "$T/rolled" && cp "$T/data/"* "$T/rolled/" && cp "$T/early.mdb" "$T/rolled/data.mdb"
[ "$(head_seq "$T/rolled")" = "$EARLY" ] || fail "the rolled-back file does not end at $EARLY"
attack "rollback to a copied data.mdb" "$T/rolled" $((EARLY + 1))

# A cosignature changed in the export: its signature no longer holds.
cp -a "$T/export" "$T/bad-export"
victim=$(ls "$T/bad-export" | grep '\.cosig$' | head -1)
python3 - "$T/bad-export/$victim" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-3] ^= 0x01  # inside the cosignature's own signature, the last field
open(p, "wb").write(bytes(b))
EOF
if "$BIN/duban" audit verify --data "$T/data" --witness "$T/bad-export" --key "$KEY" >"$T/bad.out" 2>&1; then
  fail "a changed cosignature passed"
fi
grep -q "副署签名不符" "$T/bad.out" || fail "the changed cosignature is not named: $(cat "$T/bad.out")"
pass "a changed cosignature is refused"

# Rogue: a second CURVE key for unit:LCJ in the clients folder and a signing
# key nobody registered; its CLI keeps and cosigns a checkpoint, which verify
# refuses (the key is not unit:LCJ's in the log).
start_broker --checkpoint-events 1
mkdir -p "$T/rogue"
"$BIN/duban" keygen --dir "$T/rogue" unit:LCJ >/dev/null || fail "rogue keygen"
cp "$T/rogue/clients/unit-LCJ.key" "$T/keys/clients/unit-LCJ-second.key"
"$BIN/duban" keygen --self unit:LCJ --dir "$T/rogue" >/dev/null || fail "rogue signing key"
sleep 1.2 # the broker reads the clients folder again at most once a second
DUBAN_WITNESS=$T/rogue-witness "$BIN/duban" ping --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
  --key "$T/rogue/unit-LCJ.key" >/dev/null || fail "the rogue key does not connect (the test would prove nothing)"
stop_broker
ls "$T/rogue-witness" | has '\.cosig$' || fail "the rogue CLI made no cosignature"
cp -a "$T/export" "$T/rogue-export" && cp "$T/rogue-witness/"*.cosig "$T/rogue-export/"
if "$BIN/duban" audit verify --data "$T/data" --witness "$T/rogue-export" --key "$KEY" >"$T/rogue.out" 2>&1; then
  fail "a cosignature by a rogue key passed"
fi
grep -q "未在日志中为 unit:LCJ 登记" "$T/rogue.out" || fail "the rogue cosignature is not named: $(cat "$T/rogue.out")"
pass "a cosignature by a key minted behind the log's back is refused"
