/* client.h: the client library: one connection to the broker or to a
 * department's agent, used by the CLI, the agent and the benchmark.
 *
 * To the broker the connection is a ZeroMQ DEALER over tcp with CURVE: the
 * client proves its identity with its secret key and checks the broker's
 * public key, and the broker learns who it is from the key alone. To a local
 * agent it is a DEALER over ipc, where the socket file's permissions decide
 * who may talk; the agent forwards with its own department's identity.
 *
 * Frames: one frame per message, a packed Request one way and a packed Reply
 * the other. A client is used by one thread. */
#ifndef DUBAN_CLIENT_H
#define DUBAN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "witness.h"
#include "error.h"

typedef struct dbn_client dbn_client_t;

#define DBN_CLIENT_MAX_ENDPOINTS 8

typedef struct {
  const char *endpoint;    /* "tcp://host:port" (broker) or "ipc:///path" (agent); replicated brokers
                              as a list, "tcp://a:7700,tcp://b:7700", tried in turn */
  const char *server_cert; /* broker's public cert file (KEYS/broker.key); NULL for ipc */
  const char *client_cert; /* this client's cert file (NAME.key, with NAME.key_secret
                              beside it); NULL for ipc */
  int timeout_ms;          /* dbn_client_call gives up after this long; 0 = 5000 */
  int resend_ms;           /* resend the same request id after this long; 0 = 1000 */
} dbn_client_options_t;

/* Connect (lazily: ZeroMQ connects in the background and reconnects with
 * backoff). Fails on unreadable key files or a bad endpoint. */
int dbn_client_new(dbn_client_t **client_p, const dbn_client_options_t *options);
void dbn_client_destroy(dbn_client_t **client_p);

/* Send req and wait for its reply. Sets req->version and, when
 * req->request_id is empty, fills it with a fresh id (owned by the client
 * until the next call). Resends with the same id every resend_ms until a
 * reply with that id arrives or timeout_ms passes (DBN_ETIMEDOUT). Replies
 * for other request ids (stale answers to earlier attempts) are dropped.
 * A reply that carries an error code is still a success of the call: read
 * (*reply_p)->code. On success *reply_p is the caller's, freed with
 * dbn_wire_reply_free. A list (list_tasks, list_escalations, list_inbox) answered a page
 * at a time is followed to its last page and gathered into one reply
 * (each page under a request id of its own; req is left as it was given). */
int dbn_client_call(dbn_client_t *client, Duban__Request *req, Duban__Reply **reply_p);

/* Replicated brokers (docs/replication.md). A follower refuses a write as
 * `unavailable` naming the leader (domain/leader_hint.h): move the
 * connection there and return true (the caller resends under the same
 * request id, so the command is applied once). False when reply names no
 * other broker. dbn_client_call does this itself. */
bool dbn_client_follow_leader(dbn_client_t *client, const Duban__Reply *reply);

/* Move to the next of the brokers given (one that stopped answering);
 * false when only one was given. */
bool dbn_client_next_endpoint(dbn_client_t *client);

/* Sign a write request with this client's own signing key, when its cert
 * NAME.key has NAME.sign_secret beside it (made by `duban keygen --self`):
 * store/signed_request.h. dbn_client_call and dbn_client_send do it
 * themselves; the agent, which keeps requests packed, calls it before it
 * packs. The signature is owned by the client until the next call. A read,
 * or a client without a signing key, is left as it is. */
int dbn_client_sign(dbn_client_t *client, Duban__Request *req);
/* True when this client signs its writes. */
bool dbn_client_signs(const dbn_client_t *client);
/* Have witness cosign the checkpoints it keeps with this client's signing
 * key, when it has one (agents/witness.h). */
void dbn_client_cosign_into(const dbn_client_t *client, dbn_witness_t *witness);
/* Send without waiting (a watch subscription, pipelined benchmark load). */
int dbn_client_send(dbn_client_t *client, Duban__Request *req);
/* dbn_client_send for a request any broker may take (a watch): given
 * several brokers, one that has no connection (killed, its host down) is
 * left for the next after a second (each next one waited for twice as
 * long), until one takes the request; DBN_ETIMEDOUT when none did within
 * the client's timeout. */
int dbn_client_send_any(dbn_client_t *client, Duban__Request *req);

/* Subscribe (or renew a subscription) to every event with seq > after_seq,
 * then live: the replies come through dbn_client_recv. A watcher renews
 * every few seconds, because the broker forgets a watcher it has not heard
 * from, and after a gap, from the last seq it has. */
int dbn_client_watch(dbn_client_t *client, uint64_t after_seq);

/* Receive the next Reply within timeout_ms (-1 = forever); DBN_ETIMEDOUT
 * when none came. On success *reply_p is the caller's. */
int dbn_client_recv(dbn_client_t *client, Duban__Reply **reply_p, int timeout_ms);

/* The underlying ZeroMQ socket, for zmq_poll alongside other sockets.
 * Borrowed; valid until dbn_client_destroy. */
void *dbn_client_socket(dbn_client_t *client);

/* Added for the agent, which keeps requests packed in its outbox and polls
 * several sockets itself. */

/* Send an already packed Request (from dbn_wire_pack) as one frame. Waits
 * at most timeout_ms for a connection that can take it (0 = do not wait);
 * DBN_EUNAVAIL when none could. Does not take ownership of buf. */
int dbn_client_send_packed(dbn_client_t *client, const uint8_t *buf, size_t len, int timeout_ms);

enum dbn_client_event {
  DBN_CLIENT_EVENT_NONE = 0,     /* nothing pending */
  DBN_CLIENT_EVENT_CONNECTED,    /* a connection finished its handshake */
  DBN_CLIENT_EVENT_DISCONNECTED, /* a connection was lost: unanswered requests may be lost too */
  DBN_CLIENT_EVENT_REFUSED,      /* the handshake failed (wrong server key, or our key refused) */
  DBN_CLIENT_EVENT_OTHER,        /* an event of no interest */
};

/* Start reporting connection changes. *socket_p (borrowed, owned by the
 * client, valid until dbn_client_destroy) becomes readable in zmq_poll when
 * an event is waiting; read it with dbn_client_monitor_read. */
int dbn_client_monitor(dbn_client_t *client, void **socket_p);

/* Read one waiting connection event without blocking; *event_p is
 * DBN_CLIENT_EVENT_NONE when there was none. */
int dbn_client_monitor_read(dbn_client_t *client, enum dbn_client_event *event_p);

#endif
