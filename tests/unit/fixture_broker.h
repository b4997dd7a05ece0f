/* fixture_broker.h: a real duban-broker for unit tests that talk to it with
 * raw libzmq, sending what the CLI refuses to build (shared by
 * test_fault_broker_input.c and test_harden_broker.c).
 *
 * setup() makes keys with `duban keygen` for tests/fixtures/small-plan.json
 * (plus a stranger's key for unit:LCJ that the broker does not know),
 * starts the broker on a virtual clock that never moves on its own, and
 * loads the plan; teardown() stops it and checks that the log it wrote
 * still verifies. The includer defines FIXTURE_BROKER_NAME (the temporary
 * folder's name) and includes cmocka, czmq, zmq and wire.h first.
 * Header-only, as the other fixtures: each test is one program. */
#ifndef DUBAN_FIXTURE_BROKER_H
#define DUBAN_FIXTURE_BROKER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_dir.h"

#define TASK_LCJ "demo-2023-1:1.1.1" /* owned by unit LCJ */
#define TASK_ZRJ "demo-2023-1:1.1.2" /* owned by unit ZRJ */

typedef struct {
  char dir[128];     /* the temporary folder: keys/, data/, broker.log */
  char endpoint[64]; /* tcp://127.0.0.1:PORT */
  int port;
  pid_t broker; /* the real duban-broker */
  void *ctx;    /* this test's context */
  void *admin;  /* a DEALER as admin:admin, for pings */
} fixture_t;

static fixture_t fx;

/* ---- helpers ---- */

static int
run(const char *command)
{
  int rc = system(command);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int
free_port(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(s, (struct sockaddr *)&a, sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, (struct sockaddr *)&a, &len);
  close(s);
  return ntohs(a.sin_port);
}

/* A DEALER to the broker with the key pair KEYS/name.key; name NULL = no
 * CURVE at all; server_key_path NULL = the real broker key. */
static void *
connect_as_cert(zcert_t *cert, const char *server_key_path)
{
  void *s = zmq_socket(fx.ctx, ZMQ_DEALER);
  int linger = 0;
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  /* A DEALER with no peer blocks in zmq_send until one comes: when the
   * broker refuses the handshake (a key it does not know) before the first
   * send, none ever comes, and the test hung. A send that cannot go in 5 s
   * is given up instead (call_raw then answers NULL, as for no reply). */
  int send_timeout_ms = 5000;
  zmq_setsockopt(s, ZMQ_SNDTIMEO, &send_timeout_ms, sizeof send_timeout_ms);
  if (cert) {
    char path[256];
    snprintf(path, sizeof path, "%s/keys/broker.key", fx.dir);
    zcert_t *server = zcert_load(server_key_path ? server_key_path : path);
    assert_non_null(server);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, zcert_public_key(server), 32);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, zcert_public_key(cert), 32);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, zcert_secret_key(cert), 32);
    zcert_destroy(&server);
  }
  assert_int_equal(zmq_connect(s, fx.endpoint), 0);
  return s;
}

static void *
connect_as(const char *name)
{
  char path[256];
  snprintf(path, sizeof path, "%s/keys/%s.key", fx.dir, name);
  zcert_t *cert = zcert_load(path);
  assert_non_null(cert);
  void *s = connect_as_cert(cert, NULL);
  zcert_destroy(&cert);
  return s;
}

/* Wait up to timeout_ms for one reply on s. */
static Duban__Reply *
receive_reply(void *s, int timeout_ms)
{
  zmq_pollitem_t item = {.socket = s, .events = ZMQ_POLLIN};
  if (zmq_poll(&item, 1, timeout_ms) <= 0)
    return NULL;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  if (zmq_msg_recv(&msg, s, 0) < 0)
    return NULL;
  Duban__Reply *reply = NULL;
  dbn_wire_reply_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), &reply);
  zmq_msg_close(&msg);
  return reply;
}

/* Send bytes as one frame and wait up to timeout_ms for the reply. */
static Duban__Reply *
call_raw(void *s, const void *bytes, size_t len, int timeout_ms)
{
  if (zmq_send(s, bytes, len, 0) < 0)
    return NULL;
  return receive_reply(s, timeout_ms);
}

/* Fill in version and a fresh request id unless set, pack, call. */
static Duban__Reply *
call(void *s, Duban__Request *req)
{
  char id[33];
  if (!req->version)
    req->version = DBN_PROTOCOL_VERSION;
  if (!req->request_id || !*req->request_id) {
    dbn_wire_new_request_id(id);
    req->request_id = id;
  }
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&req->base, &buf, &len), 0);
  Duban__Reply *reply = call_raw(s, buf, len, 5000);
  free(buf);
  if (req->request_id == id)
    req->request_id = NULL;
  return reply;
}

/* The broker's head, asked over a ping as admin (fails the test if the
 * broker does not answer: it must keep serving whatever came before). */
static uint64_t
head(void)
{
  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__Ping ping = DUBAN__PING__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PING;
  req.ping = &ping;
  Duban__Reply *reply = call(fx.admin, &req);
  assert_non_null(reply);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  uint64_t h = reply->head_seq;
  dbn_wire_reply_free(&reply);
  assert_int_equal(waitpid(fx.broker, NULL, WNOHANG), 0); /* still running */
  return h;
}

/* Call, expect code, and (unless want is OK) that nothing was written. */
static void
expect(void *s, Duban__Request *req, Duban__Code want, const char *message_part)
{
  uint64_t before = head();
  Duban__Reply *reply = call(s, req);
  assert_non_null(reply);
  if (reply->code != want)
    fail_msg("%s: wanted %s, got %s: %s", dbn_request_name(req->body_case), dbn_wire_code_name(want),
             dbn_wire_code_name(reply->code), reply->message);
  if (want != DUBAN__CODE__CODE_OK) {
    assert_true(*reply->message); /* a message a person can act on */
    assert_int_equal(head(), before);
  }
  if (message_part && !strstr(reply->message, message_part))
    fail_msg("message '%s' does not mention '%s'", reply->message, message_part);
  dbn_wire_reply_free(&reply);
}

static int
setup(void **state)
{
  (void)state;
  fixture_temp_dir(fx.dir, sizeof fx.dir, FIXTURE_BROKER_NAME);
  char command[1024];
  snprintf(command, sizeof command,
           "%s/bin/duban keygen --dir %s/keys --plan %s/tests/fixtures/small-plan.json >/dev/null "
           "&& %s/bin/duban keygen --dir %s/stranger unit:LCJ >/dev/null",
           DUBAN_BINARY_DIR, fx.dir, DUBAN_SOURCE_DIR, DUBAN_BINARY_DIR, fx.dir);
  assert_int_equal(run(command), 0);
  fx.port = free_port();
  snprintf(fx.endpoint, sizeof fx.endpoint, "tcp://127.0.0.1:%d", fx.port);
  fx.broker = fork();
  if (fx.broker == 0) {
    char log[256], data[256], keys[256], bin[256];
    snprintf(log, sizeof log, "%s/broker.log", fx.dir);
    snprintf(data, sizeof data, "%s/data", fx.dir);
    snprintf(keys, sizeof keys, "%s/keys", fx.dir);
    snprintf(bin, sizeof bin, "%s/bin/duban-broker", DUBAN_BINARY_DIR);
    freopen(log, "a", stderr);
    freopen("/dev/null", "w", stdout);
    /* A virtual clock that never moves on its own: the deadline monitor
     * then writes nothing behind the test's back. */
    execl(bin, bin, "--endpoint", fx.endpoint, "--data", data, "--keys", keys, "--virtual-clock",
          "2023-09-20", (char *)NULL);
    _exit(127);
  }
  fx.ctx = zmq_ctx_new();
  fx.admin = connect_as("admin-admin");
  head(); /* waits up to 5 s for the broker to answer */
  snprintf(
      command, sizeof command,
      "%s/bin/duban plan load %s/tests/fixtures/small-plan.json --broker %s --server-key %s/keys/broker.key "
      "--key %s/keys/admin-admin.key >/dev/null",
      DUBAN_BINARY_DIR, DUBAN_SOURCE_DIR, fx.endpoint, fx.dir, fx.dir);
  assert_int_equal(run(command), 0);
  assert_int_equal(head(), 1);
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  /* A failed case may leave sockets open: do not wait for them. */
  zmq_ctx_shutdown(fx.ctx);
  kill(fx.broker, SIGTERM);
  int status;
  waitpid(fx.broker, &status, 0);
  char command[512];
  /* The log written through all of this still verifies. */
  snprintf(command, sizeof command, "%s/bin/duban audit verify --data %s/data >/dev/null", DUBAN_BINARY_DIR,
           fx.dir);
  int verified = run(command);
  if (getenv("DUBAN_KEEP_TMP") == NULL)
    fixture_remove_dir(fx.dir);
  return verified == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Request builders: each fills a stack Request with one body. */
#define BODY(req, kind, KIND, var)                                                                           \
  Duban__##kind var = DUBAN__##KIND##__INIT;                                                                 \
  Duban__Request req = DUBAN__REQUEST__INIT;                                                                 \
  req.body_case = DUBAN__REQUEST__BODY_##KIND;

#endif
