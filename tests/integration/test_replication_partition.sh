#!/usr/bin/env bash
# test_replication_partition.sh: the leader broker cut off from etcd while
# its clients still reach it (docs/replication.md). Broker b1 runs in a
# network namespace this test makes, with two links to the host: one to
# etcd's members, one its clients use; the cut takes the etcd link down.
# Then b1 must stop acknowledging (its writes are refused) and step down
# within its lease; b2, on the host, is elected and takes writes; when the
# link comes back, b1 follows b2 and the two logs are identical, with no
# event of b1's own. Skipped (77) where namespaces cannot be made.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_etcd.sh"
source "$(dirname "$0")/lib_replicas.sh"
skip() { echo "SKIP: $*"; exit 77; }
command -v ip >/dev/null || skip "no 'ip' command (iproute2) to make network namespaces"
NS=dbn-r-$$
ip netns add "$NS" 2>/dev/null || skip "cannot make network namespaces here (needs root or CAP_NET_ADMIN)"
trap 's=$?; set +e; ip netns pids "$NS" | xargs -r kill -9; kill -9 "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; ip netns del "$NS"; (exit $s); cleanup' EXIT
VE=dbre$$ VC=dbrc$$
ip link add "${VE}h" type veth peer name "${VE}n" netns "$NS" || skip "cannot make a veth pair"
ip link add "${VC}h" type veth peer name "${VC}n" netns "$NS" || skip "cannot make a second veth pair"
N=$((RANDOM % 250))
E_HOST=10.214.$N.1 E_NS=10.214.$N.2 C_HOST=10.215.$N.1 C_NS=10.215.$N.2
ip addr add "$E_HOST/30" dev "${VE}h" && ip link set "${VE}h" up
ip addr add "$C_HOST/30" dev "${VC}h" && ip link set "${VC}h" up
ip -n "$NS" addr add "$E_NS/30" dev "${VE}n" && ip -n "$NS" link set "${VE}n" up
ip -n "$NS" addr add "$C_NS/30" dev "${VC}n" && ip -n "$NS" link set "${VC}n" up
ip -n "$NS" link set lo up

make_keys
ALSO_LISTEN_IP=$E_HOST start_etcd_cluster 3
P1=$(etcd_port)
B1=tcp://$C_NS:$P1
ip netns exec "$NS" "$BIN/duban-broker" --endpoint "$B1" --data "$T/data-1" --keys "$T/keys" \
  --virtual-clock 2023-09-20 --etcd "$(etcd_endpoints_at "$E_HOST")" --node b1 --lease-seconds 2 \
  >>"$T/broker-1.log" 2>&1 &
PIDS+=($!)
for n in $(seq 1 100); do is_leader 1 && break; sleep 0.1; done
is_leader 1 || fail "b1 did not become the leader"
start_replica 2
BROKERS="$B1,$BROKERS"
on_b1() { "$BIN/duban" "$@" --broker "$B1" --server-key "$T/keys/broker.key" --key "$(key_of unit:JTJ)"; }

asr admin:admin plan load "$PLAN_JSON" >/dev/null || fail "plan load"
TASK=$(asr unit:JTJ tasks --json | jq -r '.tasks[0].id')
asr unit:JTJ claim "$TASK" --request-id c-1 >/dev/null || fail "claim"
on_b1 progress "$TASK" --percent 10 --request-id p-1 >/dev/null || fail "progress through b1"
pass "b1 (in its namespace) leads and takes writes"

ip -n "$NS" link set "${VE}n" down
t_cut=$(date +%s%N)
out=$(on_b1 progress "$TASK" --percent 20 --request-id p-cut --timeout 3000 2>&1) &&
  fail "b1 acknowledged a write while cut off from etcd: $out"
for n in $(seq 1 100); do is_leader 1 || break; sleep 0.1; done
is_leader 1 && fail "b1 still leads 10 s after it was cut off from etcd"
down_ms=$((($(date +%s%N) - t_cut) / 1000000))
pass "b1 cut off from etcd: its writes refused, stepped down after ${down_ms} ms (lease 2 s)"
for n in $(seq 1 150); do is_leader 2 && break; sleep 0.1; done
is_leader 2 || fail "b2 was not elected while b1 was cut off"
asr unit:JTJ progress "$TASK" --percent 30 --request-id p-3 --timeout 20000 >/dev/null || fail "write through b2"
# Cut off, b1 cannot know who leads: it says so, and a client given both
# brokers goes on to b2.
out=$(on_b1 progress "$TASK" --percent 40 --request-id p-4 --timeout 3000 2>&1) && fail "b1 took a write cut off: $out"
echo "$out" | grep -q "没有可用的主节点" || fail "b1's refusal does not say it knows no leader: $out"
asr unit:JTJ progress "$TASK" --percent 40 --request-id p-4 --timeout 20000 >/dev/null || fail "b1 first in the list"
pass "b2 elected and takes writes; b1, cut off, refuses them naming no leader, and the client moves on"

ip -n "$NS" link set "${VE}n" up
head2=$(replica_head 2)
for n in $(seq 1 300); do [ "$(replica_head 1)" = "$head2" ] && break; sleep 0.1; done
wait_same_logs 1 2
verify_replica 1
verify_replica 2
n=$(jq -r '.request_id' "$T/replay-2" | grep -cx p-cut || true)
[ "$n" -le 1 ] || fail "p-cut is in the log $n times"
is_leader 1 && fail "b1 leads again after the heal while b2 was leading"
pass "healed: b1 follows b2, logs identical up to seq $head2 and verified, no divergent event"
