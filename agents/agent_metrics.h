/* agent_metrics.h: what duban-agent tells Prometheus (`--metrics
 * 127.0.0.1:PORT`, metrics/metrics.h): how many commands wait in its
 * outbox and how long the oldest has waited, the two figures that show a
 * department cut off from the broker (the "outbox stuck" alert in
 * docs/alerts.yml).
 *
 * Owned and updated by the agent's thread; the server's thread reads.
 * Every function accepts NULL, which is how the agent runs without
 * --metrics. */
#ifndef DUBAN_AGENT_METRICS_H
#define DUBAN_AGENT_METRICS_H

#include <stdint.h>

#include "outbox.h"

typedef struct dbn_agent_metrics dbn_agent_metrics_t;

/* Serve on listen (a numeric HOST:PORT); logs why not on failure. */
int dbn_agent_metrics_new(dbn_agent_metrics_t **metrics_p, const char *listen);
void dbn_agent_metrics_destroy(dbn_agent_metrics_t **metrics_p);

/* The outbox took a command under key at now_ms (dbn_monotonic_ms). */
void dbn_agent_metrics_put(dbn_agent_metrics_t *metrics, uint64_t key, int64_t now_ms);

/* Read the outbox's depth and its oldest entry, at most once a second. */
void dbn_agent_metrics_tick(dbn_agent_metrics_t *metrics, dbn_outbox_t *outbox, int64_t now_ms);

#endif
