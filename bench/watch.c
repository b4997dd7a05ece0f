/* watch.c: fan-out to coordinators' screens: 100 watchers follow the event
 * stream while 8 agents write.
 *
 * Figures: the writers' acknowledged reports per second without watchers
 * and with them (how much fan-out slows ingest), and the delay from a
 * report's acknowledgement at its writer to its arrival at each watcher.
 * Writers and watchers are threads of this process reading one monotonic
 * clock: writers stamp the acknowledgement time of each sequence number,
 * watchers note when each sequence number reached them, and the delays are
 * worked out after the run. The broker answers the writers of a batch and
 * then pumps the watchers in the same loop turn, so a watcher may see an
 * event before its writer has read the acknowledgement; such a delay counts
 * as 0.
 *
 * Watchers do not decode the events they get (100 watchers decoding every
 * event would measure this process, not the broker): they walk the
 * protobuf wire format just far enough to read each event's seq. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "wire.h"
#include "writer.h"

#define WATCHERS 100
#define WATCH_THREADS 4
#define WRITERS 8
#define WINDOW 32
#define MAX_RUNS 64

struct arrival {
  uint64_t seq;
  double at;
};

struct watch_thread {
  void **sockets; /* borrowed; this thread's share, used only by it during a run */
  int count;
  atomic_bool *stop;
  struct arrival *arrivals; /* owned, grown */
  size_t n_arrivals, cap_arrivals;
  uint64_t deliveries;
};

static bool
read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
  uint64_t v = 0;
  for (int shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* Skip a field of wire type `type`; false when malformed. */
static bool
skip_field(const uint8_t **p, const uint8_t *end, unsigned type)
{
  uint64_t v;
  switch (type) {
  case 0: return read_varint(p, end, &v);
  case 1: *p += 8; return *p <= end;
  case 2:
    if (!read_varint(p, end, &v) || v > (uint64_t)(end - *p))
      return false;
    *p += v;
    return true;
  case 5: *p += 4; return *p <= end;
  default: return false;
  }
}

/* Call back for the seq of every event (Reply field 13, Event field 2). */
static void
scan_delivery(struct watch_thread *t, const uint8_t *p, const uint8_t *end, double at)
{
  while (p < end) {
    uint64_t tag, len;
    if (!read_varint(&p, end, &tag))
      return;
    if (tag >> 3 != 13 || (tag & 7) != 2) {
      if (!skip_field(&p, end, (unsigned)(tag & 7)))
        return;
      continue;
    }
    if (!read_varint(&p, end, &len) || len > (uint64_t)(end - p))
      return;
    const uint8_t *event = p, *event_end = p + len;
    p = event_end;
    while (event < event_end) {
      uint64_t etag, seq;
      if (!read_varint(&event, event_end, &etag))
        break;
      if (etag == (2u << 3 | 0)) {
        if (read_varint(&event, event_end, &seq)) {
          if (t->n_arrivals == t->cap_arrivals) {
            size_t cap = t->cap_arrivals ? t->cap_arrivals * 2 : 65536;
            struct arrival *grown = realloc(t->arrivals, cap * sizeof *grown);
            if (!grown)
              return;
            t->arrivals = grown;
            t->cap_arrivals = cap;
          }
          t->arrivals[t->n_arrivals++] = (struct arrival){seq, at};
        }
        break;
      }
      if (!skip_field(&event, event_end, (unsigned)(etag & 7)))
        break;
    }
  }
}

static void *
watch_thread(void *arg)
{
  struct watch_thread *t = arg;
  zmq_pollitem_t items[WATCHERS];
  for (int i = 0; i < t->count; i++)
    items[i] = (zmq_pollitem_t){.socket = t->sockets[i], .events = ZMQ_POLLIN};
  while (!atomic_load(t->stop)) {
    if (zmq_poll(items, t->count, 50) <= 0)
      continue;
    double at = bench_now();
    for (int i = 0; i < t->count; i++) {
      if (!(items[i].revents & ZMQ_POLLIN))
        continue;
      zmq_msg_t msg;
      zmq_msg_init(&msg);
      while (zmq_msg_recv(&msg, t->sockets[i], ZMQ_DONTWAIT) >= 0) {
        const uint8_t *data = zmq_msg_data(&msg);
        scan_delivery(t, data, data + zmq_msg_size(&msg), at);
        t->deliveries++;
      }
      zmq_msg_close(&msg);
    }
  }
  return NULL;
}

/* Subscribe every watcher from the current head. */
static int
subscribe(void **sockets, int n, uint64_t after_seq)
{
  for (int i = 0; i < n; i++) {
    Duban__Request req = DUBAN__REQUEST__INIT;
    Duban__Watch watch = DUBAN__WATCH__INIT;
    char id[33];
    dbn_wire_new_request_id(id);
    watch.after_seq = after_seq;
    req.request_id = id;
    req.body_case = DUBAN__REQUEST__BODY_WATCH;
    req.watch = &watch;
    Duban__Reply *reply;
    if (bench_conn_call(sockets[i], &req, &reply, 10000) != 0) {
      fprintf(stderr, "duban-bench: watcher %d: no answer to watch\n", i);
      return -1;
    }
    bool ok = reply->code == DUBAN__CODE__CODE_OK;
    if (!ok)
      fprintf(stderr, "duban-bench: watcher %d: watch refused: %s\n", i, reply->message);
    dbn_wire_reply_free(&reply);
    if (!ok)
      return -1;
  }
  return 0;
}

static uint64_t
head_seq(void *socket)
{
  bench_ping_t ping;
  bench_ping_init(&ping);
  Duban__Reply *reply;
  if (bench_conn_call(socket, &ping.req, &reply, 10000) != 0)
    return 0;
  uint64_t head = reply->head_seq;
  dbn_wire_reply_free(&reply);
  return head;
}

int
bench_watch(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  bench_broker_t broker;
  if (bench_broker_start(env, &broker, "watch", NULL) != 0)
    return -1;
  bench_writers_t *writers = bench_writers_new(env, &broker, WRITERS);
  if (!writers) {
    bench_broker_stop(&broker);
    return -1;
  }
  double alone[MAX_RUNS], together[MAX_RUNS], p50[MAX_RUNS], p99[MAX_RUNS], fanout[MAX_RUNS];
  for (int r = 0; r < runs; r++) {
    bench_writers_result_t result;
    bench_writers_run(writers, WRITERS, WINDOW, options->run_seconds, NULL, &result);
    alone[r] = result.acks_per_second;
    bench_samples_free(&result.latency);
  }

  void *sockets[WATCHERS];
  int opened = 0, rc = 0;
  for (; opened < WATCHERS; opened++) {
    char identity[32];
    snprintf(identity, sizeof identity, "coordinator:w%03d", opened);
    if (!(sockets[opened] = bench_conn_open(env, broker.endpoint, identity))) {
      rc = -1;
      break;
    }
  }
  if (rc == 0)
    rc = subscribe(sockets, WATCHERS, head_seq(sockets[0]));

  bench_ack_stamps_t stamps = {0};
  stamps.capacity = (size_t)(bench_figure_of(alone, runs).max * options->run_seconds * 2) + 100000;
  stamps.stamps = calloc(stamps.capacity, sizeof *stamps.stamps);
  for (int r = 0; rc == 0 && r < runs; r++) {
    for (size_t i = 0; i < stamps.capacity; i++)
      atomic_store_explicit(&stamps.stamps[i], 0, memory_order_relaxed);
    stamps.base = head_seq(sockets[0]) + 1;
    atomic_bool stop = false;
    struct watch_thread threads[WATCH_THREADS];
    pthread_t ids[WATCH_THREADS];
    for (int t = 0; t < WATCH_THREADS; t++) {
      int from = t * WATCHERS / WATCH_THREADS, to = (t + 1) * WATCHERS / WATCH_THREADS;
      threads[t] = (struct watch_thread){.sockets = &sockets[from], .count = to - from, .stop = &stop};
      pthread_create(&ids[t], NULL, watch_thread, &threads[t]);
    }
    bench_writers_result_t result;
    bench_writers_run(writers, WRITERS, WINDOW, options->run_seconds, &stamps, &result);
    together[r] = result.acks_per_second;
    bench_samples_free(&result.latency);
    /* Let the last deliveries arrive. */
    double settle = bench_now() + 0.3;
    while (bench_now() < settle)
      ;
    atomic_store(&stop, true);
    bench_samples_t delays = {0};
    uint64_t delivered = 0;
    for (int t = 0; t < WATCH_THREADS; t++) {
      pthread_join(ids[t], NULL);
      for (size_t i = 0; i < threads[t].n_arrivals; i++) {
        struct arrival *a = &threads[t].arrivals[i];
        if (a->seq < stamps.base || a->seq - stamps.base >= stamps.capacity)
          continue;
        int64_t acked = atomic_load_explicit(&stamps.stamps[a->seq - stamps.base], memory_order_relaxed);
        if (!acked)
          continue;
        double delay = a->at - (double)acked / 1e9;
        bench_samples_add(&delays, delay > 0 ? delay : 0);
        delivered++;
      }
      free(threads[t].arrivals);
    }
    p50[r] = bench_samples_quantile(&delays, 0.50) * 1e3;
    p99[r] = bench_samples_quantile(&delays, 0.99) * 1e3;
    fanout[r] = (double)delivered / options->run_seconds;
    bench_samples_free(&delays);
  }
  free(stamps.stamps);
  for (int i = 0; i < opened; i++)
    zmq_close(sockets[i]);
  bench_writers_destroy(&writers);
  bench_broker_stop(&broker);
  if (rc)
    return -1;

  char row_alone[96], row_watched[96];
  snprintf(row_alone, sizeof row_alone, "%d agents, W=%d, no watchers", WRITERS, WINDOW);
  snprintf(row_watched, sizeof row_watched, "%d agents, W=%d, %d watchers", WRITERS, WINDOW, WATCHERS);
  bench_figure_t a = bench_figure_of(alone, runs), w = bench_figure_of(together, runs);
  bench_report_figure(report, "watch", row_alone, "writer acks/s", "", a);
  bench_report_figure(report, "watch", row_watched, "writer acks/s", "", w);
  bench_report_figure(report, "watch", row_watched, "delivery p50", "ms", bench_figure_of(p50, runs));
  bench_report_figure(report, "watch", row_watched, "delivery p99", "ms", bench_figure_of(p99, runs));
  bench_report_figure(report, "watch", row_watched, "events delivered/s", "", bench_figure_of(fanout, runs));
  double slowdown[1] = {a.median > 0 ? (1 - w.median / a.median) * 100 : 0};
  bench_report_figure(report, "watch", row_watched, "writers slowed", "%", bench_figure_of(slowdown, 1));
  fprintf(stderr, "watch: writers %.0f acks/s alone, %.0f with %d watchers; delivery p99 %.2f ms\n", a.median,
          w.median, WATCHERS, bench_figure_of(p99, runs).median);
  return 0;
}
