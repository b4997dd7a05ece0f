# lib_etcd.sh: real etcd members on loopback for the replication tests.
# Source it after lib.sh (it uses $T, PIDS, free_port and fail):
#
#   start_etcd_cluster 3    # members 1..N in $T/etcd-C-I (C counts clusters), on free ports
#   $ETCD_ENDPOINTS         # http://127.0.0.1:P1,http://127.0.0.1:P2,...
#   kill_etcd_member 2      # kill -9 one member
#   start_etcd_member 2     # start it again on its own data and ports
#   stop_etcd_cluster       # SIGTERM every member still running
#   ALSO_LISTEN_IP=IP     # (before starting) members also serve clients on IP;
#   etcd_endpoints_at IP    #   their addresses there, for a broker in a namespace
#   ETCD_TLS_DIR=DIR        # (before starting) serve clients over https with
#                           #   DIR/ca.pem, DIR/server.pem, DIR/server-key.pem and
#                           #   require client certificates (make_etcd_certs DIR)
#
# A test exits 77 (skipped) when etcd is not installed. The timings are
# etcd's defaults shortened for loopback (heartbeat 100 ms, election 1 s),
# with room for a loaded machine.

command -v etcd >/dev/null 2>&1 || { echo "skip: etcd is not installed (Debian: apt-get install etcd-server)"; exit 77; }

ETCD_COUNT=0
ETCD_CLUSTER=0 # how many clusters this test started: each gets fresh data folders
ETCD_ENDPOINTS=

# etcd_url I: member I's client address.
etcd_scheme() { [ -n "${ETCD_TLS_DIR:-}" ] && echo https || echo http; }
etcd_url() { eval "echo $(etcd_scheme)://127.0.0.1:\$ETCD_CLIENT_PORT_$1"; }

# make_etcd_certs DIR: a CA, a member certificate for 127.0.0.1 and a
# client certificate, with openssl, for ETCD_TLS_DIR.
make_etcd_certs() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=duban test CA" \
    -keyout "$d/ca-key.pem" -out "$d/ca.pem" >/dev/null 2>&1 || fail "openssl: CA"
  local who
  for who in server client; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=duban $who" -keyout "$d/$who-key.pem" -out "$d/$who.csr" \
      >/dev/null 2>&1 || fail "openssl: $who request"
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$d/$who.ext"
    openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 2 \
      -extfile "$d/$who.ext" -out "$d/$who.pem" >/dev/null 2>&1 || fail "openssl: $who certificate"
  done
}

# The flags of a member serving clients over TLS, when ETCD_TLS_DIR is set.
etcd_tls_flags() {
  [ -n "${ETCD_TLS_DIR:-}" ] || return 0
  echo "--cert-file $ETCD_TLS_DIR/server.pem --key-file $ETCD_TLS_DIR/server-key.pem" \
    "--client-cert-auth --trusted-ca-file $ETCD_TLS_DIR/ca.pem"
}
# curl's flags to talk to such a member.
etcd_curl_tls() {
  [ -n "${ETCD_TLS_DIR:-}" ] || return 0
  echo "--cacert $ETCD_TLS_DIR/ca.pem --cert $ETCD_TLS_DIR/client.pem --key $ETCD_TLS_DIR/client-key.pem"
}

start_etcd_member() {
  local i=$1 client peer cluster="" j
  eval "client=\$ETCD_CLIENT_PORT_$i; peer=\$ETCD_PEER_PORT_$i"
  for j in $(seq 1 "$ETCD_COUNT"); do
    cluster+="${cluster:+,}m$j=http://127.0.0.1:$(eval "echo \$ETCD_PEER_PORT_$j")"
  done
  etcd --name "m$i" --data-dir "$T/etcd-$ETCD_CLUSTER-$i" \
    --listen-client-urls "$(etcd_scheme)://127.0.0.1:$client${ALSO_LISTEN_IP:+,http://$ALSO_LISTEN_IP:$client}" \
    --advertise-client-urls "$(etcd_scheme)://127.0.0.1:$client" $(etcd_tls_flags) \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "duban-$$" \
    --heartbeat-interval 100 --election-timeout 1000 --max-request-bytes 8388608 --logger zap --log-level error \
    >>"$T/etcd-$ETCD_CLUSTER-$i.log" 2>&1 &
  eval "ETCD_PID_$i=$!"
  PIDS+=("$!")
}

# etcd_healthy I: member I answers and has a leader.
etcd_healthy() {
  curl -sf -m 2 $(etcd_curl_tls) "$(etcd_url "$1")/health" 2>/dev/null | grep -q '"health":"true"'
}

# etcd_port: a free port none of this test's processes has taken, below
# the range the kernel hands out to outgoing connections (so that the
# many connections to etcd cannot take it between now and the bind).
ETCD_TAKEN=" ${PORT:-} "
etcd_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    case "$ETCD_TAKEN" in *" $port "*) continue ;; esac
    ETCD_TAKEN+="$port "
    echo "$port"
    return
  done
}

start_etcd_cluster() {
  ETCD_COUNT=${1:-3}
  ETCD_CLUSTER=$((ETCD_CLUSTER + 1))
  local i port
  ETCD_ENDPOINTS=
  for i in $(seq 1 "$ETCD_COUNT"); do
    port=$(etcd_port); ETCD_TAKEN+="$port "; eval "ETCD_CLIENT_PORT_$i=$port"
    port=$(etcd_port); ETCD_TAKEN+="$port "; eval "ETCD_PEER_PORT_$i=$port"
    ETCD_ENDPOINTS+="${ETCD_ENDPOINTS:+,}$(etcd_url "$i")"
  done
  for i in $(seq 1 "$ETCD_COUNT"); do start_etcd_member "$i"; done
  for i in $(seq 1 "$ETCD_COUNT"); do
    local n
    for n in $(seq 1 150); do etcd_healthy "$i" && break; sleep 0.2; done
    etcd_healthy "$i" || fail "etcd member $i did not become healthy within 30 s (see etcd-$ETCD_CLUSTER-$i.log)"
  done
}

kill_etcd_member() {
  local pid
  eval "pid=\$ETCD_PID_$1"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_etcd_cluster() {
  local i pid
  for i in $(seq 1 "$ETCD_COUNT"); do
    eval "pid=\$ETCD_PID_$i"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# etcd_leader: the number of the member that is the raft leader now.
etcd_leader() {
  local i status
  for i in $(seq 1 "$ETCD_COUNT"); do
    status=$(curl -sf -m 2 "$(etcd_url "$i")/v3/maintenance/status" -d '{}' 2>/dev/null) || continue
    [ "$(echo "$status" | jq -r '.header.member_id')" = "$(echo "$status" | jq -r '.leader')" ] && { echo "$i"; return 0; }
  done
  return 1
}

# etcd_endpoints_at IP: the members' client addresses on IP (ALSO_LISTEN_IP).
etcd_endpoints_at() {
  local i list=""
  for i in $(seq 1 "$ETCD_COUNT"); do list+="${list:+,}http://$1:$(eval "echo \$ETCD_CLIENT_PORT_$i")"; done
  echo "$list"
}
