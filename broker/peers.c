/* peers.c: the table of connections; see peers.h. */
#include "peers.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* A connection that sent nothing for this long is forgotten. */
#define PEER_IDLE_MS (10 * 60 * 1000)
/* How often the table is walked for idle connections. */
#define SWEEP_EVERY_MS 5000
/* A routing id is at most 255 bytes (ZMTP); its key is its hex. */
#define ROUTING_MAX 255

struct peer {
  char identity[128];   /* User-Id of the connection */
  int64_t last_seen_ms; /* its latest request */
  bool cut_off;         /* its identity's signing key was revoked while it was open */
};

struct dbn_peers {
  zhashx_t *by_routing; /* hex of the routing id -> struct peer */
  int64_t swept_ms;
};

static void
peer_destroy(void **item)
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
  *peers_p = peers;
  return 0;
}

void
dbn_peers_destroy(dbn_peers_t **peers_p)
{
  if (!peers_p || !*peers_p)
    return;
  zhashx_destroy(&(*peers_p)->by_routing);
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
    zhashx_delete(peers->by_routing, key);
    peer = NULL;
  }
  if (!peer) {
    peer = calloc(1, sizeof *peer);
    /* Out of memory: served unremembered; a revocation then cannot name it,
     * and the request itself still meets the signature check. */
    if (!peer)
      return false;
    snprintf(peer->identity, sizeof peer->identity, "%s", identity);
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
  /* Keys first, deletes after: a zhashx must not change under its cursor. */
  zlistx_t *idle = zlistx_new();
  if (!idle)
    return;
  for (struct peer *peer = zhashx_first(peers->by_routing); peer; peer = zhashx_next(peers->by_routing))
    if (now_ms - peer->last_seen_ms > PEER_IDLE_MS)
      zlistx_add_end(idle, (void *)zhashx_cursor(peers->by_routing));
  for (const char *key = zlistx_first(idle); key; key = zlistx_next(idle))
    zhashx_delete(peers->by_routing, key);
  zlistx_destroy(&idle);
}

size_t
dbn_peers_count(dbn_peers_t *peers)
{
  return zhashx_size(peers->by_routing);
}
