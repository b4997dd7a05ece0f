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

#include <stddef.h>

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

/* The broker's secret key (32 bytes), for ZMQ_CURVE_SECRETKEY; borrowed. */
const unsigned char *dbn_auth_secret_key(dbn_auth_t *auth);

#endif
