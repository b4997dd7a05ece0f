/* writer.c: simulated departments writing progress reports; see writer.h.
 *
 * Requests are real Progress requests of about 200 bytes (a task id, a
 * percent, one figure and a note), each with a fresh random request id as
 * the agent's outbox would give it, so the broker's retry table grows the
 * way it does in service. Answers are matched to their slot by request id. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "wire.h"
#include "writer.h"

#define WINDOW_MAX 256
/* The ~140-character note that brings a packed report to ~200 bytes. */
#define NOTE                                                                                                 \
  "Weekly progress: 12 sites surveyed, 3 contracts signed, funds of 4.2 million yuan released; "             \
  "next step is tendering in the northern district."

struct writer {
  char identity[32]; /* unit:B0007 */
  char task[64];     /* the task it owns */
  void *socket;      /* owned; used by one thread at a time */

  bench_signer_t *signer; /* signs its reports when set (--signed) */
  /* one run */
  int window;
  double start, deadline;
  bench_ack_stamps_t *stamps;
  bench_writers_result_t result;
};

struct bench_writers {
  struct writer *writers; /* count of them */
  int count;
};

void
bench_fill_progress(Duban__Request *req, Duban__Progress *progress, Duban__Figure *figure,
                    Duban__Figure **figures, const char *task, char *id, unsigned counter)
{
  dbn_wire_new_request_id(id);
  *req = (Duban__Request)DUBAN__REQUEST__INIT;
  *progress = (Duban__Progress)DUBAN__PROGRESS__INIT;
  *figure = (Duban__Figure)DUBAN__FIGURE__INIT;
  figure->what = "事项";
  figure->unit_of_measure = "个"; /* the generated plan's target: 100个 事项 */
  figure->value = (double)(counter % 100);
  figures[0] = figure;
  progress->task = (char *)task;
  progress->percent = (int32_t)(counter % 101);
  progress->n_figures = 1;
  progress->figures = figures;
  progress->note = NOTE;
  req->request_id = id;
  req->body_case = DUBAN__REQUEST__BODY_PROGRESS;
  req->progress = progress;
}

size_t
bench_writers_report_size(void)
{
  Duban__Request req;
  Duban__Progress progress;
  Duban__Figure figure, *figures[1];
  char id[33];
  char task[64];
  bench_unit_task(7, task, sizeof task);
  bench_fill_progress(&req, &progress, &figure, figures, task, id, 50);
  req.version = DBN_PROTOCOL_VERSION;
  return duban__request__get_packed_size(&req);
}

bench_writers_t *
bench_writers_new(bench_env_t *env, const bench_broker_t *broker, int count)
{
  bench_writers_t *writers = calloc(1, sizeof *writers);
  writers->writers = calloc((size_t)count, sizeof *writers->writers);
  writers->count = count;
  for (int i = 0; i < count; i++) {
    struct writer *w = &writers->writers[i];
    bench_unit_identity(i, w->identity, sizeof w->identity);
    bench_unit_task(i, w->task, sizeof w->task);
    w->socket = bench_conn_open(env, broker->endpoint, w->identity);
    if (!w->socket) {
      bench_writers_destroy(&writers);
      return NULL;
    }
  }
  for (int i = 0; i < count; i++) {
    struct writer *w = &writers->writers[i];
    if (bench_conn_ping(w->socket, 10000) != 0) {
      fprintf(stderr, "duban-bench: %s could not reach the broker\n", w->identity);
      bench_writers_destroy(&writers);
      return NULL;
    }
    Duban__Request req = DUBAN__REQUEST__INIT;
    Duban__Claim claim = DUBAN__CLAIM__INIT;
    char id[33];
    dbn_wire_new_request_id(id);
    claim.task = w->task;
    req.request_id = id;
    req.body_case = DUBAN__REQUEST__BODY_CLAIM;
    req.claim = &claim;
    Duban__Reply *reply;
    if (bench_conn_call(w->socket, &req, &reply, 10000) != 0) {
      fprintf(stderr, "duban-bench: %s: no answer to claim\n", w->identity);
      bench_writers_destroy(&writers);
      return NULL;
    }
    /* Already claimed (a second set-up on the same log) is fine. */
    bool ok = reply->code == DUBAN__CODE__CODE_OK || reply->code == DUBAN__CODE__CODE_FAILED_PRECONDITION;
    if (!ok)
      fprintf(stderr, "duban-bench: %s: claim %s refused: %s\n", w->identity, w->task, reply->message);
    dbn_wire_reply_free(&reply);
    if (!ok) {
      bench_writers_destroy(&writers);
      return NULL;
    }
  }
  return writers;
}

const char *
bench_writer_identity(const bench_writers_t *writers, int i)
{
  return writers->writers[i].identity;
}

void
bench_writer_set_signer(bench_writers_t *writers, int i, bench_signer_t *signer)
{
  writers->writers[i].signer = signer;
}

void
bench_writers_destroy(bench_writers_t **writers_p)
{
  if (!writers_p || !*writers_p)
    return;
  bench_writers_t *writers = *writers_p;
  for (int i = 0; i < writers->count; i++)
    if (writers->writers[i].socket)
      zmq_close(writers->writers[i].socket);
  free(writers->writers);
  free(writers);
  *writers_p = NULL;
}

struct slot {
  char id[33]; /* request id in flight; "" = free */
  double sent; /* when it was sent */
};

static void *
writer_thread(void *arg)
{
  struct writer *w = arg;
  struct slot slots[WINDOW_MAX];
  memset(slots, 0, sizeof slots);
  int in_flight = 0;
  unsigned counter = 0;
  while (bench_now() < w->start) {
    struct timespec pause = {0, 200000};
    nanosleep(&pause, NULL);
  }
  /* After the window, wait this long at most for the last answers. */
  double drain_until = w->deadline + 30;
  for (;;) {
    double now = bench_now();
    if (now < w->deadline) {
      for (int s = 0; s < w->window; s++) {
        if (slots[s].id[0])
          continue;
        Duban__Request req;
        Duban__Progress progress;
        Duban__Figure figure, *figures[1];
        bench_fill_progress(&req, &progress, &figure, figures, w->task, slots[s].id, counter++);
        slots[s].sent = bench_now();
        if (w->signer)
          bench_signer_sign(w->signer, &req, w->identity);
        if (bench_conn_send(w->socket, &req) != 0) {
          slots[s].id[0] = '\0';
          break;
        }
        in_flight++;
      }
    }
    if (in_flight == 0 && now >= w->deadline)
      break;
    if (now > drain_until) {
      snprintf(w->result.first_error, sizeof w->result.first_error, "%d answers never came", in_flight);
      break;
    }
    int timeout = now < w->deadline ? (int)((w->deadline - now) * 1000) + 1 : 1000;
    Duban__Reply *reply;
    if (bench_conn_recv(w->socket, &reply, timeout) != 0)
      continue;
    double got = bench_now();
    for (int s = 0; s < w->window; s++) {
      if (!slots[s].id[0] || strcmp(slots[s].id, reply->request_id) != 0)
        continue;
      slots[s].id[0] = '\0';
      in_flight--;
      if (reply->code != DUBAN__CODE__CODE_OK) {
        if (w->result.errors++ == 0)
          snprintf(w->result.first_error, sizeof w->result.first_error, "%s: %s", w->identity,
                   reply->message);
      } else if (got <= w->deadline) {
        w->result.acks++;
        bench_samples_add(&w->result.latency, got - slots[s].sent);
      }
      bench_ack_stamps_t *stamps = w->stamps;
      if (stamps && reply->seq >= stamps->base && reply->seq - stamps->base < stamps->capacity)
        atomic_store_explicit(&stamps->stamps[reply->seq - stamps->base], (int64_t)(got * 1e9),
                              memory_order_relaxed);
      break;
    }
    dbn_wire_reply_free(&reply);
  }
  return NULL;
}

int
bench_writers_run(bench_writers_t *writers, int n, int window, double seconds, bench_ack_stamps_t *stamps,
                  bench_writers_result_t *result)
{
  memset(result, 0, sizeof *result);
  if (n > writers->count || window > WINDOW_MAX)
    return -1;
  pthread_t *threads = calloc((size_t)n, sizeof *threads);
  double start = bench_now() + 0.02;
  for (int i = 0; i < n; i++) {
    struct writer *w = &writers->writers[i];
    memset(&w->result, 0, sizeof w->result);
    w->window = window;
    w->start = start;
    w->deadline = start + seconds;
    w->stamps = stamps;
    pthread_create(&threads[i], NULL, writer_thread, w);
  }
  for (int i = 0; i < n; i++)
    pthread_join(threads[i], NULL);
  free(threads);
  for (int i = 0; i < n; i++) {
    struct writer *w = &writers->writers[i];
    result->acks += w->result.acks;
    result->errors += w->result.errors;
    bench_samples_merge(&result->latency, &w->result.latency);
    if (!result->first_error[0] && w->result.first_error[0])
      snprintf(result->first_error, sizeof result->first_error, "%s", w->result.first_error);
    bench_samples_free(&w->result.latency);
  }
  result->acks_per_second = (double)result->acks / seconds;
  return 0;
}
