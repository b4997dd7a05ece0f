/* agent_metrics.c: see agent_metrics.h.
 *
 * The outbox stores commands, not when they came, so the agent remembers
 * the time of each command it stored in this run (a ring of key and time,
 * in key order since keys increase). The oldest entry's age is then exact
 * for commands of this run; for one left from an earlier run (or past the
 * ring's size) it counts from when this run first saw it as the oldest,
 * which is a lower bound: enough for "stuck for more than N minutes". */
#include "agent_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "metrics.h"

#define PUT_TIMES 4096 /* remembered put times: past it, ages of newer entries are lower bounds */
#define TICK_MS 1000

struct put_time {
  uint64_t key;
  int64_t ms;
};

struct dbn_agent_metrics {
  dbn_metrics_t *registry;
  dbn_metrics_server_t *server;
  dbn_metric_t *depth, *oldest_age;
  struct put_time ring[PUT_TIMES]; /* [head, head + count) mod PUT_TIMES, increasing keys */
  size_t head, count;
  uint64_t oldest_key; /* the oldest entry at the last tick; 0 = none */
  int64_t oldest_since_ms;
  int64_t ticked_ms;
};

int
dbn_agent_metrics_new(dbn_agent_metrics_t **metrics_p, const char *listen)
{
  dbn_agent_metrics_t *m = calloc(1, sizeof *m);
  if (!m || dbn_metrics_new(&m->registry) != 0) {
    free(m);
    return DBN_ENOMEM;
  }
  m->depth = dbn_metrics_gauge(m->registry, "duban_agent_outbox_depth", "发件箱中待送达的命令数", NULL);
  m->oldest_age = dbn_metrics_gauge(m->registry, "duban_agent_outbox_oldest_age_seconds",
                                    "发件箱中最早一条待送达命令已等待的秒数（无则为 0）", NULL);
  int rc = dbn_metrics_server_new(&m->server, m->registry, listen);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "agent", "--metrics %s: %s", listen,
            rc == DBN_EINVAL ? "应为 数字地址:端口，如 127.0.0.1:9478 / expected a numeric HOST:PORT"
                             : "无法监听（端口已被占用？） / cannot listen there (port in use?)");
    dbn_agent_metrics_destroy(&m);
    return rc;
  }
  dbn_log(DBN_LOG_INFO, "agent", "Prometheus metrics on port %u (--metrics %s)",
          dbn_metrics_server_port(m->server), listen);
  *metrics_p = m;
  return 0;
}

void
dbn_agent_metrics_destroy(dbn_agent_metrics_t **metrics_p)
{
  if (!metrics_p || !*metrics_p)
    return;
  dbn_metrics_server_destroy(&(*metrics_p)->server);
  dbn_metrics_destroy(&(*metrics_p)->registry);
  free(*metrics_p);
  *metrics_p = NULL;
}

void
dbn_agent_metrics_put(dbn_agent_metrics_t *m, uint64_t key, int64_t now_ms)
{
  if (!m || m->count == PUT_TIMES)
    return;
  m->ring[(m->head + m->count) % PUT_TIMES] = (struct put_time){key, now_ms};
  m->count++;
}

/* When the entry under key was stored, if this run stored it; the ring
 * forgets every key before it (delivered, or refused and removed). */
static bool
put_time_of(dbn_agent_metrics_t *m, uint64_t key, int64_t *ms_p)
{
  while (m->count && m->ring[m->head].key < key) {
    m->head = (m->head + 1) % PUT_TIMES;
    m->count--;
  }
  if (!m->count || m->ring[m->head].key != key)
    return false;
  *ms_p = m->ring[m->head].ms;
  return true;
}

void
dbn_agent_metrics_tick(dbn_agent_metrics_t *m, dbn_outbox_t *outbox, int64_t now_ms)
{
  if (!m || (m->ticked_ms && now_ms - m->ticked_ms < TICK_MS))
    return;
  m->ticked_ms = now_ms;
  size_t depth = 0, got = 0;
  dbn_outbox_entry_t oldest;
  memset(&oldest, 0, sizeof oldest);
  if (dbn_outbox_count(outbox, &depth) != 0 || dbn_outbox_peek(outbox, 0, &oldest, 1, &got) != 0)
    return; /* the gauges keep their last values; the next tick tries again */
  dbn_metric_set(m->depth, (double)depth);
  if (!got) {
    m->oldest_key = 0;
    dbn_metric_set(m->oldest_age, 0);
    return;
  }
  int64_t since;
  if (!put_time_of(m, oldest.key, &since))
    since = oldest.key == m->oldest_key ? m->oldest_since_ms : now_ms;
  m->oldest_key = oldest.key;
  m->oldest_since_ms = since;
  dbn_outbox_entry_clear(&oldest);
  dbn_metric_set(m->oldest_age, (double)(now_ms - since) / 1000.0);
}
