/* conn.c: the bench's connections to the broker.
 *
 * The same wire as agents/client.c (a DEALER, CURVE, one frame holding a
 * packed Request or Reply), but every socket lives in the bench's one
 * context instead of a context per client: 1,000 idle agents with a context
 * each would be 2,000 extra threads on a 2-core machine, and would measure
 * the bench instead of the broker. Each simulated agent still has its own
 * socket and its own unit key, so to the broker it is a separate
 * department. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <zmq.h>

#include "bench.h"
#include "wire.h"

void *
bench_conn_open(bench_env_t *env, const char *endpoint, const char *identity)
{
  char name[96], path[PATH_MAX + 128];
  snprintf(name, sizeof name, "%s", identity);
  for (char *p = name; *p; p++)
    if (*p == ':')
      *p = '-';
  snprintf(path, sizeof path, "%s/%s.key", env->keys, name);
  zcert_t *cert = zcert_load(path);
  if (!cert) {
    fprintf(stderr, "duban-bench: cannot read the key pair %s\n", path);
    return NULL;
  }
  void *socket = zmq_socket(env->zmq_ctx, ZMQ_DEALER);
  if (!socket) {
    fprintf(stderr, "duban-bench: cannot make a socket: %s\n", zmq_strerror(errno));
    zcert_destroy(&cert);
    return NULL;
  }
  int zero = 0, hwm = 100000;
  int64_t max_message = DBN_MAX_MESSAGE;
  zmq_setsockopt(socket, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
  zmq_setsockopt(socket, ZMQ_RCVHWM, &hwm, sizeof hwm);
  zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message);
  zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, env->broker_public, 32);
  zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, zcert_public_key(cert), 32);
  zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, zcert_secret_key(cert), 32);
  zcert_destroy(&cert);
  if (zmq_connect(socket, endpoint) != 0) {
    fprintf(stderr, "duban-bench: cannot connect to %s: %s\n", endpoint, zmq_strerror(errno));
    zmq_close(socket);
    return NULL;
  }
  return socket;
}

int
bench_conn_send(void *socket, Duban__Request *req)
{
  req->version = DBN_PROTOCOL_VERSION;
  uint8_t *buf;
  size_t len;
  if (dbn_wire_pack(&req->base, &buf, &len))
    return -1;
  int rc = zmq_send(socket, buf, len, 0) < 0 ? -1 : 0;
  free(buf);
  return rc;
}

int
bench_conn_recv(void *socket, Duban__Reply **reply_p, int timeout_ms)
{
  zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
  int n;
  do
    n = zmq_poll(&item, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return -1;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  if (zmq_msg_recv(&msg, socket, 0) < 0) {
    zmq_msg_close(&msg);
    return -1;
  }
  int rc = dbn_wire_reply_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), reply_p) ? -1 : 0;
  zmq_msg_close(&msg);
  return rc;
}

int
bench_conn_call(void *socket, Duban__Request *req, Duban__Reply **reply_p, int timeout_ms)
{
  if (bench_conn_send(socket, req))
    return -1;
  double deadline = bench_now() + timeout_ms / 1000.0;
  for (;;) {
    int left = (int)((deadline - bench_now()) * 1000);
    if (left <= 0)
      return -1;
    Duban__Reply *reply;
    if (bench_conn_recv(socket, &reply, left))
      return -1;
    if (reply->request_id && strcmp(reply->request_id, req->request_id) == 0) {
      *reply_p = reply;
      return 0;
    }
    dbn_wire_reply_free(&reply);
  }
}

void
bench_ping_init(bench_ping_t *ping)
{
  duban__request__init(&ping->req);
  duban__ping__init(&ping->ping);
  dbn_wire_new_request_id(ping->id);
  ping->req.request_id = ping->id;
  ping->req.body_case = DUBAN__REQUEST__BODY_PING;
  ping->req.ping = &ping->ping;
}

int
bench_conn_ping(void *socket, int timeout_ms)
{
  double deadline = bench_now() + timeout_ms / 1000.0;
  while (bench_now() < deadline) {
    bench_ping_t ping;
    bench_ping_init(&ping);
    Duban__Reply *reply;
    /* The first attempt may go out before the handshake is done and wait
     * in the queue; a reply to any attempt will do. */
    if (bench_conn_call(socket, &ping.req, &reply, 500) == 0) {
      bool ok = reply->code == DUBAN__CODE__CODE_OK;
      dbn_wire_reply_free(&reply);
      if (ok)
        return 0;
    }
  }
  return -1;
}
