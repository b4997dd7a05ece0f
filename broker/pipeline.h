/* pipeline.h: the broker's pipelined group commit (one sync per batch).
 *
 * The log is opened with pipelined_sync (MDB_NOMETASYNC): a batch's commit
 * costs one fdatasync, of its data pages, which also makes the previous
 * commit's meta page durable; its own meta page is durable only at the next
 * commit or at an explicit dbn_store_sync. So a batch is acknowledged one
 * step late: every reply composed while the store holds a commit not yet
 * durable (writes, refusals and reads alike, since any of them may show
 * what that commit wrote) waits here until dbn_store_durable_seq covers
 * it, and is then handed to broker/peers.c in the order it was made.
 *
 * When no next batch comes to carry the sync, the loop asks how long it
 * may wait (dbn_pipeline_wait_ms) and then settles (dbn_pipeline_settle):
 * it waits about a millisecond only while clients it just answered have
 * not yet sent again (they are likely to, within a round trip), and at
 * once syncs when nobody is expected: a single client waiting for its
 * answer never waits for a batch that cannot come. A batch read after the
 * commit that itself committed nothing (only reads or refusals) does not
 * carry the sync: it is made at once, so that a stream of reads cannot
 * hold a write's answer back.
 *
 * Owned by the broker's thread; it borrows the store, the peers and the
 * router for its lifetime. */
#ifndef DUBAN_BROKER_PIPELINE_H
#define DUBAN_BROKER_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peers.h"
#include "store.h"

typedef struct dbn_pipeline dbn_pipeline_t;

int dbn_pipeline_new(dbn_pipeline_t **pipeline_p, dbn_store_t *store, dbn_peers_t *peers, void *router);
/* Replies still held are dropped (their clients ask again). Accepts NULL. */
void dbn_pipeline_destroy(dbn_pipeline_t **pipeline_p);

/* Send buf (len bytes; ownership taken, always) to routing: at once when
 * the store holds nothing that is not yet durable, else when it is. */
void dbn_pipeline_send(dbn_pipeline_t *pipeline, const uint8_t *routing, size_t routing_len, uint8_t *buf,
                       size_t len);

/* n requests were just read: clients answered earlier have sent again. */
void dbn_pipeline_received(dbn_pipeline_t *pipeline, int n);

/* After any commit: send what it made durable. */
void dbn_pipeline_committed(dbn_pipeline_t *pipeline);

/* How long the loop may wait for requests before it must settle: -1 when
 * nothing waits for a sync, else about a millisecond. */
int dbn_pipeline_wait_ms(const dbn_pipeline_t *pipeline);

/* Sync when a commit is pending and no next batch will carry it: none is
 * waiting (input_waiting false) and none is expected within the wait, or
 * a batch came since the commit and committed nothing; then send what
 * became durable. Returns
 * the durable writes it made (0 or 1), or a negative error from the sync,
 * after which the replies stay held and the next settle tries again. */
int dbn_pipeline_settle(dbn_pipeline_t *pipeline, bool input_waiting);

/* Replies held now. */
size_t dbn_pipeline_held(const dbn_pipeline_t *pipeline);

#endif
