# lib_fault.sh: what the fault tests add to tests/integration/lib.sh.
#
# Sourced after lib.sh. Fault tests need more departments than the small
# fixture plan has (eight writers), a way to ask the log what it holds while
# the broker is dead (audit replay reads it read-only), the CPU a process
# has used (from /proc/PID/stat), and a clear skip (exit 77) when the machine
# cannot make what a test needs (namespaces, tmpfs mounts).
# Quick mode is the default; DUBAN_FAULT_ROUNDS=20 is the full mode.
ROUNDS=${DUBAN_FAULT_ROUNDS:-5}

skip() { echo "SKIP: $*"; exit 77; }

# fault_plan FILE N: a plan of N units F1..FN, each owning one task
# fault-1:1.K.1, written as duban-plan/1 JSON.
fault_plan() {
  local file=$1 n=$2
  jq -n --argjson n "$n" '{
    format: "duban-plan/1", id: "fault-1", document: "故障测试", title: "故障测试方案",
    issued: "2023-09-18", horizon: "2030-12-31",
    units: [range(1; $n + 1) | {code: "F\(.)", name: "测试单位\(.)", aliases: []}],
    sections: [{number: "1", title: "测试",
      measures: [range(1; $n + 1) | {number: "\(.)", text: "措施\(.)", lead: ["F\(.)"], cooperating: [],
        source_line: ., actions: [{id: "fault-1:1.\(.).1", number: "1", text: "任务\(.)", unit: "F\(.)",
          milestones: [{due: "2030-12-31", text: "到2030年", inherited: true}], targets: [], source_line: .}]}]}]
  }' >"$file"
}

# log_ids PREFIX: request ids in the log that start with PREFIX, one a line.
log_ids() {
  "$BIN/duban" audit replay --data "$T/data" --json | jq -r --arg p "$1" 'select(.request_id | startswith($p)) | .request_id'
}

# cpu_ticks PID: user + system clock ticks the process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

verify_log() { "$BIN/duban" audit verify --data "$T/data" >"$T/verify.out" 2>&1 || fail "audit verify: $(cat "$T/verify.out")"; }
