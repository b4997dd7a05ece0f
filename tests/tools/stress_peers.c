/* stress_peers.c: clients that misbehave within the protocol, and one that
 * behaves, for the broker's per-peer bounds (test_harden_peers.sh) and the
 * soak test (test_harden_soak.sh).
 *
 *   duban-stress-peers ENDPOINT BROKER_KEY CLIENT_KEY MODE SECONDS [ARGS]
 *
 * MODE is one of
 *   watchers N     N connections that each watch the log from seq 0 and
 *                  never read a delivery (they ask again from 0 every 20 s,
 *                  as the broker forgets a watch not renewed in 60 s)
 *   flood          list_tasks as fast as the connection takes them, never
 *                  reading a reply
 *   oversized      requests of nearly 4 MiB (a report padded with an
 *                  unknown field), each waited for
 *   reconnect      connect, ping, close, again, as fast as it goes
 *   writer TASK    progress reports on TASK one after another, each waited
 *                  for (a well-behaved department)
 * Keys are the zcert files `duban keygen` writes. At the end it prints one
 * line: "MODE: N requests sent, A answered, R/s answered". The writer
 * exits 1 when no report at all was accepted. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "wire.h"

struct stress {
  const char *endpoint;
  zcert_t *server, *client;
  void *ctx;
  int64_t deadline_ms;
  unsigned long sent, answered;
};

static int64_t
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
connect_socket(struct stress *st, int receive_hwm)
{
  void *s = zmq_socket(st->ctx, ZMQ_DEALER);
  int linger = 0;
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(s, ZMQ_RCVHWM, &receive_hwm, sizeof receive_hwm);
  zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, zcert_public_key(st->server), 32);
  zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, zcert_public_key(st->client), 32);
  zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, zcert_secret_key(st->client), 32);
  zmq_connect(s, st->endpoint);
  return s;
}

/* Pack req with a fresh request id, plus pad bytes of unknown field 1000. */
static int
pack(Duban__Request *req, size_t pad, uint8_t **buf_p, size_t *len_p)
{
  char id[33];
  req->version = DBN_PROTOCOL_VERSION;
  dbn_wire_new_request_id(id);
  req->request_id = id;
  uint8_t *packed;
  size_t len;
  int rc = dbn_wire_pack(&req->base, &packed, &len);
  req->request_id = NULL;
  if (rc || pad == 0) {
    *buf_p = packed;
    *len_p = len;
    return rc;
  }
  uint8_t *grown = realloc(packed, len + 16 + pad);
  if (!grown) {
    free(packed);
    return DBN_ENOMEM;
  }
  size_t n = len;
  for (uint64_t v = (1000u << 3) | 2;; v >>= 7) {
    grown[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    if (v < 0x80)
      break;
  }
  for (uint64_t v = pad;; v >>= 7) {
    grown[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    if (v < 0x80)
      break;
  }
  memset(grown + n, 'x', pad);
  *buf_p = grown;
  *len_p = n + pad;
  return 0;
}

/* Wait up to wait_ms for one reply on s: 1 OK, 0 another code, -1 none. */
static int
await_reply(struct stress *st, void *s, int wait_ms)
{
  zmq_pollitem_t item = {.socket = s, .events = ZMQ_POLLIN};
  if (zmq_poll(&item, 1, wait_ms) <= 0)
    return -1;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  int ok = -1;
  if (zmq_msg_recv(&msg, s, 0) >= 0) {
    st->answered++;
    Duban__Reply *reply = NULL;
    ok = 0;
    if (dbn_wire_reply_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), &reply) == 0)
      ok = reply->code == DUBAN__CODE__CODE_OK;
    dbn_wire_reply_free(&reply);
  }
  zmq_msg_close(&msg);
  return ok;
}

/* Send req on s; with wait_ms, wait that long for its reply, sending it
 * again under the same request id every second meanwhile (as duban's
 * client does: a reply lost when the broker dropped every connection is
 * asked for again). Returns 1 answered OK, 0 answered otherwise or not at
 * all, -1 not sent. */
static int
send_request(struct stress *st, void *s, Duban__Request *req, size_t pad, int flags, int wait_ms)
{
  uint8_t *buf;
  size_t len;
  if (pack(req, pad, &buf, &len))
    return -1;
  int64_t deadline = now_ms() + wait_ms;
  int result = -1;
  do {
    if (zmq_send(s, buf, len, flags) < 0)
      break;
    st->sent++;
    result = 0;
    if (wait_ms <= 0)
      break;
    int64_t left = deadline - now_ms();
    int got = await_reply(st, s, left < 1000 ? (int)(left > 0 ? left : 0) : 1000);
    if (got >= 0) {
      result = got;
      break;
    }
  } while (now_ms() < deadline);
  free(buf);
  return result;
}

static void
run_watchers(struct stress *st, int n)
{
  void **sockets = calloc((size_t)n, sizeof *sockets);
  if (!sockets)
    return;
  for (int i = 0; i < n; i++)
    sockets[i] = connect_socket(st, 1); /* and never read: what the broker holds is the question */
  int64_t renewed = 0;
  while (now_ms() < st->deadline_ms) {
    if (now_ms() - renewed >= 20000) {
      for (int i = 0; i < n; i++) {
        Duban__Watch watch = DUBAN__WATCH__INIT;
        Duban__Request req = DUBAN__REQUEST__INIT;
        req.body_case = DUBAN__REQUEST__BODY_WATCH;
        req.watch = &watch;
        send_request(st, sockets[i], &req, 0, ZMQ_DONTWAIT, 0);
      }
      renewed = now_ms();
    }
    zclock_sleep(100);
  }
  for (int i = 0; i < n; i++)
    zmq_close(sockets[i]);
  free(sockets);
}

static void
run_flood(struct stress *st)
{
  void *s = connect_socket(st, 1);
  while (now_ms() < st->deadline_ms) {
    Duban__ListTasks list = DUBAN__LIST_TASKS__INIT;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = DUBAN__REQUEST__BODY_LIST_TASKS;
    req.list_tasks = &list;
    if (send_request(st, s, &req, 0, ZMQ_DONTWAIT, 0) < 0)
      zclock_sleep(1); /* the connection's pipe is full: the broker is not reading us faster */
  }
  zmq_close(s);
}

static void
run_oversized(struct stress *st)
{
  void *s = connect_socket(st, 16);
  while (now_ms() < st->deadline_ms) {
    Duban__Progress progress = DUBAN__PROGRESS__INIT;
    progress.task = "demo-2023-1:1.1.1";
    progress.percent = 1;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
    req.progress = &progress;
    send_request(st, s, &req, 4 * 1024 * 1024 - 4096, 0, 5000);
  }
  zmq_close(s);
}

static void
run_reconnect(struct stress *st)
{
  while (now_ms() < st->deadline_ms) {
    void *s = connect_socket(st, 16);
    Duban__Ping ping = DUBAN__PING__INIT;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = DUBAN__REQUEST__BODY_PING;
    req.ping = &ping;
    send_request(st, s, &req, 0, 0, 2000);
    zmq_close(s);
  }
}

static unsigned long
run_writer(struct stress *st, const char *task)
{
  /* 2 KB notes, so that the log grows as a real one does, not by bytes. */
  static char note[2048 + 1];
  for (size_t i = 0; i + 3 <= sizeof note - 1; i += 3)
    memcpy(note + i, "进", 3);
  void *s = connect_socket(st, 16);
  unsigned long accepted = 0;
  for (int i = 0; now_ms() < st->deadline_ms; i++) {
    Duban__Progress progress = DUBAN__PROGRESS__INIT;
    progress.task = (char *)task;
    progress.percent = i % 100;
    progress.note = note;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
    req.progress = &progress;
    if (send_request(st, s, &req, 0, 0, 5000) == 1)
      accepted++;
  }
  zmq_close(s);
  return accepted;
}

int
main(int argc, char **argv)
{
  if (argc < 6) {
    fprintf(stderr, "usage: duban-stress-peers ENDPOINT BROKER_KEY CLIENT_KEY "
                    "watchers N|flood|oversized|reconnect|writer TASK SECONDS\n");
    return 2;
  }
  struct stress st = {.endpoint = argv[1], .server = zcert_load(argv[2]), .client = zcert_load(argv[3])};
  const char *mode = argv[4];
  bool with_arg = strcmp(mode, "watchers") == 0 || strcmp(mode, "writer") == 0;
  if (!st.server || !st.client || argc != (with_arg ? 7 : 6)) {
    fprintf(stderr, "duban-stress-peers: bad arguments or unreadable keys\n");
    return 2;
  }
  const char *arg = with_arg ? argv[5] : NULL;
  double seconds = atof(argv[with_arg ? 6 : 5]);
  st.ctx = zmq_ctx_new();
  int64_t start = now_ms();
  st.deadline_ms = start + (int64_t)(seconds * 1000);
  unsigned long accepted = 0;
  if (strcmp(mode, "watchers") == 0)
    run_watchers(&st, atoi(arg));
  else if (strcmp(mode, "flood") == 0)
    run_flood(&st);
  else if (strcmp(mode, "oversized") == 0)
    run_oversized(&st);
  else if (strcmp(mode, "reconnect") == 0)
    run_reconnect(&st);
  else if (strcmp(mode, "writer") == 0)
    accepted = run_writer(&st, arg);
  double elapsed = (double)(now_ms() - start) / 1000.0;
  printf("%s: %lu requests sent, %lu answered, %.0f/s answered", mode, st.sent, st.answered,
         elapsed > 0 ? (double)st.answered / elapsed : 0.0);
  if (strcmp(mode, "writer") == 0)
    printf(", %lu accepted", accepted);
  printf("\n");
  zmq_ctx_term(st.ctx);
  zcert_destroy(&st.server);
  zcert_destroy(&st.client);
  return strcmp(mode, "writer") == 0 && accepted == 0 ? 1 : 0;
}
