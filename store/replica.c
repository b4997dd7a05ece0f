/* replica.c: a mirror of the broker's log, kept by a console from the
 * broker's watch stream. The mirror is a store like the broker's: the same
 * event bytes under the same sequence numbers, the same chain, and views
 * made by the same apply, so everything that reads a store (the board, the
 * reports, audit verify) reads a mirror too.
 *
 * An event is taken only if it is the next one (seq = head + 1) and links to
 * the mirror's head (prev_hash = the hash of the mirror's last event): a
 * mirror that missed or reordered anything stops rather than diverges. */
#include <sodium.h>

#include "store_internal.h"

int
dbn_store_append_replicated(dbn_store_txn_t *txn, const Duban__Event *event)
{
  if (!txn->write)
    return DBN_EPERM;
  if (txn->error)
    return txn->error;
  if (event->seq != txn->head_seq + 1)
    return DBN_ESTATE;
  if (event->prev_hash.len != DBN_HASH_BYTES ||
      sodium_memcmp(event->prev_hash.data, txn->head_hash, DBN_HASH_BYTES) != 0)
    return DBN_ECORRUPT;
  /* dbn_store_append fills seq and prev_hash from the head, which we just
   * checked are the event's own, and packs the same fields the broker
   * packed, so the stored bytes and the chain hash come out the same. */
  Duban__Event copy = *event;
  return dbn_store_append(txn, &copy);
}
