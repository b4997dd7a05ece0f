# The department desk's JSON API with curl, against a real broker and an
# agent serving the desk: no session is refused, a POST without the CSRF
# token is refused and queues nothing, another unit's task is refused with
# the broker's reason, and a write while the broker is away is shown queued
# and delivered once it is back; the queued list is the agent's outbox (a
# refusal with its reason, kept over a restart); evidence is uploaded,
# listed and downloaded.
. "$(dirname "$0")/lib.sh"
make_keys
start_broker
load_plan
DESK_PORT=$(free_port)
DESK=http://127.0.0.1:$DESK_PORT
printf '%s\n' 'desk-password-1' | "$BIN/duban" user add --users "$T/users" 张三 --role clerk --unit JTJ --password-stdin \
  >/dev/null || fail "user add"
printf '%s\n' 'desk-password-2' | "$BIN/duban" user add --users "$T/users" 李四 --role clerk --unit LCJ --password-stdin \
  >/dev/null || fail "user add"
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:JTJ)" \
  --listen "ipc://$T/agent-JTJ.sock" --data "$T/agent-JTJ" --desk-listen "127.0.0.1:$DESK_PORT" \
  --desk-users "$T/users" >>"$T/agent-JTJ.log" 2>&1 &
AGENT_PID=$!
PIDS+=($AGENT_PID)
for i in $(seq 1 100); do curl -s -o /dev/null "$DESK/login" && break; sleep 0.1; done
curl -s -o /dev/null "$DESK/login" || fail "the desk did not start"

code=$(curl -s -o "$T/out" -w '%{http_code}' "$DESK/api/tasks")
[ "$code" = 401 ] || fail "no session: /api/tasks answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$DESK/")
[ "$code" = 303 ] || fail "no session: / answered $code"
pass "no session: 401 for the API, the login page for /"

code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' --data-urlencode 'name=李四' \
  --data-urlencode 'password=desk-password-2' "$DESK/login")
[ "$code" = 401 ] || [ "$code" = 403 ] || fail "a clerk of another unit logged in to JTJ's desk ($code)"
J="$T/cookies"
curl -s -c "$J" -o /dev/null -H 'Accept: application/json' --data-urlencode 'name=张三' \
  --data-urlencode 'password=desk-password-1' "$DESK/login"
CSRF=$(curl -s -b "$J" "$DESK/api/session" | jq -r .csrf)
[ -n "$CSRF" ] && [ "$CSRF" != null ] || fail "no CSRF token after login"
pass "only the desk's own unit's clerks log in"

api() { # api PATH JSON [extra curl args]: POST with the session and the token
  local path=$1 body=$2
  shift 2
  curl -s -b "$J" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d "$body" -o "$T/out" \
    -w '%{http_code}' "$@" "$DESK$path"
}
curl -s -b "$J" "$DESK/api/tasks" >"$T/tasks.json"
TASK=$(jq -r '.tasks[] | select(.number == "2.1.1") | .id' "$T/tasks.json")
[ -n "$TASK" ] || fail "task 2.1.1 is not on JTJ's desk: $(cat "$T/tasks.json")"
jq -e '.tasks[0] | has("colour") and has("next_due") and (.targets | length > 0)' "$T/tasks.json" >/dev/null \
  || fail "tasks lack colour, due date or targets"

code=$(curl -s -b "$J" -H 'Content-Type: application/json' -d "{\"task\":\"$TASK\"}" -o /dev/null -w '%{http_code}' \
  "$DESK/api/claim")
[ "$code" = 403 ] || fail "a claim without the CSRF token answered $code"
code=$(curl -s -b "$J" -H 'Content-Type: application/json' -H 'X-CSRF-Token: 00' -d "{\"task\":\"$TASK\"}" \
  -o /dev/null -w '%{http_code}' "$DESK/api/claim")
[ "$code" = 403 ] || fail "a claim with a wrong CSRF token answered $code"
[ "$(as unit:JTJ task "$TASK" --json | jq -r .state)" = assigned ] || fail "a refused claim was written"
[ "$(curl -s -b "$J" "$DESK/api/queued" | jq '.items | length')" = 0 ] || fail "a refused claim was queued"
pass "a POST without or with a wrong CSRF token is 403 and nothing is written or queued"

OTHER=$(as unit:LCJ tasks --json | jq -r '.tasks[0].id')
code=$(api /api/claim "{\"task\":\"$OTHER\"}")
[ "$code" = 403 ] || [ "$code" = 409 ] || fail "another unit's task: $code $(cat "$T/out")"
jq -e '.ok == false and (.error | length > 0)' "$T/out" >/dev/null || fail "no refusal text: $(cat "$T/out")"
[ "$(as unit:LCJ task "$OTHER" --json | jq -r .state)" = assigned ] || fail "JTJ's desk claimed LCJ's task"
# Said in Chinese (web/refusal.c), the broker's own text kept as detail.
jq -e '(.error | test("不是 .* 的任务|无权")) and (.detail | length > 0)' "$T/out" >/dev/null \
  || fail "the refusal is not in Chinese: $(cat "$T/out")"
# ... and names the department as the plan does, not by its code.
jq -r .error "$T/out" | has '市交通运输局' && ! jq -r .error "$T/out" | grep -qw 'JTJ' \
  || fail "the refusal names a unit by its code: $(jq -r .error "$T/out")"
pass "another unit's task is refused with the broker's reason in Chinese: $(jq -r .error "$T/out")"

code=$(api /api/claim "{\"task\":\"$TASK\"}")
[ "$code" = 200 ] && jq -e '.ok and (.queued | not)' "$T/out" >/dev/null || fail "claim: $code $(cat "$T/out")"
code=$(api /api/progress "{\"task\":\"$TASK\",\"percent\":10,\"figures\":[{\"what\":\"公共充电桩\",\"value\":3,\"unit\":\"吨\"}]}")
[ "$code" = 409 ] || fail "a figure in a wrong unit answered $code $(cat "$T/out")"
jq -r .error "$T/out" | has '公共充电桩' || fail "the refusal does not name the target: $(cat "$T/out")"
jq -r .error "$T/out" | has '填报的单位是吨' || fail "the unit refusal is not in Chinese: $(cat "$T/out")"
code=$(api /api/progress "{\"task\":\"$TASK\",\"percent\":10,\"note\":\"<script>x</script>\",\"figures\":[{\"what\":\"公共充电桩\",\"value\":300,\"unit\":\"个\"}]}")
[ "$code" = 200 ] || fail "a right figure answered $code $(cat "$T/out")"
as unit:JTJ task "$TASK" --json | jq -e '.percent == 10 and .person == null or true' >/dev/null
"$BIN/duban" audit replay --data "$T/data" 2>/dev/null | has '经办人：张三' || fail "the 经办人 is not on the events"
pass "claim and progress through the desk; a wrong unit is refused by the broker; the clerk is the 经办人"

stop_broker
code=$(api /api/progress "{\"task\":\"$TASK\",\"percent\":40,\"figures\":[]}")
[ "$code" = 200 ] && jq -e '.ok and .queued' "$T/out" >/dev/null || fail "with the broker away: $code $(cat "$T/out")"
# Queued too: a claim of another unit's task, which the broker will refuse.
code=$(api /api/claim "{\"task\":\"$OTHER\"}")
[ "$code" = 200 ] && jq -e '.ok and .queued' "$T/out" >/dev/null || fail "the second queued write: $code $(cat "$T/out")"
curl -s -b "$J" "$DESK/api/queued" >"$T/queued.json"
jq -e '.waiting == 2 and (.items | all(.state == "已排队"))' "$T/queued.json" >/dev/null \
  || fail "the queued writes are not listed as queued: $(cat "$T/queued.json")"
jq -e '.items[0].what | test("填报进度 .*2.1.1")' "$T/queued.json" >/dev/null || fail "what is queued: $(cat "$T/queued.json")"
start_broker
for i in $(seq 1 100); do
  [ "$(as unit:JTJ task "$TASK" --json | jq -r .percent)" = 40 ] && break
  sleep 0.1
done
[ "$(as unit:JTJ task "$TASK" --json | jq -r .percent)" = 40 ] || fail "the queued report was not delivered"
for i in $(seq 1 50); do
  curl -s -b "$J" "$DESK/api/queued" | jq -e '.waiting == 0' >/dev/null && break
  sleep 0.2
done
curl -s -b "$J" "$DESK/api/queued" >"$T/queued.json"
jq -e '.waiting == 0 and .refused == 1 and (.items | length) == 1 and .items[0].state == "被拒绝"' "$T/queued.json" \
  >/dev/null || fail "the delivered write is still listed, or the refusal is not: $(cat "$T/queued.json")"
jq -e '.items[0].message | test("不是 .* 的任务|无权")' "$T/queued.json" >/dev/null \
  || fail "the refusal is not the broker's reason in Chinese: $(cat "$T/queued.json")"
pass "with the broker away writes are queued (已排队); delivered ones leave the list, a refused one stays with its reason"

# The list is the agent's outbox: it survives a restart of the agent (and its desk).
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:JTJ)" \
  --listen "ipc://$T/agent-JTJ.sock" --data "$T/agent-JTJ" --desk-listen "127.0.0.1:$DESK_PORT" \
  --desk-users "$T/users" >>"$T/agent-JTJ.log" 2>&1 &
AGENT_PID=$!
PIDS+=($AGENT_PID)
for i in $(seq 1 100); do curl -s -o /dev/null "$DESK/login" && break; sleep 0.1; done
curl -s -c "$J" -o /dev/null -H 'Accept: application/json' --data-urlencode 'name=张三' \
  --data-urlencode 'password=desk-password-1' "$DESK/login"
CSRF=$(curl -s -b "$J" "$DESK/api/session" | jq -r .csrf)
curl -s -b "$J" "$DESK/api/queued" >"$T/queued.json"
jq -e '.refused == 1 and .items[0].state == "被拒绝"' "$T/queued.json" >/dev/null \
  || fail "the refusal is gone after the agent restarted: $(cat "$T/queued.json")"
"$BIN/duban" outbox --agent "ipc://$T/agent-JTJ.sock" --json --keep-unseen |
  jq -e --arg id "$(jq -r '.items[0].request_id' "$T/queued.json")" \
    '.outbox | length == 1 and .[0].request_id == $id and .[0].refused' >/dev/null ||
  fail "duban outbox does not show the same refusal"
pass "the desk's queued list is the agent's outbox: the refusal survives a restart and is what duban outbox shows"

# Evidence (佐证材料): uploaded with a progress report, listed, downloaded.
printf '%%PDF-1.4 验收报告\n' >"$T/report.pdf"
b64=$(base64 -w0 "$T/report.pdf")
code=$(api /api/progress "{\"task\":\"$TASK\",\"percent\":50,\"figures\":[],\"evidence\":[{\"name\":\"验收报告.pdf\",\"data\":\"$b64\"}]}")
[ "$code" = 200 ] && jq -e '.ok' "$T/out" >/dev/null || fail "progress with evidence: $code $(cat "$T/out")"
curl -s -b "$J" "$DESK/api/evidence?task=$TASK" >"$T/evidence.json"
jq -e '.evidence | length == 1 and .[0].name == "验收报告.pdf" and .[0].kind_zh == "填报进度"
  and (.[0].time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$"))' "$T/evidence.json" \
  >/dev/null || fail "the evidence is not listed: $(cat "$T/evidence.json")"
url=$(jq -r '.evidence[0].url' "$T/evidence.json")
curl -s -b "$J" -D "$T/headers" -o "$T/got.pdf" "$DESK$url"
cmp -s "$T/got.pdf" "$T/report.pdf" || fail "the downloaded file differs"
grep -qi '^content-type: application/pdf' "$T/headers" || fail "no pdf content type: $(cat "$T/headers")"
grep -qi "^content-disposition: attachment; filename\*=UTF-8''%E9%AA%8C" "$T/headers" || fail "no download name"
head -c $((1024 * 1024 + 10)) /dev/zero >"$T/big.pdf"
base64 -w0 "$T/big.pdf" | jq -R "{task: \"$TASK\", percent: 60, figures: [], evidence: [{name: \"大.pdf\", data: .}]}" >"$T/big.json"
code=$(curl -s -b "$J" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" --data-binary @"$T/big.json" \
  -o "$T/out" -w '%{http_code}' "$DESK/api/progress")
[ "$code" = 400 ] && jq -e '.field == "evidence" and (.error | test("1 MiB"))' "$T/out" >/dev/null ||
  fail "a file over 1 MiB: $code $(cat "$T/out")"
[ "$(as unit:JTJ task "$TASK" --json | jq -r .percent)" = 50 ] || fail "a refused upload changed the task"
pass "evidence uploaded through the desk, listed and downloaded; a file over 1 MiB refused with the limit"

# ---- on the real plan: lead and cooperating units, plan changes, milestones ----
# Measure 2.1 is led by 市能源局 (NYJ), which owns 2.1.1; 2.1.2 is 市科学技术局's
# (KJJ); NYJ cooperates on measure 2.2 (2.2.1 is 市发展和改革委员会's).
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
stop_broker
mv "$T/data" "$T/data-small"
"$BIN/duban" plan import "$SRC/examples/plans/ordos-2023-58.txt" >"$T/real.json" 2>/dev/null || fail "import"
rm -rf "$T/keys"
make_keys "$T/real.json"
start_broker --virtual-clock 2023-09-19
load_plan "$T/real.json"
printf '%s\n' 'desk-password-3' | "$BIN/duban" user add --users "$T/users" 王五 --role clerk --unit NYJ --password-stdin \
  >/dev/null || fail "user add"
DESK_PORT=$(free_port)
DESK=http://127.0.0.1:$DESK_PORT
"$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of unit:NYJ)" \
  --listen "ipc://$T/agent-NYJ.sock" --data "$T/agent-NYJ" --desk-listen "127.0.0.1:$DESK_PORT" \
  --desk-users "$T/users" >>"$T/agent-NYJ.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do curl -s -o /dev/null "$DESK/login" && break; sleep 0.1; done
curl -s -c "$J" -o /dev/null -H 'Accept: application/json' --data-urlencode 'name=王五' \
  --data-urlencode 'password=desk-password-3' "$DESK/login"
CSRF=$(curl -s -b "$J" "$DESK/api/session" | jq -r .csrf)
[ -n "$CSRF" ] && [ "$CSRF" != null ] || fail "NYJ's clerk cannot log in"
P=ordos-2023-58
curl -s -b "$J" "$DESK/api/tasks" >"$T/tasks.json"
task() { jq --arg id "$P:$1" '.tasks[] | select(.id == $id)' "$T/tasks.json"; }
task 2.1.1 | jq -e '.seen_as == "own" and .seen_as_zh == "本单位" and .writable and (.may_remind | not)' >/dev/null \
  || fail "2.1.1 is not NYJ's own writable task: $(task 2.1.1)"
task 2.1.2 | jq -e '.seen_as == "lead" and .seen_as_zh == "牵头" and .unit == "KJJ" and (.writable | not)
  and .may_remind' >/dev/null || fail "2.1.2 is not shown as led by NYJ with 催办: $(task 2.1.2)"
task 2.2.1 | jq -e '.seen_as == "cooperating" and .seen_as_zh == "配合" and (.writable | not) and (.may_remind | not)' \
  >/dev/null || fail "2.2.1 is not shown as cooperating, read-only: $(task 2.2.1)"
jq -e '[.lead_measures[] | .measure] | index("2.1") != null and index("2.2") == null' "$T/tasks.json" >/dev/null \
  || fail "the measures NYJ leads: $(jq -c .lead_measures "$T/tasks.json")"
jq -e '.lead_measures[] | select(.measure == "2.1") | .tasks == 2 and .colour_zh == "绿" and .green == 2' \
  "$T/tasks.json" >/dev/null || fail "the roll-up of measure 2.1: $(jq -c .lead_measures "$T/tasks.json")"
pass "the desk marks tasks 本单位 / 牵头 / 配合, offers writes on its own only, and rolls up the measures it leads"

code=$(api /api/claim "{\"task\":\"$P:2.1.2\"}")
[ "$code" = 403 ] && jq -e '.ok == false and (.error | length > 0)' "$T/out" >/dev/null \
  || fail "a claim of the led task: $code $(cat "$T/out")"
code=$(api /api/progress "{\"task\":\"$P:2.2.1\",\"percent\":10,\"figures\":[]}")
[ "$code" = 403 ] || fail "a progress report on the cooperating task: $code $(cat "$T/out")"
[ "$(as unit:KJJ task 2.1.2 --json | jq -r .state)" = assigned ] || fail "NYJ's desk claimed KJJ's task"
[ "$(curl -s -b "$J" "$DESK/api/queued" | jq '.items | length')" = 0 ] || fail "a refused write was queued"
# With the broker away too: the desk refuses it itself rather than queue it.
stop_broker
code=$(api /api/claim "{\"task\":\"$P:2.1.2\"}")
[ "$code" = 403 ] && jq -r .error "$T/out" | has '由市科学技术局负责.*牵头单位' \
  || fail "a claim of the led task with the broker away: $code $(cat "$T/out")"
code=$(api /api/milestone "{\"task\":\"$P:2.2.1\",\"due\":\"2023-12-31\"}")
[ "$code" = 403 ] && jq -r .error "$T/out" | has '配合单位' \
  || fail "a milestone of the cooperating task with the broker away: $code $(cat "$T/out")"
[ "$(curl -s -b "$J" "$DESK/api/queued" | jq '.items | length')" = 0 ] || fail "a write on a read-only task was queued"
# A lead's 催办 is a write it may make: queued, and delivered once the broker is back.
code=$(api /api/remind "{\"task\":\"$P:2.1.2\",\"note\":\"请尽快签收\"}")
[ "$code" = 200 ] && jq -e '.ok and .queued' "$T/out" >/dev/null || fail "a 催办 with the broker away: $code $(cat "$T/out")"
curl -s -b "$J" "$DESK/api/queued" | jq -e --arg w "牵头催办 $P:2.1.2" '.waiting == 1 and .items[0].what == $w' \
  >/dev/null || fail "the queued 催办: $(curl -s -b "$J" "$DESK/api/queued")"
start_broker --virtual-clock 2023-09-19
for i in $(seq 1 100); do
  curl -s -b "$J" "$DESK/api/queued" | jq -e '.items | length == 0' >/dev/null && break
  sleep 0.1
done
as unit:KJJ inbox --json --keep-unread | jq -e 'any(.inbox[]; .kind == "lead_reminded" and .text == "请尽快签收")' \
  >/dev/null || fail "the queued 催办 was not delivered: $(as unit:KJJ inbox --json --keep-unread)"
code=$(api /api/remind "{\"task\":\"$P:2.1.1\",\"note\":\"本单位的任务\"}")
[ "$code" = 403 ] || fail "a 催办 of NYJ's own task: $code $(cat "$T/out")"
code=$(api /api/remind "{\"task\":\"$P:2.1.2\",\"note\":\"\"}")
[ "$code" = 400 ] && jq -r .error "$T/out" | has '催办内容' || fail "a 催办 without a note: $code $(cat "$T/out")"
code=$(api /api/remind "{\"task\":\"$P:2.1.2\",\"note\":\"请本周内报送储能示范基地进展\"}")
[ "$code" = 200 ] && jq -e '.ok and (.queued | not)' "$T/out" >/dev/null || fail "lead remind: $code $(cat "$T/out")"
as unit:KJJ inbox --json --keep-unread | jq -e --arg id "$P:2.1.2" 'any(.inbox[]; .kind == "lead_reminded"
  and .text == "请本周内报送储能示范基地进展" and .from == "unit:NYJ" and .task == $id)' >/dev/null \
  || fail "the 催办 is not in KJJ's inbox: $(as unit:KJJ inbox --json --keep-unread)"
"$BIN/duban" audit replay --data "$T/data" 2>/dev/null | has '经办人：王五' || fail "the 经办人 of the 催办"
pass "a write on a led or cooperating task is refused with nothing queued (broker up or away); the lead's 催办 reaches the owner's inbox, queued while the broker is away"

# Milestones met one by one: 2.1.1's first (2023-12-31) with its figure.
api /api/claim "{\"task\":\"$P:2.1.1\"}" >/dev/null
task 2.1.1 | jq -e '[.milestones[] | .state_zh] == ["未完成", "未完成"]' >/dev/null \
  || fail "milestones before: $(task 2.1.1 | jq -c .milestones)"
code=$(api /api/milestone "{\"task\":\"$P:2.1.1\",\"due\":\"2023-12-31\",\"figures\":[{\"what\":\"全市新能源批复规模\",\"value\":5600,\"unit\":\"吨\"}]}")
[ "$code" = 409 ] && jq -r .error "$T/out" | has '全市新能源批复规模' || fail "a milestone figure in a wrong unit: $code $(cat "$T/out")"
printf '批复文件\n' >"$T/pifu.txt"
b64=$(base64 -w0 "$T/pifu.txt")
code=$(api /api/milestone "{\"task\":\"$P:2.1.1\",\"due\":\"2023-12-31\",\"note\":\"已获批复\",\"figures\":[{\"what\":\"全市新能源批复规模\",\"value\":5600,\"unit\":\"万千瓦\"}],\"evidence\":[{\"name\":\"批复.txt\",\"data\":\"$b64\"}]}")
[ "$code" = 200 ] && jq -e '.ok' "$T/out" >/dev/null || fail "milestone met: $code $(cat "$T/out")"
curl -s -b "$J" "$DESK/api/tasks" >"$T/tasks.json"
task 2.1.1 | jq -e '[.milestones[] | .state_zh] == ["待确认", "未完成"] and .milestones[0].state == "reported"
  and (.figures | any(.against | test("^5600万千瓦 / 5500万千瓦")))' >/dev/null \
  || fail "after the report: $(task 2.1.1 | jq -c '{milestones, figures}')"
as auditor:audit task 2.1.1 --json | jq -e '.milestones_reported == ["2023-12-31"]' >/dev/null \
  || fail "the broker did not record the milestone report"
curl -s -b "$J" "$DESK/api/evidence?task=$P:2.1.1" | jq -e '.evidence | any(.name == "批复.txt")' >/dev/null \
  || fail "the milestone's evidence is not listed"
as coordinator:office milestone confirm 2.1.1 2023-12-31 >/dev/null || fail "confirm"
curl -s -b "$J" "$DESK/api/tasks" >"$T/tasks.json"
task 2.1.1 | jq -e '.milestones[0].state == "met" and (.milestones[0].state_zh | test("已确认"))' >/dev/null \
  || fail "after the confirmation: $(task 2.1.1 | jq -c .milestones)"
pass "报告节点完成 from the desk sends MilestoneMet with figures and evidence; 未完成 → 待确认 → 已确认"

# Plan changes (计划调整): a cancelled task shows 已撤销 with the change, and takes no writes.
as coordinator:office plan change cancel 2.6.1 --reason '并入2.5.1统一实施' >/dev/null || fail "cancel"
as coordinator:office plan change redate 2.3.1 --milestone 2023-12-31 --due 2024-06-30 --reason '受审批进度影响延期' \
  >/dev/null || fail "redate"
curl -s -b "$J" "$DESK/api/tasks" >"$T/tasks.json"
jq -e '.lead_measures[] | select(.measure == "2.6") | .tasks == 0 and .colour == "none"' "$T/tasks.json" >/dev/null \
  || fail "measure 2.6, whose one task was cancelled: $(jq -c .lead_measures "$T/tasks.json")"
task 2.6.1 | jq -e '.cancelled and .state_zh == "已撤销" and (.writable | not) and (.plan_changes | length == 1)
  and .plan_changes[0].reason == "并入2.5.1统一实施" and .plan_changes[0].actor == "coordinator:office"
  and (.plan_changes[0].time | test("^2023-09-19 "))' >/dev/null \
  || fail "the cancelled task: $(task 2.6.1)"
task 2.3.1 | jq -e '(.plan_changes[0].what | test("2024-06-30")) and .plan_changes[0].reason == "受审批进度影响延期"' \
  >/dev/null || fail "the redated task: $(task 2.3.1 | jq -c .plan_changes)"
code=$(api /api/progress "{\"task\":\"$P:2.6.1\",\"percent\":10,\"figures\":[]}")
[ "$code" = 403 ] && jq -r .error "$T/out" | has '已因计划调整撤销' || fail "a report on the cancelled task: $code $(cat "$T/out")"
pass "plan changes show what, why, who and when; a cancelled task is 已撤销 and read-only"
