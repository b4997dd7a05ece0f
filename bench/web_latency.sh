#!/usr/bin/env bash
# web_latency.sh: two figures of the coordinators' board on the real plan
# (examples/plans/ordos-2023-58.txt, imported as scripts/demo.sh does):
# the board's page load time in headless Chromium, and the delay from a
# department's report (the CLI call starting) to the open board receiving
# it over SSE, median and p99 over N reports (default 100).
#   DUBAN_BIN=build/bin DUBAN_SOURCE=. bash bench/web_latency.sh [N]
set -euo pipefail
N=${1:-100}
. "${DUBAN_SOURCE:?}/tests/integration/lib.sh"
. "$SRC/tests/browser/lib_console.sh"
"$BIN/duban" plan import "$SRC/examples/plans/ordos-2023-58.txt" --horizon 2025-12-31 >"$T/plan.json" 2>"$T/import.log"
make_keys "$T/plan.json"
start_broker --virtual-clock "$(jq -r '.issued' "$T/plan.json")"
as admin:admin plan load "$T/plan.json" >/dev/null
make_user 李协调 coordinator "" 'correct-horse-1'
start_console
TASK=$(as coordinator:office tasks --json | jq -r '.tasks[0].id')
UNIT=$(as coordinator:office tasks --json | jq -r '.tasks[0].unit')
as "unit:$UNIT" claim "$TASK" >/dev/null
export CONSOLE_URL T BIN ENDPOINT TASK UNIT N
/usr/bin/python3 "$SRC/bench/web_latency.py"
