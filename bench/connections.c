/* connections.c: the broker's cost of a connected, idle department.
 *
 * 1,000 agents, each with its own unit key, connect over CURVE and prove
 * it with a ping; the figures are the time until all 1,000 have been
 * answered (TCP, the CURVE handshake, the ZAP lookup of each key, the
 * first request) and the broker's resident memory (VmRSS) after, less its
 * memory before, per agent. A fresh broker per run, so one run's freed
 * memory kept by malloc does not hide the next run's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "wire.h"
#include "writer.h"

#define AGENTS 1000
#define MAX_RUNS 64

static void
pause_ms(int ms)
{
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

int
bench_connections(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  int agents = env->units < AGENTS ? env->units : AGENTS;
  double connect_s[MAX_RUNS], per_agent[MAX_RUNS], total_mib[MAX_RUNS];
  void **sockets = calloc((size_t)agents, sizeof *sockets);
  zmq_pollitem_t *items = calloc((size_t)agents, sizeof *items);
  bool *answered = calloc((size_t)agents, sizeof *answered);
  int rc = 0, done_runs = 0;
  for (int r = 0; r < runs && rc == 0; r++) {
    bench_broker_t broker;
    char name[32];
    snprintf(name, sizeof name, "connections-%d", r);
    if (bench_broker_start(env, &broker, name, NULL) != 0)
      return -1;
    pause_ms(200);
    long before = bench_rss_kib(broker.pid);

    double start = bench_now();
    int opened = 0;
    for (; opened < agents; opened++) {
      char identity[32];
      bench_unit_identity(opened, identity, sizeof identity);
      if (!(sockets[opened] = bench_conn_open(env, broker.endpoint, identity)))
        break;
      bench_ping_t ping;
      bench_ping_init(&ping);
      /* Queued by the DEALER until its handshake is done. */
      bench_conn_send(sockets[opened], &ping.req);
      items[opened] = (zmq_pollitem_t){.socket = sockets[opened], .events = ZMQ_POLLIN};
      answered[opened] = false;
    }
    int pending = opened;
    double deadline = start + 60;
    while (pending > 0 && bench_now() < deadline) {
      if (zmq_poll(items, opened, 100) <= 0)
        continue;
      for (int i = 0; i < opened; i++) {
        if (answered[i] || !(items[i].revents & ZMQ_POLLIN))
          continue;
        Duban__Reply *reply;
        if (bench_conn_recv(sockets[i], &reply, 0) == 0) {
          answered[i] = reply->code == DUBAN__CODE__CODE_OK;
          pending -= answered[i];
          dbn_wire_reply_free(&reply);
        }
      }
    }
    double elapsed = bench_now() - start;
    pause_ms(300);
    long after = bench_rss_kib(broker.pid);
    if (opened < agents || pending > 0) {
      fprintf(stderr, "duban-bench: connections: %d of %d agents answered (see %s)\n", opened - pending,
              agents, broker.log);
      rc = -1;
    } else {
      connect_s[done_runs] = elapsed;
      per_agent[done_runs] = (double)(after - before) / agents;
      total_mib[done_runs] = (double)after / 1024;
      fprintf(stderr, "connections: %d agents in %.2f s; broker %ld -> %ld KiB (%.1f KiB each)\n", agents,
              elapsed, before, after, per_agent[done_runs]);
      done_runs++;
    }
    for (int i = 0; i < opened; i++)
      zmq_close(sockets[i]);
    bench_broker_stop(&broker);
  }
  free(sockets);
  free(items);
  free(answered);
  if (done_runs == 0)
    return -1;
  char row[64];
  snprintf(row, sizeof row, "%d idle agents (CURVE, own keys)", agents);
  bench_report_figure(report, "connections", row, "connect+auth+ping all", "s",
                      bench_figure_of(connect_s, done_runs));
  bench_report_figure(report, "connections", row, "broker RSS", "MiB", bench_figure_of(total_mib, done_runs));
  bench_report_figure(report, "connections", row, "per agent", "KiB", bench_figure_of(per_agent, done_runs));
  return rc;
}
