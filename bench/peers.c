/* peers.c: the ingest cells against a peer, in the same run (--peers).
 *
 * The peer is Redis 7 Streams as a durable log: XADD of a report of the
 * same size as duban's, with appendonly and appendfsync always (every
 * acknowledged write is on disk, as every duban acknowledgement is), over
 * TLS (duban is always encrypted, with CURVE), driven by redis-benchmark
 * with -c CLIENTS and -P W (W requests in flight per client, as duban's
 * writers keep W reports in flight). Each cell is the median of the runs;
 * the table then sets each duban group-commit cell beside the same Redis
 * cell (equal clients, equal requests in flight) with the ratio of the two
 * rates and both p99s. redis-server, redis-benchmark and openssl are
 * Debian's (scripts/install-deps.sh); without them the section says so and
 * is skipped. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const int client_counts[] = {1, 8, 64};
static const int windows[] = {1, 32};

#define MAX_RUNS 64
#define REDIS_MODE "Redis XADD, appendfsync always, TLS"
#define REDIS_SERVER "/usr/bin/redis-server"
#define REDIS_BENCHMARK "/usr/bin/redis-benchmark"
#define REDIS_CLI "/usr/bin/redis-cli"
#define OPENSSL "/usr/bin/openssl"

typedef struct {
  pid_t pid;
  char port[16];
  char dir[PATH_MAX];
  char cert[PATH_MAX + 16];
  char key[PATH_MAX + 16];
} redis_peer_t;

/* One redis-benchmark run's answer. */
typedef struct {
  double rps;
  double p99_ms;
} redis_result_t;

static int
make_certificate(redis_peer_t *peer)
{
  snprintf(peer->cert, sizeof peer->cert, "%s/redis.pem", peer->dir);
  snprintf(peer->key, sizeof peer->key, "%s/redis.key", peer->dir);
  char *argv[] = {OPENSSL,
                  "req",
                  "-x509",
                  "-newkey",
                  "ec",
                  "-pkeyopt",
                  "ec_paramgen_curve:prime256v1",
                  "-nodes",
                  "-subj",
                  "/CN=127.0.0.1",
                  "-addext",
                  "subjectAltName=IP:127.0.0.1",
                  "-days",
                  "2",
                  "-keyout",
                  peer->key,
                  "-out",
                  peer->cert,
                  NULL};
  double seconds;
  return bench_run_child(argv, "/dev/null", &seconds, NULL, NULL) == 0 ? 0 : -1;
}

static bool
redis_answers(const redis_peer_t *peer)
{
  char *argv[] = {REDIS_CLI,          "--tls", "--cacert", (char *)peer->cert, "-h", "127.0.0.1", "-p",
                  (char *)peer->port, "ping",  NULL};
  double seconds;
  return bench_run_child(argv, "/dev/null", &seconds, NULL, NULL) == 0;
}

static void
redis_stop(redis_peer_t *peer)
{
  if (peer->pid <= 0)
    return;
  kill(peer->pid, SIGTERM);
  waitpid(peer->pid, NULL, 0);
  peer->pid = 0;
}

/* A port the kernel says is free now (bound to 0, then let go). */
static int
free_loopback_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

/* A fresh Redis on a free loopback port, TLS only, every write fsynced. */
static int
redis_start(bench_env_t *env, redis_peer_t *peer)
{
  snprintf(peer->dir, sizeof peer->dir, "%s/redis", env->root);
  if (mkdir(peer->dir, 0700) != 0 && errno != EEXIST)
    return -1;
  if (make_certificate(peer) != 0) {
    fprintf(stderr, "peers: openssl could not make a certificate for Redis\n");
    return -1;
  }
  int port = free_loopback_port();
  if (port <= 0)
    return -1;
  snprintf(peer->port, sizeof peer->port, "%d", port);
  peer->pid = fork();
  if (peer->pid < 0)
    return -1;
  if (peer->pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(REDIS_SERVER, REDIS_SERVER, "--port", "0", "--tls-port", peer->port, "--tls-cert-file", peer->cert,
          "--tls-key-file", peer->key, "--tls-ca-cert-file", peer->cert, "--tls-auth-clients", "no", "--dir",
          peer->dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--bind", "127.0.0.1",
          (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 100; i++) {
    if (redis_answers(peer))
      return 0;
    usleep(50000);
  }
  fprintf(stderr, "peers: redis-server did not answer on port %s\n", peer->port);
  redis_stop(peer);
  return -1;
}

/* The value of the index-th quoted field of a CSV line, or -1. */
static double
csv_field(const char *line, int index)
{
  const char *p = line;
  for (int i = 0; i < index; i++) {
    p = strstr(p, "\",\"");
    if (!p)
      return -1;
    p += 3;
  }
  return atof(p);
}

/* redis-benchmark --csv prints a header and one line: "test","rps",
 * "avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
 * "p99_latency_ms","max_latency_ms". */
static int
read_result(const char *path, redis_result_t *result)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char line[4096];
  int rc = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "\"XADD", 5) == 0) {
      result->rps = csv_field(line, 1);
      result->p99_ms = csv_field(line, 6);
      rc = result->rps > 0 ? 0 : -1;
    }
  fclose(f);
  return rc;
}

static int
redis_run(bench_env_t *env, const redis_peer_t *peer, int clients, int window, long requests,
          redis_result_t *result)
{
  /* The report: a field and a value of 210 bytes, about the size of
   * duban's packed progress report; __rand_int__ varies it per request. */
  char value[211];
  memset(value, 'x', 198);
  memcpy(value + 198, "__rand_int__", 12);
  value[210] = '\0';
  char c[16], p[16], n[24], out[PATH_MAX + 16];
  snprintf(c, sizeof c, "%d", clients);
  snprintf(p, sizeof p, "%d", window);
  snprintf(n, sizeof n, "%ld", requests);
  snprintf(out, sizeof out, "%s/redis-benchmark.csv", env->root);
  char *argv[] = {REDIS_BENCHMARK,
                  "--tls",
                  "--cacert",
                  (char *)peer->cert,
                  "-h",
                  "127.0.0.1",
                  "-p",
                  (char *)peer->port,
                  "-c",
                  c,
                  "-P",
                  p,
                  "-n",
                  n,
                  "-r",
                  "1000000",
                  "--csv",
                  "XADD",
                  "duban-bench",
                  "*",
                  "report",
                  value,
                  NULL};
  double seconds;
  if (bench_run_child(argv, out, &seconds, NULL, NULL) != 0)
    return -1;
  return read_result(out, result);
}

static void
redis_row(char *out, size_t len, int clients, int window)
{
  snprintf(out, len, "%s, %d client%s, W=%d", REDIS_MODE, clients, clients == 1 ? "" : "s", window);
}

/* The Redis cells: a short calibration run, then runs sized to last
 * about options->run_seconds each. */
static int
measure_redis(bench_env_t *env, const bench_options_t *options, const redis_peer_t *peer,
              bench_report_t *report)
{
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  for (size_t a = 0; a < sizeof client_counts / sizeof client_counts[0]; a++)
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
      int clients = client_counts[a], window = windows[w];
      redis_result_t first;
      if (redis_run(env, peer, clients, window, (long)clients * window * 8 + 200, &first) != 0) {
        fprintf(stderr, "peers: redis-benchmark failed at %d clients, W=%d\n", clients, window);
        return -1;
      }
      double rate[MAX_RUNS], p99[MAX_RUNS];
      for (int r = 0; r < runs; r++) {
        redis_result_t result;
        long requests = (long)(first.rps * options->run_seconds) + (long)clients * window;
        if (redis_run(env, peer, clients, window, requests, &result) != 0)
          return -1;
        rate[r] = result.rps;
        p99[r] = result.p99_ms;
      }
      char row[128];
      redis_row(row, sizeof row, clients, window);
      fprintf(stderr, "peers: %-52s %9.0f acks/s p99 %.2f ms\n", row, bench_figure_of(rate, runs).median,
              bench_figure_of(p99, runs).median);
      bench_report_figure(report, "peers", row, "acks/s", "", bench_figure_of(rate, runs));
      bench_report_figure(report, "peers", row, "p99", "ms", bench_figure_of(p99, runs));
    }
  return 0;
}

/* Each duban group-commit cell beside the same Redis cell. */
static void
compare_cells(bench_report_t *report)
{
  for (size_t a = 0; a < sizeof client_counts / sizeof client_counts[0]; a++)
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
      char duban_row[128], redis[128], row[64];
      bench_ingest_row(duban_row, sizeof duban_row, "group commit", client_counts[a], windows[w]);
      redis_row(redis, sizeof redis, client_counts[a], windows[w]);
      bench_figure_t duban_rate, redis_rate, duban_p99, redis_p99;
      if (!bench_report_get(report, "ingest", duban_row, "acks/s", &duban_rate) ||
          !bench_report_get(report, "peers", redis, "acks/s", &redis_rate) ||
          !bench_report_get(report, "ingest", duban_row, "p99", &duban_p99) ||
          !bench_report_get(report, "peers", redis, "p99", &redis_p99) || redis_rate.median <= 0)
        continue;
      snprintf(row, sizeof row, "%d client%s x W=%d: duban / Redis", client_counts[a],
               client_counts[a] == 1 ? "" : "s", windows[w]);
      double ratio = duban_rate.median / redis_rate.median;
      bench_report_figure(report, "peers side by side", row, "duban acks/s", "", duban_rate);
      bench_report_figure(report, "peers side by side", row, "Redis acks/s", "", redis_rate);
      bench_report_figure(report, "peers side by side", row, "ratio", "", bench_figure_of(&ratio, 1));
      bench_report_figure(report, "peers side by side", row, "duban p99", "ms", duban_p99);
      bench_report_figure(report, "peers side by side", row, "Redis p99", "ms", redis_p99);
    }
}

int
bench_peers(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  if (access(REDIS_SERVER, X_OK) != 0 || access(REDIS_BENCHMARK, X_OK) != 0 || access(OPENSSL, X_OK) != 0) {
    fprintf(stderr, "peers: redis-server, redis-benchmark or openssl is missing "
                    "(scripts/install-deps.sh installs them); the comparison is skipped\n");
    return -1;
  }
  redis_peer_t peer = {0};
  if (redis_start(env, &peer) != 0)
    return -1;
  int rc = measure_redis(env, options, &peer, report);
  redis_stop(&peer);
  if (rc == 0)
    compare_cells(report);
  return rc;
}
