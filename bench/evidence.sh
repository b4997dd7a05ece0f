#!/usr/bin/env bash
# evidence.sh: what evidence (佐证材料) costs on the real plan. Starts a real
# broker, loads examples/plans/ordos-2023-58.txt, writes N progress reports
# (one in ten with a 100 KB file), then times a report of three 1 MB files,
# `duban evidence list` and `evidence get` (read from the evidence index) and
# `duban audit verify` (which checks every file against its event's hash).
#
#   bench/evidence.sh [N]          (N = 1000 by default)
#   DUBAN_BIN=build/bin            (the programs; default build/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
export DUBAN_BIN=${DUBAN_BIN:-$PWD/build/bin} DUBAN_SOURCE=$PWD
. tests/integration/lib.sh
"$BIN/duban" plan import examples/plans/ordos-2023-58.txt >"$T/plan.json" 2>/dev/null
make_keys "$T/plan.json"
start_broker --virtual-clock 2023-09-19
as admin:admin plan load "$T/plan.json" >/dev/null
as unit:NYJ claim 2.1.1 >/dev/null
head -c 100000 /dev/urandom >"$T/scan.pdf"
for i in $(seq 1 "$N"); do
  if [ $((i % 10)) = 0 ]; then
    printf 'page %s\n' "$i" >>"$T/scan.pdf"
    as unit:NYJ progress 2.1.1 --percent $((i % 100)) --evidence "$T/scan.pdf" >/dev/null
  else
    as unit:NYJ progress 2.1.1 --percent $((i % 100)) >/dev/null
  fi
done
for i in 1 2 3; do head -c 1000000 /dev/urandom >"$T/big$i.pdf"; done
ms() { local start end; start=$(date +%s%N); "$@" >/dev/null 2>&1; end=$(date +%s%N); echo $(((end - start) / 1000000)); }
upload=$(ms as unit:NYJ progress 2.1.1 --percent 99 --evidence "$T/big1.pdf" --evidence "$T/big2.pdf" --evidence "$T/big3.pdf")
list=$(ms as auditor:audit evidence list 2.1.1)
hash=$(as auditor:audit evidence list 2.1.1 --json | jq -r '.evidence[-1].hash')
get=$(ms as auditor:audit evidence get "$hash" -o "$T/got.pdf")
head_seq=$(as auditor:audit ping --json | jq .head_seq)
files=$(as auditor:audit evidence list 2.1.1 --json | jq '.evidence | length')
verify=$(ms "$BIN/duban" audit verify --data "$T/data")
echo "log: $head_seq events, $files evidence files on 2.1.1"
echo "report with three 1 MB files (CLI to broker, acknowledged): $upload ms"
echo "evidence list 2.1.1 (the index): $list ms"
echo "evidence get (the index, 1 MB back): $get ms"
echo "audit verify (chain, views, every file): $verify ms"
stop_broker
