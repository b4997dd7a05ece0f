/* client.c: one ZeroMQ DEALER connection to the broker (tcp + CURVE) or to a
 * department's agent (ipc), as client.h describes.
 *
 * Reliability here is the simple kind: a call resends its request with the
 * same id until the matching reply comes or the time is up, and the broker's
 * dedup table turns the repeats into one effect. ZMQ_IMMEDIATE keeps a
 * request from sitting in a queue for a connection that does not exist yet:
 * a send that cannot go out now waits for the socket to become writable
 * (zmq_poll POLLOUT), so nothing spins while the server is away. Each client
 * has its own ZeroMQ context: one client per thread, nothing shared. */
#include "client.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <zmq.h>

#include "leader_hint.h"
#include "log.h"
#include "wire.h"
#include "monotonic.h"
#include "request.h"
#include "signed_request.h"
#include "witness.h"

struct dbn_client {
  dbn_witness_t *witness;    /* owned; the broker's checkpoints kept in DUBAN_WITNESS (NULL: none) */
  void *context;             /* owned; only this client's sockets live in it */
  void *socket;              /* owned DEALER */
  void *monitor;             /* owned PAIR reading socket events; NULL until dbn_client_monitor */
  char monitor_endpoint[64]; /* inproc endpoint of the monitor */
  int timeout_ms;            /* dbn_client_call's limit */
  int resend_ms;             /* dbn_client_call's resend interval */
  char request_id[33];       /* the id dbn_client_call chose for the last request without one */
  char endpoints[DBN_CLIENT_MAX_ENDPOINTS][DBN_LEADER_HINT_MAX]; /* every broker given (replicated mode) */
  int endpoint_count;
  int endpoint_next;                   /* where dbn_client_next_endpoint goes */
  char connected[DBN_LEADER_HINT_MAX]; /* the endpoint the socket is connected to now */
  struct client_signer { /* this identity's own signing key (NAME.sign_secret beside NAME.key) */
    bool enabled;
    dbn_sign_key_t key;
    char identity[DBN_MAX_ID + 1];          /* the cert's "identity" */
    uint64_t seen_seq;                      /* the newest head any reply named */
    uint8_t signature[DBN_SIGNATURE_BYTES]; /* the last request's, owned until the next */
    char plan[DBN_MAX_ID];
  } signer;
};

/* Reconnect quickly after a short blip, but back off to once every 5 s while
 * the broker stays down so a fleet of agents does not hammer its port. */
#define RECONNECT_IVL_MS 100
#define RECONNECT_IVL_MAX_MS 5000
/* Heartbeats notice a peer that vanished without closing the connection (a
 * pulled cable, a frozen host), so the agent learns it must resend. */
#define HEARTBEAT_IVL_MS 2000
#define HEARTBEAT_TIMEOUT_MS 6000

static int
zmq_error(void)
{
  switch (errno) {
  case ENOMEM: return DBN_ENOMEM;
  case EINVAL:
  case EPROTONOSUPPORT:
  case ENOCOMPATPROTO: return DBN_EINVAL;
  case EAGAIN: return DBN_EUNAVAIL;
  case EMSGSIZE: return DBN_ETOOBIG;
  default: return DBN_EIO;
  }
}

/* Set one socket option: the limits and the keys an invariant rests on
 * (CURVE, ZMQ_MAXMSGSIZE) must never silently not take. On failure log
 * which option and why; the caller reports the code. */
static int
set_option(void *socket, int option, const char *name, const void *value, size_t len)
{
  if (zmq_setsockopt(socket, option, value, len) == 0)
    return 0;
  int saved_errno = errno;
  dbn_log(DBN_LOG_ERROR, "client", "cannot set %s on the connection: %s", name, zmq_strerror(saved_errno));
  errno = saved_errno;
  return zmq_error();
}

/* The options every connection gets, in one table. */
static const struct {
  int option;       /* ZMQ_* */
  const char *name; /* for the message when it does not take */
  int value;
} connection_options[] = {
    {ZMQ_LINGER, "ZMQ_LINGER", 0},
    {ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", 1},
    {ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL", RECONNECT_IVL_MS},
    {ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", RECONNECT_IVL_MAX_MS},
    {ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", HEARTBEAT_IVL_MS},
    {ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", HEARTBEAT_TIMEOUT_MS},
};

static int
set_connection_options(void *socket)
{
  /* The transport refuses a bigger frame before it costs us memory. */
  int64_t max_message = DBN_MAX_MESSAGE;
  int rc = set_option(socket, ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", &max_message, sizeof max_message);
  for (size_t i = 0; rc == 0 && i < sizeof connection_options / sizeof connection_options[0]; i++)
    rc = set_option(socket, connection_options[i].option, connection_options[i].name,
                    &connection_options[i].value, sizeof connection_options[i].value);
  return rc;
}

/* A public cert without its _secret file loads with an all-zero secret key
 * (Z85 of 32 zero bytes is forty '0's). */
static bool
has_secret_key(zcert_t *cert)
{
  char zeros[41];
  memset(zeros, '0', 40);
  zeros[40] = '\0';
  return strcmp(zcert_secret_txt(cert), zeros) != 0;
}

static int
set_curve_keys(void *socket, zcert_t *server, zcert_t *client)
{
  int rc = set_option(socket, ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY (the broker's public key)",
                      zcert_public_key(server), 32);
  if (rc == 0)
    rc = set_option(socket, ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY (this client's public key)",
                    zcert_public_key(client), 32);
  if (rc == 0)
    rc = set_option(socket, ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY (this client's secret key)",
                    zcert_secret_key(client), 32);
  return rc;
}

/* NAME.key's secret and signing secret files must be their holder's alone:
 * a group or world readable secret is refused, naming the file. */
static int
check_secret(const char *path)
{
  char why[PATH_MAX + 256];
  int rc = dbn_secret_file_check(path, why, sizeof why);
  if (rc && rc != DBN_ENOTFOUND)
    dbn_log(DBN_LOG_ERROR, "client", "%s", why);
  return rc == DBN_ENOTFOUND ? 0 : rc;
}

/* Load NAME.sign_secret beside NAME.key when it is there: then every write
 * this client sends carries its holder's signature (store/signed_request.h). */
static int
load_signer(struct client_signer *signer, const char *client_cert, zcert_t *cert)
{
  char path[PATH_MAX];
  size_t len = strlen(client_cert);
  if (len < 4 || strcmp(client_cert + len - 4, ".key") != 0 || len + 8 >= sizeof path)
    return 0;
  snprintf(path, sizeof path, "%.*s.sign_secret", (int)(len - 4), client_cert);
  if (access(path, F_OK) != 0)
    return 0;
  int rc = check_secret(path);
  if (rc)
    return rc;
  const char *identity = zcert_meta(cert, "identity");
  if (!identity || (rc = dbn_sign_key_load_secret(&signer->key, path)) != 0) {
    dbn_log(DBN_LOG_ERROR, "client", "cannot use the signing key %s (%s)", path,
            identity ? "not a signing secret key" : "the cert names no identity");
    return rc ? rc : DBN_EINVAL;
  }
  snprintf(signer->identity, sizeof signer->identity, "%s", identity);
  signer->enabled = true;
  return 0;
}

/* Load the broker's public key and this client's key pair into the socket.
 * zcert_load reads NAME and NAME_secret; the server cert has no secret file,
 * and zcert_load accepts that (the secret key is then all zeros, unused). */
static int
setup_curve(void *socket, const char *server_cert, const char *client_cert, struct client_signer *signer)
{
  /* Without CURVE in libzmq the key options fail with a bare EINVAL: say
   * what is actually wrong. */
  if (!zmq_has("curve")) {
    dbn_log(DBN_LOG_ERROR, "client",
            "this libzmq was built without CURVE; duban needs it to talk to the broker");
    return DBN_EINVAL;
  }
  zcert_t *server = zcert_load(server_cert);
  if (!server) {
    dbn_log(DBN_LOG_ERROR, "client", "cannot read the broker's public key %s", server_cert);
    return DBN_ENOTFOUND;
  }
  char secret_path[PATH_MAX];
  snprintf(secret_path, sizeof secret_path, "%s_secret", client_cert);
  if (check_secret(secret_path) != 0) {
    zcert_destroy(&server);
    return DBN_EPERM;
  }
  zcert_t *client = zcert_load(client_cert);
  if (!client) {
    dbn_log(DBN_LOG_ERROR, "client", "cannot read the key pair %s (and %s_secret)", client_cert, client_cert);
    zcert_destroy(&server);
    return DBN_ENOTFOUND;
  }
  /* Refuse a missing secret here, where the message can name the file. */
  int rc = 0;
  if (!has_secret_key(client)) {
    dbn_log(DBN_LOG_ERROR, "client", "%s_secret is missing: a client needs its secret key", client_cert);
    rc = DBN_ENOTFOUND;
  } else if ((rc = set_curve_keys(socket, server, client)) == 0) {
    rc = load_signer(signer, client_cert, client);
  }
  zcert_destroy(&client);
  zcert_destroy(&server);
  return rc;
}

/* "tcp://a:7700,tcp://b:7700": the brokers of a replicated deployment,
 * tried in this order. One address is the usual single broker. */
static int
split_endpoints(dbn_client_t *client, const char *list)
{
  const char *p = list;
  while (*p) {
    size_t len = strcspn(p, ",");
    if (len == 0 || len >= sizeof client->endpoints[0] ||
        client->endpoint_count == DBN_CLIENT_MAX_ENDPOINTS) {
      dbn_log(DBN_LOG_ERROR, "client", "bad broker address list '%s' (comma-separated, at most %d)", list,
              DBN_CLIENT_MAX_ENDPOINTS);
      return DBN_EINVAL;
    }
    memcpy(client->endpoints[client->endpoint_count], p, len);
    client->endpoints[client->endpoint_count++][len] = '\0';
    p += len + (p[len] == ',');
  }
  client->endpoint_next = 1 % (client->endpoint_count ? client->endpoint_count : 1);
  return client->endpoint_count ? 0 : DBN_EINVAL;
}

/* Move the socket to endpoint: what was queued for the old one is dropped
 * with it (the caller resends under the same request id). */
static int
connect_to(dbn_client_t *client, const char *endpoint)
{
  if (client->connected[0] && zmq_disconnect(client->socket, client->connected) != 0)
    dbn_log(DBN_LOG_WARN, "client", "cannot disconnect from %s: %s", client->connected, zmq_strerror(errno));
  client->connected[0] = '\0';
  if (zmq_connect(client->socket, endpoint) != 0) {
    int rc = zmq_error();
    dbn_log(DBN_LOG_ERROR, "client", "cannot connect to %s: %s", endpoint, zmq_strerror(errno));
    return rc;
  }
  snprintf(client->connected, sizeof client->connected, "%s", endpoint);
  return 0;
}

bool
dbn_client_follow_leader(dbn_client_t *client, const Duban__Reply *reply)
{
  char leader[DBN_LEADER_HINT_MAX];
  if (reply->code != DUBAN__CODE__CODE_UNAVAILABLE ||
      !dbn_leader_hint_parse(reply->message, leader, sizeof leader) || strcmp(leader, client->connected) == 0)
    return false;
  dbn_log(DBN_LOG_INFO, "client", "%s is a follower; moving to the leader %s", client->connected, leader);
  return connect_to(client, leader) == 0;
}

bool
dbn_client_next_endpoint(dbn_client_t *client)
{
  if (client->endpoint_count < 2)
    return false;
  const char *next = client->endpoints[client->endpoint_next];
  client->endpoint_next = (client->endpoint_next + 1) % client->endpoint_count;
  if (strcmp(next, client->connected) == 0)
    return dbn_client_next_endpoint(client);
  return connect_to(client, next) == 0;
}

int
dbn_client_new(dbn_client_t **client_p, const dbn_client_options_t *options)
{
  assert(client_p && options);
  if (!options->endpoint || (!options->server_cert != !options->client_cert))
    return DBN_EINVAL;
  dbn_client_t *client = calloc(1, sizeof *client);
  if (!client)
    return DBN_ENOMEM;
  client->timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 5000;
  client->resend_ms = options->resend_ms > 0 ? options->resend_ms : 1000;
  int rc = DBN_ENOMEM;
  client->context = zmq_ctx_new();
  if (!client->context)
    goto fail;
  client->socket = zmq_socket(client->context, ZMQ_DEALER);
  if (!client->socket)
    goto fail;
  rc = set_connection_options(client->socket);
  if (rc)
    goto fail;
  if (options->server_cert) {
    rc = setup_curve(client->socket, options->server_cert, options->client_cert, &client->signer);
    if (rc)
      goto fail;
    const char *witness_dir = getenv("DUBAN_WITNESS");
    if (witness_dir && *witness_dir &&
        (rc = dbn_witness_open(&client->witness, witness_dir, options->server_cert)))
      goto fail;
    dbn_client_cosign_into(client, client->witness);
  }
  if ((rc = split_endpoints(client, options->endpoint)) || (rc = connect_to(client, client->endpoints[0])))
    goto fail;
  *client_p = client;
  return 0;
fail:
  dbn_client_destroy(&client);
  return rc;
}

void
dbn_client_destroy(dbn_client_t **client_p)
{
  if (!client_p || !*client_p)
    return;
  dbn_client_t *client = *client_p;
  if (client->monitor) {
    zmq_socket_monitor(client->socket, NULL, 0);
    zmq_close(client->monitor);
  }
  if (client->socket)
    zmq_close(client->socket);
  if (client->context)
    zmq_ctx_term(client->context);
  dbn_witness_close(&client->witness);
  dbn_sign_key_clear(&client->signer.key);
  free(client);
  *client_p = NULL;
}

/* Wait until the socket is ready for events (ZMQ_POLLIN: a message to
 * read; ZMQ_POLLOUT: room for one), at most timeout_ms (0 = just look,
 * -1 = forever); DBN_ETIMEDOUT when it was not. Sending and receiving share
 * it so that EINTR and the deadline are handled one way. */
static int
wait_ready(void *socket, short events, int timeout_ms)
{
  zmq_pollitem_t item = {.socket = socket, .events = events};
  int64_t deadline = dbn_monotonic_ms() + timeout_ms;
  for (;;) {
    int left = timeout_ms < 0 ? -1 : (int)(deadline - dbn_monotonic_ms());
    if (timeout_ms >= 0 && left < 0)
      left = 0;
    int n = zmq_poll(&item, 1, left);
    if (n < 0 && errno != EINTR)
      return zmq_error();
    if (n > 0)
      return 0;
    if (left == 0)
      return DBN_ETIMEDOUT;
  }
}

int
dbn_client_send_packed(dbn_client_t *client, const uint8_t *buf, size_t len, int timeout_ms)
{
  assert(client && buf);
  if (len > DBN_MAX_MESSAGE)
    return DBN_ETOOBIG;
  int64_t deadline = dbn_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  for (;;) {
    if (zmq_send(client->socket, buf, len, ZMQ_DONTWAIT) >= 0)
      return 0;
    if (errno != EAGAIN && errno != EINTR)
      return zmq_error();
    /* EAGAIN: no connection is up (ZMQ_IMMEDIATE) or its queue is full.
     * Wait for room rather than spin; 0 means the caller polls itself. */
    int left = (int)(deadline - dbn_monotonic_ms());
    if (timeout_ms == 0 || left <= 0)
      return DBN_EUNAVAIL;
    int rc = wait_ready(client->socket, ZMQ_POLLOUT, left);
    if (rc)
      return rc == DBN_ETIMEDOUT ? DBN_EUNAVAIL : rc;
  }
}

static void
prepare(dbn_client_t *client, Duban__Request *req)
{
  req->version = DBN_PROTOCOL_VERSION;
  if (!req->request_id || !req->request_id[0]) {
    dbn_wire_new_request_id(client->request_id);
    req->request_id = client->request_id;
  }
}

int
dbn_client_sign(dbn_client_t *client, Duban__Request *req)
{
  struct client_signer *signer = &client->signer;
  if (!signer->enabled || !dbn_request_is_write(req->body_case) || req->signature.len)
    return 0;
  return dbn_request_sign(req, signer->identity, &signer->key, signer->seen_seq, signer->signature,
                          signer->plan);
}

bool
dbn_client_signs(const dbn_client_t *client)
{
  return client->signer.enabled;
}

void
dbn_client_cosign_into(const dbn_client_t *client, dbn_witness_t *witness)
{
  if (client->signer.enabled)
    dbn_witness_cosign_as(witness, client->signer.identity, &client->signer.key);
}

/* prepare, sign, then pack: *buf_p is the caller's to free on success.
 * Sending once and calling with retries start the same way. */
static int
prepare_and_pack(dbn_client_t *client, Duban__Request *req, uint8_t **buf_p, size_t *len_p)
{
  prepare(client, req);
  int rc = dbn_client_sign(client, req);
  return rc ? rc : dbn_wire_pack(&req->base, buf_p, len_p);
}

int
dbn_client_send(dbn_client_t *client, Duban__Request *req)
{
  assert(client && req);
  uint8_t *buf;
  size_t len;
  int rc = prepare_and_pack(client, req, &buf, &len);
  if (rc)
    return rc;
  rc = dbn_client_send_packed(client, buf, len, client->timeout_ms);
  free(buf);
  return rc == DBN_EUNAVAIL ? DBN_ETIMEDOUT : rc;
}

/* The first broker gets a second to take the request; each next one twice
 * as long as the one before (a connection made anew does its CURVE
 * handshake first, which a loaded machine can make slow), within the
 * client's timeout in all. */
#define SEND_ANY_FIRST_WAIT_MS 1000

int
dbn_client_send_any(dbn_client_t *client, Duban__Request *req)
{
  assert(client && req);
  if (client->endpoint_count < 2)
    return dbn_client_send(client, req);
  uint8_t *buf;
  size_t len;
  int rc = prepare_and_pack(client, req, &buf, &len);
  if (rc)
    return rc;
  int64_t deadline = dbn_monotonic_ms() + client->timeout_ms;
  int wait_ms = client->timeout_ms < SEND_ANY_FIRST_WAIT_MS ? client->timeout_ms : SEND_ANY_FIRST_WAIT_MS;
  rc = dbn_client_send_packed(client, buf, len, wait_ms);
  for (int64_t left = deadline - dbn_monotonic_ms(); rc == DBN_EUNAVAIL && left > 0;
       left = deadline - dbn_monotonic_ms()) {
    dbn_log(DBN_LOG_INFO, "client", "%s has no connection; trying the next broker", client->connected);
    if (!dbn_client_next_endpoint(client))
      break;
    wait_ms = 2 * wait_ms < left ? 2 * wait_ms : (int)left;
    rc = dbn_client_send_packed(client, buf, len, wait_ms);
  }
  free(buf);
  return rc == DBN_EUNAVAIL ? DBN_ETIMEDOUT : rc;
}

int
dbn_client_recv(dbn_client_t *client, Duban__Reply **reply_p, int timeout_ms)
{
  assert(client && reply_p);
  int ready = wait_ready(client->socket, ZMQ_POLLIN, timeout_ms);
  if (ready != 0)
    return ready;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  if (zmq_msg_recv(&msg, client->socket, ZMQ_DONTWAIT) < 0) {
    int rc = errno == EAGAIN ? DBN_ETIMEDOUT : zmq_error();
    zmq_msg_close(&msg);
    return rc;
  }
  /* A peer that speaks duban sends one frame per message; drop the rest of
   * anything else so the next receive starts at a message boundary. */
  while (zmq_msg_more(&msg)) {
    zmq_msg_t rest;
    zmq_msg_init(&rest);
    zmq_msg_recv(&rest, client->socket, 0);
    int more = zmq_msg_more(&rest);
    zmq_msg_close(&rest);
    if (!more)
      break;
  }
  int rc = dbn_wire_reply_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), reply_p);
  zmq_msg_close(&msg);
  if (rc == 0 && (*reply_p)->head_seq > client->signer.seen_seq)
    client->signer.seen_seq = (*reply_p)->head_seq; /* what the next signature says we saw */
  return rc;
}

/* Where one dbn_client_call stands between its sends. */
struct call {
  int64_t next_send;     /* when the request goes (again) */
  bool must_send;        /* due, but the connection could not take it yet */
  bool tried;            /* a send was due at least once */
  bool moved;            /* just moved to the leader a follower named: stay there */
  bool went_out;         /* the request reached this broker's connection */
  int silent;            /* resends this broker left unanswered */
  Duban__Reply *not_now; /* the last `unavailable` of a replicated deployment */
};

/* A resend is due: with several brokers, leave one with no connection at
 * once, and one that took the request and stays silent after a second
 * chance (a leader waiting on etcd). A leader a follower just named gets
 * half the interval to take the request: until its lease runs out a
 * follower names a leader that was killed, and a client that waited the
 * whole interval there each time added seconds to a failover. Half, not
 * less: a new connection's TCP and CURVE handshakes take three round
 * trips, which on a slow network between sites can be a few hundred ms. */
static void
call_due(dbn_client_t *client, struct call *c, int64_t now)
{
  if (c->tried && !c->moved && (!c->went_out || ++c->silent >= 2) && dbn_client_next_endpoint(client)) {
    c->went_out = false;
    c->silent = 0;
  }
  c->tried = true;
  c->must_send = true;
  c->next_send = now + (c->moved ? client->resend_ms / 2 : client->resend_ms);
  c->moved = false;
}

/* Our reply: true when it is the answer. An `unavailable` from one of
 * several brokers, or one naming the leader, is not: it is kept in
 * not_now (the answer if time runs out) and the request goes again, to
 * the leader at once when the reply named one (moved to by now), else to
 * the next broker soon. */
static bool
call_answered(dbn_client_t *client, struct call *c, Duban__Reply *reply, int64_t now)
{
  if (reply->code != DUBAN__CODE__CODE_UNAVAILABLE)
    return true;
  c->moved = dbn_client_follow_leader(client, reply);
  if (!c->moved && client->endpoint_count < 2)
    return true;
  dbn_wire_reply_free(&c->not_now);
  c->not_now = reply;
  c->went_out = false;
  c->silent = 0;
  if (c->moved) {
    c->next_send = now;
    c->must_send = false;
  } else if (c->next_send > now + client->resend_ms / 4) {
    c->next_send = now + client->resend_ms / 4; /* an election: soon, elsewhere */
  }
  return false;
}

/* One request, one reply (dbn_client_call without following a cursor),
 * moving between the brokers of a replicated deployment as they answer. */
static int
call_once(dbn_client_t *client, Duban__Request *req, Duban__Reply **reply_p)
{
  uint8_t *buf;
  size_t len;
  if (client->witness)
    req->fresh_checkpoint = true; /* a witness asks for the head as it is now */
  int rc = prepare_and_pack(client, req, &buf, &len);
  if (rc)
    return rc;
  int64_t deadline = dbn_monotonic_ms() + client->timeout_ms;
  struct call c = {.next_send = dbn_monotonic_ms()};
  for (;;) {
    int64_t now = dbn_monotonic_ms();
    if (now >= deadline) {
      rc = DBN_ETIMEDOUT;
      break;
    }
    if (now >= c.next_send)
      call_due(client, &c, now);
    if (c.must_send) {
      rc = dbn_client_send_packed(client, buf, len, 0);
      if (rc == 0) {
        c.must_send = false;
        c.went_out = true;
        c.next_send = now + client->resend_ms;
      } else if (rc != DBN_EUNAVAIL) {
        break;
      } else {
        c.went_out = false; /* no connection now: what went out before went with it (a killed broker) */
      }
    }
    /* While a send is due, POLLOUT wakes us when a connection comes up;
     * otherwise sleep until a reply or the next resend. */
    zmq_pollitem_t item = {.socket = client->socket, .events = ZMQ_POLLIN};
    int64_t wake = c.next_send < deadline ? c.next_send : deadline;
    if (c.must_send)
      item.events |= ZMQ_POLLOUT;
    int n = zmq_poll(&item, 1, (int)(wake - now));
    if (n < 0 && errno != EINTR) {
      rc = zmq_error();
      break;
    }
    if (n <= 0 || !(item.revents & ZMQ_POLLIN))
      continue;
    Duban__Reply *reply;
    rc = dbn_client_recv(client, &reply, 0);
    if (rc == DBN_ETIMEDOUT || rc == DBN_EPROTO || rc == DBN_ETOOBIG)
      continue; /* nothing, or garbage from the peer: not our answer */
    if (rc)
      break;
    if (!reply->request_id || strcmp(reply->request_id, req->request_id) != 0) {
      dbn_wire_reply_free(&reply); /* a late answer to an earlier call that timed out: not ours */
      continue;
    }
    if (call_answered(client, &c, reply, now)) {
      dbn_witness_take(client->witness, reply);
      *reply_p = reply;
      break;
    }
  }
  /* Out of time while the brokers said "not now": that is the answer. */
  if (rc == DBN_ETIMEDOUT && c.not_now) {
    *reply_p = c.not_now;
    c.not_now = NULL;
    rc = 0;
  }
  dbn_wire_reply_free(&c.not_now);
  free(buf);
  return rc;
}

void *
dbn_client_socket(dbn_client_t *client)
{
  assert(client);
  return client->socket;
}

int
dbn_client_monitor(dbn_client_t *client, void **socket_p)
{
  assert(client && socket_p);
  if (!client->monitor) {
    snprintf(client->monitor_endpoint, sizeof client->monitor_endpoint, "inproc://dbn-client-monitor-%p",
             (void *)client);
    int events = ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
    if (zmq_socket_monitor(client->socket, client->monitor_endpoint, events) != 0)
      return zmq_error();
    client->monitor = zmq_socket(client->context, ZMQ_PAIR);
    if (!client->monitor)
      return zmq_error();
    if (zmq_connect(client->monitor, client->monitor_endpoint) != 0) {
      int rc = zmq_error();
      zmq_close(client->monitor);
      client->monitor = NULL;
      return rc;
    }
  }
  *socket_p = client->monitor;
  return 0;
}

int
dbn_client_monitor_read(dbn_client_t *client, enum dbn_client_event *event_p)
{
  assert(client && event_p);
  *event_p = DBN_CLIENT_EVENT_NONE;
  if (!client->monitor)
    return DBN_EINVAL;
  /* A monitor message is two frames: 16-bit event + 32-bit value, then the
   * endpoint. Only the first matters here. */
  zmq_msg_t frame;
  zmq_msg_init(&frame);
  if (zmq_msg_recv(&frame, client->monitor, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&frame);
    return errno == EAGAIN ? 0 : zmq_error();
  }
  uint16_t event = 0;
  if (zmq_msg_size(&frame) >= sizeof event)
    memcpy(&event, zmq_msg_data(&frame), sizeof event);
  while (zmq_msg_more(&frame)) {
    zmq_msg_close(&frame);
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, client->monitor, 0) < 0)
      break;
  }
  zmq_msg_close(&frame);
  switch (event) {
  case ZMQ_EVENT_DISCONNECTED: *event_p = DBN_CLIENT_EVENT_DISCONNECTED; break;
  case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: *event_p = DBN_CLIENT_EVENT_CONNECTED; break;
  case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
  case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
  case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: *event_p = DBN_CLIENT_EVENT_REFUSED; break;
  default: *event_p = DBN_CLIENT_EVENT_OTHER; break;
  }
  return 0;
}

int
dbn_client_watch(dbn_client_t *client, uint64_t after_seq)
{
  Duban__Watch watch = DUBAN__WATCH__INIT;
  watch.after_seq = after_seq;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_WATCH;
  req.watch = &watch;
  return dbn_client_send_any(client, &req);
}

/* The cursor of a list request (NULL for a request that is not a list):
 * these replies come a page at a time (broker/read.h). */
static char **
list_cursor(Duban__Request *req)
{
  if (req->body_case == DUBAN__REQUEST__BODY_LIST_TASKS && req->list_tasks)
    return &req->list_tasks->cursor;
  if (req->body_case == DUBAN__REQUEST__BODY_LIST_ESCALATIONS && req->list_escalations)
    return &req->list_escalations->cursor;
  if (req->body_case == DUBAN__REQUEST__BODY_LIST_INBOX && req->list_inbox)
    return &req->list_inbox->cursor;
  return NULL;
}

/* Move page's items (an array of pointers) to the end of into's: protobuf-c's
 * default allocator is malloc's, so into's arrays may grow with realloc. */
#define APPEND_ITEMS(into, page, items, n_items)                                                             \
  do {                                                                                                       \
    if ((page)->n_items) {                                                                                   \
      void *grown = realloc((into)->items, ((into)->n_items + (page)->n_items) * sizeof *(into)->items);     \
      if (!grown)                                                                                            \
        return DBN_ENOMEM;                                                                                   \
      (into)->items = grown;                                                                                 \
      memcpy((into)->items + (into)->n_items, (page)->items, (page)->n_items * sizeof *(into)->items);       \
      (into)->n_items += (page)->n_items;                                                                    \
      (page)->n_items = 0;                                                                                   \
    }                                                                                                        \
  } while (0)

/* Move every list a paged reply may carry (inbox_persons is parallel to inbox). */
static int
append_page(Duban__Reply *into, Duban__Reply *page)
{
  APPEND_ITEMS(into, page, tasks, n_tasks);
  APPEND_ITEMS(into, page, escalations, n_escalations);
  APPEND_ITEMS(into, page, inbox, n_inbox);
  APPEND_ITEMS(into, page, inbox_persons, n_inbox_persons);
  return 0;
}

/* A list whose first reply names a next page: ask for each page in turn
 * (each under a request id of its own) and gather them into *reply_p, so
 * that callers see the whole list. A page that fails ends it with that
 * page's reply. */
static int
follow_pages(dbn_client_t *client, Duban__Request *req, char **cursor, Duban__Reply **reply_p)
{
  char *given_id = req->request_id, *given_cursor = *cursor;
  char next[DBN_MAX_ID + 1];
  int rc = 0;
  while (rc == 0 && (*reply_p)->next_cursor && *(*reply_p)->next_cursor) {
    snprintf(next, sizeof next, "%s", (*reply_p)->next_cursor);
    *cursor = next;
    req->request_id = (char *)"";
    Duban__Reply *page = NULL;
    if ((rc = call_once(client, req, &page)))
      break;
    if (page->code != DUBAN__CODE__CODE_OK) {
      dbn_wire_reply_free(reply_p);
      *reply_p = page;
      break;
    }
    if ((rc = append_page(*reply_p, page)) == 0) {
      /* The last page's cursor (none) and head are the gathered reply's. */
      char *swap = (*reply_p)->next_cursor;
      (*reply_p)->next_cursor = page->next_cursor;
      page->next_cursor = swap;
      (*reply_p)->head_seq = page->head_seq;
    }
    dbn_wire_reply_free(&page);
  }
  if (rc)
    dbn_wire_reply_free(reply_p);
  req->request_id = given_id;
  *cursor = given_cursor;
  return rc;
}

int
dbn_client_call(dbn_client_t *client, Duban__Request *req, Duban__Reply **reply_p)
{
  assert(client && req && reply_p);
  int rc = call_once(client, req, reply_p);
  char **cursor = list_cursor(req);
  if (rc || !cursor || (*reply_p)->code != DUBAN__CODE__CODE_OK)
    return rc;
  return follow_pages(client, req, cursor, reply_p);
}
