/* bench.h: what the parts of duban-bench share.
 *
 * duban-bench measures a real broker the way departments use it: it makes a
 * temporary folder with real CURVE keys (`duban keygen`), a generated plan
 * with one task per simulated agent, starts the built duban-broker as a
 * child process, and talks to it over tcp + CURVE from threads in this
 * process. Each section (ingest, disk floor, replay, watch, connections,
 * plan import) lives in its own file and reports figures through report.c;
 * every figure is the median of several runs with their min and max.
 *
 * Ownership: bench_env_t is built once by main and passed down (no
 * globals); a bench_broker_t is one child process, started and stopped by
 * the section that uses it. Sockets from bench_conn_open belong to whichever
 * thread uses them; they are handed to a worker thread only across
 * pthread_create / pthread_join, which are full memory barriers, as ZeroMQ
 * requires for moving a socket between threads. */
#ifndef DUBAN_BENCH_H
#define DUBAN_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "duban.pb-c.h"

/* ---- options ---- */

typedef struct {
  bool quick;              /* --quick: the whole run in under a minute */
  bool full;               /* --full: 1,000,000-event log, longer runs */
  bool json;               /* --json: results as JSON on stdout, table on stderr */
  int runs;                /* --runs N: runs per figure (median, min, max) */
  const char *only;        /* --only NAME: one section, or NULL for all */
  double run_seconds;      /* length of one measured ingest/watch run */
  const char *import_file; /* plan document for the plan import section */
  bool sign;               /* --signed: ingest also with every write signed (bench/signed.c) */
  bool peers;              /* --peers: the ingest cells also against Redis (bench/peers.c) */
  const char *crypto;      /* --crypto sm: every log of the 国密 profile (NULL: the default) */
  int rounds;              /* --rounds N: failovers of the replicated section (default 10) */
} bench_options_t;

/* ---- the environment: keys, plan, binaries ---- */

typedef struct {
  char bin_dir[1024];        /* where duban-bench, duban-broker and duban are */
  char source_dir[1024];     /* the source tree (examples/plans) */
  char root[1024];           /* temporary folder for everything; removed at the end */
  char keys[PATH_MAX];       /* root/keys, from `duban keygen` */
  char plan[PATH_MAX];       /* root/plan.json: generated, `units` units, one task each */
  int units;                 /* units (and tasks) in the plan: unit:B0000 ... */
  int coordinators;          /* extra identities coordinator:w000 ... for watchers */
  void *zmq_ctx;             /* the bench's one ZeroMQ context, for every connection */
  uint8_t broker_public[32]; /* the broker's public key */
  char crypto[32];           /* --crypto: every log's and key's profile; "" = the default */
} bench_env_t;

/* Make the temporary folder, the plan and the keys. Returns 0 or -1 with a
 * message on stderr. */
int bench_env_init(bench_env_t *env, int units, int coordinators, const char *crypto);
/* Remove the temporary folder and close the context. */
void bench_env_fini(bench_env_t *env);

/* "unit:B0007" for agent i; the task it owns is bench-1:1.1.(i+1). */
void bench_unit_identity(int i, char *out, size_t len);
void bench_unit_task(int i, char *out, size_t len);

/* ---- the broker under test ---- */

typedef struct {
  pid_t pid;           /* the child; 0 when not running */
  char endpoint[64];   /* tcp://127.0.0.1:PORT */
  char data[PATH_MAX]; /* its event log folder (fresh per start) */
  char log[PATH_MAX];  /* its stderr */
} bench_broker_t;

/* Start duban-broker on a fresh data folder named name under env->root,
 * with the extra flags (NULL-terminated), wait until it answers a ping and
 * load the generated plan. Returns 0 or -1 with a message on stderr. */
int bench_broker_start(bench_env_t *env, bench_broker_t *broker, const char *name, const char *const extra[]);
/* The same without the plan load, on broker's endpoint when it has one
 * (a broker started again on its data folder, a follower of a replicated
 * pair); broker is not cleared. */
int bench_broker_spawn(bench_env_t *env, bench_broker_t *broker, const char *name, const char *const extra[]);
/* A loopback TCP port nobody listens on now; -1 if none. */
int bench_free_port(void);
/* SIGTERM, then wait for it. Accepts a broker that is not running. */
void bench_broker_stop(bench_broker_t *broker);

/* Resident memory of a process now (VmRSS), in KiB; -1 if unknown. */
long bench_rss_kib(pid_t pid);

/* Run argv (argv[0] a path) with stdout to stdout_path (NULL = inherit),
 * stderr to /dev/null; wait for it. Returns its exit status (or -1) and its
 * wall time, peak RSS (VmHWM) and peak anonymous RSS (RssAnon: memory the
 * process allocated, without the file pages of the LMDB map it touched),
 * both sampled from /proc every millisecond. */
int bench_run_child(char *const argv[], const char *stdout_path, double *seconds_p, long *maxrss_kib_p,
                    long *peak_anon_kib_p);

/* ---- connections ---- */

/* A ping with a fresh request id, in caller storage (req points into it,
 * so it must not be copied): how the benchmarks wait for a connection and
 * read the broker's head. */
typedef struct {
  Duban__Request req; /* the request to send */
  Duban__Ping ping;   /* its body */
  char id[33];        /* its request id */
} bench_ping_t;
void bench_ping_init(bench_ping_t *ping);

/* A DEALER in env's context, CURVE with identity's key pair
 * (keys/NAME.key + _secret), connected to endpoint. NULL on failure. The
 * caller owns it and closes it with zmq_close. */
void *bench_conn_open(bench_env_t *env, const char *endpoint, const char *identity);
/* Pack and send req (version set; request_id must be set). 0 or -1. */
int bench_conn_send(void *socket, Duban__Request *req);
/* Receive one reply within timeout_ms; 0 with *reply_p the caller's (free
 * with dbn_wire_reply_free), or -1. */
int bench_conn_recv(void *socket, Duban__Reply **reply_p, int timeout_ms);
/* Send and wait for the reply with the same request id (others dropped). */
int bench_conn_call(void *socket, Duban__Request *req, Duban__Reply **reply_p, int timeout_ms);
/* Ping until one is answered or timeout_ms passes. 0 or -1. */
int bench_conn_ping(void *socket, int timeout_ms);

/* ---- clock and statistics ---- */

/* Monotonic time in seconds. */
double bench_now(void);

typedef struct {
  double *values; /* owned */
  size_t count;
  size_t capacity;
} bench_samples_t;

void bench_samples_add(bench_samples_t *samples, double value);
/* Append all of other's values. */
void bench_samples_merge(bench_samples_t *samples, const bench_samples_t *other);
/* The q-quantile (0..1) by nearest rank; sorts the values. 0 when empty. */
double bench_samples_quantile(bench_samples_t *samples, double q);
void bench_samples_free(bench_samples_t *samples);

typedef struct {
  double median;
  double min;
  double max;
  int runs;
} bench_figure_t;

/* Median, min and max of n per-run values. */
bench_figure_t bench_figure_of(const double *values, int n);

/* ---- the report ---- */

typedef struct bench_report bench_report_t;

bench_report_t *bench_report_new(void);
void bench_report_destroy(bench_report_t **report_p);
/* One figure: in section's table, row `row`, column `column` (with unit). */
void bench_report_figure(bench_report_t *report, const char *section, const char *row, const char *column,
                         const char *unit, bench_figure_t figure);
/* A text cell (a verdict, a ratio explained). */
void bench_report_text(bench_report_t *report, const char *section, const char *row, const char *column,
                       const char *text);
/* Look a figure up (for ratios between sections); false if absent. */
bool bench_report_get(bench_report_t *report, const char *section, const char *row, const char *column,
                      bench_figure_t *figure_p);
/* The tables, section by section. */
void bench_report_print_table(bench_report_t *report, FILE *out);
void bench_report_print_json(bench_report_t *report, FILE *out, const char *machine);

/* ---- the sections ---- */

int bench_disk_floor(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
int bench_ingest(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
/* The name of an ingest cell's row ("group commit, 8 agents, W=32"): how
 * the peers table and the targets find the ingest figures again. */
void bench_ingest_row(char *out, size_t len, const char *mode, int agents, int window);
int bench_replay(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
int bench_watch(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
int bench_connections(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
int bench_peers(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
int bench_plan_import(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
/* Three etcd members and two replicated brokers, started here: the ingest
 * cells beside a single node's, and failover times (bench/replicated.c). */
int bench_replicated(bench_env_t *env, const bench_options_t *options, bench_report_t *report);
/* The targets, from the figures gathered. */
void bench_targets(bench_report_t *report);

#endif
