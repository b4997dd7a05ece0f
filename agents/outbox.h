/* outbox.h: the agent's durable outbox, a small LMDB file in its data
 * directory.
 *
 * A command staff give while the broker is away must survive a crash of the
 * agent and be delivered later with its original request id, so that the
 * broker's dedup table makes it take effect exactly once. dbn_outbox_put
 * returns only after the transaction holding the command has committed to
 * disk; entries are kept in the order they were put (key = big-endian
 * uint64, increasing) until dbn_outbox_remove, which the agent calls when
 * the broker has answered. A second table maps request id → key, so a
 * command a CLI resends is stored once.
 *
 * One process owns an outbox at a time (a lock file enforces it); an
 * outbox is used by one thread. */
#ifndef DUBAN_OUTBOX_H
#define DUBAN_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

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
void dbn_outbox_close(dbn_outbox_t **outbox_p);

/* Store a packed Request under the next key, durably. When request_id is
 * already stored, stores nothing and returns DBN_EEXIST, with *key_p set to
 * the existing entry's key. key_p may be NULL. The map grows when full. */
int dbn_outbox_put(dbn_outbox_t *outbox, const char *request_id, const uint8_t *data, size_t len,
                   uint64_t *key_p);

/* Up to max pending entries with key > after (0 = from the start), in key
 * order, into entries[0..*count_p). Each returned entry is the caller's,
 * released with dbn_outbox_entry_clear. */
int dbn_outbox_peek(dbn_outbox_t *outbox, uint64_t after, dbn_outbox_entry_t *entries, size_t max,
                    size_t *count_p);
void dbn_outbox_entry_clear(dbn_outbox_entry_t *entry);

/* Remove the entry under key (durably); DBN_ENOTFOUND if there is none. */
int dbn_outbox_remove(dbn_outbox_t *outbox, uint64_t key);

/* The key of the entry stored for request_id, or DBN_ENOTFOUND. */
int dbn_outbox_find(dbn_outbox_t *outbox, const char *request_id, uint64_t *key_p);

/* How many entries are pending. */
int dbn_outbox_count(dbn_outbox_t *outbox, size_t *count_p);

#endif
