#!/usr/bin/env bash
# demo.sh: the main job, end to end, on the real plan (鄂府发〔2023〕58号).
#
# Installs what is missing, builds, then: imports the plan document, makes
# CURVE keys for the broker, the 22 departments, a coordinator, an auditor
# and an admin, starts the broker on a virtual clock and one agent per
# department, and lets a coordinator watch live while departments claim,
# report progress, escalate and submit; the coordinator acknowledges,
# resolves, accepts and rejects; the clock runs into 2024 and the deadline
# monitor flags what is overdue. It ends with the auditors' report and a
# verified chain. Along the way the coordinators' board (duban-console) and
# the desks of two departments (served by their agents) run in the browser;
# their addresses and the demo accounts are printed. Everything runs in a
# temporary folder (kept with --keep; --serve keeps everything running at
# the end until Ctrl-C, so the board and the desks can be looked at).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KEEP=0
SERVE=0
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1 ;;
    --serve) SERVE=1 ;;
    *) echo "usage: scripts/demo.sh [--keep] [--serve]" >&2; exit 2 ;;
  esac
done

# DUBAN_BIN names programs already built (the suite's test of this demo
# runs it on the build under test); otherwise install and build here.
if [ -n "${DUBAN_BIN:-}" ]; then
  BIN=$DUBAN_BIN
else
  scripts/install-deps.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target duban duban-broker duban-agent duban-console >/dev/null
  BIN=$ROOT/build/bin
fi
RUN=$(mktemp -d "${TMPDIR:-/tmp}/duban-demo-XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "(files kept in $RUN)"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
port=$((20000 + RANDOM % 12000)) # below the ephemeral range, where client connections take their ports
ENDPOINT=tcp://127.0.0.1:$port
as() { # as IDENTITY duban-args...: straight to the broker with that identity's key
  local who=${1/:/-}
  shift
  "$BIN/duban" "$@" --broker "$ENDPOINT" --server-key "$RUN/keys/broker.key" --key "$RUN/keys/$who.key"
}
via() { # via CODE duban-args...: through that department's agent
  local code=$1
  shift
  "$BIN/duban" "$@" --agent "ipc://$RUN/agents/$code.sock"
}

step "1. Import the plan document: examples/plans/ordos-2023-58.txt"
"$BIN/duban" plan import examples/plans/ordos-2023-58.txt --horizon 2025-12-31 --report "$RUN/import-report.txt" >"$RUN/plan.json"
jq -r '"plan \(.id) \(.document // "") issued \(.issued): \(.sections | length) sections, \([.sections[].measures[]] | length) measures, \([.sections[].measures[].actions[]] | length) actions, \(.units | length) units"' "$RUN/plan.json"
echo "what the importer reports (besides $(jq '[.[] | select(.kind == "inherited")] | length' "$RUN/import-report.txt") actions that name no date and inherit the plan's horizon):"
jq -r '.[] | select(.kind != "inherited") | "  line \(.line): \(.kind): \(.message)"' "$RUN/import-report.txt"

step "2. Keys for the broker, every department, a coordinator, an auditor and an admin"
"$BIN/duban" keygen --dir "$RUN/keys" --plan "$RUN/plan.json" | tail -n 4
echo "... $(ls "$RUN/keys/clients" | wc -l) client keys in $RUN/keys/clients"

step "3. The broker, on a virtual clock starting the day after the plan was issued"
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$RUN/data" --keys "$RUN/keys" --virtual-clock 2023-09-19 \
  2>"$RUN/broker.log" &
PIDS+=($!)
for _ in $(seq 1 100); do as admin:admin ping --timeout 300 >/dev/null 2>&1 && break; sleep 0.1; done
as admin:admin plan load "$RUN/plan.json"

step "4. One agent per department"
mkdir -p "$RUN/agents"
codes=$(jq -r '.units[].code' "$RUN/plan.json")
# Two departments also serve their desk (部门工作台) in the browser, each
# with one clerk's account; the accounts live beside each desk.
DESK_UNITS="NYJ JTJ"
declare -A DESK_CLERK=([NYJ]=张经办 [JTJ]=李经办) DESK_PORT=()
DEMO_PASSWORD=duban-demo
for code in $DESK_UNITS; do
  echo "$DEMO_PASSWORD" | "$BIN/duban" user add --users "$RUN/agents/$code.users" "${DESK_CLERK[$code]}" \
    --role clerk --unit "$code" --password-stdin >/dev/null
  DESK_PORT[$code]=$((port + 1 + ${#DESK_PORT[@]}))
done
for code in $codes; do
  desk=()
  [ -n "${DESK_PORT[$code]:-}" ] &&
    desk=(--desk-listen "127.0.0.1:${DESK_PORT[$code]}" --desk-users "$RUN/agents/$code.users")
  "$BIN/duban-agent" --broker "$ENDPOINT" --server-key "$RUN/keys/broker.key" --key "$RUN/keys/unit-$code.key" \
    --listen "ipc://$RUN/agents/$code.sock" --data "$RUN/agents/$code" "${desk[@]}" 2>>"$RUN/agents.log" &
  PIDS+=($!)
done
for code in $codes; do
  for _ in $(seq 1 50); do [ -S "$RUN/agents/$code.sock" ] && break; sleep 0.1; done
done
echo "$(echo "$codes" | wc -w) agents running"

step "5. The coordinators' board (duban-console) and the departments' desks, in the browser"
echo "$DEMO_PASSWORD" | "$BIN/duban" user add --users "$RUN/board.users" 王协调 --role coordinator \
  --password-stdin >/dev/null
BOARD_PORT=$((port + 10))
"$BIN/duban-console" --broker "$ENDPOINT" --keys "$RUN/keys" --key coordinator-office --data "$RUN/mirror" \
  --users "$RUN/board.users" --listen "127.0.0.1:$BOARD_PORT" >>"$RUN/console.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$BOARD_PORT/login" && break; sleep 0.1; done
echo "督办看板 (board):      http://127.0.0.1:$BOARD_PORT/   account 王协调, password $DEMO_PASSWORD"
for code in $DESK_UNITS; do
  echo "部门工作台 ($code desk): http://127.0.0.1:${DESK_PORT[$code]}/   account ${DESK_CLERK[$code]}, password $DEMO_PASSWORD"
done

step "6. The coordinator's office also watches in the terminal, live"
as coordinator:office watch --after 1 >"$RUN/watch.txt" 2>>"$RUN/watch.log" &
WATCH_PID=$!
PIDS+=($WATCH_PID)
sleep 0.3

step "7. 市交通运输局 (JTJ) opens its task list"
via JTJ tasks

step "8. Departments claim their tasks and report progress"
n=0
for code in $codes; do
  i=0
  for task in $(via "$code" tasks --json | jq -r '.tasks[] | select(.seen_as == "own") | .id'); do
    via "$code" claim "$task" >/dev/null
    i=$((i + 1))
    n=$((n + 1))
    # A spread of progress: some just started, some half way, some finished.
    percent=$(((n * 37) % 101))
    via "$code" progress "$task" --percent "$percent" --note "第${i}项举措按计划推进" >/dev/null
  done
done
echo "$n tasks claimed, each with a progress report"
echo "市能源局 reports figures against the targets of 2.1.1 (by name, and the third by number):"
via NYJ progress 2.1.1 --percent 60 --figure '全市新能源批复规模=3300万千瓦' --figure '3=45%' \
  --note '新能源项目批复按计划推进' | sed 's/^/NYJ: /'
via NYJ task 2.1.1 | grep -A 6 -e '^目标' -e '^targets' | sed 's/^/NYJ: /'
echo "a figure that names no target, in the wrong unit, is refused with the task's targets listed:"
via NYJ progress 2.1.1 --percent 61 --figure '新能源批复=3300万吨' 2>&1 | sed 's/^/NYJ: /' || true

echo "市能源局 reports the 2023 milestone (节点) of 2.1.1 met, and the coordinator confirms it:"
via NYJ milestone met 2.1.1 1 --figure '全市新能源批复规模=3300万千瓦' --note '2023年度节点目标已完成' | sed 's/^/NYJ: /'
as coordinator:office milestone confirm 2.1.1 1 --note '经核实，2023年节点完成' | sed 's/^/coordinator: /'

step "9. 市能源局 (NYJ) is blocked and escalates; the coordinator acknowledges and resolves"
nyj_task=$(via NYJ tasks --json | jq -r '[.tasks[] | select(.seen_as == "own")][0].id')
via NYJ escalate "$nyj_task" --category 资金 --reason '上级专项资金尚未下达，项目无法开工' | sed 's/^/NYJ: /'
sleep 0.3
as coordinator:office escalations
esc=$(as coordinator:office escalations --json | jq -r '.escalations[0].id')
as coordinator:office ack "$esc" --note '已协调市财政局' | sed 's/^/coordinator: /'
as coordinator:office resolve "$esc" --note '资金已拨付' | sed 's/^/coordinator: /'

step "10. Finished work is submitted; the coordinator accepts, and rejects one"
submitted=0
for code in $codes; do
  for task in $(via "$code" tasks --json | jq -r '.tasks[] | select(.seen_as == "own" and (.percent == 100 or .percent > 90)) | .id'); do
    via "$code" submit "$task" --note '已完成，材料齐全' >/dev/null
    submitted=$((submitted + 1))
  done
done
echo "$submitted tasks submitted"
first=1
for task in $(as coordinator:office tasks --state submitted --json | jq -r '.tasks[].id'); do
  if [ "$first" = 1 ]; then
    as coordinator:office reject "$task" --reason '缺少验收材料，请补充' | sed 's/^/coordinator: /'
    first=0
  else
    as coordinator:office accept "$task" >/dev/null
  fi
done
lazy=$(as coordinator:office tasks --state in_progress --json | jq -c '[.tasks[] | select(.percent < 10)][0]')
lazy_id=$(echo "$lazy" | jq -r '.id')
lazy_unit=$(echo "$lazy" | jq -r '.unit')
as coordinator:office remind "$lazy_id" --note '请加快推进，本周五前报送进展' | sed 's/^/coordinator: /'
sleep 0.3
echo "the department's inbox (收件箱) shows what the coordinators said:"
via "$lazy_unit" inbox | sed "s/^/$lazy_unit: /"

step "11. Time passes: the clock runs to 2024-01-05; the deadline monitor flags what is overdue"
as admin:admin clock advance --days 108
sleep 1
# Into a file first: head ending the pipe early would kill the CLI with SIGPIPE.
as coordinator:office escalations >"$RUN/escalations.txt"
head -n 8 "$RUN/escalations.txt"
echo "..."
echo "2.1.1's 2023 milestone was confirmed, so it is not overdue; 2.3.1's was not reported, so it is:"
for task in 2.1.1 2.3.1; do
  via NYJ task "$task" --json | jq -r '"  \(.id): \(if .overdue then "逾期" else "未逾期" end)；已确认节点 \(.milestones_met // [] | join(",") | if . == "" then "无" else . end)"'
done

step "12. What the coordinator's live watch saw ($(wc -l <"$RUN/watch.txt") lines; first and last)"
head -n 6 "$RUN/watch.txt"
echo "..."
tail -n 6 "$RUN/watch.txt"
kill -TERM "$WATCH_PID" 2>/dev/null || true

if [ "$SERVE" = 1 ]; then
  step "Serving: the board and the desks stay up until Ctrl-C"
  echo "督办看板 http://127.0.0.1:$BOARD_PORT/   (王协调 / $DEMO_PASSWORD)"
  trap 'echo' INT
  sleep infinity || true
fi

step "13. The broker stops cleanly (SIGTERM)"
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()
tail -n 2 "$RUN/broker.log"

step "14. Audit: scores, ranking, colours and the overdue list (考核), from the log file alone"
"$BIN/duban" audit report --data "$RUN/data"
"$BIN/duban" audit export --data "$RUN/data" --xlsx "$RUN/考核.xlsx"
echo "the same as an Excel workbook: $RUN/考核.xlsx"
echo
echo "and as the log stood at the end of 2023-12-31:"
"$BIN/duban" audit report --data "$RUN/data" --at 2023-12-31 | sed -n "/^排名/,/^$/p"

step "15. Audit: the verified chain"
"$BIN/duban" audit replay --data "$RUN/data" | tail -n 3
"$BIN/duban" audit verify --data "$RUN/data"
