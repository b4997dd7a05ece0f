#!/usr/bin/env bash
# test_etcd_tls.sh: etcd over TLS with client certificates, as the
# deployment runs it (docs/replication.md). One member serving https and
# requiring a client certificate: the etcd client's cases pass with the
# CA, certificate and key; a broker given them (--etcd-ca/--etcd-cert/
# --etcd-key) leads and takes writes; one without a client certificate
# is refused by etcd and says so.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"
command -v openssl >/dev/null || { echo "SKIP: no openssl to make certificates"; exit 77; }

ETCD_TLS_DIR=$T/tls
make_etcd_certs "$ETCD_TLS_DIR"
make_keys
start_etcd_cluster 1
case "$ETCD_ENDPOINTS" in https://*) ;; *) fail "the member does not serve https: $ETCD_ENDPOINTS" ;; esac
DUBAN_ETCD=$ETCD_ENDPOINTS DUBAN_ETCD_CA=$ETCD_TLS_DIR/ca.pem DUBAN_ETCD_CERT=$ETCD_TLS_DIR/client.pem \
  DUBAN_ETCD_KEY=$ETCD_TLS_DIR/client-key.pem "$BIN/etcd_client_check" >"$T/check.log" 2>&1 ||
  fail "etcd client over TLS: $(grep -a -A2 ERROR "$T/check.log" | head -n 6)"
pass "etcd client over TLS with a client certificate"

start_replica 1 --etcd-ca "$ETCD_TLS_DIR/ca.pem" --etcd-cert "$ETCD_TLS_DIR/client.pem" \
  --etcd-key "$ETCD_TLS_DIR/client-key.pem"
wait_leader >/dev/null
asr admin:admin plan load "$PLAN_JSON" >/dev/null || fail "plan load through a broker on etcd over TLS"
pass "a broker on etcd over TLS leads and takes writes"

start_replica 2 --etcd-ca "$ETCD_TLS_DIR/ca.pem"
kill_replica 1
out=$("$BIN/duban" plan load "$PLAN_JSON" --broker "$(replica_endpoint 2)" --server-key "$T/keys/broker.key" \
  --key "$(key_of admin:admin)" --timeout 3000 2>&1) && fail "a broker without a client certificate took a write"
echo "$out" | grep -q "unavailable" && echo "$out" | grep -q "etcd" || fail "refusal does not name etcd: $out"
pass "a broker without a client certificate is refused by etcd: $(echo "$out" | head -n 1)"
