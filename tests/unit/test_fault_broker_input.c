/* test_fault_broker_input.c: bad input and intruders against the real broker.
 *
 * DESIGN invariants 1 and 6: identity comes from the transport, and bad
 * input gets a clear error and changes nothing. This program starts the real
 * duban-broker on a loopback port with real CURVE keys made by `duban keygen`
 * in a temporary folder, then talks to it with raw libzmq, so that it can
 * send what no duban client ever would: bytes that do not decode, truncated
 * and bit-flipped frames, other protocol versions, frames over the size
 * limit, non-UTF-8 text, out-of-range numbers, requests in the wrong state,
 * raw TCP garbage, handshakes never finished, unknown and revoked keys. After
 * each case the broker must still answer, and the log head must not have
 * moved unless the case was meant to write. The authorization matrix sends
 * every request type as every kind of identity and checks that exactly the
 * allowed ones get past the permission check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <zmq.h>

#include "fixture_store.h"
#include "store.h"
#include "monotonic.h"
#include "request.h"
#include "wire.h"

#define FIXTURE_BROKER_NAME "input"
#include "fixture_broker.h"

/* True when the broker's stderr (fx.dir/broker.log) has a line matching
 * pattern, a grep basic regular expression with no single quote. */
static bool
broker_log_has(const char *pattern)
{
  char command[512];
  snprintf(command, sizeof command, "grep -q '%s' %s/broker.log", pattern, fx.dir);
  return run(command) == 0;
}

/* ---- bad bytes ---- */

static void
test_bytes_that_do_not_decode(void **state)
{
  (void)state;
  void *s = connect_as("unit-LCJ");
  uint64_t before = head();
  /* Garbage, a field tag with a length running past the end, a varint that
   * never ends, a wrong wire type for the version. */
  static const struct {
    const char *bytes;
    size_t len;
  } cases[] = {
      {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11},
      {"\x12\x7f"
       "abc",
       5},
      {"\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", 11},
      {"\x0a\x03"
       "abc",
       5},
      {"\x6a\x05\x0a\x03x", 5},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    Duban__Reply *reply = call_raw(s, cases[i].bytes, cases[i].len, 5000);
    assert_non_null(reply);
    assert_int_not_equal(reply->code, DUBAN__CODE__CODE_OK);
    assert_non_null(strstr(reply->message, "decode"));
    dbn_wire_reply_free(&reply);
  }
  /* An empty frame decodes as an empty Request: version 0. */
  Duban__Reply *reply = call_raw(s, "", 0, 5000);
  assert_non_null(reply);
  assert_non_null(strstr(reply->message, "version"));
  dbn_wire_reply_free(&reply);
  /* Two frames where one belongs. */
  zmq_send(s, "a", 1, ZMQ_SNDMORE);
  reply = call_raw(s, "b", 1, 5000);
  assert_non_null(reply);
  assert_non_null(strstr(reply->message, "one frame"));
  dbn_wire_reply_free(&reply);
  assert_int_equal(head(), before);
  zmq_close(s);
}

static void
test_truncated_and_bit_flipped(void **state)
{
  (void)state;
  /* A valid progress report, cut at every length and flipped at every bit.
   * Sent as admin, who may write only plans and clock moves; no single bit
   * turns a progress report into either, so no variant may reach the log. */
  BODY(req, Progress, PROGRESS, progress);
  Duban__Figure figure = DUBAN__FIGURE__INIT;
  Duban__Figure *figures[] = {&figure};
  figure.what = "治沙面积";
  figure.value = 12.5;
  figure.unit_of_measure = "万亩";
  progress.task = TASK_LCJ;
  progress.percent = 40;
  progress.note = "按计划推进";
  progress.n_figures = 1;
  progress.figures = figures;
  req.progress = &progress;
  req.version = DBN_PROTOCOL_VERSION;
  req.request_id = "flip-0123456789abcdef";
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&req.base, &buf, &len), 0);
  uint64_t before = head();
  int answered = 0, sent = 0;
  for (size_t cut = 0; cut < len; cut++) {
    Duban__Reply *reply = call_raw(fx.admin, buf, cut, 5000);
    assert_non_null(reply);
    assert_int_not_equal(reply->code, DUBAN__CODE__CODE_OK);
    dbn_wire_reply_free(&reply);
  }
  uint8_t *flipped = malloc(len);
  for (size_t bit = 0; bit < len * 8; bit++) {
    memcpy(flipped, buf, len);
    flipped[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    Duban__Reply *reply = call_raw(fx.admin, flipped, len, 5000);
    sent++;
    assert_non_null(reply);
    answered++;
    /* Some flips still decode as a request (a progress tag turned into a
     * get_task one reads a task): answered either way, written never. */
    dbn_wire_reply_free(&reply);
  }
  free(flipped);
  free(buf);
  assert_int_equal(answered, sent);
  assert_int_equal(head(), before);
}

static void
test_version_and_unknown_type(void **state)
{
  (void)state;
  void *s = connect_as("unit-LCJ");
  BODY(req, Claim, CLAIM, claim);
  claim.task = TASK_LCJ;
  req.claim = &claim;
  req.version = 2;
  expect(s, &req, DUBAN__CODE__CODE_FAILED_PRECONDITION, "version 2");
  req.version = 0xffffffffu;
  expect(s, &req, DUBAN__CODE__CODE_FAILED_PRECONDITION, "not supported");
  /* A body this broker does not know: field 99, which protobuf-c skips. */
  uint64_t before = head();
  static const uint8_t unknown[] = {0x08, 0x01, 0x12, 0x02, 'i', 'd', 0x9a, 0x06, 0x00};
  Duban__Reply *reply = call_raw(s, unknown, sizeof unknown, 5000);
  assert_non_null(reply);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_INVALID_ARGUMENT);
  assert_non_null(strstr(reply->message, "unknown or empty request type"));
  dbn_wire_reply_free(&reply);
  /* No request id at all. */
  Duban__Request bare = DUBAN__REQUEST__INIT;
  Duban__Ping ping = DUBAN__PING__INIT;
  bare.body_case = DUBAN__REQUEST__BODY_PING;
  bare.ping = &ping;
  bare.version = DBN_PROTOCOL_VERSION;
  uint8_t *buf;
  size_t len;
  dbn_wire_pack(&bare.base, &buf, &len);
  reply = call_raw(s, buf, len, 5000);
  free(buf);
  assert_non_null(reply);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_INVALID_ARGUMENT);
  assert_non_null(strstr(reply->message, "request id"));
  dbn_wire_reply_free(&reply);
  assert_int_equal(head(), before);
  zmq_close(s);
}

static void
test_frame_over_the_limit(void **state)
{
  (void)state;
  void *s = connect_as("unit-LCJ");
  uint64_t before = head();
  size_t big = DBN_MAX_MESSAGE + 1;
  uint8_t *junk = calloc(1, big);
  junk[0] = 0x22; /* a length-delimited field 4 that runs to the end */
  /* The transport drops the connection: no answer, nothing decoded. */
  Duban__Reply *reply = call_raw(s, junk, big, 1500);
  assert_null(reply);
  free(junk);
  zmq_close(s);
  assert_int_equal(head(), before);
  /* A fresh connection with the same key works. */
  s = connect_as("unit-LCJ");
  BODY(req, GetTask, GET_TASK, get);
  get.task = TASK_LCJ;
  req.get_task = &get;
  expect(s, &req, DUBAN__CODE__CODE_OK, NULL);
  zmq_close(s);
  assert_true(broker_log_has("."));
}

static void
test_text_and_numbers(void **state)
{
  (void)state;
  void *s = connect_as("unit-LCJ");
  {
    BODY(req, Claim, CLAIM, claim);
    claim.task = TASK_LCJ;
    req.claim = &claim;
    expect(s, &req, DUBAN__CODE__CODE_OK, NULL);
  }
  BODY(req, Progress, PROGRESS, progress);
  progress.task = TASK_LCJ;
  req.progress = &progress;
  progress.note = "\xe6\xb2\xbb\xff\xfe"; /* a cut character and bytes UTF-8 never uses */
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "UTF-8");
  progress.note = "\xc0\xaf"; /* an overlong '/' */
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "UTF-8");
  progress.note = "\xed\xa0\x80"; /* a UTF-16 surrogate */
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "UTF-8");
  progress.note = "";
  progress.percent = -1;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "percent");
  progress.percent = 101;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "percent");
  progress.percent = INT32_MIN;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "percent");
  progress.percent = 50;
  Duban__Figure figure = DUBAN__FIGURE__INIT;
  Duban__Figure *one[] = {&figure};
  figure.what = "治沙面积";
  progress.n_figures = 1;
  progress.figures = one;
  const double absurd[] = {1e300, -1e16, INFINITY, NAN};
  for (size_t i = 0; i < sizeof absurd / sizeof absurd[0]; i++) {
    figure.value = absurd[i];
    expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "finite");
  }
  figure.value = 3;
  figure.what = "";
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "what it measures");
  figure.what = "治沙面积";
  Duban__Figure *many[DBN_MAX_FIGURES + 1];
  for (size_t i = 0; i <= DBN_MAX_FIGURES; i++)
    many[i] = &figure;
  progress.n_figures = DBN_MAX_FIGURES + 1;
  progress.figures = many;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "figures");
  progress.n_figures = 0;
  /* A note of a megabyte (under the frame limit, over the field limit). */
  char *note = malloc(1024 * 1024 + 1);
  memset(note, 'a', 1024 * 1024);
  note[1024 * 1024] = '\0';
  progress.note = note;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "limit");
  free(note);
  progress.note = "";
  char long_id[DBN_MAX_ID + 2];
  memset(long_id, 'x', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  progress.task = long_id;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "task id");
  req.request_id = long_id;
  progress.task = TASK_LCJ;
  expect(s, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "request id");
  req.request_id = NULL;
  zmq_close(s);
}

static void
test_unknown_things_and_wrong_state(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  void *zrj = connect_as("unit-ZRJ");
  void *office = connect_as("coordinator-office");
  {
    BODY(req, Claim, CLAIM, claim);
    claim.task = "demo-2023-1:9.9.9";
    req.claim = &claim;
    expect(lcj, &req, DUBAN__CODE__CODE_NOT_FOUND, "no task");
  }
  {
    BODY(req, Reassign, REASSIGN, reassign);
    reassign.task = TASK_ZRJ;
    reassign.unit = "NOSUCH";
    req.reassign = &reassign;
    expect(office, &req, DUBAN__CODE__CODE_NOT_FOUND, "NOSUCH");
  }
  {
    /* Submit before claim. */
    BODY(req, Submit, SUBMIT, submit);
    submit.task = TASK_ZRJ;
    req.submit = &submit;
    expect(zrj, &req, DUBAN__CODE__CODE_FAILED_PRECONDITION, "assigned");
  }
  {
    BODY(req, Accept, ACCEPT, accept);
    accept.task = TASK_ZRJ;
    req.accept = &accept;
    expect(office, &req, DUBAN__CODE__CODE_FAILED_PRECONDITION, "submitted");
  }
  {
    BODY(req, Ack, ACK, ack);
    ack.escalation = 999999;
    req.ack = &ack;
    expect(office, &req, DUBAN__CODE__CODE_NOT_FOUND, "no escalation");
  }
  /* Raise an escalation, resolve it, resolve it again. */
  uint64_t esc;
  {
    BODY(req, Claim, CLAIM, claim);
    claim.task = TASK_ZRJ;
    req.claim = &claim;
    expect(zrj, &req, DUBAN__CODE__CODE_OK, NULL);
    BODY(ereq, Escalate, ESCALATE, escalate);
    escalate.task = TASK_ZRJ;
    escalate.category = "funding";
    escalate.reason = "资金未到位";
    ereq.escalate = &escalate;
    Duban__Reply *reply = call(zrj, &ereq);
    assert_non_null(reply);
    assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
    esc = reply->seq;
    dbn_wire_reply_free(&reply);
  }
  {
    BODY(req, Resolve, RESOLVE, resolve);
    resolve.escalation = esc;
    req.resolve = &resolve;
    expect(office, &req, DUBAN__CODE__CODE_OK, NULL);
    expect(office, &req, DUBAN__CODE__CODE_FAILED_PRECONDITION, "already resolved");
    BODY(areq, Ack, ACK, ack);
    ack.escalation = esc;
    areq.ack = &ack;
    expect(office, &areq, DUBAN__CODE__CODE_FAILED_PRECONDITION, "already resolved");
  }
  {
    BODY(req, AdvanceClock, ADVANCE_CLOCK, advance);
    req.advance_clock = &advance;
    void *admin = connect_as("admin-admin");
    advance.seconds = -5;
    expect(admin, &req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "forward");
    zmq_close(admin);
  }
  zmq_close(lcj);
  zmq_close(zrj);
  zmq_close(office);
}

/* ---- the transport ---- */

static int
tcp_connect(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {
      .sin_family = AF_INET, .sin_port = htons((uint16_t)fx.port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

static void
test_raw_tcp_garbage(void **state)
{
  (void)state;
  uint64_t before = head();
  unsigned seed = 5;
  for (int round = 0; round < 20; round++) {
    int fd = tcp_connect();
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
      junk[i] = (char)rand_r(&seed);
    if (round == 0)
      memcpy(junk, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    if (round == 1) /* a ZMTP greeting that names a mechanism the broker does not run */
      memcpy(junk, "\xff\0\0\0\0\0\0\0\x01\x7f\x03\x00NULL", 16);
    ssize_t w = write(fd, junk, sizeof junk);
    (void)w;
    close(fd);
  }
  assert_int_equal(head(), before);
}

/* Send count pings; each must be answered (call() waits 5 s for each).
 * Returns how long they took in all, in milliseconds. */
static int64_t
ping_many(void *s, int count)
{
  int64_t start = dbn_monotonic_ms();
  for (int i = 0; i < count; i++) {
    Duban__Request req = DUBAN__REQUEST__INIT;
    Duban__Ping ping = DUBAN__PING__INIT;
    req.body_case = DUBAN__REQUEST__BODY_PING;
    req.ping = &ping;
    Duban__Reply *reply = call(s, &req);
    assert_non_null(reply);
    dbn_wire_reply_free(&reply);
  }
  return dbn_monotonic_ms() - start;
}

static void
test_handshake_never_finished(void **state)
{
  (void)state;
  void *s = connect_as("unit-LCJ");
  /* Fifty connections: some silent, some with half a greeting. */
  enum { STALLED = 50 };
  int fds[STALLED];
  for (int i = 0; i < STALLED; i++) {
    fds[i] = tcp_connect();
    if (i % 2) {
      ssize_t w = write(fds[i], "\xff\0\0\0\0\0\0\0\x01\x7f\x03", 11);
      (void)w;
    }
  }
  /* Others are still served while they hang: every ping answered, all of
   * them within a bound generous enough for a busy machine (a few hundred
   * milliseconds on an idle one). How fast is duban-bench's question, not
   * a test's: a throughput ratio fails whenever another job shares the CPU. */
  int64_t took = ping_many(s, 300);
  print_message("300 pings with %d stalled handshakes took %lld ms\n", STALLED, (long long)took);
  assert_true(took < 30000);
  /* The broker closes them after its handshake interval (5 s). */
  int64_t deadline = dbn_monotonic_ms() + 12000;
  int closed = 0;
  for (int i = 0; i < STALLED; i++) {
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    while (dbn_monotonic_ms() < deadline) {
      ssize_t r = read(fds[i], buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        closed++;
        break;
      }
    }
    close(fds[i]);
  }
  assert_int_equal(closed, STALLED);
  zmq_close(s);
}

/* ---- intruders ---- */

/* No answer within a while and nothing written. */
static void
expect_refused(void *s)
{
  uint64_t before = head();
  BODY(req, Claim, CLAIM, claim);
  claim.task = TASK_LCJ;
  req.claim = &claim;
  Duban__Reply *reply = call(s, &req);
  if (reply) {
    /* If anything answers at all it must be a refusal. */
    assert_int_not_equal(reply->code, DUBAN__CODE__CODE_OK);
    dbn_wire_reply_free(&reply);
  }
  assert_null(reply);
  assert_int_equal(head(), before);
}

static void
test_no_key_wrong_key_revoked_key(void **state)
{
  (void)state;
  /* No CURVE at all. */
  void *s = connect_as_cert(NULL, NULL);
  expect_refused(s);
  zmq_close(s);
  /* A key pair the broker has never seen, claiming to be LCJ. */
  char path[256];
  snprintf(path, sizeof path, "%s/stranger/unit-LCJ.key", fx.dir);
  zcert_t *stranger = zcert_load(path);
  assert_non_null(stranger);
  s = connect_as_cert(stranger, NULL);
  expect_refused(s);
  zmq_close(s);
  zcert_destroy(&stranger);
  /* LCJ's own key, but talking to a server key that is not the broker's. */
  snprintf(path, sizeof path, "%s/stranger/unit-LCJ.key", fx.dir);
  char own[256];
  snprintf(own, sizeof own, "%s/keys/unit-LCJ.key", fx.dir);
  zcert_t *lcj = zcert_load(own);
  s = connect_as_cert(lcj, path);
  expect_refused(s);
  zmq_close(s);
  zcert_destroy(&lcj);
  /* Revoked: the public copy removed from the broker's folder. */
  s = connect_as("unit-JTJ");
  {
    BODY(req, GetTask, GET_TASK, get);
    get.task = "demo-2023-1:2.1.1";
    req.get_task = &get;
    expect(s, &req, DUBAN__CODE__CODE_OK, NULL);
  }
  zmq_close(s);
  snprintf(path, sizeof path, "%s/keys/clients/unit-JTJ.key", fx.dir);
  assert_int_equal(unlink(path), 0);
  usleep(1100 * 1000); /* the cert store notices a change by modification time */
  s = connect_as("unit-JTJ");
  expect_refused(s);
  zmq_close(s);
  assert_true(broker_log_has("refused key"));
}

static void
test_replayed_request(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  BODY(req, Progress, PROGRESS, progress);
  progress.task = TASK_LCJ;
  progress.percent = 77;
  progress.note = "captured";
  req.progress = &progress;
  req.version = DBN_PROTOCOL_VERSION;
  req.request_id = "captured-request-1";
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&req.base, &buf, &len), 0);
  uint64_t before = head();
  Duban__Reply *first = call_raw(lcj, buf, len, 5000);
  assert_non_null(first);
  assert_int_equal(first->code, DUBAN__CODE__CODE_OK);
  assert_int_equal(first->seq, before + 1);
  /* The same bytes again, on this connection and on a new one. */
  for (int i = 0; i < 3; i++) {
    void *again = i == 0 ? lcj : connect_as("unit-LCJ");
    Duban__Reply *reply = call_raw(again, buf, len, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
    assert_true(reply->duplicate);
    assert_int_equal(reply->seq, first->seq);
    dbn_wire_reply_free(&reply);
    if (again != lcj)
      zmq_close(again);
  }
  /* Another department replaying LCJ's bytes is another identity: refused. */
  void *zrj = connect_as("unit-ZRJ");
  Duban__Reply *reply = call_raw(zrj, buf, len, 5000);
  assert_non_null(reply);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_PERMISSION_DENIED);
  dbn_wire_reply_free(&reply);
  assert_int_equal(head(), before + 1);
  dbn_wire_reply_free(&first);
  free(buf);
  zmq_close(zrj);
  zmq_close(lcj);
}

/* ---- the authorization matrix ---- */

enum who { OWN_UNIT, OTHER_UNIT, COORDINATOR, AUDITOR, ADMIN, WHO_COUNT };
static const char *const who_key[WHO_COUNT] = {"unit-LCJ", "unit-ZRJ", "coordinator-office", "auditor-audit",
                                               "admin-admin"};

/* Build the request of body kind about TASK_LCJ (or escalation esc). */
static void
matrix_request(Duban__Request *req, Duban__Request__BodyCase body, uint64_t esc, void *storage)
{
  /* One union big enough for any body; protobuf-c bodies are plain structs. */
  union {
    Duban__Ping ping;
    Duban__ListTasks list_tasks;
    Duban__GetTask get_task;
    Duban__Claim claim;
    Duban__Progress progress;
    Duban__Submit submit;
    Duban__Escalate escalate;
    Duban__Ack ack;
    Duban__Resolve resolve;
    Duban__Remind remind;
    Duban__Accept accept;
    Duban__Reject reject;
    Duban__Reassign reassign;
    Duban__LoadPlan load_plan;
    Duban__Watch watch;
    Duban__Unwatch unwatch;
    Duban__ListEscalations list_escalations;
    Duban__AdvanceClock advance_clock;
  } *b = storage;
  static Duban__Plan plan = DUBAN__PLAN__INIT;
  plan.id = "demo-2023-1";
  Duban__Request init = DUBAN__REQUEST__INIT;
  *req = init;
  req->body_case = body;
  switch (body) {
#define CASE(KIND, field, Type, ...)                                                                         \
  case DUBAN__REQUEST__BODY_##KIND: {                                                                        \
    Duban__##Type v = DUBAN__##KIND##__INIT;                                                                 \
    b->field = v;                                                                                            \
    __VA_ARGS__;                                                                                             \
    req->field = &b->field;                                                                                  \
    break;                                                                                                   \
  }
    CASE(PING, ping, Ping)
    CASE(LIST_TASKS, list_tasks, ListTasks, b->list_tasks.unit = "LCJ")
    CASE(GET_TASK, get_task, GetTask, b->get_task.task = TASK_LCJ)
    CASE(CLAIM, claim, Claim, b->claim.task = TASK_LCJ)
    CASE(PROGRESS, progress, Progress, b->progress.task = TASK_LCJ; b->progress.percent = 5)
    CASE(SUBMIT, submit, Submit, b->submit.task = TASK_LCJ)
    CASE(ESCALATE, escalate, Escalate, b->escalate.task = TASK_LCJ; b->escalate.category = "funding";
         b->escalate.reason = "matrix")
    CASE(ACK, ack, Ack, b->ack.escalation = esc)
    CASE(RESOLVE, resolve, Resolve, b->resolve.escalation = esc)
    CASE(REMIND, remind, Remind, b->remind.task = TASK_LCJ)
    CASE(ACCEPT, accept, Accept, b->accept.task = TASK_LCJ)
    CASE(REJECT, reject, Reject, b->reject.task = TASK_LCJ; b->reject.reason = "matrix")
    CASE(REASSIGN, reassign, Reassign, b->reassign.task = TASK_LCJ; b->reassign.unit = "LCJ")
    CASE(LOAD_PLAN, load_plan, LoadPlan, b->load_plan.plan = &plan)
    CASE(WATCH, watch, Watch, b->watch.after_seq = 1000000)
    CASE(UNWATCH, unwatch, Unwatch)
    CASE(LIST_ESCALATIONS, list_escalations, ListEscalations)
    CASE(ADVANCE_CLOCK, advance_clock, AdvanceClock, b->advance_clock.seconds = 1)
#undef CASE
  default: fail();
  }
}

static void
test_authorization_matrix(void **state)
{
  (void)state;
  /* Who may send what, as the design gives it: departments act on their own
   * tasks and watch them; coordinators act on escalations and on anyone's
   * task; auditors read; admins load plans and move a virtual clock. */
  static const struct {
    Duban__Request__BodyCase body;
    bool allowed[WHO_COUNT];
  } matrix[] = {
      {DUBAN__REQUEST__BODY_PING, {1, 1, 1, 1, 1}},
      {DUBAN__REQUEST__BODY_LIST_TASKS, {1, 0, 1, 1, 1}},
      /* ZRJ cooperates on LCJ's measure 1.1 (配合单位): it reads the task and
       * writes nothing to it (domain/lead.h). */
      {DUBAN__REQUEST__BODY_GET_TASK, {1, 1, 1, 1, 1}},
      {DUBAN__REQUEST__BODY_LIST_ESCALATIONS, {1, 1, 1, 1, 1}},
      {DUBAN__REQUEST__BODY_WATCH, {1, 1, 1, 1, 1}}, /* a unit sees its own tasks' events only */
      {DUBAN__REQUEST__BODY_UNWATCH, {1, 1, 1, 1, 1}},
      {DUBAN__REQUEST__BODY_CLAIM, {1, 0, 0, 0, 0}},
      {DUBAN__REQUEST__BODY_PROGRESS, {1, 0, 0, 0, 0}},
      {DUBAN__REQUEST__BODY_SUBMIT, {1, 0, 0, 0, 0}},
      {DUBAN__REQUEST__BODY_ESCALATE, {1, 0, 0, 0, 0}},
      {DUBAN__REQUEST__BODY_ACK, {0, 0, 1, 0, 0}},
      {DUBAN__REQUEST__BODY_RESOLVE, {0, 0, 1, 0, 0}},
      {DUBAN__REQUEST__BODY_REMIND, {0, 0, 1, 0, 0}},
      {DUBAN__REQUEST__BODY_ACCEPT, {0, 0, 1, 0, 0}},
      {DUBAN__REQUEST__BODY_REJECT, {0, 0, 1, 0, 0}},
      {DUBAN__REQUEST__BODY_REASSIGN, {0, 0, 1, 0, 0}},
      {DUBAN__REQUEST__BODY_LOAD_PLAN, {0, 0, 0, 0, 1}},
      {DUBAN__REQUEST__BODY_ADVANCE_CLOCK, {0, 0, 0, 0, 1}},
  };
  void *socks[WHO_COUNT];
  for (int w = 0; w < WHO_COUNT; w++)
    socks[w] = connect_as(who_key[w]);
  int checked = 0;
  for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
    for (int w = 0; w < WHO_COUNT; w++) {
      /* An escalation id that exists (seq 1 is the plan: any id works for
       * the permission check, which comes before the lookup). */
      uint64_t storage[64];
      Duban__Request req;
      matrix_request(&req, matrix[i].body, 1, storage);
      uint64_t before = head();
      Duban__Reply *reply = call(socks[w], &req);
      if (!reply)
        fail_msg("%s as %s: no answer", dbn_request_name(matrix[i].body), who_key[w]);
      bool denied = reply->code == DUBAN__CODE__CODE_PERMISSION_DENIED;
      if (denied == matrix[i].allowed[w])
        fail_msg("%s as %s: %s (%s); expected %s", dbn_request_name(matrix[i].body), who_key[w],
                 dbn_wire_code_name(reply->code), reply->message,
                 matrix[i].allowed[w] ? "allowed" : "permission_denied");
      if (denied)
        assert_int_equal(head(), before);
      if (matrix[i].body == DUBAN__REQUEST__BODY_WATCH && !denied) {
        /* Stop the stream again, so the socket stays a plain request one. */
        matrix_request(&req, DUBAN__REQUEST__BODY_UNWATCH, 0, storage);
        Duban__Reply *r2 = call(socks[w], &req);
        dbn_wire_reply_free(&r2);
      }
      dbn_wire_reply_free(&reply);
      checked++;
    }
  }
  assert_int_equal(checked, 18 * WHO_COUNT);
  for (int w = 0; w < WHO_COUNT; w++)
    zmq_close(socks[w]);
}

/* ---- stale readers ---- */

static long long
file_size(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void
test_auditor_killed_mid_read(void **state)
{
  (void)state;
  char data[256];
  snprintf(data, sizeof data, "%s/data", fx.dir);
  fixture_kill_reader_mid_read(data);
  usleep(1500 * 1000); /* the broker looks for dead readers every second */
  void *s = connect_as("unit-CZJ");
  {
    BODY(req, Claim, CLAIM, claim);
    claim.task = "demo-2023-1:1.2.1";
    req.claim = &claim;
    expect(s, &req, DUBAN__CODE__CODE_OK, NULL);
  }
  char mdb[300];
  snprintf(mdb, sizeof mdb, "%s/data.mdb", data);
  long long before = file_size(mdb);
  for (int i = 0; i < 1500; i++) {
    BODY(req, Progress, PROGRESS, progress);
    progress.task = "demo-2023-1:1.2.1";
    progress.percent = i % 100;
    req.progress = &progress;
    Duban__Reply *reply = call(s, &req);
    assert_non_null(reply);
    assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
    dbn_wire_reply_free(&reply);
  }
  long long after = file_size(mdb);
  print_message("data.mdb %lld -> %lld bytes over 1500 writes after a reader died\n", before, after);
  /* A pinned snapshot makes every write copy its pages anew: tens of MiB. */
  assert_true(after - before < 4 * 1024 * 1024);
  assert_true(broker_log_has("cleared 1 reader slots"));
  zmq_close(s);
}

int
main(void)
{
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bytes_that_do_not_decode),
      cmocka_unit_test(test_truncated_and_bit_flipped),
      cmocka_unit_test(test_version_and_unknown_type),
      cmocka_unit_test(test_frame_over_the_limit),
      cmocka_unit_test(test_text_and_numbers),
      cmocka_unit_test(test_unknown_things_and_wrong_state),
      cmocka_unit_test(test_raw_tcp_garbage),
      cmocka_unit_test(test_handshake_never_finished),
      cmocka_unit_test(test_replayed_request),
      cmocka_unit_test(test_authorization_matrix),
      cmocka_unit_test(test_no_key_wrong_key_revoked_key),
      cmocka_unit_test(test_auditor_killed_mid_read),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
