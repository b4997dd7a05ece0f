/* outbox.h: the agent's durable outbox, a small LMDB file in its data
 * directory.
 *
 * A command staff give while the broker is away must survive a crash of the
 * agent and be delivered later with its original request id, so that the
 * broker's dedup table makes it take effect exactly once. dbn_outbox_put
 * returns only after the transaction holding the command has committed to
 * disk; entries are kept in the order they were put (key = big-endian
 * uint64, increasing) until the broker has answered them. A second table
 * maps request id → key, so a command a CLI resends is stored once.
 *
 * Taking an answered entry out costs no sync of its own when the broker
 * applied it (dbn_outbox_mark_applied): it leaves the pending entries at
 * once (peek, count and find no longer see it) and is deleted from the file
 * by the next commit, which syncs anyway: the next put, a durable remove,
 * dbn_outbox_flush or dbn_outbox_close. So one command costs one fsync.
 * After a crash, the applied entries not yet deleted (at most
 * DBN_OUTBOX_MAX_APPLIED) are pending again and are resent; the broker
 * answers each from its dedup table as a duplicate of the first, and
 * nothing takes effect twice. A refusal is not in that table (the broker
 * would judge a resent refusal afresh and might accept it), so it is
 * removed durably with dbn_outbox_remove, or moved durably to the table of
 * refusals with dbn_outbox_refuse, where staff can read what the broker
 * said (`duban outbox`) after the CLI that queued it has gone.
 *
 * One process owns an outbox at a time (a lock file enforces it); an
 * outbox is used by one thread. */
#ifndef DUBAN_OUTBOX_H
#define DUBAN_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "error.h"

/* Most applied entries kept in memory before their deletion is committed on
 * its own: bounds the agent's memory, and what a crash makes it resend. */
#define DBN_OUTBOX_MAX_APPLIED 256
/* Most refusals kept: a new one beyond it drops the oldest. */
#define DBN_OUTBOX_MAX_REFUSED 1000

typedef struct dbn_outbox dbn_outbox_t;

/* One pending command, as dbn_outbox_peek hands it out. */
typedef struct {
  uint64_t key;     /* position in the outbox; increasing in put order */
  char *request_id; /* owned; NUL-terminated */
  uint8_t *data;    /* owned; the packed Request */
  size_t len;       /* bytes in data */
} dbn_outbox_entry_t;

/* Open (creating if needed, mode 0700 for the directory and 0600 for the
 * files) the outbox in dir. DBN_EUNAVAIL when another process holds it. */
int dbn_outbox_open(dbn_outbox_t **outbox_p, const char *dir);

/* Flush (see dbn_outbox_flush; a failure is logged, and those entries are
 * resent by the next run), close, and set *outbox_p to NULL. Accepts NULL. */
void dbn_outbox_close(dbn_outbox_t **outbox_p);

/* Store a packed Request under the next key, durably; the same commit
 * deletes the applied entries. When request_id is already pending, stores
 * nothing and returns DBN_EEXIST, with *key_p set to the pending entry's
 * key. key_p may be NULL. The map grows when full; DBN_EMAPFULL when it
 * cannot (no address space for a bigger map), and the outbox stays usable
 * at its present size. */
int dbn_outbox_put(dbn_outbox_t *outbox, const char *request_id, const uint8_t *data, size_t len,
                   uint64_t *key_p);

/* Up to max pending entries with key > after (0 = from the start), in key
 * order, into entries[0..*count_p). Each returned entry is the caller's,
 * released with dbn_outbox_entry_clear. */
int dbn_outbox_peek(dbn_outbox_t *outbox, uint64_t after, dbn_outbox_entry_t *entries, size_t max,
                    size_t *count_p);
void dbn_outbox_entry_clear(dbn_outbox_entry_t *entry);

/* The broker applied the entry under key (or answered it as a duplicate of
 * an applied one): it is no longer pending, and its deletion is committed
 * with the next commit (see above), without a sync of its own unless
 * DBN_OUTBOX_MAX_APPLIED are waiting. DBN_ENOTFOUND if no entry is pending
 * under key. */
int dbn_outbox_mark_applied(dbn_outbox_t *outbox, uint64_t key);

/* Remove the entry under key durably (for a refusal), together with the
 * applied entries; DBN_ENOTFOUND if no entry is pending under key. */
int dbn_outbox_remove(dbn_outbox_t *outbox, uint64_t key);

/* The broker refused the entry under key: in one durable commit it leaves
 * the pending entries and item (its kind, task, the broker's code and
 * reason, seen false) is kept under the same key in the table of refusals
 * (dropping the oldest when DBN_OUTBOX_MAX_REFUSED are kept).
 * DBN_ENOTFOUND if no entry is pending under key. */
int dbn_outbox_refuse(dbn_outbox_t *outbox, uint64_t key, const Duban__OutboxItem *item);

/* The refusals kept, oldest first (at most DBN_OUTBOX_MAX_REFUSED), each
 * unpacked; free them with dbn_outbox_items_free. */
int dbn_outbox_refused_list(dbn_outbox_t *outbox, Duban__OutboxItem ***items_p, size_t *count_p);

/* How many refusals nobody has listed yet (seen false). */
int dbn_outbox_refused_unseen(dbn_outbox_t *outbox, size_t *count_p);

/* Mark every refusal seen, durably (nothing is written when none is new). */
int dbn_outbox_refused_mark_seen(dbn_outbox_t *outbox);

void dbn_outbox_items_free(Duban__OutboxItem **items, size_t count);

/* Commit the deletion of the applied entries now (one sync; none when there
 * are none). On failure they stay applied in memory and are tried again
 * with the next commit. */
int dbn_outbox_flush(dbn_outbox_t *outbox);

/* The key of the pending entry stored for request_id, or DBN_ENOTFOUND. */
int dbn_outbox_find(dbn_outbox_t *outbox, const char *request_id, uint64_t *key_p);

/* How many entries are pending (applied ones are not). */
int dbn_outbox_count(dbn_outbox_t *outbox, size_t *count_p);

#endif
