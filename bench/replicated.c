/* replicated.c: the replicated mode's figures (docs/replication.md), beside
 * the single node's, measured in the same run on the same machine.
 *
 * The section starts everything itself: three etcd members on loopback
 * (the `etcd` found on PATH; Debian's etcd-server), two duban-broker in
 * replicated mode on them (b1 leads, b2 follows and applies every batch),
 * and, just before, one single-node broker. Then:
 *   - the ingest cells (bench_ingest_cell) at 8 and 64 agents, W=1 and
 *     W=32, against the single node and against the leader b1 (the
 *     follower runs on the same cores, as it would in a deployment);
 *   - failover, `--rounds` times (default 10): kill -9 of the leader, then
 *     the time until a write sent through both addresses, by a client as
 *     agents have it (agents/client.h: it follows the leader hint, leaves a
 *     broker that has no connection, resends under the same request id),
 *     is acknowledged by the new leader. Nothing else writes meanwhile.
 *     The killed broker is started again on its log and follows.
 * Without etcd installed the section is skipped with a note. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "etcd.h"
#include "writer.h"

#define MEMBERS 3
/* The brokers' lease: the default of duban-broker, what a deployment gets. */
#define LEASE_SECONDS "3"
#define MAX_ROUNDS 100

typedef struct {
  pid_t pids[MEMBERS];
  char endpoints[256]; /* "http://127.0.0.1:P1,..." for --etcd */
} cluster_t;

static const int agent_counts[] = {8, 64};
static const int windows[] = {1, 32};

static bool
etcd_installed(void)
{
  const char *path = getenv("PATH");
  char copy[4096], file[4200];
  snprintf(copy, sizeof copy, "%s", path ? path : "/usr/bin:/bin");
  for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    snprintf(file, sizeof file, "%s/etcd", dir);
    if (access(file, X_OK) == 0)
      return true;
  }
  return false;
}

static pid_t
start_member(const bench_env_t *env, int i, const int client[MEMBERS], const int peer[MEMBERS])
{
  char name[16], data[PATH_MAX], log[PATH_MAX], listen_client[64], listen_peer[64], cluster[256] = "";
  snprintf(name, sizeof name, "m%d", i + 1);
  snprintf(data, sizeof data, "%s/etcd-%d", env->root, i + 1);
  snprintf(log, sizeof log, "%s/etcd-%d.log", env->root, i + 1);
  snprintf(listen_client, sizeof listen_client, "http://127.0.0.1:%d", client[i]);
  snprintf(listen_peer, sizeof listen_peer, "http://127.0.0.1:%d", peer[i]);
  for (int j = 0; j < MEMBERS; j++)
    snprintf(cluster + strlen(cluster), sizeof cluster - strlen(cluster), "%sm%d=http://127.0.0.1:%d",
             j ? "," : "", j + 1, peer[j]);
  const char *argv[] = {"etcd",        "--name",
                        name,          "--data-dir",
                        data,          "--listen-client-urls",
                        listen_client, "--advertise-client-urls",
                        listen_client, "--listen-peer-urls",
                        listen_peer,   "--initial-advertise-peer-urls",
                        listen_peer,   "--initial-cluster",
                        cluster,       "--initial-cluster-state",
                        "new",         "--max-request-bytes",
                        "8388608",     "--logger",
                        "zap",         "--log-level",
                        "error",       NULL};
  pid_t pid = fork();
  if (pid == 0) {
    FILE *out = freopen(log, "a", stderr);
    (void)out;
    dup2(2, 1);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  return pid;
}

static void
stop_cluster(cluster_t *cluster)
{
  for (int i = 0; i < MEMBERS; i++)
    if (cluster->pids[i] > 0) {
      kill(cluster->pids[i], SIGTERM);
      waitpid(cluster->pids[i], NULL, 0);
      cluster->pids[i] = 0;
    }
}

/* Three members, and wait until they answer a read (they have a quorum). */
static int
start_cluster(const bench_env_t *env, cluster_t *cluster)
{
  int client[MEMBERS], peer[MEMBERS];
  memset(cluster, 0, sizeof *cluster);
  for (int i = 0; i < MEMBERS; i++) {
    client[i] = bench_free_port();
    peer[i] = bench_free_port();
    snprintf(cluster->endpoints + strlen(cluster->endpoints),
             sizeof cluster->endpoints - strlen(cluster->endpoints), "%shttp://127.0.0.1:%d", i ? "," : "",
             client[i]);
  }
  for (int i = 0; i < MEMBERS; i++)
    if ((cluster->pids[i] = start_member(env, i, client, peer)) < 0)
      return -1;
  dbn_etcd_t *etcd;
  char why[256];
  if (dbn_etcd_new(&etcd, cluster->endpoints, 1000, why, sizeof why) != 0)
    return -1;
  int rc = -1;
  for (double start = bench_now(); rc != 0 && bench_now() - start < 30; usleep(200000)) {
    dbn_etcd_range_t range;
    if (dbn_etcd_range(etcd, "/", 1, NULL, 0, 1, &range) == 0) {
      dbn_etcd_range_clear(&range);
      rc = 0;
    }
  }
  dbn_etcd_destroy(&etcd);
  if (rc)
    fprintf(stderr, "replicated: etcd did not answer within 30 s (see %s/etcd-*.log)\n", env->root);
  return rc;
}

/* ---- the cells ---- */

static int
measure_cells(bench_env_t *env, const bench_options_t *options, bench_report_t *report,
              const bench_broker_t *broker, const char *mode)
{
  bench_writers_t *writers = bench_writers_new(env, broker, 64);
  if (!writers)
    return -1;
  for (size_t a = 0; a < sizeof agent_counts / sizeof agent_counts[0]; a++)
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
      char row[128];
      bench_ingest_row(row, sizeof row, mode, agent_counts[a], windows[w]);
      bench_ingest_cell(writers, options, report, "replicated", row, agent_counts[a], windows[w], NULL, 0);
    }
  bench_writers_destroy(&writers);
  return 0;
}

static int
single_node_cells(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  bench_broker_t broker;
  if (bench_broker_start(env, &broker, "replicated-single", NULL) != 0)
    return -1;
  int rc = measure_cells(env, options, report, &broker, "single node");
  bench_broker_stop(&broker);
  return rc;
}

/* ---- failover ---- */

typedef struct {
  bench_broker_t brokers[2];
  const char *flags[2][9]; /* each broker's replicated-mode flags */
  char names[2][16];       /* data folder names */
  dbn_etcd_t *etcd;        /* to read who leads */
  dbn_client_t *probe;     /* unit B0000, given both addresses */
  unsigned writes;         /* progress reports the probe has sent */
} pair_t;

/* Index of the broker whose endpoint PREFIX/leader names, or -1. */
static int
leader_of(pair_t *pair)
{
  dbn_etcd_range_t range;
  const char *key = "/duban/leader";
  if (dbn_etcd_range(pair->etcd, key, strlen(key), NULL, 0, 1, &range) != 0)
    return -1;
  int found = -1;
  for (int i = 0; i < 2 && range.count == 1; i++) {
    size_t len = strlen(pair->brokers[i].endpoint);
    if (range.kvs[0].value_len > len && memcmp(range.kvs[0].value, pair->brokers[i].endpoint, len) == 0 &&
        range.kvs[0].value[len] == ' ')
      found = i;
  }
  dbn_etcd_range_clear(&range);
  return found;
}

/* One progress report through both addresses; true when acknowledged. */
static bool
probe_write(pair_t *pair)
{
  Duban__Request req;
  Duban__Progress progress;
  Duban__Figure figure, *figures[1];
  char id[33], task[64];
  bench_unit_task(0, task, sizeof task);
  bench_fill_progress(&req, &progress, &figure, figures, task, id, ++pair->writes);
  Duban__Reply *reply = NULL;
  bool ok = dbn_client_call(pair->probe, &req, &reply) == 0 && reply->code == DUBAN__CODE__CODE_OK;
  dbn_wire_reply_free(&reply);
  return ok;
}

/* The leader once it acknowledges a write through both addresses, or -1
 * after 30 s. */
static int
serving_leader(pair_t *pair)
{
  for (double start = bench_now(); bench_now() - start < 30; usleep(100000)) {
    int leader = leader_of(pair);
    if (leader >= 0 && probe_write(pair))
      return leader;
  }
  return -1;
}

/* Kill the leader, time the first acknowledgement after it, start the
 * killed broker again. The milliseconds, or -1. */
static double
failover_round(bench_env_t *env, pair_t *pair, int round)
{
  int leader = serving_leader(pair);
  if (leader < 0)
    return -1;
  bench_broker_t *dead = &pair->brokers[leader];
  kill(dead->pid, SIGKILL);
  waitpid(dead->pid, NULL, 0);
  dead->pid = 0;
  double killed = bench_now(), ms = -1;
  while (ms < 0 && bench_now() - killed < 60)
    if (probe_write(pair))
      ms = (bench_now() - killed) * 1e3;
  fprintf(stderr, "replicated: round %d: killed leader b%d; a write acknowledged after %.0f ms\n", round,
          leader + 1, ms);
  if (bench_broker_spawn(env, dead, pair->names[leader], pair->flags[leader]) != 0)
    return -1;
  return ms;
}

static int
open_probe(bench_env_t *env, pair_t *pair)
{
  char list[200], server[PATH_MAX + 16], client[PATH_MAX + 32];
  snprintf(list, sizeof list, "%s,%s", pair->brokers[0].endpoint, pair->brokers[1].endpoint);
  snprintf(server, sizeof server, "%s/broker.key", env->keys);
  snprintf(client, sizeof client, "%s/unit-B0000.key", env->keys);
  dbn_client_options_t options = {
      .endpoint = list, .server_cert = server, .client_cert = client, .timeout_ms = 30000};
  return dbn_client_new(&pair->probe, &options) == 0 ? 0 : -1;
}

static int
failover_rounds(bench_env_t *env, const bench_options_t *options, bench_report_t *report, pair_t *pair)
{
  int rounds = options->rounds < MAX_ROUNDS ? options->rounds : MAX_ROUNDS;
  double ms[MAX_ROUNDS];
  if (open_probe(env, pair) != 0)
    return -1;
  for (int r = 0; r < rounds; r++)
    if ((ms[r] = failover_round(env, pair, r + 1)) < 0) {
      fprintf(stderr, "replicated: round %d failed (see %s/broker-replicated-b*.log)\n", r + 1, env->root);
      return -1;
    }
  char row[128];
  snprintf(row, sizeof row, "kill -9 of the leader to a new leader's ack (lease %s s), %d rounds",
           LEASE_SECONDS, rounds);
  bench_figure_t figure = bench_figure_of(ms, rounds);
  fprintf(stderr, "replicated: failover median %.0f ms, max %.0f ms over %d rounds\n", figure.median,
          figure.max, rounds);
  bench_report_figure(report, "replicated", row, "failover", "ms", figure);
  return 0;
}

/* b1 (started first, so it leads) and b2, then the cells on b1 and the
 * failover rounds. */
static int
replicated_pair(bench_env_t *env, const bench_options_t *options, bench_report_t *report,
                const cluster_t *cluster)
{
  pair_t pair = {0};
  char why[256];
  if (dbn_etcd_new(&pair.etcd, cluster->endpoints, 1000, why, sizeof why) != 0)
    return -1;
  for (int i = 0; i < 2; i++) {
    snprintf(pair.names[i], sizeof pair.names[i], "replicated-b%d", i + 1);
    const char *flags[] = {"--etcd",          cluster->endpoints, "--node", i ? "b2" : "b1",
                           "--lease-seconds", LEASE_SECONDS,      NULL};
    memcpy(pair.flags[i], flags, sizeof flags);
  }
  int rc = bench_broker_start(env, &pair.brokers[0], pair.names[0], pair.flags[0]);
  if (rc == 0)
    rc = bench_broker_spawn(env, &pair.brokers[1], pair.names[1], pair.flags[1]);
  if (rc == 0)
    rc = measure_cells(env, options, report, &pair.brokers[0], "replicated (etcd x3, 2 brokers)");
  if (rc == 0)
    rc = failover_rounds(env, options, report, &pair);
  dbn_client_destroy(&pair.probe);
  for (int i = 0; i < 2; i++)
    bench_broker_stop(&pair.brokers[i]);
  dbn_etcd_destroy(&pair.etcd);
  return rc;
}

int
bench_replicated(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  if (!etcd_installed()) {
    fprintf(stderr, "replicated: skipped: etcd is not installed (Debian: apt-get install etcd-server)\n");
    bench_report_text(report, "replicated", "replicated mode", "note", "skipped: etcd is not installed");
    return 0;
  }
  if (single_node_cells(env, options, report) != 0)
    return -1;
  cluster_t cluster;
  int rc = start_cluster(env, &cluster);
  if (rc == 0)
    rc = replicated_pair(env, options, report, &cluster);
  stop_cluster(&cluster);
  return rc;
}
