/* writer.h: simulated departments writing progress reports, shared by the
 * ingest and watch sections.
 *
 * A writer is one agent: its own unit key, its own socket, its own task
 * (claimed once at set-up), and one thread per run that keeps `window`
 * reports in flight (send as soon as an answer frees a slot), records the
 * latency from send to acknowledgement, and optionally stamps the
 * acknowledgement time of each event's sequence number into a shared
 * array, so that watchers in the same process can measure how long after
 * the acknowledgement they saw the event (one monotonic clock for both). */
#ifndef DUBAN_BENCH_WRITER_H
#define DUBAN_BENCH_WRITER_H

#include <stdatomic.h>

#include "bench.h"
#include "signed_request.h"
#include "wire.h"

typedef struct bench_writers bench_writers_t;

/* Where writers stamp acknowledgement times: stamps[seq - base], in
 * nanoseconds of the monotonic clock, for base <= seq < base + capacity. */
typedef struct {
  _Atomic int64_t *stamps; /* owned by whoever made it */
  uint64_t base;
  size_t capacity;
} bench_ack_stamps_t;

typedef struct {
  double acks_per_second; /* acknowledged inside the measured window */
  uint64_t acks;
  uint64_t errors;         /* answers that were not OK */
  bench_samples_t latency; /* seconds, send to acknowledgement; caller frees */
  char first_error[256];
} bench_writers_result_t;

/* Open count writers (units 0..count-1) to broker, ping and claim each
 * task. NULL on failure (message on stderr). */
bench_writers_t *bench_writers_new(bench_env_t *env, const bench_broker_t *broker, int count);
void bench_writers_destroy(bench_writers_t **writers_p);

/* Fill req as a ~200-byte progress report on task with a fresh request id
 * written to id (33 bytes); progress, figure and figures[1] are the
 * caller's storage, counter varies the figures. */
void bench_fill_progress(Duban__Request *req, Duban__Progress *progress, Duban__Figure *figure,
                         Duban__Figure **figures, const char *task, char *id, unsigned counter);

/* The size in bytes of one packed progress report. */
size_t bench_writers_report_size(void);

/* A department's signing key and its chain (bench/signed.c). */
typedef struct {
  dbn_sign_key_t key;
  int every;        /* one signature per this many reports; the rest chained (1: every report) */
  unsigned count;   /* reports since the chain began */
  bool have_link;   /* link holds the last report's link */
  uint8_t link[32]; /* the last report's link */
  uint8_t prev[32]; /* what the report being sent follows */
  uint8_t signature[DBN_SIGNATURE_BYTES];
  char plan[DBN_MAX_ID];
} bench_signer_t;

/* Sign (or chain) req as identity with signer. */
int bench_signer_sign(bench_signer_t *signer, Duban__Request *req, const char *identity);

/* The identity of writer i, and the signer it signs every report with
 * from now on (borrowed; NULL: unsigned). For bench/signed.c. */
const char *bench_writer_identity(const bench_writers_t *writers, int i);
void bench_writer_set_signer(bench_writers_t *writers, int i, bench_signer_t *signer);

/* Register a fresh signing key for each writer in broker's log (admin:admin's
 * own first) and have the writers sign with it, one signature per `every`
 * reports (bench/signed.c). */
int bench_writers_sign(bench_writers_t *writers, bench_env_t *env, const bench_broker_t *broker, int every);

/* Run the first n writers for seconds with window reports in flight each;
 * stamps may be NULL. Waits for every answer before it returns. */
int bench_writers_run(bench_writers_t *writers, int n, int window, double seconds, bench_ack_stamps_t *stamps,
                      bench_writers_result_t *result);

/* One ingest cell (bench/ingest.c): options->runs runs of the first agents
 * writers with window reports in flight each, reported as row of
 * section's table: acks/s, p50, p99, p999, and with floor (the disk's
 * fsyncs/s) the rate as a multiple of it; with metrics_port (a broker run
 * with --metrics, else 0) also its syncs and events per batch. */
void bench_ingest_cell(bench_writers_t *writers, const bench_options_t *options, bench_report_t *report,
                       const char *section, const char *row, int agents, int window,
                       const bench_figure_t *floor, int metrics_port);

#endif
