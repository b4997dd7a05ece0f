/* ingest.c: durable ingest, the figure a coordinator's screen depends on
 * when every department reports at once.
 *
 * N agents (1, 8, 64), each with W reports in flight (1, 32), against three
 * brokers started in turn on fresh logs: the normal one (group commit: one
 * transaction and one sync for everything waiting), one forced to commit
 * every request on its own (--no-group-commit, kept for this comparison),
 * and one that never syncs (--no-sync, "not durable", only to show what
 * durability costs), and the normal one with --metrics on, whose rows also
 * say how many syncs a batch cost and how many events it held
 * (duban_broker_syncs_total and duban_broker_batch_events, read from the
 * broker before and after each run: one sync per batch when the pipeline
 * carries it, broker/pipeline.h). Each cell is acknowledged reports per
 * second and send-to-acknowledgement latency p50/p99/p999, median of the
 * runs with min and max, and the rate as a multiple of the disk's fsyncs
 * per second (the disk floor section), so the figures read as ratios to
 * the machine.
 *
 * With DUBAN_BENCH_ETCD naming etcd members (scripts/bench-replicated.sh
 * starts three), a broker in replicated mode runs too: every batch goes
 * through etcd before it is acknowledged (docs/replication.md). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "writer.h"

static const struct mode {
  const char *name; /* row prefix */
  const char *dir;  /* data folder name */
  const char *flags[4];
  int signed_every; /* reports signed by their department (--signed): one signature per this many */
  bool replicated;  /* on the etcd of DUBAN_BENCH_ETCD (skipped without it) */
} modes[] = {
    {"group commit", "ingest-group", {NULL}, 0, false},
    {"commit every request", "ingest-single", {"--no-group-commit", NULL}, 0, false},
    {"not durable (no sync)", "ingest-nosync", {"--no-sync", NULL}, 0, false},
    {"group commit, signed", "ingest-signed", {NULL}, 1, false},
    {"group commit, chained, 1 signature/32", "ingest-chained", {NULL}, 32, false},
    /* What Prometheus metrics cost the hot path (a few atomic stores per
     * request); nobody scrapes during the run, so it is the updates alone. */
    {"group commit, --metrics on", "ingest-metrics", {"--metrics", "127.0.0.1:0", NULL}, 0, false},
    /* The same without the pipelined commit (LMDB's own two syncs a commit,
     * each batch answered at once), for the syncs and the rates side by side. */
    {"group commit, --no-pipeline, --metrics on",
     "ingest-nopipeline",
     {"--no-pipeline", "--metrics", "127.0.0.1:0", NULL},
     0,
     false},
    {"replicated (etcd, 3 members)", "ingest-replicated", {NULL}, 0, true},
};

static const int agent_counts[] = {1, 8, 64};
static const int windows[] = {1, 32};

#define MAX_RUNS 64

/* ---- syncs per batch, from the broker's own metrics ---- */

/* The port a broker started with "--metrics 127.0.0.1:0" serves its
 * metrics on, from the line its log has for it; 0 when there is none. */
static int
metrics_port(const bench_broker_t *broker)
{
  FILE *f = fopen(broker->log, "r");
  if (!f)
    return 0;
  char line[512];
  unsigned port = 0;
  while (fgets(line, sizeof line, f)) {
    const char *at = strstr(line, "Prometheus metrics on port ");
    if (at && sscanf(at, "Prometheus metrics on port %u", &port) == 1)
      break;
  }
  fclose(f);
  return port < 65536 ? (int)port : 0;
}

/* The value of the sample named name (no labels) in a metrics text. */
static double
sample(const char *text, const char *name)
{
  size_t len = strlen(name);
  for (const char *at = strstr(text, name); at; at = strstr(at + 1, name))
    if ((at == text || at[-1] == '\n') && at[len] == ' ')
      return strtod(at + len + 1, NULL);
  return 0;
}

/* The broker's syncs, batches and the events in them so far; false when
 * they cannot be read. */
static bool
read_sync_counters(int port, double *syncs_p, double *batches_p, double *events_p)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  static const char request[] = "GET /metrics HTTP/1.0\r\n\r\n";
  char text[65536];
  size_t used = 0;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      write(fd, request, sizeof request - 1) == (ssize_t)(sizeof request - 1)) {
    ssize_t n;
    while (used < sizeof text - 1 && (n = read(fd, text + used, sizeof text - 1 - used)) > 0)
      used += (size_t)n;
  }
  close(fd);
  text[used] = '\0';
  if (!strstr(text, "duban_broker_syncs_total"))
    return false;
  *syncs_p = sample(text, "duban_broker_syncs_total");
  *batches_p = sample(text, "duban_broker_batch_events_count");
  *events_p = sample(text, "duban_broker_batch_events_sum");
  return true;
}

void
bench_ingest_row(char *out, size_t len, const char *mode, int agents, int window)
{
  snprintf(out, len, "%s, %d agent%s, W=%d", mode, agents, agents == 1 ? "" : "s", window);
}

/* `duban audit verify` of the log a signed mode left: every signature (or
 * chain link and signed head) checked again, every view rebuilt. */
static void
verify_signed_log(bench_env_t *env, const bench_broker_t *broker, const char *mode, bench_report_t *report)
{
  char duban[1100], out[PATH_MAX + 16];
  snprintf(duban, sizeof duban, "%s/duban", env->bin_dir);
  snprintf(out, sizeof out, "%s.verify.json", broker->data);
  char *verify[] = {duban, "audit", "verify", "--data", (char *)broker->data, "--json", NULL};
  double seconds = 0;
  int status = bench_run_child(verify, out, &seconds, NULL, NULL);
  char *chain[] = {duban, "audit", "verify", "--chain-only", "--data", (char *)broker->data, "--json", NULL};
  double chain_seconds = 0;
  status |= bench_run_child(chain, "/dev/null", &chain_seconds, NULL, NULL);
  uint64_t events = 0;
  FILE *f = fopen(out, "r");
  char text[2048] = "";
  if (f) {
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
  }
  const char *field = strstr(text, "\"events\":");
  if (field)
    events = strtoull(field + 9, NULL, 10);
  char row[128];
  snprintf(row, sizeof row, "audit verify of the log of \"%s\", %llu events", mode,
           (unsigned long long)events);
  double r = seconds > 0 ? (double)events / seconds : 0;
  bench_figure_t rate = bench_figure_of(&r, 1);
  fprintf(stderr, "ingest: %-60s %9.0f events/s (chain only %.0f)%s\n", row, r,
          chain_seconds > 0 ? (double)events / chain_seconds : 0, status ? " FAILED" : "");
  bench_report_figure(report, "ingest", row, "events/s", "", rate);
  if (status)
    bench_report_text(report, "ingest", row, "errors", "audit verify failed");
}

int
bench_ingest(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  bench_figure_t floor = {0};
  bool have_floor = bench_report_get(report, "disk floor", "write 200 B + fdatasync", "fsyncs/s", &floor);
  fprintf(stderr, "ingest: reports of %zu bytes packed\n", bench_writers_report_size());
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    if (modes[m].signed_every && !options->sign)
      continue;
    const char *etcd = getenv("DUBAN_BENCH_ETCD");
    if (modes[m].replicated && (!etcd || !*etcd))
      continue;
    /* A prefix of its own: the etcd may hold an earlier run's log. */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "/duban-bench-%d/", (int)getpid());
    const char *replicated[] = {"--etcd", etcd, "--node", "bench", "--etcd-prefix", prefix, NULL};
    bench_broker_t broker;
    if (bench_broker_start(env, &broker, modes[m].dir, modes[m].replicated ? replicated : modes[m].flags) !=
        0)
      return -1;
    int port = metrics_port(&broker); /* 0: this mode runs without --metrics */
    bench_writers_t *writers = bench_writers_new(env, &broker, 64);
    if (!writers ||
        (modes[m].signed_every && bench_writers_sign(writers, env, &broker, modes[m].signed_every) != 0)) {
      bench_writers_destroy(&writers);
      bench_broker_stop(&broker);
      return -1;
    }
    for (size_t a = 0; a < sizeof agent_counts / sizeof agent_counts[0]; a++) {
      for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        double rate[MAX_RUNS], p50[MAX_RUNS], p99[MAX_RUNS], p999[MAX_RUNS], per_sync[MAX_RUNS];
        double syncs_per_batch[MAX_RUNS], events_per_batch[MAX_RUNS];
        int counted = 0;
        uint64_t errors = 0;
        char first_error[256] = "";
        for (int r = 0; r < runs; r++) {
          bench_writers_result_t result;
          double syncs0 = 0, batches0 = 0, events0 = 0, syncs1 = 0, batches1 = 0, events1 = 0;
          bool counting = port && read_sync_counters(port, &syncs0, &batches0, &events0);
          bench_writers_run(writers, agent_counts[a], windows[w], options->run_seconds, NULL, &result);
          if (counting && read_sync_counters(port, &syncs1, &batches1, &events1) && batches1 > batches0) {
            syncs_per_batch[counted] = (syncs1 - syncs0) / (batches1 - batches0);
            events_per_batch[counted++] = (events1 - events0) / (batches1 - batches0);
          }
          rate[r] = result.acks_per_second;
          p50[r] = bench_samples_quantile(&result.latency, 0.50) * 1e3;
          p99[r] = bench_samples_quantile(&result.latency, 0.99) * 1e3;
          p999[r] = bench_samples_quantile(&result.latency, 0.999) * 1e3;
          per_sync[r] = have_floor && floor.median > 0 ? rate[r] / floor.median : 0;
          errors += result.errors;
          if (!first_error[0] && result.first_error[0])
            snprintf(first_error, sizeof first_error, "%s", result.first_error);
          bench_samples_free(&result.latency);
        }
        char row[128];
        bench_ingest_row(row, sizeof row, modes[m].name, agent_counts[a], windows[w]);
        char syncs_text[80] = "";
        if (counted)
          snprintf(syncs_text, sizeof syncs_text, ", %.2f syncs/batch, %.1f events/batch",
                   bench_figure_of(syncs_per_batch, counted).median,
                   bench_figure_of(events_per_batch, counted).median);
        fprintf(stderr, "ingest: %-45s %9.0f acks/s p99 %.2f ms%s\n", row, bench_figure_of(rate, runs).median,
                bench_figure_of(p99, runs).median, syncs_text);
        bench_report_figure(report, "ingest", row, "acks/s", "", bench_figure_of(rate, runs));
        bench_report_figure(report, "ingest", row, "p50", "ms", bench_figure_of(p50, runs));
        bench_report_figure(report, "ingest", row, "p99", "ms", bench_figure_of(p99, runs));
        bench_report_figure(report, "ingest", row, "p999", "ms", bench_figure_of(p999, runs));
        if (have_floor)
          bench_report_figure(report, "ingest", row, "x fsync/s", "", bench_figure_of(per_sync, runs));
        if (counted)
          bench_report_figure(report, "ingest", row, "syncs/batch", "",
                              bench_figure_of(syncs_per_batch, counted));
        if (counted)
          bench_report_figure(report, "ingest", row, "events/batch", "",
                              bench_figure_of(events_per_batch, counted));
        if (errors) {
          fprintf(stderr, "ingest: %s: %llu refused, first: %s\n", row, (unsigned long long)errors,
                  first_error);
          bench_report_text(report, "ingest", row, "errors", first_error);
        }
      }
    }
    bench_writers_destroy(&writers);
    bench_broker_stop(&broker);
    if (modes[m].signed_every)
      verify_signed_log(env, &broker, modes[m].name, report);
  }
  return 0;
}
