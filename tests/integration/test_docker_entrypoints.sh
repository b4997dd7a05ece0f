#!/usr/bin/env bash
# test_docker_entrypoints.sh: the scripts the containers of docker/compose.yaml
# run, run here outside a container against scratch folders with the real
# programs (the images themselves are not run by CI). setup makes the keys
# and one folder per service holding only that service's secret, and gives
# the volumes to the service user only when root and not told to skip;
# load-plan succeeds twice against a real broker (the second time saying the
# plan is already loaded); the health check passes against a live broker and
# fails against a stopped one.
source "$(dirname "$0")/lib.sh"

D=$SRC/docker
export DUBAN=$BIN/duban DUBAN_PLAN_TEXT=$SRC/examples/plans/ordos-2023-58.txt DUBAN_UNITS="JTJ LCJ"
export DUBAN_KEYS=$T/keys DUBAN_SERVICE_KEYS=$T/svc DUBAN_OWNED_DIRS="$T/data $T/outbox-jtj"

# 1. setup, told to skip the chown: it says so and the files stay ours.
DUBAN_SKIP_CHOWN=1 sh "$D/entrypoint-setup.sh" >"$T/setup.log" 2>&1 || fail "setup (skip chown)"
grep -q "chown and user switch skipped" "$T/setup.log" || fail "setup did not say it skipped the chown"
[ "$(stat -c %u "$T/keys/broker.key_secret")" = "$(id -u)" ] || fail "keys not owned by the caller"
[ ! -e "$T/data" ] || fail "skipped setup made the owned folders"
pass "setup skips the chown when told"

# Each service folder: the broker's public keys and its own secret only.
for s in admin-admin coordinator-office auditor-health unit-JTJ unit-LCJ; do
  secrets=$(cd "$T/svc/$s" && find . -name '*_secret' | sort | tr '\n' ' ')
  [ "$secrets" = "./$s.key_secret " ] || fail "$s holds secrets '$secrets'"
  [ -f "$T/svc/$s/broker.key" ] || fail "$s lacks broker.key"
  [ "$(stat -c %a "$T/svc/$s")" = 700 ] || fail "$s folder not 0700"
  [ "$(stat -c %a "$T/svc/$s/$s.key_secret")" = 600 ] || fail "$s secret not 0600"
done
secrets=$(cd "$T/svc/broker" && find . -name '*_secret' | sort | tr '\n' ' ')
[ "$secrets" = "./broker.key_secret ./broker.sign_secret " ] || fail "broker holds secrets '$secrets'"
[ -f "$T/svc/broker/clients/unit-JTJ.key" ] && [ -f "$T/svc/broker/clients/auditor-health.key" ] ||
  fail "broker lacks the public client keys"
[ ! -e "$T/svc/unit-NYJ" ] || fail "a folder for a unit not asked for"
[ -f "$T/svc/admin-admin/plan.json" ] || fail "admin folder lacks plan.json"
pass "each service folder holds only its own secret"

# Again: the keys are kept.
before=$(md5sum "$T/keys/unit-JTJ.key_secret")
DUBAN_SKIP_CHOWN=1 sh "$D/entrypoint-setup.sh" >>"$T/setup.log" 2>&1 || fail "second setup"
[ "$(md5sum "$T/keys/unit-JTJ.key_secret")" = "$before" ] || fail "second setup changed a key"
pass "a second setup keeps the keys"

# 2. As root, setup gives the folders to the service user and runs as it.
if [ "$(id -u)" = 0 ]; then
  R=$T/root
  mkdir -p "$R"
  chmod 755 "$T" "$R"
  DUBAN_USER=nobody DUBAN_KEYS=$R/keys DUBAN_SERVICE_KEYS=$R/svc DUBAN_OWNED_DIRS="$R/data $R/outbox-jtj" \
    sh "$D/entrypoint-setup.sh" >"$T/setup-root.log" 2>&1 || fail "setup as root"
  grep -q "volumes given to nobody" "$T/setup-root.log" || fail "root setup did not chown"
  for f in "$R/data" "$R/outbox-jtj" "$R/keys/broker.key_secret" "$R/svc/unit-JTJ/unit-JTJ.key_secret" \
    "$R/svc/broker/clients"; do
    [ "$(stat -c %U "$f")" = nobody ] || fail "$f owned by $(stat -c %U "$f"), not nobody"
  done
  pass "setup as root gives the volumes to the user and makes the keys as it"
else
  echo "skip: not root, the chown step is not exercised"
fi

# 3. load-plan, twice, against a real broker using the broker's own folder.
"$BIN/duban-broker" --endpoint "$ENDPOINT" --data "$T/data" --keys "$T/svc/broker" --virtual-clock 2023-09-20 \
  >>"$T/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
export DUBAN_BROKER=$ENDPOINT
up=0
for _ in $(seq 1 100); do
  if DUBAN_KEYS=$T/svc/auditor-health sh "$D/healthcheck.sh" auditor-health; then up=1; break; fi
  kill -0 "$BROKER_PID" 2>/dev/null || fail "broker exited (see broker.log)"
  sleep 0.1
done
[ "$up" = 1 ] || fail "broker did not answer the health check"
pass "the health check passes against a live broker"

export DUBAN_KEYS=$T/svc/admin-admin
sh "$D/entrypoint-load-plan.sh" >"$T/load1.log" 2>&1 || fail "first load-plan"
grep -q "loaded plan ordos-2023-58" "$T/load1.log" || fail "first load-plan said: $(cat "$T/load1.log")"
sh "$D/entrypoint-load-plan.sh" >"$T/load2.log" 2>&1 || fail "second load-plan failed: $(cat "$T/load2.log")"
grep -q "plan already loaded" "$T/load2.log" || fail "second load-plan said: $(cat "$T/load2.log")"
pass "load-plan succeeds twice, the second time saying already loaded"

# Any other failure is still a failure: a plan file that is not there.
if DUBAN_PLAN=$T/missing.json sh "$D/entrypoint-load-plan.sh" >"$T/load3.log" 2>&1; then
  fail "load-plan of a missing file succeeded"
fi
pass "load-plan still fails on other errors"

# Every service's key works with the health check.
for s in admin-admin coordinator-office unit-JTJ unit-LCJ; do
  DUBAN_KEYS=$T/svc/$s sh "$D/healthcheck.sh" "$s" || fail "health check with $s's folder"
done
pass "each client's own folder passes the health check"

# 4. The health check fails once the broker is stopped.
stop_broker
if DUBAN_KEYS=$T/svc/auditor-health DUBAN_PING_TIMEOUT_MS=500 sh "$D/healthcheck.sh" auditor-health; then
  fail "health check passed against a stopped broker"
fi
pass "the health check fails against a stopped broker"
