/* broker.h: the duban broker, one thread and one event loop.
 *
 * The loop reads top to bottom: wait for requests, ZAP handshakes or a stop
 * signal; drain every waiting request into one batch; check each one; append
 * the events of those that pass in one LMDB write transaction; commit; only
 * then answer and let watchers see the new events (DESIGN invariant 2: OK
 * means on disk, one fsync per batch). Reads are answered after the commit,
 * so nobody ever sees state that a failed commit then took back.
 *
 * Owns: the ZeroMQ context, the ROUTER (CURVE server), the ZAP handler, the
 * event log and the event stream. Everything runs on the caller's thread. */
#ifndef DUBAN_BROKER_H
#define DUBAN_BROKER_H

#include <stdint.h>

#include "config.h"

typedef struct dbn_broker dbn_broker_t;

/* Open the log, load the keys, bind the endpoint. On failure returns a
 * negative code with a message a person can act on in why. */
int dbn_broker_new(dbn_broker_t **broker_p, const dbn_broker_config_t *config, char *why, size_t why_len);

/* Serve until stop_fd becomes readable (a signalfd for SIGTERM/SIGINT, or a
 * pipe). A batch in progress is finished (committed or refused as a whole)
 * before it returns. */
int dbn_broker_run(dbn_broker_t *broker, int stop_fd);

void dbn_broker_destroy(dbn_broker_t **broker_p);

#endif
