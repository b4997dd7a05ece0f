/* auth.h: who is connecting (DESIGN invariant 1).
 *
 * The broker's ROUTER runs CURVE as a server. libzmq asks a ZAP handler
 * about every handshake; this module is that handler. It looks the client's
 * public key up in the certs of KEYS/clients/, held in memory and read
 * again when the folder changes (checked by one stat of the folder per
 * handshake, and file by file at most once a second), so removing a file
 * revokes the key for new connections) and answers with the cert's "identity" metadata as the
 * User-Id, which the broker then reads off every message. Unknown keys get
 * status 400 and never complete the handshake.
 *
 * Key folder layout (made by `duban keygen`):
 *   KEYS/broker.key, KEYS/broker.key_secret   the broker's key pair
 *   KEYS/clients/NAME.key                      public certs the broker accepts
 *   KEYS/NAME.key, KEYS/NAME.key_secret        each client's pair, to hand out */
#ifndef DUBAN_AUTH_H
#define DUBAN_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* The connection metadata property (zmq_msg_gets) holding the Z85 public
 * key the peer authenticated with. */
#define DBN_AUTH_KEY_PROPERTY "X-Duban-Key"

typedef struct dbn_auth dbn_auth_t;

/* Load the broker's key pair and the client store from keys_dir, refusing
 * a folder that others may write or a secret key others may read, and bind
 * the ZAP socket in zmq_ctx. The handler is served by whoever polls
 * dbn_auth_socket() and calls dbn_auth_handle(). */
int dbn_auth_new(dbn_auth_t **auth_p, void *zmq_ctx, const char *keys_dir, char *why, size_t why_len);
void dbn_auth_destroy(dbn_auth_t **auth_p);

/* The ZAP REP socket, for zmq_poll; borrowed. */
void *dbn_auth_socket(dbn_auth_t *auth);

/* Answer every waiting ZAP request without blocking. */
int dbn_auth_handle(dbn_auth_t *auth);

/* Look at the client key folder again if it changed (one stat; the files
 * themselves at most once a second). */
void dbn_auth_refresh(dbn_auth_t *auth);

/* True while public_txt (Z85) is still in the client key folder as
 * identity's key. A connection's key is checked on every request with
 * this, so that removing a certificate (revocation) stops an open
 * connection too, not only the next handshake. */
bool dbn_auth_key_current(dbn_auth_t *auth, const char *public_txt, const char *identity);

/* The broker's secret key (32 bytes), for ZMQ_CURVE_SECRETKEY; borrowed. */
const unsigned char *dbn_auth_secret_key(dbn_auth_t *auth);

#endif
