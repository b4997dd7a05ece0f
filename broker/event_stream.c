/* event_stream.c: see event_stream.h. */
#include "event_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "event_subject.h"
#include "identity.h"
#include "lead.h"
#include "log.h"
#include "wire.h"

/* A watcher that has not renewed its watch in this long has gone away. */
#define WATCH_EXPIRY_MS 60000
/* Bound one delivery, so that catch-up of a long log is many small messages
 * interleaved with request handling rather than one huge one; it also
 * sets what a watcher that does not read can make the broker hold: the
 * router's ZMQ_SNDHWM deliveries (16, so 4 MiB, or more only when one
 * event is larger than a delivery). */
#define DELIVERY_MAX_EVENTS 256
#define DELIVERY_MAX_BYTES (256 * 1024)
/* Room left before a delivery's events for its header (a Reply with a
 * request id of at most DBN_MAX_ID bytes, a few numbers and the latest
 * checkpoint, under 200 bytes). */
#define HEADER_ROOM 1024
/* A watcher whose pipe is full is tried again after 10 ms, then 20, ...
 * up to this: building a delivery it cannot take costs the others. */
#define STALL_MAX_MS 500

struct watcher {
  uint8_t routing_id[256]; /* the peer's ROUTER routing id */
  size_t routing_len;
  char request_id[DBN_MAX_ID + 1]; /* the Watch request's id, echoed in deliveries */
  uint64_t sent_seq;               /* last seq sent to this watcher */
  int64_t renewed_ms;              /* when it last sent Watch */
  char unit[64];                   /* a unit's watch: only events of its own tasks; "" for all */
  char identity[128];              /* who watches (User-Id) */
  int64_t stalled_until_ms;        /* its pipe was full: not tried again before this */
  int stall_ms;     /* how long it waits next time its pipe is full (doubles to STALL_MAX_MS) */
  char key_txt[41]; /* the CURVE key it connected with (Z85) */
};

struct dbn_event_stream {
  void *router;             /* borrowed: the broker's ROUTER */
  struct watcher *watchers; /* unordered; removal swaps in the last */
  size_t count;
  size_t cap;
  uint8_t *buffer; /* one delivery being built */
  size_t buffer_cap;
};

int
dbn_event_stream_new(dbn_event_stream_t **stream_p, void *router)
{
  dbn_event_stream_t *stream = calloc(1, sizeof *stream);
  if (!stream)
    return DBN_ENOMEM;
  stream->router = router;
  *stream_p = stream;
  return 0;
}

void
dbn_event_stream_destroy(dbn_event_stream_t **stream_p)
{
  if (!stream_p || !*stream_p)
    return;
  free((*stream_p)->watchers);
  free((*stream_p)->buffer);
  free(*stream_p);
  *stream_p = NULL;
}

size_t
dbn_event_stream_count(dbn_event_stream_t *stream)
{
  return stream->count;
}

static struct watcher *
find(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len)
{
  for (size_t i = 0; i < stream->count; i++)
    if (stream->watchers[i].routing_len == routing_len &&
        memcmp(stream->watchers[i].routing_id, routing_id, routing_len) == 0)
      return &stream->watchers[i];
  return NULL;
}

static void
remove_at(dbn_event_stream_t *stream, size_t i)
{
  stream->watchers[i] = stream->watchers[--stream->count];
}

int
dbn_event_stream_watch(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len,
                       const char *request_id, uint64_t after_seq, int64_t now_ms)
{
  if (routing_len > sizeof stream->watchers[0].routing_id)
    return DBN_EINVAL;
  struct watcher *w = find(stream, routing_id, routing_len);
  if (!w) {
    if (stream->count == stream->cap) {
      size_t cap = stream->cap ? stream->cap * 2 : 16;
      struct watcher *grown = realloc(stream->watchers, cap * sizeof *grown);
      if (!grown)
        return DBN_ENOMEM;
      stream->watchers = grown;
      stream->cap = cap;
    }
    w = &stream->watchers[stream->count++];
    memcpy(w->routing_id, routing_id, routing_len);
    w->routing_len = routing_len;
  }
  snprintf(w->request_id, sizeof w->request_id, "%s", request_id);
  w->sent_seq = after_seq;
  w->renewed_ms = now_ms;
  w->stalled_until_ms = 0; /* a renewal is a sign of life: try it at once */
  w->stall_ms = 0;
  w->unit[0] = '\0';
  w->identity[0] = '\0';
  w->key_txt[0] = '\0';
  return 0;
}

int
dbn_event_stream_watch_as(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len,
                          const char *identity, const char *key_txt)
{
  struct watcher *w = find(stream, routing_id, routing_len);
  dbn_role_t role;
  const char *name = "";
  if (!w || dbn_identity_parse(identity, &role, &name) != 0)
    return DBN_EINVAL;
  if (role == DBN_ROLE_UNIT && strlen(name) >= sizeof w->unit)
    return DBN_EINVAL;
  snprintf(w->unit, sizeof w->unit, "%s", role == DBN_ROLE_UNIT ? name : "");
  snprintf(w->identity, sizeof w->identity, "%s", identity);
  snprintf(w->key_txt, sizeof w->key_txt, "%s", key_txt ? key_txt : "");
  return 0;
}

void
dbn_event_stream_unwatch(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len)
{
  struct watcher *w = find(stream, routing_id, routing_len);
  if (w)
    remove_at(stream, (size_t)(w - stream->watchers));
}

struct delivery {
  dbn_event_stream_t *stream; /* owns the buffer */
  dbn_store_txn_t *txn;       /* the read the delivery comes from */
  const char *unit;           /* only this unit's tasks' events; "" for all */
  size_t used;                /* bytes in the buffer */
  uint64_t last_seq;          /* last event added */
  int events;                 /* events added */
};

static int
reserve(dbn_event_stream_t *stream, size_t need)
{
  if (need <= stream->buffer_cap)
    return 0;
  size_t cap = stream->buffer_cap ? stream->buffer_cap : 4096;
  while (cap < need)
    cap *= 2;
  uint8_t *grown = realloc(stream->buffer, cap);
  if (!grown)
    return DBN_ENOMEM;
  stream->buffer = grown;
  stream->buffer_cap = cap;
  return 0;
}

/* The task an event is about, or NULL (a plan, the clock, the rules, an
 * inbox read). An escalation's events name the escalation: its task is
 * read from the view, into *escalation_p (the caller frees it). */
static const char *
event_task(dbn_store_txn_t *txn, const Duban__Event *event, Duban__Escalation **escalation_p)
{
  const char *task = dbn_event_task(event);
  if (task)
    return task;
  uint64_t escalation = dbn_event_escalation(event);
  if (escalation == 0)
    return NULL;
  if (dbn_store_escalation_get(txn, escalation, escalation_p) != 0)
    return NULL;
  return (*escalation_p)->task;
}

/* Whether a unit's watch shows the event: one about a task the unit owns
 * now (a reassignment shows to the unit that gets the task; the one that
 * loses it is told in its inbox) or whose measure it leads or cooperates
 * on (domain/lead.h), or one the unit itself made. Anything else, other units' work and the whole
 * plan, it does not see; an event that cannot be read is not shown. */
static bool
unit_sees(dbn_store_txn_t *txn, const char *unit, const uint8_t *bytes, size_t len)
{
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event) != 0)
    return false;
  dbn_role_t role;
  const char *name = "";
  bool seen = event->actor && dbn_identity_parse(event->actor, &role, &name) == 0 && role == DBN_ROLE_UNIT &&
              strcmp(name, unit) == 0;
  Duban__Escalation *escalation = NULL;
  const char *task_id = seen ? NULL : event_task(txn, event, &escalation);
  Duban__Task *task = NULL;
  if (task_id && dbn_store_task_get(txn, task_id, &task) == 0) {
    seen = dbn_lead_may_read(task, unit);
    dbn_wire_task_free(&task);
  }
  if (escalation)
    dbn_wire_escalation_free(&escalation);
  dbn_wire_event_free(&event);
  return seen;
}

static int
add_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  struct delivery *d = arg;
  if (d->unit[0] && !unit_sees(d->txn, d->unit, bytes, len)) {
    d->last_seq = seq; /* passed over: the watcher need not be sent it again */
    return 0;
  }
  size_t entry = dbn_wire_event_entry_size(len);
  if (d->events > 0 && d->used + entry > DELIVERY_MAX_BYTES)
    return 1;
  int rc = reserve(d->stream, d->used + entry);
  if (rc)
    return rc;
  d->used += dbn_wire_event_entry_write(d->stream->buffer + d->used, bytes, len);
  d->last_seq = seq;
  d->events++;
  return 0;
}

/* Try to send one delivery to w: returns 1 sent, 0 nothing to send, 2
 * would block (its pipe is full), -1 gone. */
static int
deliver(dbn_event_stream_t *stream, dbn_store_txn_t *txn, struct watcher *w, uint64_t head,
        const Duban__Checkpoint *checkpoint)
{
  /* The events go in after room for the header, which is packed once they
   * are known (a unit's watch says which seqs the delivery covers) and put
   * just before them. */
  struct delivery d = {.stream = stream, .txn = txn, .unit = w->unit, .used = HEADER_ROOM};
  int rc = reserve(stream, HEADER_ROOM);
  uint64_t up_to_head = head - w->sent_seq; /* not past head: what is durable (pump) */
  if (rc == 0)
    rc = dbn_store_events_foreach(
        txn, w->sent_seq, up_to_head < DELIVERY_MAX_EVENTS ? up_to_head : DELIVERY_MAX_EVENTS, add_event, &d);
  if (rc || d.last_seq == 0)
    return 0;
  Duban__Reply header = DUBAN__REPLY__INIT;
  header.version = DBN_PROTOCOL_VERSION;
  header.request_id = w->request_id;
  header.head_seq = head;
  header.checkpoint = (Duban__Checkpoint *)checkpoint; /* packed here, not changed */
  if (w->unit[0]) {
    /* The seqs between are other units': the watcher must not take them
     * for a gap. A delivery of none of its events still says so. */
    header.stream_after = w->sent_seq;
    header.stream_through = d.last_seq;
  } else if (d.events == 0) {
    return 0;
  }
  uint8_t *packed;
  size_t packed_len;
  if (dbn_wire_pack(&header.base, &packed, &packed_len))
    return 0;
  if (packed_len > HEADER_ROOM) {
    free(packed);
    return 0;
  }
  uint8_t *start = stream->buffer + HEADER_ROOM - packed_len;
  memcpy(start, packed, packed_len);
  free(packed);
  size_t total = d.used - HEADER_ROOM + packed_len;
  if (zmq_send(stream->router, w->routing_id, w->routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
    return errno == EAGAIN ? 2 : -1;
  if (zmq_send(stream->router, start, total, ZMQ_DONTWAIT) < 0)
    return errno == EAGAIN ? 2 : -1;
  w->sent_seq = d.last_seq;
  return 1;
}

bool
dbn_event_stream_pump(dbn_event_stream_t *stream, dbn_store_t *store, const Duban__Checkpoint *checkpoint,
                      int64_t now_ms)
{
  if (stream->count == 0)
    return false;
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(store, &txn) != 0)
    return true;
  /* A commit not yet on disk may still be lost (broker/pipeline.h): no
   * watcher is shown it before it is durable, as no client is answered. */
  uint64_t head = dbn_store_txn_head(txn);
  if (dbn_store_sync_pending(store) && head > dbn_store_durable_seq(store))
    head = dbn_store_durable_seq(store);
  bool behind = false;
  for (size_t i = 0; i < stream->count;) {
    struct watcher *w = &stream->watchers[i];
    if (now_ms - w->renewed_ms > WATCH_EXPIRY_MS) {
      remove_at(stream, i);
      continue;
    }
    /* A few deliveries per watcher per pump: fair to the others. */
    for (int round = 0; round < 4 && w->sent_seq < head && now_ms >= w->stalled_until_ms; round++) {
      int sent = deliver(stream, txn, w, head, checkpoint);
      if (sent == 2) {
        w->stall_ms = w->stall_ms ? (w->stall_ms * 2 > STALL_MAX_MS ? STALL_MAX_MS : w->stall_ms * 2) : 10;
        w->stalled_until_ms = now_ms + w->stall_ms;
      } else if (sent == 1) {
        w->stall_ms = 0;
      }
      if (sent != 1) {
        if (sent < 0) {
          dbn_log(DBN_LOG_INFO, "stream", "a watcher went away; forgetting it");
          remove_at(stream, i);
          w = NULL;
        }
        break;
      }
    }
    if (!w)
      continue;
    if (w->sent_seq < head)
      behind = true;
    i++;
  }
  dbn_store_abort(&txn);
  return behind;
}

/* The last reply of a watch that ends: lost if the peer is not reading,
 * which ends the watch all the same. */
static void
send_end(dbn_event_stream_t *stream, const struct watcher *w, const char *reason)
{
  Duban__Reply reply = DUBAN__REPLY__INIT;
  reply.version = DBN_PROTOCOL_VERSION;
  reply.request_id = (char *)w->request_id;
  reply.code = DUBAN__CODE__CODE_PERMISSION_DENIED;
  reply.message = (char *)reason;
  uint8_t *packed;
  size_t len;
  if (dbn_wire_pack(&reply.base, &packed, &len))
    return;
  if (zmq_send(stream->router, w->routing_id, w->routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
    zmq_send(stream->router, packed, len, ZMQ_DONTWAIT);
  free(packed);
}

size_t
dbn_event_stream_end_refused(dbn_event_stream_t *stream, dbn_watcher_refused_fn refused, void *arg)
{
  size_t ended = 0;
  for (size_t i = 0; i < stream->count;) {
    struct watcher *w = &stream->watchers[i];
    const char *reason = refused(arg, w->routing_id, w->routing_len, w->identity, w->key_txt);
    if (!reason) {
      i++;
      continue;
    }
    dbn_log(DBN_LOG_INFO, "stream", "the watch of %s ended: %s", w->identity, reason);
    send_end(stream, w, reason);
    remove_at(stream, i);
    ended++;
  }
  return ended;
}
