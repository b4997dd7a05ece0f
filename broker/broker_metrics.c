/* broker_metrics.c: see broker_metrics.h.
 *
 * The request counters are created on first use and kept in a table by
 * request body and result code, so that answering a request costs one
 * table read and one atomic store, and the output lists only the pairs
 * that happened. Connected clients come from a ZeroMQ socket monitor on the
 * ROUTER (accepted minus disconnected), read without blocking every turn
 * of the loop. */
#include "broker_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#include "error.h"
#include "ladder.h"
#include "log.h"
#include "metrics.h"
#include "monotonic.h"
#include "request.h"
#include "wire.h"

#define BODY_SLOTS 64 /* request bodies are proto field numbers; higher ones are counted as "unknown" */
#define CODE_SLOTS 32
#define GAUGES_EVERY_MS 1000
#define CONNECTIONS_EVERY_MS 100

struct dbn_broker_metrics {
  dbn_metrics_t *registry;
  dbn_metrics_server_t *server;
  void *monitor;                                  /* PAIR: the ROUTER's connection events */
  dbn_metric_t *requests[BODY_SLOTS][CODE_SLOTS]; /* duban_broker_requests_total, by body and code */
  dbn_metric_t *batch_writes, *commit_seconds;    /* histograms */
  dbn_metric_t *syncs, *clients, *watchers;       /* a counter and gauges */
  dbn_metric_t *head_seq, *file_bytes, *map_bytes, *map_used_bytes, *map_max_bytes;
  dbn_metric_t *warnings_yellow, *warnings_red;     /* duban_broker_deadline_warnings_total */
  dbn_metric_t *escalations[DBN_LADDER_MAX_LEVELS]; /* duban_broker_open_escalations, by level */
  int64_t connected;                                /* accepted minus disconnected */
  int64_t gauges_ms;                                /* when the log's gauges were last read */
  int64_t connections_ms;                           /* when the connection events were last read */
  uint64_t gauges_head;                             /* the head they were read at */
  char data_file[1100];                             /* DATA/data.mdb */
};

static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
static const double commit_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                       0.05,   0.1,   0.25,   0.5,   1,    2.5};

static void
create_fixed(dbn_broker_metrics_t *m)
{
  dbn_metrics_t *r = m->registry;
  m->batch_writes = dbn_metrics_histogram(r, "duban_broker_batch_events", "一次组提交写入的事件数",
                                          batch_bounds, sizeof batch_bounds / sizeof batch_bounds[0], NULL);
  m->commit_seconds =
      dbn_metrics_histogram(r, "duban_broker_commit_seconds", "一次写事务提交（含落盘）的耗时（秒）",
                            commit_bounds, sizeof commit_bounds / sizeof commit_bounds[0], NULL);
  m->syncs = dbn_metrics_counter(r, "duban_broker_syncs_total", "事件日志的落盘（fsync）次数", NULL);
  m->clients = dbn_metrics_gauge(r, "duban_broker_connected_clients", "当前连接的客户端数", NULL);
  m->watchers = dbn_metrics_gauge(r, "duban_broker_watchers", "当前订阅事件流的客户端数", NULL);
  m->head_seq = dbn_metrics_gauge(r, "duban_broker_head_seq", "事件日志最后一个事件的序号", NULL);
  m->file_bytes = dbn_metrics_gauge(r, "duban_broker_log_file_bytes", "data.mdb 的文件大小（字节）", NULL);
  m->map_bytes = dbn_metrics_gauge(r, "duban_broker_map_bytes", "LMDB 映射的大小（字节）", NULL);
  m->map_used_bytes = dbn_metrics_gauge(r, "duban_broker_map_used_bytes", "LMDB 映射中已用的字节数", NULL);
  /* The map grows by itself when full; only a cap makes "full" mean refused writes. */
  m->map_max_bytes = dbn_metrics_gauge(r, "duban_broker_map_max_bytes",
                                       "映射的上限（--map-max，字节；0 为不设上限，随用随扩）", NULL);
  static const char warnings[] = "duban_broker_deadline_warnings_total";
  static const char warnings_help[] = "期限监控发出的预警数，按颜色";
  m->warnings_yellow = dbn_metrics_counter(r, warnings, warnings_help, "colour", "yellow", NULL);
  m->warnings_red = dbn_metrics_counter(r, warnings, warnings_help, "colour", "red", NULL);
  for (int level = 0; level < DBN_LADDER_MAX_LEVELS; level++) {
    char label[8];
    snprintf(label, sizeof label, "%d", level);
    m->escalations[level] =
        dbn_metrics_gauge(r, "duban_broker_open_escalations",
                          "未解决的督办事项数，按督办级别（0 为初始级别）", "level", label, NULL);
  }
}

int
dbn_broker_metrics_new(dbn_broker_metrics_t **metrics_p, const char *listen, void *zmq_ctx, void *router,
                       const char *data_dir, size_t map_max, char *why, size_t why_len)
{
  dbn_broker_metrics_t *m = calloc(1, sizeof *m);
  if (!m || dbn_metrics_new(&m->registry) != 0) {
    free(m);
    return DBN_ENOMEM;
  }
  snprintf(m->data_file, sizeof m->data_file, "%s/data.mdb", data_dir);
  create_fixed(m);
  dbn_metric_set(m->map_max_bytes, (double)map_max);
  static const char monitor_endpoint[] = "inproc://duban-broker-connections";
  if (zmq_socket_monitor(router, monitor_endpoint, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
      !(m->monitor = zmq_socket(zmq_ctx, ZMQ_PAIR)) || zmq_connect(m->monitor, monitor_endpoint) != 0) {
    snprintf(why, why_len, "cannot watch the broker's connections for --metrics: %s",
             zmq_strerror(zmq_errno()));
    dbn_broker_metrics_destroy(&m);
    return DBN_EIO;
  }
  int rc = dbn_metrics_server_new(&m->server, m->registry, listen);
  if (rc) {
    snprintf(why, why_len,
             rc == DBN_EINVAL
                 ? "--metrics %s：应为 数字地址:端口，如 127.0.0.1:9477 / expected a numeric "
                   "HOST:PORT such as 127.0.0.1:9477"
                 : "--metrics %s：无法监听（端口已被占用？） / cannot listen there (port in use?)",
             listen);
    dbn_broker_metrics_destroy(&m);
    return rc;
  }
  dbn_log(DBN_LOG_INFO, "broker", "Prometheus metrics on port %u (--metrics %s)",
          dbn_metrics_server_port(m->server), listen);
  *metrics_p = m;
  return 0;
}

void
dbn_broker_metrics_destroy(dbn_broker_metrics_t **metrics_p)
{
  if (!metrics_p || !*metrics_p)
    return;
  dbn_broker_metrics_t *m = *metrics_p;
  dbn_metrics_server_destroy(&m->server);
  if (m->monitor) {
    int linger = 0;
    zmq_setsockopt(m->monitor, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(m->monitor);
  }
  dbn_metrics_destroy(&m->registry);
  free(m);
  *metrics_p = NULL;
}

void
dbn_broker_metrics_request(dbn_broker_metrics_t *m, const Duban__Request *req, Duban__Code code)
{
  if (!m)
    return;
  unsigned body = req ? (unsigned)req->body_case : 0;
  unsigned slot_body = body < BODY_SLOTS ? body : 0, slot_code = (unsigned)code < CODE_SLOTS ? code : 0;
  dbn_metric_t **slot = &m->requests[slot_body][slot_code];
  if (!*slot)
    *slot =
        dbn_metrics_counter(m->registry, "duban_broker_requests_total", "按种类与结果码统计的请求数", "kind",
                            !req                ? "undecodable"
                            : body < BODY_SLOTS ? dbn_request_name(req->body_case)
                                                : "unknown",
                            "code", dbn_wire_code_name(code), NULL);
  dbn_metric_add(*slot, 1);
}

double
dbn_broker_metrics_clock(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
dbn_broker_metrics_commit(dbn_broker_metrics_t *m, int batch_events, double seconds)
{
  if (!m)
    return;
  if (batch_events > 0)
    dbn_metric_observe(m->batch_writes, batch_events);
  dbn_metric_observe(m->commit_seconds, seconds);
}

void
dbn_broker_metrics_syncs(dbn_broker_metrics_t *m, uint64_t syncs)
{
  if (m && syncs > 0)
    dbn_metric_add(m->syncs, syncs);
}

static int
count_warning(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  dbn_broker_metrics_t *m = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event) != 0)
    return 0;
  if (event->body_case == DUBAN__EVENT__BODY_DEADLINE_WARNING)
    dbn_metric_add(strcmp(event->deadline_warning->level, "red") == 0 ? m->warnings_red : m->warnings_yellow,
                   1);
  dbn_wire_event_free(&event);
  return 0;
}

void
dbn_broker_metrics_deadline(dbn_broker_metrics_t *m, dbn_store_t *store, uint64_t after_seq)
{
  dbn_store_txn_t *txn;
  if (!m || dbn_store_read_begin(store, &txn) != 0)
    return;
  dbn_store_events_foreach(txn, after_seq, 0, count_warning, m);
  dbn_store_abort(&txn);
}

/* Accepted and disconnected events since the last turn. */
static void
read_connection_events(dbn_broker_metrics_t *m)
{
  for (int i = 0; i < 1024; i++) {
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, m->monitor, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&frame);
      break;
    }
    uint16_t event = 0;
    if (zmq_msg_size(&frame) >= 2)
      memcpy(&event, zmq_msg_data(&frame), 2);
    bool more = zmq_msg_more(&frame);
    zmq_msg_close(&frame);
    while (more) { /* the endpoint frame */
      zmq_msg_init(&frame);
      more = zmq_msg_recv(&frame, m->monitor, 0) >= 0 && zmq_msg_more(&frame);
      zmq_msg_close(&frame);
    }
    m->connected += event == ZMQ_EVENT_ACCEPTED ? 1 : event == ZMQ_EVENT_DISCONNECTED ? -1 : 0;
  }
  dbn_metric_set(m->clients, (double)(m->connected > 0 ? m->connected : 0));
}

static void
read_open_escalations(dbn_broker_metrics_t *m, dbn_store_t *store)
{
  dbn_store_txn_t *txn;
  Duban__Escalation **open;
  size_t count;
  if (dbn_store_read_begin(store, &txn) != 0)
    return;
  if (dbn_store_escalations_list(txn, true, &open, &count) == 0) {
    size_t by_level[DBN_LADDER_MAX_LEVELS] = {0};
    for (size_t i = 0; i < count; i++)
      by_level[open[i]->level < DBN_LADDER_MAX_LEVELS ? open[i]->level : DBN_LADDER_MAX_LEVELS - 1]++;
    for (int level = 0; level < DBN_LADDER_MAX_LEVELS; level++)
      dbn_metric_set(m->escalations[level], (double)by_level[level]);
    dbn_store_escalations_free(open, count);
  }
  dbn_store_abort(&txn);
}

void
dbn_broker_metrics_tick(dbn_broker_metrics_t *m, dbn_store_t *store, dbn_event_stream_t *stream)
{
  if (!m)
    return;
  /* The loop turns once per batch: a busy broker reads its connection
   * events every CONNECTIONS_EVERY_MS, not every turn. */
  int64_t now_ms = dbn_monotonic_ms();
  if (m->connections_ms && now_ms - m->connections_ms < CONNECTIONS_EVERY_MS)
    return;
  m->connections_ms = now_ms;
  read_connection_events(m);
  dbn_metric_set(m->watchers, (double)dbn_event_stream_count(stream));
  if (m->gauges_ms && now_ms - m->gauges_ms < GAUGES_EVERY_MS)
    return;
  m->gauges_ms = now_ms;
  uint64_t head = 0;
  dbn_store_head(store, &head, NULL);
  dbn_metric_set(m->head_seq, (double)head);
  struct stat st;
  if (stat(m->data_file, &st) == 0)
    dbn_metric_set(m->file_bytes, (double)st.st_size);
  dbn_metric_set(m->map_bytes, (double)dbn_store_map_size(store));
  dbn_metric_set(m->map_used_bytes, (double)dbn_store_map_used(store));
  /* The open escalations change only with the log. */
  if (head != m->gauges_head || m->gauges_head == 0) {
    m->gauges_head = head;
    read_open_escalations(m, store);
  }
}
