/* metrics.h: counters, gauges and histograms in Prometheus's text format,
 * and the HTTP endpoint that serves them (`--metrics 127.0.0.1:PORT` on
 * duban-broker and duban-agent).
 *
 * The program's own thread owns every series it writes and updates it
 * with a relaxed atomic store: no lock on the hot path (the broker's group
 * commit). The server's thread reads the values while it renders a scrape.
 * A series is created once (under the registry's mutex, which a scrape also
 * takes) and its pointer kept by the caller; series are never removed, so
 * a pointer stays valid until the registry is destroyed.
 *
 * Names follow Prometheus's conventions (duban_broker_requests_total,
 * seconds for durations); label values are escaped here. Each series has
 * exactly one writer thread: a value read in a scrape may be one update
 * behind, never torn. */
#ifndef DUBAN_METRICS_H
#define DUBAN_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct dbn_metrics dbn_metrics_t;
typedef struct dbn_metric dbn_metric_t;

int dbn_metrics_new(dbn_metrics_t **metrics_p);
/* Stops nothing: destroy the server first. Accepts NULL. */
void dbn_metrics_destroy(dbn_metrics_t **metrics_p);

/* The series of family name with the labels given as NULL-terminated
 * key, value pairs (none: just NULL), created at 0 when new. Every series
 * of a family has the same type and help (the first call's); a histogram's
 * bucket bounds (n_bounds increasing upper bounds, +Inf added) are the
 * first call's too. NULL when out of memory or when name is already a
 * family of another type (a bug: the caller asserts). */
dbn_metric_t *dbn_metrics_counter(dbn_metrics_t *metrics, const char *name, const char *help, ...)
    __attribute__((sentinel));
dbn_metric_t *dbn_metrics_gauge(dbn_metrics_t *metrics, const char *name, const char *help, ...)
    __attribute__((sentinel));
dbn_metric_t *dbn_metrics_histogram(dbn_metrics_t *metrics, const char *name, const char *help,
                                    const double *bounds, size_t n_bounds, ...) __attribute__((sentinel));

/* Updates, by the series' one writer thread. Each accepts NULL (metrics
 * off) and does nothing then. */
void dbn_metric_add(dbn_metric_t *counter, uint64_t n);
void dbn_metric_set(dbn_metric_t *gauge, double value);
void dbn_metric_observe(dbn_metric_t *histogram, double value);

/* The current value of a counter or gauge (tests and the owner). */
double dbn_metric_value(const dbn_metric_t *metric);

/* Every family in the text exposition format (version 0.0.4) into a
 * malloc'd *text_p the caller frees. */
int dbn_metrics_render(dbn_metrics_t *metrics, char **text_p, size_t *len_p);

/* ---- the HTTP endpoint ---- */

typedef struct dbn_metrics_server dbn_metrics_server_t;

/* Serve GET /metrics on listen ("127.0.0.1:PORT", "[::1]:PORT"; a numeric
 * address: metrics are for the host's own scraper, or a firewall's choice)
 * in a thread of libmicrohttpd's. metrics is borrowed and must outlive the
 * server. DBN_EINVAL for an address that does not parse, DBN_EIO when it
 * cannot be bound. */
int dbn_metrics_server_new(dbn_metrics_server_t **server_p, dbn_metrics_t *metrics, const char *listen);
void dbn_metrics_server_destroy(dbn_metrics_server_t **server_p);

/* The port it listens on: the one asked for, or the one the system chose
 * for port 0 (tests, which then read it from the program's log). */
unsigned dbn_metrics_server_port(const dbn_metrics_server_t *server);

#endif
