/* test_agent.c: the department agent between a CLI client (ipc) and a
 * stand-in broker (a ROUTER over real tcp with CURVE, in its own thread),
 * with its real outbox in a temporary directory.
 *
 * The stand-in keeps a dedup table like the broker's and records every
 * request it sees, so the cases can check what matters to a department:
 * a command given while the broker is down is acknowledged as queued, then
 * applied once and in order when the broker comes; a read is answered
 * "unavailable" instead of hanging; a refusal reaches the CLI and is not
 * retried; an outbox left by a stopped agent is delivered by the next one;
 * and what the broker answered is not delivered again by the next one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <zmq.h>

#include "fixture_dir.h"
#include "monotonic.h"
#include "agent.h"
#include "client.h"
#include "outbox.h"
#include "wire.h"

#define MAX_SEEN 256

typedef struct {
  char dir[64];          /* temporary directory: keys, outbox, socket */
  char server_cert[128]; /* DIR/broker.key */
  char client_cert[128]; /* DIR/unit-test.key */
  char listen[160];      /* ipc://DIR/agent.sock */
  char data[128];        /* DIR/outbox */
  char endpoint[64];     /* tcp://127.0.0.1:PORT the broker will bind */
  uint8_t server_secret[32];

  /* the stand-in broker */
  pthread_t broker_thread;
  bool broker_running;
  atomic_bool broker_stop;
  pthread_mutex_t lock;    /* guards seen, seen_duplicate, seen_count */
  char seen[MAX_SEEN][64]; /* request ids in arrival order */
  bool seen_duplicate[MAX_SEEN];
  size_t seen_count;

  /* the agent */
  dbn_agent_t *agent;
  pthread_t agent_thread;
  bool agent_running;
  int stop_pipe[2];
} fixture_t;

/* ---- the stand-in broker ----------------------------------------------------- */

static void *
broker_run(void *arg)
{
  fixture_t *f = arg;
  void *context = zmq_ctx_new();
  void *router = zmq_socket(context, ZMQ_ROUTER);
  int on = 1, linger = 0;
  zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(router, ZMQ_CURVE_SERVER, &on, sizeof on);
  zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, f->server_secret, 32);
  /* zmq sets SO_REUSEADDR on listeners, so the port reserved in setup can
   * be bound again at once. */
  assert_int_equal(zmq_bind(router, f->endpoint), 0);
  uint64_t seq = 0;
  while (!atomic_load(&f->broker_stop)) {
    zmq_pollitem_t item = {.socket = router, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, 50) <= 0)
      continue;
    zmq_msg_t routing, body;
    zmq_msg_init(&routing);
    zmq_msg_init(&body);
    zmq_msg_recv(&routing, router, 0);
    zmq_msg_recv(&body, router, 0);
    Duban__Request *req = NULL;
    if (dbn_wire_request_unpack(zmq_msg_data(&body), zmq_msg_size(&body), &req) == 0) {
      Duban__Reply reply = DUBAN__REPLY__INIT;
      reply.version = DBN_PROTOCOL_VERSION;
      reply.request_id = req->request_id;
      bool write = req->body_case != DUBAN__REQUEST__BODY_PING;
      pthread_mutex_lock(&f->lock);
      bool duplicate = false;
      for (size_t i = 0; i < f->seen_count; i++)
        if (strcmp(f->seen[i], req->request_id) == 0)
          duplicate = true;
      if (write && f->seen_count < MAX_SEEN) {
        snprintf(f->seen[f->seen_count], sizeof f->seen[0], "%s", req->request_id);
        f->seen_duplicate[f->seen_count++] = duplicate;
      }
      pthread_mutex_unlock(&f->lock);
      reply.duplicate = duplicate;
      if (req->body_case == DUBAN__REQUEST__BODY_CLAIM && strcmp(req->claim->task, "plan:9.9.9") == 0) {
        reply.code = DUBAN__CODE__CODE_NOT_FOUND;
        reply.message = "no task 'plan:9.9.9'";
      } else if (write) {
        reply.seq = ++seq;
      }
      uint8_t *buf;
      size_t len;
      assert_int_equal(dbn_wire_pack(&reply.base, &buf, &len), 0);
      zmq_msg_send(&routing, router, ZMQ_SNDMORE);
      zmq_send(router, buf, len, 0);
      free(buf);
      dbn_wire_request_free(&req);
    }
    zmq_msg_close(&routing);
    zmq_msg_close(&body);
  }
  zmq_close(router);
  zmq_ctx_term(context);
  return NULL;
}

static void
broker_start(fixture_t *f)
{
  atomic_store(&f->broker_stop, false);
  assert_int_equal(pthread_create(&f->broker_thread, NULL, broker_run, f), 0);
  f->broker_running = true;
}

static void
broker_stop(fixture_t *f)
{
  if (!f->broker_running)
    return;
  atomic_store(&f->broker_stop, true);
  pthread_join(f->broker_thread, NULL);
  f->broker_running = false;
}

/* How many times the broker has seen request_id (first and repeats). */
static size_t
seen_times(fixture_t *f, const char *request_id)
{
  pthread_mutex_lock(&f->lock);
  size_t times = 0;
  for (size_t i = 0; i < f->seen_count; i++)
    if (strcmp(f->seen[i], request_id) == 0)
      times++;
  pthread_mutex_unlock(&f->lock);
  return times;
}

/* The position of request_id's first arrival, or -1. */
static int
first_seen(fixture_t *f, const char *request_id)
{
  pthread_mutex_lock(&f->lock);
  int at = -1;
  for (size_t i = 0; i < f->seen_count && at < 0; i++)
    if (strcmp(f->seen[i], request_id) == 0)
      at = (int)i;
  pthread_mutex_unlock(&f->lock);
  return at;
}

static bool
wait_seen(fixture_t *f, const char *request_id, int timeout_ms)
{
  int64_t deadline = dbn_monotonic_ms() + timeout_ms;
  while (dbn_monotonic_ms() < deadline) {
    if (seen_times(f, request_id) > 0)
      return true;
    usleep(20 * 1000);
  }
  return false;
}

/* ---- the agent ----------------------------------------------------------------- */

static void *
agent_run(void *arg)
{
  fixture_t *f = arg;
  assert_int_equal(dbn_agent_run(f->agent, f->stop_pipe[0]), 0);
  return NULL;
}

static void
agent_start(fixture_t *f)
{
  dbn_agent_options_t options = {
      .broker_endpoint = f->endpoint,
      .server_cert = f->server_cert,
      .client_cert = f->client_cert,
      .listen_endpoint = f->listen,
      .data_dir = f->data,
  };
  assert_int_equal(dbn_agent_new(&f->agent, &options), 0);
  assert_int_equal(pipe(f->stop_pipe), 0);
  /* The agent's sockets move to its thread here; pthread_create is the
   * barrier ZeroMQ asks for. */
  assert_int_equal(pthread_create(&f->agent_thread, NULL, agent_run, f), 0);
  f->agent_running = true;
}

static void
agent_stop(fixture_t *f)
{
  if (!f->agent_running)
    return;
  assert_int_equal(write(f->stop_pipe[1], "x", 1), 1);
  pthread_join(f->agent_thread, NULL);
  dbn_agent_destroy(&f->agent);
  close(f->stop_pipe[0]);
  close(f->stop_pipe[1]);
  f->agent_running = false;
}

/* ---- a CLI ------------------------------------------------------------------------ */

static Duban__Reply *
cli_call(fixture_t *f, Duban__Request *req)
{
  dbn_client_options_t options = {.endpoint = f->listen, .timeout_ms = 6000, .resend_ms = 700};
  dbn_client_t *client = NULL;
  assert_int_equal(dbn_client_new(&client, &options), 0);
  Duban__Reply *reply = NULL;
  assert_int_equal(dbn_client_call(client, req, &reply), 0);
  dbn_client_destroy(&client);
  return reply;
}

static Duban__Reply *
claim(fixture_t *f, const char *task, const char *request_id)
{
  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__Claim body = DUBAN__CLAIM__INIT;
  body.task = (char *)task;
  req.body_case = DUBAN__REQUEST__BODY_CLAIM;
  req.claim = &body;
  req.request_id = (char *)request_id;
  return cli_call(f, &req);
}

static Duban__Reply *
ping(fixture_t *f)
{
  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__Ping body = DUBAN__PING__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PING;
  req.ping = &body;
  return cli_call(f, &req);
}

/* Ping through the agent until the broker answers it (10 s at most): the
 * agent is connected. */
static void
wait_until_connected(fixture_t *f)
{
  int64_t deadline = dbn_monotonic_ms() + 10000;
  Duban__Reply *reply;
  do {
    reply = ping(f);
    if (reply->code == DUBAN__CODE__CODE_OK)
      break;
    dbn_wire_reply_free(&reply);
  } while (dbn_monotonic_ms() < deadline);
  assert_non_null(reply);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  dbn_wire_reply_free(&reply);
}

/* ---- fixture ---------------------------------------------------------------------- */

static int
setup(void **state)
{
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  pthread_mutex_init(&f->lock, NULL);
  fixture_temp_dir(f->dir, sizeof f->dir, "test-agent");
  snprintf(f->server_cert, sizeof f->server_cert, "%s/broker.key", f->dir);
  snprintf(f->client_cert, sizeof f->client_cert, "%s/unit-test.key", f->dir);
  snprintf(f->listen, sizeof f->listen, "ipc://%s/agent.sock", f->dir);
  snprintf(f->data, sizeof f->data, "%s/outbox", f->dir);
  zcert_t *server = zcert_new();
  zcert_t *client = zcert_new();
  assert_int_equal(zcert_save(server, f->server_cert), 0);
  assert_int_equal(zcert_save(client, f->client_cert), 0);
  memcpy(f->server_secret, zcert_secret_key(server), 32);
  zcert_destroy(&server);
  zcert_destroy(&client);

  /* Reserve a free port for the broker, which starts later in most cases:
   * the agent must be able to start while the broker is down. */
  void *context = zmq_ctx_new();
  void *probe = zmq_socket(context, ZMQ_ROUTER);
  int linger = 0;
  zmq_setsockopt(probe, ZMQ_LINGER, &linger, sizeof linger);
  assert_int_equal(zmq_bind(probe, "tcp://127.0.0.1:*"), 0);
  size_t len = sizeof f->endpoint;
  zmq_getsockopt(probe, ZMQ_LAST_ENDPOINT, f->endpoint, &len);
  zmq_close(probe);
  zmq_ctx_term(context);
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  fixture_t *f = *state;
  agent_stop(f);
  broker_stop(f);
  fixture_remove_dir(f->dir);
  pthread_mutex_destroy(&f->lock);
  free(f);
  return 0;
}

/* ---- cases -------------------------------------------------------------------------- */

static void
test_queued_then_delivered_once_in_order(void **state)
{
  fixture_t *f = *state;
  agent_start(f);
  int64_t start = dbn_monotonic_ms();
  Duban__Reply *reply = claim(f, "plan:1.1.1", "claim-first");
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  assert_true(reply->queued);
  assert_non_null(strstr(reply->message, "outbox"));
  assert_true(dbn_monotonic_ms() - start < 4000);
  dbn_wire_reply_free(&reply);
  reply = claim(f, "plan:1.1.2", "claim-second");
  assert_true(reply->queued);
  dbn_wire_reply_free(&reply);
  /* The CLI resends an id the outbox holds: stored once, still queued. */
  reply = claim(f, "plan:1.1.1", "claim-first");
  assert_true(reply->queued);
  dbn_wire_reply_free(&reply);

  broker_start(f);
  assert_true(wait_seen(f, "claim-second", 10000));
  usleep(1500 * 1000); /* time for any stray resend to show up */
  assert_true(first_seen(f, "claim-first") < first_seen(f, "claim-second"));
  pthread_mutex_lock(&f->lock);
  size_t applied = 0;
  for (size_t i = 0; i < f->seen_count; i++)
    applied += !f->seen_duplicate[i];
  pthread_mutex_unlock(&f->lock);
  assert_int_equal(applied, 2);

  /* With the broker up, a write gets the broker's own answer. */
  reply = claim(f, "plan:1.1.3", "claim-third");
  assert_false(reply->queued);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  assert_true(reply->seq > 0);
  dbn_wire_reply_free(&reply);
}

static void
test_read_unavailable_while_broker_down(void **state)
{
  fixture_t *f = *state;
  agent_start(f);
  Duban__Reply *reply = ping(f);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_UNAVAILABLE);
  assert_non_null(strstr(reply->message, f->endpoint));
  dbn_wire_reply_free(&reply);
  broker_start(f);
  wait_until_connected(f);
}

static void
test_refusal_reaches_cli_and_is_not_retried(void **state)
{
  fixture_t *f = *state;
  broker_start(f);
  agent_start(f);
  Duban__Reply *reply = claim(f, "plan:9.9.9", "claim-refused");
  assert_int_equal(reply->code, DUBAN__CODE__CODE_NOT_FOUND);
  assert_false(reply->queued);
  dbn_wire_reply_free(&reply);
  usleep(1500 * 1000);
  assert_int_equal(seen_times(f, "claim-refused"), 1);
}

static void
test_outbox_survives_restart(void **state)
{
  fixture_t *f = *state;
  agent_start(f);
  Duban__Reply *reply = claim(f, "plan:2.1.1", "claim-before-restart");
  assert_true(reply->queued);
  dbn_wire_reply_free(&reply);
  agent_stop(f);

  agent_start(f); /* the same data directory, as after a crash or a restart */
  broker_start(f);
  assert_true(wait_seen(f, "claim-before-restart", 10000));
  reply = claim(f, "plan:2.1.2", "claim-after-restart");
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  dbn_wire_reply_free(&reply);
  assert_true(first_seen(f, "claim-before-restart") < first_seen(f, "claim-after-restart"));
}

static void
test_bad_request_refused_by_agent(void **state)
{
  fixture_t *f = *state;
  agent_start(f);
  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__Progress body = DUBAN__PROGRESS__INIT;
  body.task = "plan:1.1.1";
  body.percent = 150;
  req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
  req.progress = &body;
  Duban__Reply *reply = cli_call(f, &req);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_INVALID_ARGUMENT);
  assert_non_null(strstr(reply->message, "percent"));
  dbn_wire_reply_free(&reply);
}

static void
test_answered_not_resent_after_restart(void **state)
{
  fixture_t *f = *state;
  broker_start(f);
  agent_start(f);
  Duban__Reply *reply = claim(f, "plan:3.1.1", "claim-applied");
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  assert_false(reply->queued);
  dbn_wire_reply_free(&reply);
  reply = claim(f, "plan:9.9.9", "claim-refused-once");
  assert_int_equal(reply->code, DUBAN__CODE__CODE_NOT_FOUND);
  dbn_wire_reply_free(&reply);
  agent_stop(f);

  /* The clean stop deleted both from the outbox... */
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->data), 0);
  size_t pending = 99;
  assert_int_equal(dbn_outbox_count(outbox, &pending), 0);
  assert_int_equal(pending, 0);
  dbn_outbox_close(&outbox);

  /* ...so the next run, once connected, sends neither again. */
  agent_start(f);
  wait_until_connected(f);
  usleep(1000 * 1000); /* time for a resend to show up */
  assert_int_equal(seen_times(f, "claim-applied"), 1);
  assert_int_equal(seen_times(f, "claim-refused-once"), 1);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_queued_then_delivered_once_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_unavailable_while_broker_down, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusal_reaches_cli_and_is_not_retried, setup, teardown),
      cmocka_unit_test_setup_teardown(test_outbox_survives_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_request_refused_by_agent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_answered_not_resent_after_restart, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
