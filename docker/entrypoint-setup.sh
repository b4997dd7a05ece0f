#!/bin/sh
# entrypoint-setup.sh: the `setup` service of compose.yaml. Run as root, it
# gives the volumes to the duban user, then runs again as that user to make
# the plan and the keys once, and copies to each service's own key folder
# only what that service needs: the broker its pair, its signing pair and
# the public client keys; every client the broker's public keys and its own
# pair. Running it again keeps the keys there are.
#
# The container's paths are the defaults; tests/integration/
# test_docker_entrypoints.sh runs this script outside a container with its
# own. DUBAN_SKIP_CHOWN=1 (or not being root) skips the chown and the drop.
set -eu

DUBAN=${DUBAN:-duban}
DUBAN_USER=${DUBAN_USER:-duban}
DUBAN_KEYS=${DUBAN_KEYS:-/keys}
DUBAN_SERVICE_KEYS=${DUBAN_SERVICE_KEYS:-/service-keys}
DUBAN_PLAN_TEXT=${DUBAN_PLAN_TEXT:-/usr/share/duban/plans/ordos-2023-58.txt}
# The units whose agents run, and the volumes the services write to.
DUBAN_UNITS=${DUBAN_UNITS:-JTJ LCJ NYJ}
DUBAN_OWNED_DIRS=${DUBAN_OWNED_DIRS:-/var/lib/duban/data /var/lib/duban/outbox-jtj /var/lib/duban/outbox-lcj /var/lib/duban/outbox-nyj}

# One folder per service; the name is the identity it uses (':' as '-').
services="broker admin-admin coordinator-office auditor-health"
for unit in $DUBAN_UNITS; do services="$services unit-$unit"; done

if [ "$(id -u)" = 0 ] && [ "${DUBAN_SKIP_CHOWN:-0}" != 1 ] && [ "${DUBAN_SETUP_DROPPED:-0}" != 1 ]; then
  mkdir -p "$DUBAN_KEYS" $DUBAN_OWNED_DIRS
  for s in $services; do mkdir -p "$DUBAN_SERVICE_KEYS/$s"; done
  chown -R "$DUBAN_USER:" "$DUBAN_KEYS" $DUBAN_OWNED_DIRS
  chown "$DUBAN_USER:" "$DUBAN_SERVICE_KEYS"
  for s in $services; do chown -R "$DUBAN_USER:" "$DUBAN_SERVICE_KEYS/$s"; done
  echo "setup: volumes given to $DUBAN_USER"
  exec setpriv --reuid="$DUBAN_USER" --regid="$(id -g "$DUBAN_USER")" --init-groups \
    env DUBAN_SETUP_DROPPED=1 sh "$0" "$@"
fi
[ "${DUBAN_SETUP_DROPPED:-0}" = 1 ] || echo "setup: chown and user switch skipped (not root, or DUBAN_SKIP_CHOWN=1)"

umask 077
mkdir -p "$DUBAN_KEYS"
if [ ! -f "$DUBAN_KEYS/plan.json" ]; then
  "$DUBAN" plan import "$DUBAN_PLAN_TEXT" >"$DUBAN_KEYS/plan.json.tmp"
  mv "$DUBAN_KEYS/plan.json.tmp" "$DUBAN_KEYS/plan.json"
fi
# The broker's own health check pings as auditor:health.
"$DUBAN" keygen --dir "$DUBAN_KEYS" --plan "$DUBAN_KEYS/plan.json" auditor:health >/dev/null

# copy_to SERVICE FILE...: FILE (relative to the keys) into the service's folder.
copy_to() {
  dir=$DUBAN_SERVICE_KEYS/$1
  shift
  mkdir -p "$dir"
  chmod 700 "$dir"
  for f in "$@"; do
    mkdir -p "$(dirname "$dir/$f")"
    cp -p "$DUBAN_KEYS/$f" "$dir/$f"
  done
}

mkdir -p "$DUBAN_SERVICE_KEYS/broker/clients"
chmod 755 "$DUBAN_SERVICE_KEYS/broker/clients"
copy_to broker broker.key broker.key_secret broker.sign broker.sign_secret
cp -p "$DUBAN_KEYS"/clients/*.key "$DUBAN_SERVICE_KEYS/broker/clients/"
for s in $services; do
  [ "$s" = broker ] && continue
  copy_to "$s" broker.key broker.sign "$s.key" "$s.key_secret"
done
cp -p "$DUBAN_KEYS/plan.json" "$DUBAN_SERVICE_KEYS/admin-admin/plan.json"
echo "setup: keys ready in $DUBAN_KEYS, one folder per service in $DUBAN_SERVICE_KEYS"
