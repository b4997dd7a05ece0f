#!/bin/sh
# healthcheck.sh: the health check of every service in compose.yaml, a
# `duban ping` to the broker with the service's own key. Exit 0 when the
# broker answers within DUBAN_PING_TIMEOUT_MS.
#
#   healthcheck.sh IDENTITY-NAME     e.g. unit-JTJ, auditor-health
set -eu

DUBAN=${DUBAN:-duban}
DUBAN_KEYS=${DUBAN_KEYS:-/keys}
DUBAN_BROKER=${DUBAN_BROKER:-tcp://broker:7700}
DUBAN_PING_TIMEOUT_MS=${DUBAN_PING_TIMEOUT_MS:-3000}

exec "$DUBAN" ping --timeout "$DUBAN_PING_TIMEOUT_MS" --broker "$DUBAN_BROKER" \
  --server-key "$DUBAN_KEYS/broker.key" --key "$DUBAN_KEYS/$1.key" >/dev/null
