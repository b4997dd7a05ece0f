/* peers.c: the table of connections; see peers.h. */
#include "peers.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* A connection that sent nothing for this long is forgotten. */
#define PEER_IDLE_MS (2 * 60 * 1000)
/* How often the table is walked for idle connections. */
#define SWEEP_EVERY_MS 5000
/* At most this many connections are remembered (about 8 MiB): a reconnect
 * storm cannot grow the table. When it is full, connections idle for
 * CROWDED_IDLE_MS are forgotten (at most every CROWDED_SWEEP_MS); a new
 * one that still finds it full is served unremembered. */
#define PEERS_MAX 16384
#define CROWDED_IDLE_MS 1000
#define CROWDED_SWEEP_MS 100
/* A routing id is at most 255 bytes (ZMTP); its key is its hex. */
#define ROUTING_MAX 255

/* A message libzmq's pipe to the peer could not take yet. */
struct outbound {
  struct outbound *next;
  size_t len;
  uint8_t *buf; /* owned */
};

struct peer {
  char identity[128];   /* User-Id of the connection */
  int64_t last_seen_ms; /* its latest request */
  bool cut_off;         /* its identity's signing key was revoked while it was open */
  uint8_t routing[ROUTING_MAX];
  size_t routing_len;
  struct outbound *queue_head, *queue_tail; /* waiting for the pipe, oldest first */
  size_t queued_bytes;
};

/* One identity's share of the batch being read. */
struct in_flight {
  unsigned requests;
  size_t bytes;
};

struct dbn_peers {
  zhashx_t *by_routing; /* hex of the routing id -> struct peer */
  zhashx_t *in_flight;  /* identity -> struct in_flight, this batch */
  size_t queued_bytes;  /* over every peer's queue */
  size_t queued_peers;  /* peers with something queued */
  int64_t swept_ms;
  int64_t crowded_swept_ms;
};

static void
drop_queue(struct peer *peer)
{
  while (peer->queue_head) {
    struct outbound *out = peer->queue_head;
    peer->queue_head = out->next;
    free(out->buf);
    free(out);
  }
  peer->queue_tail = NULL;
  peer->queued_bytes = 0;
}

static void
peer_destroy(void **item)
{
  drop_queue(*item);
  free(*item);
  *item = NULL;
}

static void
in_flight_destroy(void **item)
{
  free(*item);
  *item = NULL;
}

int
dbn_peers_new(dbn_peers_t **peers_p)
{
  dbn_peers_t *peers = calloc(1, sizeof *peers);
  if (!peers)
    return DBN_ENOMEM;
  peers->by_routing = zhashx_new();
  if (!peers->by_routing) {
    free(peers);
    return DBN_ENOMEM;
  }
  zhashx_set_destructor(peers->by_routing, peer_destroy);
  peers->in_flight = zhashx_new();
  if (!peers->in_flight) {
    dbn_peers_destroy(&peers);
    return DBN_ENOMEM;
  }
  zhashx_set_destructor(peers->in_flight, in_flight_destroy);
  *peers_p = peers;
  return 0;
}

void
dbn_peers_destroy(dbn_peers_t **peers_p)
{
  if (!peers_p || !*peers_p)
    return;
  zhashx_destroy(&(*peers_p)->by_routing);
  zhashx_destroy(&(*peers_p)->in_flight);
  free(*peers_p);
  *peers_p = NULL;
}

static void
routing_key(const uint8_t *routing, size_t len, char key[2 * ROUTING_MAX + 1])
{
  static const char hex[] = "0123456789abcdef";
  if (len > ROUTING_MAX)
    len = ROUTING_MAX;
  for (size_t i = 0; i < len; i++) {
    key[2 * i] = hex[routing[i] >> 4];
    key[2 * i + 1] = hex[routing[i] & 15];
  }
  key[2 * len] = '\0';
}

static void forget_idle(dbn_peers_t *peers, int64_t now_ms, int64_t idle_ms);

/* Remove a peer, and its queue from the totals. */
static void
forget(dbn_peers_t *peers, const char *key, struct peer *peer)
{
  if (peer->queued_bytes) {
    peers->queued_bytes -= peer->queued_bytes;
    peers->queued_peers--;
  }
  zhashx_delete(peers->by_routing, key);
}

bool
dbn_peers_seen(dbn_peers_t *peers, const uint8_t *routing, size_t routing_len, const char *identity,
               int64_t now_ms)
{
  char key[2 * ROUTING_MAX + 1];
  routing_key(routing, routing_len, key);
  struct peer *peer = zhashx_lookup(peers->by_routing, key);
  if (peer && strcmp(peer->identity, identity) != 0) {
    /* The same routing id on another identity is another connection (a
     * client that names its own routing id and reconnected with a new key). */
    forget(peers, key, peer);
    peer = NULL;
  }
  if (!peer && zhashx_size(peers->by_routing) >= PEERS_MAX &&
      now_ms - peers->crowded_swept_ms >= CROWDED_SWEEP_MS) {
    peers->crowded_swept_ms = now_ms;
    forget_idle(peers, now_ms, CROWDED_IDLE_MS);
  }
  if (!peer) {
    peer = zhashx_size(peers->by_routing) < PEERS_MAX ? calloc(1, sizeof *peer) : NULL;
    /* Full, or out of memory: served unremembered; a revocation then
     * cannot name it, and the request itself still meets the signature
     * check. */
    if (!peer)
      return false;
    snprintf(peer->identity, sizeof peer->identity, "%s", identity);
    peer->routing_len = routing_len > ROUTING_MAX ? ROUTING_MAX : routing_len;
    memcpy(peer->routing, routing, peer->routing_len);
    zhashx_insert(peers->by_routing, key, peer);
  }
  peer->last_seen_ms = now_ms;
  return peer->cut_off;
}

bool
dbn_peers_cut_off(dbn_peers_t *peers, const uint8_t *routing, size_t routing_len)
{
  char key[2 * ROUTING_MAX + 1];
  routing_key(routing, routing_len, key);
  struct peer *peer = zhashx_lookup(peers->by_routing, key);
  return peer && peer->cut_off;
}

size_t
dbn_peers_revoke(dbn_peers_t *peers, const char *identity)
{
  size_t cut = 0;
  for (struct peer *peer = zhashx_first(peers->by_routing); peer; peer = zhashx_next(peers->by_routing))
    if (!peer->cut_off && strcmp(peer->identity, identity) == 0) {
      peer->cut_off = true;
      cut++;
    }
  return cut;
}

void
dbn_peers_sweep(dbn_peers_t *peers, int64_t now_ms)
{
  if (now_ms - peers->swept_ms < SWEEP_EVERY_MS)
    return;
  peers->swept_ms = now_ms;
  forget_idle(peers, now_ms, PEER_IDLE_MS);
}

static void
forget_idle(dbn_peers_t *peers, int64_t now_ms, int64_t idle_ms)
{
  /* Keys first, deletes after: a zhashx must not change under its cursor. */
  zlistx_t *idle = zlistx_new();
  if (!idle)
    return;
  for (struct peer *peer = zhashx_first(peers->by_routing); peer; peer = zhashx_next(peers->by_routing))
    if (now_ms - peer->last_seen_ms > idle_ms)
      zlistx_add_end(idle, (void *)zhashx_cursor(peers->by_routing));
  for (const char *key = zlistx_first(idle); key; key = zlistx_next(idle))
    forget(peers, key, zhashx_lookup(peers->by_routing, key));
  zlistx_destroy(&idle);
}

size_t
dbn_peers_count(dbn_peers_t *peers)
{
  return zhashx_size(peers->by_routing);
}

void
dbn_peers_batch_begin(dbn_peers_t *peers)
{
  zhashx_purge(peers->in_flight);
}

bool
dbn_peers_admit(dbn_peers_t *peers, const char *identity, size_t len)
{
  struct in_flight *share = zhashx_lookup(peers->in_flight, identity);
  if (!share) {
    if (!(share = calloc(1, sizeof *share)))
      return true; /* counting is what failed, not the request */
    zhashx_insert(peers->in_flight, identity, share);
  }
  if (share->requests >= DBN_PEER_IN_FLIGHT_MAX ||
      (share->requests > 0 && share->bytes + len > DBN_PEER_IN_FLIGHT_BYTES))
    return false;
  share->requests++;
  share->bytes += len;
  return true;
}

/* Hand one message to libzmq without blocking: 1 taken, 0 the pipe is
 * full, -1 the peer is gone. */
static int
try_send(void *router, const uint8_t *routing, size_t routing_len, const uint8_t *buf, size_t len)
{
  if (zmq_send(router, routing, routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
    return errno == EAGAIN ? 0 : -1;
  if (zmq_send(router, buf, len, ZMQ_DONTWAIT) < 0)
    return errno == EAGAIN ? 0 : -1;
  return 1;
}

bool
dbn_peers_send(dbn_peers_t *peers, void *router, const uint8_t *routing, size_t routing_len, uint8_t *buf,
               size_t len)
{
  char key[2 * ROUTING_MAX + 1];
  routing_key(routing, routing_len, key);
  struct peer *peer = zhashx_lookup(peers->by_routing, key);
  if (!peer || !peer->queue_head) {
    int sent = try_send(router, routing, routing_len, buf, len);
    if (sent != 0 || !peer) {
      free(buf);
      return sent > 0;
    }
  }
  bool room = peer->queued_bytes == 0 || (peer->queued_bytes + len <= DBN_PEER_QUEUE_BYTES &&
                                          peers->queued_bytes + len <= DBN_PEERS_QUEUE_BYTES);
  struct outbound *out = room ? malloc(sizeof *out) : NULL;
  if (!out) {
    free(buf);
    return false;
  }
  *out = (struct outbound){.len = len, .buf = buf};
  if (peer->queue_tail)
    peer->queue_tail->next = out;
  else
    peer->queue_head = out;
  peer->queue_tail = out;
  if (peer->queued_bytes == 0)
    peers->queued_peers++;
  peer->queued_bytes += len;
  peers->queued_bytes += len;
  return true;
}

/* Send a peer's queue as far as its pipe takes it; a peer gone loses it. */
static void
flush_peer(dbn_peers_t *peers, void *router, struct peer *peer)
{
  while (peer->queue_head) {
    struct outbound *out = peer->queue_head;
    int sent = try_send(router, peer->routing, peer->routing_len, out->buf, out->len);
    if (sent == 0)
      return;
    peer->queue_head = out->next;
    if (!peer->queue_head)
      peer->queue_tail = NULL;
    peer->queued_bytes -= out->len;
    peers->queued_bytes -= out->len;
    free(out->buf);
    free(out);
  }
  peers->queued_peers--;
}

bool
dbn_peers_flush(dbn_peers_t *peers, void *router)
{
  if (peers->queued_peers == 0)
    return false;
  for (struct peer *peer = zhashx_first(peers->by_routing); peer; peer = zhashx_next(peers->by_routing))
    if (peer->queue_head)
      flush_peer(peers, router, peer);
  return peers->queued_peers > 0;
}

size_t
dbn_peers_queued_bytes(dbn_peers_t *peers)
{
  return peers->queued_bytes;
}
