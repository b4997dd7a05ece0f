/* snapshot_restore.h: a follower further behind than etcd keeps catches up
 * from a snapshot by itself (docs/replication.md).
 *
 * The snapshot is a backup of a peer's log as `duban admin backup` writes
 * it (DIR/data.mdb: one consistent LMDB copy), or a folder of such backups
 * as duban-backup.timer leaves them (DIR/YYYYMMDD-HHMMSS/data.mdb), given
 * to the broker as --snapshot-from. A backup file, not a peer's live data
 * folder: LMDB's locks hold between processes of one host only, and a
 * backup can be copied or mounted wherever the follower runs.
 *
 * The snapshot is opened read-only, checked as `duban audit verify` checks
 * a log (the chain, every view rebuilt and compared), and its events after
 * the local head are appended to the local log through
 * dbn_store_append_replicated, which takes an event only if it is the next
 * seq and links to the head: a snapshot of another log, or one that does
 * not reach past the local head, changes nothing. The local views are
 * built by applying the events, never copied. */
#ifndef DUBAN_SNAPSHOT_RESTORE_H
#define DUBAN_SNAPSHOT_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Bring store (the broker's log, borrowed) to the head of the newest
 * snapshot under from that verifies and continues it; older ones are
 * tried when a newer one does not. 0 with *applied_p events appended and
 * the snapshot's folder in used (used_len bytes); otherwise an error and
 * a message for a person in why (DBN_ENOTFOUND: no snapshot past the
 * local head; DBN_ECORRUPT: none that verifies and links). */
int dbn_snapshot_restore(dbn_store_t *store, const char *from, uint64_t *applied_p, char *used,
                         size_t used_len, char *why, size_t why_len);

#endif
