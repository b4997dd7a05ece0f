/* event_stream.h: watchers follow the log (DESIGN invariant 7).
 *
 * A watcher names the last sequence number it has seen; the stream sends
 * it every event after that, read from the log itself, and keeps sending as
 * the log grows. Live delivery and catch-up are one path (read from LMDB
 * what the watcher is missing), so a watcher that joins late, reconnects or
 * fell behind gets exactly the events it lacks, in order, with no gap.
 *
 * A watcher that stops reading fills its ZeroMQ pipe; sends to it then fail
 * with EAGAIN (ZMQ_ROUTER_MANDATORY) and it is simply tried again later,
 * so a stuck watcher never blocks the broker or the writers. Watchers that
 * stop renewing their watch are forgotten. The stream sends on the
 * broker's ROUTER and so lives on the broker's thread. */
#ifndef DUBAN_EVENT_STREAM_H
#define DUBAN_EVENT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct dbn_event_stream dbn_event_stream_t;

/* router is borrowed: the broker's ROUTER socket. */
int dbn_event_stream_new(dbn_event_stream_t **stream_p, void *router);
void dbn_event_stream_destroy(dbn_event_stream_t **stream_p);

/* Start (or restart) a watch for the peer routing_id at after_seq; a renewal
 * with the same routing id replaces the earlier position. */
int dbn_event_stream_watch(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len,
                           const char *request_id, uint64_t after_seq, int64_t now_ms);
/* After dbn_event_stream_watch: the watcher is identity, connected with
 * the CURVE key key_txt (Z85; kept so that a revoked key's watch can be
 * ended). A unit ("unit:NYJ") sees only the events of the tasks it owns and
 * the events it made itself; everyone else sees every event. DBN_EINVAL
 * when there is no such watcher or the identity does not parse. */
int dbn_event_stream_watch_as(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len,
                              const char *identity, const char *key_txt);
void dbn_event_stream_unwatch(dbn_event_stream_t *stream, const uint8_t *routing_id, size_t routing_len);

/* Send each watcher what it is missing up to the log's head, a bounded
 * amount per call so that catch-up never starves requests. Every delivery
 * carries checkpoint (borrowed; NULL: none), the broker's latest signed
 * checkpoint, so that a watcher (the console's mirror) keeps checkpoints
 * as an agent does. Returns true when some watcher is still behind and
 * pump should run again soon. */
bool dbn_event_stream_pump(dbn_event_stream_t *stream, dbn_store_t *store,
                           const Duban__Checkpoint *checkpoint, int64_t now_ms);

size_t dbn_event_stream_count(dbn_event_stream_t *stream);

/* Whether a watcher may go on being served: NULL when it may, else the
 * reason (a person's message) its watch ends with. */
typedef const char *(*dbn_watcher_refused_fn)(void *arg, const uint8_t *routing_id, size_t routing_len,
                                              const char *identity, const char *key_txt);

/* End every watch that refused says may no longer be served: the watcher
 * gets a last reply (permission_denied with the reason, under its watch's
 * request id) and is forgotten. Returns how many ended. */
size_t dbn_event_stream_end_refused(dbn_event_stream_t *stream, dbn_watcher_refused_fn refused, void *arg);

#endif
