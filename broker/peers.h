/* peers.h: what the broker remembers of each connection it serves.
 *
 * The broker's ROUTER names every connection by a routing id; this table
 * keeps, per routing id, the identity it spoke as and whether it is cut
 * off. A connection is cut off when the signing key of its identity is
 * revoked in the log (`duban admin revoke-key`) while it is open: from then
 * on its requests are refused as permission_denied and its watch ends
 * (DESIGN invariant 9: a revocation bites the holder's open connections,
 * not only the writes signed with the revoked key). A connection made after
 * the revocation is served as any other; its writes need a key still
 * registered.
 *
 * "Open" is what the broker can see: a connection that sent a request
 * before the revocation. A connection idle for PEER_IDLE_MS is forgotten
 * (its record, cut off or not), which a holder could have had anyway by
 * reconnecting. The table lives on the broker's thread. */
#ifndef DUBAN_PEERS_H
#define DUBAN_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dbn_peers dbn_peers_t;

int dbn_peers_new(dbn_peers_t **peers_p);
void dbn_peers_destroy(dbn_peers_t **peers_p);

/* A request came from routing on identity's connection at now_ms: the
 * connection is remembered. Returns true when it is cut off (and so must
 * not be served). */
bool dbn_peers_seen(dbn_peers_t *peers, const uint8_t *routing, size_t routing_len, const char *identity,
                    int64_t now_ms);

/* Whether the connection routing is cut off (false for one never seen). */
bool dbn_peers_cut_off(dbn_peers_t *peers, const uint8_t *routing, size_t routing_len);

/* identity's signing key was revoked: every connection of identity seen so
 * far is cut off. Returns how many were. */
size_t dbn_peers_revoke(dbn_peers_t *peers, const char *identity);

/* Forget connections idle for longer than PEER_IDLE_MS (at most once every
 * few seconds; cheap to call on every loop). */
void dbn_peers_sweep(dbn_peers_t *peers, int64_t now_ms);

size_t dbn_peers_count(dbn_peers_t *peers);

#endif
