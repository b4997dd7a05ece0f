/* broker_metrics.h: what duban-broker tells Prometheus (`--metrics
 * 127.0.0.1:PORT`, metrics/metrics.h): requests by kind and result code,
 * group-commit batch sizes and commit durations, syncs, connected clients
 * and watchers, the log's head seq, file size and map use, deadline
 * warnings by colour, open escalations by level.
 *
 * Owned and updated by the broker's thread (the hot path costs a few
 * relaxed atomic stores per request); the server's thread only reads.
 * Every function accepts NULL, which is how the broker runs without
 * --metrics. */
#ifndef DUBAN_BROKER_METRICS_H
#define DUBAN_BROKER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "event_stream.h"
#include "store.h"

typedef struct dbn_broker_metrics dbn_broker_metrics_t;

/* Serve the metrics on listen; watch router's connections through a
 * socket monitor (a PAIR socket in zmq_ctx, owned by the broker's thread).
 * data_dir is where the log's data.mdb is (copied); map_max the cap on the
 * map (--map-max, 0 = none). On failure, why says what a person can do. */
int dbn_broker_metrics_new(dbn_broker_metrics_t **metrics_p, const char *listen, void *zmq_ctx, void *router,
                           const char *data_dir, size_t map_max, char *why, size_t why_len);
/* Before the router and the context are closed. Accepts NULL. */
void dbn_broker_metrics_destroy(dbn_broker_metrics_t **metrics_p);

/* One request answered with code; body is NOT_SET for bytes that did not
 * decode. */
void dbn_broker_metrics_request(dbn_broker_metrics_t *metrics, const Duban__Request *req, Duban__Code code);

/* A monotonic time in seconds, to measure a commit with. */
double dbn_broker_metrics_clock(void);

/* A write transaction committed in seconds: a group commit of batch_events
 * events from requests (0: the deadline monitor's own, not a batch). */
void dbn_broker_metrics_commit(dbn_broker_metrics_t *metrics, int batch_events, double seconds);

/* The event log made syncs more durable writes (dbn_store_syncs: none with
 * --no-sync, none for a transaction that changed nothing). */
void dbn_broker_metrics_syncs(dbn_broker_metrics_t *metrics, uint64_t syncs);

/* Count the deadline warnings the monitor appended after after_seq. */
void dbn_broker_metrics_deadline(dbn_broker_metrics_t *metrics, dbn_store_t *store, uint64_t after_seq);

/* Called every turn of the loop: every 100 ms reads the connection events
 * and the watchers, every second the gauges read from the log (head, file,
 * map, escalations). */
void dbn_broker_metrics_tick(dbn_broker_metrics_t *metrics, dbn_store_t *store, dbn_event_stream_t *stream);

#endif
