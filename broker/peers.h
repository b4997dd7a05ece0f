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
 * before the revocation. A connection idle for two minutes is forgotten
 * (its record, cut off or not), which a holder could have had anyway by
 * reconnecting; so is one idle for a second when 16,384 are remembered, so
 * that a reconnect storm cannot grow the table (peers.c).
 *
 * The table also bounds what one peer can make the broker hold: its share
 * of a batch (requests in flight per identity) and the replies waiting for
 * a peer that does not read (queued outbound bytes per peer). A watcher
 * does not queue here: its deliveries wait in the log, which it resumes
 * from by seq (event_stream.h). The table lives on the broker's thread. */
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

/* Forget connections idle for two minutes (at most once every few
 * seconds; cheap to call on every loop). */
void dbn_peers_sweep(dbn_peers_t *peers, int64_t now_ms);

size_t dbn_peers_count(dbn_peers_t *peers);

/* ---- requests in flight: one batch's share per identity ---- */

/* Most requests, and bytes of them, one identity may have in one batch: a
 * flood from one key (on one connection or many) cannot take the batch,
 * nor its memory, from everyone else. Not below the agent's delivery
 * window (64, agents/agent.c): a well-behaved agent never has more
 * outstanding, so none of its requests is ever dropped, and dropping one
 * in the middle of its window would let a later write overtake it. */
#define DBN_PEER_IN_FLIGHT_MAX 64
#define DBN_PEER_IN_FLIGHT_BYTES (16 * 1024 * 1024)

/* A new batch: nobody has anything in flight. */
void dbn_peers_batch_begin(dbn_peers_t *peers);

/* Count a request of len bytes from identity into the batch. False when
 * identity is past its share: the request is dropped unread (a client
 * resends under the same request id), not served. */
bool dbn_peers_admit(dbn_peers_t *peers, const char *identity, size_t len);

/* ---- outbound: what libzmq's pipe to a peer could not take ---- */

/* Most bytes queued here for one peer (beyond libzmq's pipe, which holds
 * at most the router's ZMQ_SNDHWM messages), and for all of them; one
 * message is always taken into an empty queue, whatever its size. */
#define DBN_PEER_QUEUE_BYTES (1024 * 1024)
#define DBN_PEERS_QUEUE_BYTES (64 * 1024 * 1024)

/* Send buf (len bytes; ownership is taken, always) to routing on router
 * without blocking: straight away when the peer's pipe takes it and
 * nothing is queued before it, else queued behind what is. Returns false
 * when it had to be dropped (the queue full, or the peer unknown): a reply
 * dropped is asked for again under the same request id. */
bool dbn_peers_send(dbn_peers_t *peers, void *router, const uint8_t *routing, size_t routing_len,
                    uint8_t *buf, size_t len);

/* Send what is queued, in order, as far as the pipes take it. Returns true
 * while anything is still queued (call again soon). */
bool dbn_peers_flush(dbn_peers_t *peers, void *router);

/* Bytes queued for all peers. */
size_t dbn_peers_queued_bytes(dbn_peers_t *peers);

#endif
