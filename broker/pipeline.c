/* pipeline.c: see pipeline.h. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "monotonic.h"

/* How long after answering clients a commit may wait for their next
 * requests to carry its sync. About the time a client on the same network
 * takes to answer a reply with its next request; past it the sync is made
 * explicitly. */
#define PIPELINE_BOUND_US 1000
/* However the requests come (a stream the broker reads and drops unread
 * past a peer's share, say), no answer waits longer than this for a batch
 * to carry its sync: a batch takes a few milliseconds at most. */
#define PIPELINE_HOLD_MAX_US 20000

struct held_reply {
  uint8_t *routing;   /* a copy of the peer's routing id */
  size_t routing_len; /* its length */
  uint8_t *buf;       /* the packed reply */
  size_t len;         /* its length */
  uint64_t needs_seq; /* sent once dbn_store_durable_seq reaches this */
};

struct dbn_pipeline {
  dbn_store_t *store;       /* borrowed */
  dbn_peers_t *peers;       /* borrowed: where released replies go */
  void *router;             /* borrowed */
  struct held_reply *held;  /* replies in the order they were made */
  size_t first, count, cap; /* held[first .. count) are waiting */
  int64_t awaited;          /* replies released whose clients have not sent again since */
  int64_t committed_us;     /* when the last commit ended */
  int64_t released_us;      /* when replies were last released */
  int batches_since;        /* batches read since the last commit (one that did not commit: no carrier) */
  bool waited;              /* the loop already waited for a next batch after the last commit */
};

int
dbn_pipeline_new(dbn_pipeline_t **pipeline_p, dbn_store_t *store, dbn_peers_t *peers, void *router)
{
  dbn_pipeline_t *p = calloc(1, sizeof *p);
  if (!p)
    return DBN_ENOMEM;
  p->store = store;
  p->peers = peers;
  p->router = router;
  *pipeline_p = p;
  return 0;
}

void
dbn_pipeline_destroy(dbn_pipeline_t **pipeline_p)
{
  if (!pipeline_p || !*pipeline_p)
    return;
  dbn_pipeline_t *p = *pipeline_p;
  for (size_t i = p->first; i < p->count; i++) {
    free(p->held[i].routing);
    free(p->held[i].buf);
  }
  free(p->held);
  free(p);
  *pipeline_p = NULL;
}

/* Hand every held reply that is now durable to the peers, oldest first. */
static void
release(dbn_pipeline_t *p)
{
  bool pending = dbn_store_sync_pending(p->store);
  uint64_t durable = dbn_store_durable_seq(p->store);
  bool released = false;
  while (p->first < p->count && (!pending || p->held[p->first].needs_seq <= durable)) {
    struct held_reply *r = &p->held[p->first++];
    dbn_peers_send(p->peers, p->router, r->routing, r->routing_len, r->buf, r->len);
    free(r->routing);
    p->awaited++;
    released = true;
  }
  if (released)
    p->released_us = dbn_monotonic_us();
  if (p->first == p->count)
    p->first = p->count = 0;
}

/* Room for one more held reply at the end; false when out of memory. */
static bool
make_room(dbn_pipeline_t *p)
{
  if (p->first > 0 && p->count == p->cap) {
    memmove(p->held, p->held + p->first, (p->count - p->first) * sizeof *p->held);
    p->count -= p->first;
    p->first = 0;
  }
  if (p->count < p->cap)
    return true;
  size_t cap = p->cap ? p->cap * 2 : 256;
  struct held_reply *grown = realloc(p->held, cap * sizeof *grown);
  if (!grown)
    return false;
  p->held = grown;
  p->cap = cap;
  return true;
}

void
dbn_pipeline_send(dbn_pipeline_t *p, const uint8_t *routing, size_t routing_len, uint8_t *buf, size_t len)
{
  release(p); /* nothing may overtake a reply made earlier */
  uint64_t needs = dbn_store_committed_seq(p->store);
  if (p->first == p->count &&
      (!dbn_store_sync_pending(p->store) || needs <= dbn_store_durable_seq(p->store))) {
    dbn_peers_send(p->peers, p->router, routing, routing_len, buf, len);
    p->awaited++;
    p->released_us = dbn_monotonic_us();
    return;
  }
  uint8_t *copy = malloc(routing_len ? routing_len : 1);
  if (!copy || !make_room(p)) {
    /* Lost like a reply to a peer that is not reading: the client asks
     * again under the same request id and gets the same answer. */
    free(copy);
    free(buf);
    return;
  }
  memcpy(copy, routing, routing_len);
  p->held[p->count++] = (struct held_reply){
      .routing = copy, .routing_len = routing_len, .buf = buf, .len = len, .needs_seq = needs};
}

void
dbn_pipeline_received(dbn_pipeline_t *p, int n)
{
  p->awaited = p->awaited > n ? p->awaited - n : 0;
  p->batches_since++;
}

void
dbn_pipeline_committed(dbn_pipeline_t *p)
{
  if (dbn_store_sync_pending(p->store)) {
    p->committed_us = dbn_monotonic_us();
    p->batches_since = 0;
    p->waited = false;
  }
  release(p);
}

int
dbn_pipeline_wait_ms(const dbn_pipeline_t *p)
{
  return dbn_store_sync_pending(p->store) ? PIPELINE_BOUND_US / 1000 : -1;
}

int
dbn_pipeline_settle(dbn_pipeline_t *p, bool input_waiting)
{
  if (!dbn_store_sync_pending(p->store)) {
    release(p);
    return 0;
  }
  /* The next batch is here: its commit syncs this one. Unless a batch
   * already came after the commit and committed nothing (reads, refusals),
   * which says requests may keep coming without one that writes. */
  int64_t age = dbn_monotonic_us() - p->committed_us;
  if (input_waiting && p->batches_since == 0 && age < PIPELINE_HOLD_MAX_US)
    return 0;
  /* Clients answered a moment ago are likely to send again within a
   * round trip: worth one short wait, while the answers are fresh. */
  bool young = dbn_monotonic_us() - p->released_us < PIPELINE_BOUND_US;
  if (young && p->awaited > 0 && !p->waited && p->batches_since == 0) {
    p->waited = true; /* clients just answered will likely send again: wait once for them */
    return 0;
  }
  int rc = dbn_store_sync(p->store);
  if (rc)
    return rc;
  p->awaited = 0; /* those that did not come within the wait are not counted on */
  release(p);
  return 1;
}

size_t
dbn_pipeline_held(const dbn_pipeline_t *p)
{
  return p->count - p->first;
}
