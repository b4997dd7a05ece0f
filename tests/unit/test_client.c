/* test_client.c: the client library against a tiny ROUTER played by this
 * test, over real tcp with real CURVE keys made in a temporary directory.
 *
 * The server runs in its own thread and owns its socket; how it answers
 * (echo, a stale answer first, ignore the first attempt, never answer) is
 * chosen per case, so each of dbn_client_call's promises is seen on the
 * wire rather than assumed. */
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
#include "client.h"
#include "wire.h"

enum server_mode {
  SERVER_ECHO,         /* answer every request */
  SERVER_STALE_FIRST,  /* send an answer for another id, then the real one */
  SERVER_IGNORE_FIRST, /* drop the first copy of each request id */
  SERVER_SILENT,       /* answer nothing */
};

typedef struct {
  char dir[64];          /* temporary key directory */
  char server_cert[128]; /* DIR/broker.key */
  char client_cert[128]; /* DIR/unit-test.key */
  char other_cert[128];  /* DIR/impostor.key: a server key the server does not have */
  char endpoint[128];    /* where the server listens */
  void *context;         /* the server's context */
  void *router;          /* owned by the server thread once it runs */
  enum server_mode mode; /* how to answer */
  atomic_bool stop;      /* set by the test to end the server thread */
  atomic_int received;   /* requests the server saw */
  char last_id[64];      /* request id of the last request (read after join) */
  pthread_t thread;      /* the server */
  bool running;          /* the server thread has not been joined yet */
} fixture_t;

static void
answer(void *router, zmq_msg_t *routing_id, const char *request_id, Duban__Code code)
{
  Duban__Reply reply = DUBAN__REPLY__INIT;
  reply.version = DBN_PROTOCOL_VERSION;
  reply.request_id = (char *)request_id;
  reply.code = code;
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&reply.base, &buf, &len), 0);
  zmq_msg_t copy;
  zmq_msg_init(&copy);
  zmq_msg_copy(&copy, routing_id);
  zmq_msg_send(&copy, router, ZMQ_SNDMORE);
  zmq_send(router, buf, len, 0);
  free(buf);
}

static void *
server_run(void *arg)
{
  fixture_t *f = arg;
  while (!atomic_load(&f->stop)) {
    zmq_pollitem_t item = {.socket = f->router, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, 50) <= 0)
      continue;
    zmq_msg_t routing_id, body;
    zmq_msg_init(&routing_id);
    zmq_msg_init(&body);
    zmq_msg_recv(&routing_id, f->router, 0);
    zmq_msg_recv(&body, f->router, 0);
    Duban__Request *req = NULL;
    if (dbn_wire_request_unpack(zmq_msg_data(&body), zmq_msg_size(&body), &req) == 0) {
      int seen = atomic_fetch_add(&f->received, 1) + 1;
      snprintf(f->last_id, sizeof f->last_id, "%s", req->request_id);
      switch (f->mode) {
      case SERVER_ECHO: answer(f->router, &routing_id, req->request_id, DUBAN__CODE__CODE_OK); break;
      case SERVER_STALE_FIRST:
        answer(f->router, &routing_id, "stale-answer-to-an-old-call", DUBAN__CODE__CODE_INTERNAL);
        answer(f->router, &routing_id, req->request_id, DUBAN__CODE__CODE_OK);
        break;
      case SERVER_IGNORE_FIRST:
        if (seen > 1)
          answer(f->router, &routing_id, req->request_id, DUBAN__CODE__CODE_OK);
        break;
      case SERVER_SILENT: break;
      }
      dbn_wire_request_free(&req);
    }
    zmq_msg_close(&routing_id);
    zmq_msg_close(&body);
  }
  return NULL;
}

static int
setup(void **state)
{
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  fixture_temp_dir(f->dir, sizeof f->dir, "test-client");
  snprintf(f->server_cert, sizeof f->server_cert, "%s/broker.key", f->dir);
  snprintf(f->client_cert, sizeof f->client_cert, "%s/unit-test.key", f->dir);
  snprintf(f->other_cert, sizeof f->other_cert, "%s/impostor.key", f->dir);

  zcert_t *server = zcert_new();
  zcert_t *client = zcert_new();
  zcert_t *other = zcert_new();
  zcert_set_meta(client, "identity", "unit:test");
  assert_int_equal(zcert_save(server, f->server_cert), 0);
  assert_int_equal(zcert_save(client, f->client_cert), 0);
  assert_int_equal(zcert_save_public(other, f->other_cert), 0);

  f->context = zmq_ctx_new();
  f->router = zmq_socket(f->context, ZMQ_ROUTER);
  int on = 1, linger = 0;
  zmq_setsockopt(f->router, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(f->router, ZMQ_CURVE_SERVER, &on, sizeof on);
  zmq_setsockopt(f->router, ZMQ_CURVE_SECRETKEY, zcert_secret_key(server), 32);
  assert_int_equal(zmq_bind(f->router, "tcp://127.0.0.1:*"), 0);
  size_t len = sizeof f->endpoint;
  zmq_getsockopt(f->router, ZMQ_LAST_ENDPOINT, f->endpoint, &len);
  zcert_destroy(&server);
  zcert_destroy(&client);
  zcert_destroy(&other);
  *state = f;
  return 0;
}

static void
start_server(fixture_t *f, enum server_mode mode)
{
  f->mode = mode;
  /* The socket moves to the server thread here; pthread_create is the
   * memory barrier ZeroMQ asks for when a socket changes threads. */
  assert_int_equal(pthread_create(&f->thread, NULL, server_run, f), 0);
  f->running = true;
}

static void
stop_server(fixture_t *f)
{
  if (!f->running)
    return;
  atomic_store(&f->stop, true);
  pthread_join(f->thread, NULL);
  f->running = false;
}

static int
teardown(void **state)
{
  fixture_t *f = *state;
  stop_server(f);
  zmq_close(f->router);
  zmq_ctx_term(f->context);
  fixture_remove_dir(f->dir);
  free(f);
  return 0;
}

/* Start the stand-in server in mode, then a client of it that trusts
 * server_cert. */
static dbn_client_t *
serve_and_connect(fixture_t *f, enum server_mode mode, const char *server_cert, int timeout_ms, int resend_ms)
{
  start_server(f, mode);
  dbn_client_options_t options = {
      .endpoint = f->endpoint,
      .server_cert = server_cert,
      .client_cert = f->client_cert,
      .timeout_ms = timeout_ms,
      .resend_ms = resend_ms,
  };
  dbn_client_t *client = NULL;
  assert_int_equal(dbn_client_new(&client, &options), 0);
  return client;
}

/* A ping in caller storage: the request every case here sends. */
static void
ping_request(Duban__Request *req, Duban__Ping *ping)
{
  duban__request__init(req);
  duban__ping__init(ping);
  req->body_case = DUBAN__REQUEST__BODY_PING;
  req->ping = ping;
}

/* Call and expect an OK answer to this very request; the reply is freed. */
static void
call_expect_ok(dbn_client_t *client, Duban__Request *req)
{
  Duban__Reply *reply = NULL;
  assert_int_equal(dbn_client_call(client, req, &reply), 0);
  assert_string_equal(reply->request_id, req->request_id);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  dbn_wire_reply_free(&reply);
}

static void
test_call_gets_reply(void **state)
{
  fixture_t *f = *state;
  dbn_client_t *client = serve_and_connect(f, SERVER_ECHO, f->server_cert, 5000, 1000);
  Duban__Request req;
  Duban__Ping ping;
  ping_request(&req, &ping);
  call_expect_ok(client, &req);
  assert_int_equal(strlen(req.request_id), 32); /* the client chose one; it keeps it until destroy */

  Duban__Reply *reply = NULL;

  /* A caller's own id is kept. */
  req.request_id = "my-own-request-id";
  assert_int_equal(dbn_client_call(client, &req, &reply), 0);
  assert_string_equal(reply->request_id, "my-own-request-id");
  dbn_wire_reply_free(&reply);
  dbn_client_destroy(&client);
  assert_null(client);
  dbn_client_destroy(&client); /* NULL is accepted */
}

static void
test_stale_reply_dropped(void **state)
{
  fixture_t *f = *state;
  dbn_client_t *client = serve_and_connect(f, SERVER_STALE_FIRST, f->server_cert, 5000, 1000);
  Duban__Request req;
  Duban__Ping ping;
  ping_request(&req, &ping);
  call_expect_ok(client, &req);
  dbn_client_destroy(&client);
}

static void
test_resend_same_id(void **state)
{
  fixture_t *f = *state;
  dbn_client_t *client = serve_and_connect(f, SERVER_IGNORE_FIRST, f->server_cert, 5000, 200);
  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  claim.task = "plan:1.1.1";
  req.body_case = DUBAN__REQUEST__BODY_CLAIM;
  req.claim = &claim;
  Duban__Reply *reply = NULL;
  assert_int_equal(dbn_client_call(client, &req, &reply), 0);
  assert_string_equal(reply->request_id, req.request_id);
  char request_id[33]; /* the client owns req.request_id until destroy */
  snprintf(request_id, sizeof request_id, "%s", req.request_id);
  dbn_wire_reply_free(&reply);
  dbn_client_destroy(&client);
  stop_server(f);
  assert_true(atomic_load(&f->received) >= 2);
  assert_string_equal(f->last_id, request_id); /* the resend carried the same id */
}

static void
test_timeout_when_silent(void **state)
{
  fixture_t *f = *state;
  dbn_client_t *client = serve_and_connect(f, SERVER_SILENT, f->server_cert, 700, 200);
  Duban__Request req;
  Duban__Ping ping;
  ping_request(&req, &ping);
  Duban__Reply *reply = NULL;
  int64_t start = dbn_monotonic_ms();
  assert_int_equal(dbn_client_call(client, &req, &reply), DBN_ETIMEDOUT);
  int64_t took = dbn_monotonic_ms() - start;
  assert_true(took >= 650 && took < 3000);
  assert_null(reply);
  assert_true(atomic_load(&f->received) >= 2); /* it kept resending meanwhile */
  dbn_client_destroy(&client);
}

static void
test_wrong_server_key_never_connects(void **state)
{
  fixture_t *f = *state;
  dbn_client_t *client = serve_and_connect(f, SERVER_ECHO, f->other_cert, 800, 200);
  void *monitor = NULL;
  assert_int_equal(dbn_client_monitor(client, &monitor), 0);
  Duban__Request req;
  Duban__Ping ping;
  ping_request(&req, &ping);
  Duban__Reply *reply = NULL;
  assert_int_equal(dbn_client_call(client, &req, &reply), DBN_ETIMEDOUT);
  assert_int_equal(atomic_load(&f->received), 0);
  /* The handshake never succeeded. */
  enum dbn_client_event event;
  do {
    assert_int_equal(dbn_client_monitor_read(client, &event), 0);
    assert_int_not_equal(event, DBN_CLIENT_EVENT_CONNECTED);
  } while (event != DBN_CLIENT_EVENT_NONE);
  dbn_client_destroy(&client);
}

static void
test_bad_options(void **state)
{
  fixture_t *f = *state;
  start_server(f, SERVER_SILENT);
  dbn_client_t *client = NULL;
  dbn_client_options_t missing = {
      .endpoint = f->endpoint, .server_cert = "/nonexistent/broker.key", .client_cert = f->client_cert};
  assert_int_equal(dbn_client_new(&client, &missing), DBN_ENOTFOUND);
  dbn_client_options_t public_only = {
      .endpoint = f->endpoint, .server_cert = f->server_cert, .client_cert = f->other_cert};
  assert_int_equal(dbn_client_new(&client, &public_only), DBN_ENOTFOUND);
  dbn_client_options_t half = {.endpoint = f->endpoint, .server_cert = f->server_cert};
  assert_int_equal(dbn_client_new(&client, &half), DBN_EINVAL);
  dbn_client_options_t bad_endpoint = {.endpoint = "nonsense://here"};
  assert_int_not_equal(dbn_client_new(&client, &bad_endpoint), 0);
  assert_null(client);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_call_gets_reply, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_reply_dropped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resend_same_id, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeout_when_silent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_server_key_never_connects, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
