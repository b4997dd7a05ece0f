/* replication.h: the broker's replicated mode, on etcd (broker/etcd.h).
 *
 * Several brokers share one etcd cluster; each keeps its own full LMDB log.
 * One of them is the leader: it holds the key PREFIX/leader, attached to a
 * lease it keeps alive, and the revision that created the key is its
 * fencing token. For every group-commit batch the leader writes the
 * batch's event bytes to etcd in one transaction that
 *   - compares PREFIX/head's mod_revision with the one its last write left
 *     (nobody else wrote since), and PREFIX/leader's create_revision with
 *     its token (it is still the leader),
 *   - puts the batch under PREFIX/log/<last seq, 20 digits> and moves
 *     PREFIX/head to (last seq, its hash),
 * and only when etcd said yes (a quorum has it) commits the batch to its
 * LMDB and replies. A deposed leader's transaction fails: it steps down,
 * and nothing it did not get into etcd was ever acknowledged or committed.
 *
 * Followers watch PREFIX/log/ and apply each batch to their LMDB in order
 * (store/replica.c takes an event only if it is the next seq and links to
 * the head; events they already hold are skipped, so applying twice is
 * harmless). They answer writes with `unavailable` naming the leader
 * (domain/leader_hint.h) and serve reads and watches from their own log.
 * A follower that sees no leader campaigns: the first to create the key
 * wins, catches up from etcd to the head, and serves.
 *
 * Everything runs on the broker's thread, from its loop: etcd calls block
 * for at most a bounded time, and the watch stream is polled without
 * blocking. A NULL dbn_replication_t is the single-node mode: every
 * function then does what a lone broker needs (it is always the leader,
 * and a batch needs nothing before its commit). */
#ifndef DUBAN_REPLICATION_H
#define DUBAN_REPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

typedef struct dbn_replication dbn_replication_t;

/* Connect to config->etcd as node config->node, for store (borrowed; it
 * must outlive the replication). Starts as a follower; the first tick
 * campaigns when there is no leader. *repl_p stays NULL when config->etcd
 * is empty (single node). */
int dbn_replication_new(dbn_replication_t **repl_p, const dbn_broker_config_t *config, dbn_store_t *store,
                        char *why, size_t why_len);
void dbn_replication_destroy(dbn_replication_t **repl_p);

/* One turn of the work the loop owes replication: keep the lease alive,
 * watch for a leader, campaign, apply what etcd brought. Returns true when
 * this turn made this broker the leader (its log now holds every batch in
 * etcd, and the broker re-reads what it derives from the log). */
bool dbn_replication_tick(dbn_replication_t *repl, int64_t now_ms);

/* True when this broker may write (always, in single-node mode). */
bool dbn_replication_is_leader(const dbn_replication_t *repl);

/* The refusal a follower gives a write, for a person and for the client
 * library: who leads (leader=ENDPOINT) or that none is known and why. */
void dbn_replication_refusal(const dbn_replication_t *repl, char *message, size_t message_len);

/* The leader's step before it commits txn, the write transaction holding
 * the batch's events (head_before, txn head]: write them to etcd. 0 = they
 * are in etcd, commit and reply. Otherwise the caller aborts txn and
 * refuses the batch as unavailable with why; when etcd showed that another
 * broker leads (or may have taken the batch: an answer that never came),
 * this broker has stepped down and will catch up from etcd. */
int dbn_replication_commit_batch(dbn_replication_t *repl, dbn_store_txn_t *txn, uint64_t head_before,
                                 char *why, size_t why_len);

/* The batch is in etcd but the local commit failed: step down, and let the
 * follower's path bring the batch in from etcd. */
void dbn_replication_local_commit_failed(dbn_replication_t *repl);

#endif
