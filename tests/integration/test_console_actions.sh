# The board's batch actions (POST /api/action) against a real broker and a
# real duban-console: 催办, 退回, 改派 and 验收 on tasks reach the broker with
# their texts and the logged-in person, and the ones missing what they need
# (a reason to reject, a unit to reassign, an escalation's number to
# acknowledge) are refused on the page, nothing sent.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
command -v curl >/dev/null || exit 77
make_keys
start_broker
load_plan                                                  # seq 1
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
login 李协调 'correct-horse-1'

# act ACTION TARGET [curl -d args...]: the action's JSON reply into $T/out, its HTTP code on stdout.
act() {
  local action=$1 target=$2
  shift 2
  curl -s -o "$T/out" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" -d "action=$action" \
    --data-urlencode "target=$target" "$@" "$CONSOLE_URL/api/action"
}
P=demo-2023-1

code=$(act reject "$P:1.2.1")
[ "$code" = 422 ] && jq -e '.failed == 1 and (.results[0].error | contains("退回需填写原因"))' "$T/out" >/dev/null \
  || fail "a 退回 without a reason: $code $(cat "$T/out")"
code=$(act reassign "$P:1.2.1" --data-urlencode 'reason=调整')
[ "$code" = 422 ] && jq -e '.results[0].error | contains("改派需选择部门")' "$T/out" >/dev/null \
  || fail "a 改派 without a unit: $code $(cat "$T/out")"
code=$(act ack "$P:1.2.1")
[ "$code" = 422 ] || fail "an ack of a task id: $code $(cat "$T/out")"
code=$(act approve "$P:1.2.1")
[ "$code" = 422 ] || fail "an unknown action: $code $(cat "$T/out")"
pass "actions missing what they need are refused on the page (the next write below is seq 2)"

code=$(act remind "$P:1.2.1" --data-urlencode 'note=请尽快签收')
[ "$code" = 200 ] && jq -e '.results[0].seq == 2' "$T/out" >/dev/null || fail "催办: $code $(cat "$T/out")"
code=$(act reassign "$P:2.1.1" --data-urlencode 'unit=CZJ' --data-urlencode 'reason=职责调整')
[ "$code" = 200 ] && jq -e '.results[0].seq == 3' "$T/out" >/dev/null || fail "改派: $code $(cat "$T/out")"
as unit:LCJ claim "$P:1.1.1" >/dev/null || fail "claim"                  # seq 4
as unit:LCJ submit "$P:1.1.1" --note '已完成' >/dev/null || fail "submit"  # seq 5
code=$(act reject "$P:1.1.1" --data-urlencode 'reason=材料不全')
[ "$code" = 200 ] && jq -e '.results[0].seq == 6' "$T/out" >/dev/null || fail "退回: $code $(cat "$T/out")"
as unit:LCJ submit "$P:1.1.1" --note '已补齐' >/dev/null || fail "submit again"   # seq 7
code=$(act accept "$P:1.1.1" --data-urlencode 'note=同意')
[ "$code" = 200 ] && jq -e '.results[0].seq == 8' "$T/out" >/dev/null || fail "验收: $code $(cat "$T/out")"

as auditor:audit watch --after 1 --count 7 --json --timeout-idle 5000 >"$T/events.json"
for want in '2 reminded 请尽快签收' '3 reassigned 职责调整' '6 rejected 材料不全' '8 accepted 同意'; do
  read -r seq kind text <<<"$want"
  jq -se --argjson seq "$seq" --arg kind "$kind" --arg text "$text" \
    'any(.[]; .seq == $seq and .kind == $kind and .person == "李协调" and (tostring | contains($text)))' \
    "$T/events.json" >/dev/null || fail "event $seq is not $kind with $text: $(cat "$T/events.json")"
done
jq -se 'any(.[]; .seq == 3 and .unit == "CZJ")' "$T/events.json" >/dev/null \
  || fail "the 改派 does not name CZJ: $(cat "$T/events.json")"
pass "催办, 改派, 退回 and 验收 from the board reach the broker with their texts, as the logged-in person"
