#!/bin/sh
# entrypoint-load-plan.sh: the `load-plan` service of compose.yaml. Sends the
# plan to the broker; a plan the broker already has (`duban plan load` fails
# with "already_exists", as on every `up` after the first) counts as done,
# so the service ends successfully instead of restarting forever.
#
# The container's values are the defaults; tests/integration/
# test_docker_entrypoints.sh runs it outside a container with its own.
set -eu

DUBAN=${DUBAN:-duban}
DUBAN_KEYS=${DUBAN_KEYS:-/keys}
DUBAN_BROKER=${DUBAN_BROKER:-tcp://broker:7700}
DUBAN_PLAN=${DUBAN_PLAN:-$DUBAN_KEYS/plan.json}
DUBAN_IDENTITY_KEY=${DUBAN_IDENTITY_KEY:-$DUBAN_KEYS/admin-admin.key}

set +e
out=$("$DUBAN" plan load "$DUBAN_PLAN" --broker "$DUBAN_BROKER" --server-key "$DUBAN_KEYS/broker.key" \
  --key "$DUBAN_IDENTITY_KEY" 2>&1)
rc=$?
set -e
if [ "$rc" = 0 ]; then
  echo "load-plan: $out"
  exit 0
fi
case $out in
  *already_exists*)
    echo "load-plan: plan already loaded ($out)"
    exit 0
    ;;
esac
echo "load-plan: $out" >&2
exit "$rc"
