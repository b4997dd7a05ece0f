/* broker.c: the event loop and group commit; see broker.h. */
#include "broker.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "broker_metrics.h"
#include "checkpoint.h"
#include "date.h"
#include "deadline_monitor.h"
#include "event_stream.h"
#include "evidence.h"
#include "flood_guard.h"
#include "log.h"
#include "peers.h"
#include "pipeline.h"
#include "request.h"
#include "read.h"
#include "replication.h"
#include "rules.h"
#include "store.h"
#include "wire.h"
#include "monotonic.h"

#define IDENTITY_MAX 128
/* How often the broker reads its own memory (anonymous memory, so not the
 * log's mapped pages) against its ceiling, --memory-mib. */
#define MEMORY_CHECK_MS 100
/* CURVE's overhead on a frame: the client's limit counts the frame as sent. */
#define REPLY_MARGIN 64
/* How often open watches are checked against the client key folder and
 * the revocations: a revoked key's watch ends within this (plus a pump). */
#define REVOCATION_CHECK_MS 250

/* One request of the batch being processed. */
struct pending {
  zmq_msg_t routing;           /* the peer's routing id frame, to answer it */
  char identity[IDENTITY_MAX]; /* User-Id from the ZAP handler */
  char key_txt[41];            /* the CURVE key of the connection (Z85), "" when unknown */
  Duban__Request *req;         /* NULL when the bytes did not decode */
  bool write;                  /* produces an event */
  Duban__Code code;            /* the answer */
  char message[512];
  uint64_t seq;   /* the event it produced, or its first answer's */
  bool duplicate; /* a repeated request id */
  bool isolated;  /* its write failed the batch's commit: refused alone, left out of the retry */
  uint8_t digest[DBN_HASH_BYTES]; /* the request without its id and version, as decoded */
};

struct dbn_broker {
  dbn_broker_config_t config; /* settings, copied */
  void *zmq_ctx;
  void *router;               /* CURVE server; requests in, replies and deliveries out */
  dbn_auth_t *auth;           /* ZAP handler */
  dbn_store_t *store;         /* the event log */
  dbn_event_stream_t *stream; /* watchers */
  dbn_peers_t *peers;         /* the connections served, and those cut off by a revocation */
  dbn_pipeline_t *pipeline;   /* replies held until their batch is durable (one sync per batch) */
  uint64_t syncs_counted;     /* the store's durable writes already added to the metrics */
  bool sync_failing;          /* the last explicit sync failed (logged once until one succeeds) */
  int64_t watches_checked_ms; /* when open watches were last checked for revoked keys */
  struct pending *batch;      /* config.batch_max entries */
  int64_t virtual_now;        /* the virtual clock, when config.virtual_clock */
  int64_t clock_floor;        /* the log's clock at start: the real clock is never read as earlier */
  int64_t scanned_hour;       /* the hour of clock time the deadline monitor last looked at */
  uint64_t batches;           /* committed write transactions */
  uint64_t events;            /* events committed */
  struct broker_checkpoint {  /* the latest signed checkpoint (store/checkpoint.h) */
    bool enabled;             /* KEYS/broker.sign_secret was found */
    dbn_sign_key_t key;
    Duban__Checkpoint latest; /* what every reply carries once signed */
    uint8_t head_hash[DBN_HASH_BYTES];
    char key_id[DBN_SIGN_KEY_ID_LEN + 1];
    uint8_t signature[64];
    int64_t signed_ms; /* monotonic time of the last signature */
  } checkpoint;
  size_t memory_ceiling_kib; /* the configured ceiling */
  size_t memory_trigger_kib; /* past this, every connection is dropped: the ceiling, or more (below) */
  int64_t memory_checked_ms;
  int64_t memory_dropped_ms;      /* when connections were last dropped; 0 once settled */
  dbn_flood_guard_t *flood_guard; /* drops the one connection holding an unfinished message */
  int64_t flood_dropped_ms;       /* when the guard last dropped one */

  int64_t clock_at_start; /* the log's clock when this broker opened it */
  bool catch_up;          /* the next deadline scan follows a long gap: summarise it */

  dbn_broker_metrics_t *metrics;  /* --metrics; NULL without */
  dbn_replication_t *replication; /* replicated mode (--etcd); NULL = a single node */
};

/* The one clock everything reads (DESIGN invariant 5). Event times never
 * go backwards: a real clock behind the log's last event (set back, or a
 * log a virtual clock took into the future) reads as that event's time
 * until it passes it. */
static int64_t
broker_now(dbn_broker_t *broker)
{
  if (broker->config.virtual_clock)
    return broker->virtual_now;
  int64_t now = (int64_t)time(NULL);
  return now < broker->clock_floor ? broker->clock_floor : now;
}

/* On the real clock, a clock behind the log's (load_clock made it the
 * floor) stops start-up unless the operator allowed it. */
static int
check_real_clock(dbn_broker_t *broker, char *why, size_t why_len)
{
  int64_t stored = broker->clock_floor;
  int64_t now = (int64_t)time(NULL);
  if (stored <= now || broker->config.allow_clock_behind || broker->config.allow_clock_change)
    return 0;
  snprintf(why, why_len,
           "系统时钟早于事件日志最后一个事件的时间（落后 %lld 秒），拒绝启动；请校准时钟，或用 "
           "--allow-clock-change（或 --allow-clock-behind）启动（事件时间将保持在该时刻直到时钟追上） / the "
           "clock is %lld s behind the time of the log's last event; set the clock right, or start with "
           "--allow-clock-change (or --allow-clock-behind): events then keep that time until the clock "
           "passes it",
           (long long)(stored - now), (long long)(stored - now));
  return DBN_ESTATE;
}

static const char *
clock_kind(const dbn_broker_t *broker)
{
  return broker->config.virtual_clock ? "virtual" : "real";
}

/* A log created on one kind of clock and served on the other mixes times
 * that mean different things (2122 on a virtual clock, today on the real
 * one): refused unless the operator said so. A log without a header (an
 * older duban's, format 1) does not say its kind. */
static int
check_clock_kind(dbn_broker_t *broker, char *why, size_t why_len)
{
  const char *logged = dbn_store_log_header(broker->store)->clock;
  if (!*logged || strcmp(logged, clock_kind(broker)) == 0 || broker->config.allow_clock_change)
    return 0;
  bool log_virtual = strcmp(logged, "virtual") == 0;
  snprintf(
      why, why_len,
      "事件日志创建于%s时钟，本次以%s时钟启动，拒绝启动；如确需更换，请加 --allow-clock-change / the log "
      "was created on a %s clock and the broker was started on a %s clock; start with "
      "--allow-clock-change to change it",
      log_virtual ? "虚拟" : "真实", log_virtual ? "真实" : "虚拟", logged, clock_kind(broker));
  return DBN_ESTATE;
}

static int
load_clock(dbn_broker_t *broker)
{
  dbn_store_txn_t *txn;
  int64_t stored = 0;
  int rc = dbn_store_read_begin(broker->store, &txn);
  if (rc)
    return rc;
  rc = dbn_store_clock_get(txn, &stored);
  dbn_store_abort(&txn);
  if (!broker->clock_at_start)
    broker->clock_at_start = stored;
  if (broker->config.virtual_clock)
    broker->virtual_now = stored > broker->config.virtual_clock ? stored : broker->config.virtual_clock;
  else
    broker->clock_floor = stored;
  return rc;
}

/* One socket option that an invariant rests on (CURVE, the ZAP domain that
 * puts every peer through auth, the size limit): a failure stops start-up. */
static int
set_option(void *socket, int option, const void *value, size_t len, const char *name, char *why,
           size_t why_len)
{
  if (zmq_setsockopt(socket, option, value, len) == 0)
    return 0;
  snprintf(why, why_len, "cannot set %s on the broker's socket: %s", name, zmq_strerror(zmq_errno()));
  return DBN_EINTERNAL;
}

/* The ROUTER every client talks to: a CURVE server whose peers all go
 * through the ZAP handler, frames bounded by DBN_MAX_MESSAGE. */
static int
open_router(dbn_broker_t *broker, char *why, size_t why_len)
{
  broker->router = zmq_socket(broker->zmq_ctx, ZMQ_ROUTER);
  if (!broker->router) {
    snprintf(why, why_len, "cannot make the broker's socket: %s", zmq_strerror(zmq_errno()));
    return DBN_EINTERNAL;
  }
  /* Per peer, libzmq holds at most this many messages each way (its
   * pipes; a frame is at most DBN_MAX_MESSAGE): past the send side the
   * broker queues a few replies itself (broker/peers.h) and a watcher waits
   * in the log; past the receive side the peer's TCP connection waits. */
  int one = 1, handshake_ms = 5000, send_hwm = 16, receive_hwm = 64, linger = 1000;
  int64_t max_message = DBN_MAX_MESSAGE;
  void *router = broker->router;
  int rc = set_option(router, ZMQ_CURVE_SERVER, &one, sizeof one, "ZMQ_CURVE_SERVER", why, why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_CURVE_SECRETKEY, dbn_auth_secret_key(broker->auth), 32, "ZMQ_CURVE_SECRETKEY",
                    why, why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_ZAP_DOMAIN, "duban", 5, "ZMQ_ZAP_DOMAIN", why, why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one, "ZMQ_ROUTER_MANDATORY", why, why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message, "ZMQ_MAXMSGSIZE", why, why_len);
  /* A peer that opens a connection and never finishes the handshake is
   * dropped after this long instead of holding a slot. */
  if (rc == 0)
    rc = set_option(router, ZMQ_HANDSHAKE_IVL, &handshake_ms, sizeof handshake_ms, "ZMQ_HANDSHAKE_IVL", why,
                    why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_SNDHWM, &send_hwm, sizeof send_hwm, "ZMQ_SNDHWM", why, why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_RCVHWM, &receive_hwm, sizeof receive_hwm, "ZMQ_RCVHWM", why, why_len);
  if (rc == 0)
    rc = set_option(router, ZMQ_LINGER, &linger, sizeof linger, "ZMQ_LINGER", why, why_len);
  return rc;
}

/* ---- witnessed checkpoints (store/checkpoint.h) ---- */

/* Load KEYS/broker.sign_secret when there is one: without it the broker
 * signs no checkpoints, as before keygen made the key. */
static int
checkpoint_open(dbn_broker_t *broker, char *why, size_t why_len)
{
  char path[1200];
  snprintf(path, sizeof path, "%s/broker.sign_secret", broker->config.keys_dir);
  int rc = dbn_sign_key_load_secret(&broker->checkpoint.key, path);
  if (rc == DBN_ENOTFOUND) {
    dbn_log(DBN_LOG_INFO, "broker", "no %s: no signed checkpoints (run `duban keygen --dir %s` to make one)",
            path, broker->config.keys_dir);
    return 0;
  }
  if (rc) {
    snprintf(why, why_len, "cannot read the checkpoint signing key %s: %s", path, dbn_strerror(rc));
    return rc;
  }
  dbn_crypto_t log = dbn_store_crypto(broker->store);
  if (broker->checkpoint.key.crypto != log) {
    snprintf(
        why, why_len,
        "检查点签名密钥 %s 是 %s 配置的，而日志用的是 %s 配置：请用 duban keygen --crypto %s 另建密钥目录"
        "（日志的配置在建立时由 --crypto 选定，之后不能更改）",
        path, dbn_crypto_name(broker->checkpoint.key.crypto), dbn_crypto_name(log), dbn_crypto_name(log));
    return DBN_ESTATE;
  }
  broker->checkpoint.enabled = true;
  duban__checkpoint__init(&broker->checkpoint.latest);
  return 0;
}

/* Sign the head when asked (force), or when checkpoint_events events came
 * since the last checkpoint, or checkpoint_seconds passed and any came. */
static void
checkpoint_tick(dbn_broker_t *broker, bool force)
{
  struct broker_checkpoint *cp = &broker->checkpoint;
  if (!cp->enabled)
    return;
  uint64_t head;
  uint8_t hash[DBN_HASH_BYTES];
  if (dbn_store_head(broker->store, &head, hash) != 0)
    return;
  bool signed_once = cp->latest.signature.len > 0;
  uint64_t behind = head - (signed_once ? cp->latest.seq : 0);
  int64_t now_ms = dbn_monotonic_ms();
  bool due = !signed_once || behind >= (uint64_t)broker->config.checkpoint_events ||
             (behind > 0 && now_ms - cp->signed_ms >= (int64_t)broker->config.checkpoint_seconds * 1000);
  if (signed_once && !(force && behind > 0) && !due)
    return;
  cp->latest.seq = head;
  memcpy(cp->head_hash, hash, sizeof hash);
  cp->latest.head_hash.data = cp->head_hash;
  cp->latest.head_hash.len = sizeof cp->head_hash;
  cp->latest.time = broker_now(broker);
  dbn_checkpoint_sign(&cp->latest, &cp->key, cp->key_id, cp->signature);
  cp->signed_ms = now_ms;
}

/* The latest checkpoint for a reply, signed afresh when the request asks. */
static Duban__Checkpoint *
checkpoint_for_reply(dbn_broker_t *broker, const Duban__Request *req)
{
  if (!broker->checkpoint.enabled)
    return NULL;
  if (req && req->fresh_checkpoint)
    checkpoint_tick(broker, true);
  return broker->checkpoint.latest.signature.len ? &broker->checkpoint.latest : NULL;
}

/* The latest checkpoint for a watch delivery. A watcher keeps it as proof
 * that the log reached its head, so it goes out only once that head is
 * durable (a reply that carries it waits in broker/pipeline.c as long). */
static const Duban__Checkpoint *
checkpoint_for_delivery(dbn_broker_t *broker)
{
  const Duban__Checkpoint *c = checkpoint_for_reply(broker, NULL);
  if (c && dbn_store_sync_pending(broker->store) && c->seq > dbn_store_durable_seq(broker->store))
    return NULL;
  return c;
}

int
dbn_broker_new(dbn_broker_t **broker_p, const dbn_broker_config_t *config, char *why, size_t why_len)
{
  dbn_broker_t *broker = calloc(1, sizeof *broker);
  if (!broker)
    return DBN_ENOMEM;
  broker->config = *config;
  broker->scanned_hour = -1;
  broker->memory_ceiling_kib = (size_t)config->memory_mib * 1024;
  broker->memory_trigger_kib = broker->memory_ceiling_kib;
  /* Frames of up to DBN_MAX_MESSAGE come and go: a fixed threshold keeps
   * them in their own mappings, given back to the system when freed (the
   * default one rises after the first free and keeps them in the heap). */
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  broker->batch = calloc((size_t)config->batch_max, sizeof *broker->batch);
  broker->zmq_ctx = zmq_ctx_new();
  if (!broker->batch || !broker->zmq_ctx) {
    dbn_broker_destroy(&broker);
    return DBN_ENOMEM;
  }

  dbn_store_options_t options = {.map_size = config->map_size,
                                 .map_max = config->map_max,
                                 .no_sync = config->no_sync,
                                 .pipelined_sync =
                                     !config->no_pipeline, /* replies wait in broker/pipeline.c */
                                 .log_clock = config->virtual_clock ? "virtual" : "real"};
  int rc = dbn_store_open(&broker->store, config->data_dir, &options);
  if (rc) {
    snprintf(why, why_len, "cannot open the event log in '%s': %s", config->data_dir, dbn_strerror(rc));
    dbn_broker_destroy(&broker);
    return rc;
  }
  if (dbn_store_views_rebuilt_from(broker->store))
    dbn_log(DBN_LOG_INFO, "broker",
            "views written by an older duban (version %llu) rebuilt from the log (version %d)",
            (unsigned long long)dbn_store_views_rebuilt_from(broker->store), DBN_STORE_VIEWS_VERSION);
  if ((rc = dbn_store_choose_crypto(broker->store, config->crypto[0] ? config->crypto : NULL,
                                    config->virtual_clock ? "virtual" : "real", why, why_len))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  if ((rc = load_clock(broker))) {
    snprintf(why, why_len, "cannot read the clock from the event log: %s", dbn_strerror(rc));
    dbn_broker_destroy(&broker);
    return rc;
  }
  if ((rc = check_clock_kind(broker, why, why_len)) ||
      (!config->virtual_clock && (rc = check_real_clock(broker, why, why_len)))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  broker->catch_up = broker->clock_at_start && broker_now(broker) - broker->clock_at_start > DBN_DAY_SECONDS;
  /* The ZAP handler must be bound before the ROUTER accepts anyone. */
  if ((rc = dbn_auth_new(&broker->auth, broker->zmq_ctx, config->keys_dir, why, why_len))) {
    dbn_broker_destroy(&broker);
    return rc;
  }

  if ((rc = checkpoint_open(broker, why, why_len))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  if ((rc = open_router(broker, why, why_len))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  if (zmq_bind(broker->router, config->endpoint) != 0) {
    snprintf(why, why_len, "cannot bind %s: %s", config->endpoint, zmq_strerror(zmq_errno()));
    dbn_broker_destroy(&broker);
    return DBN_EIO;
  }
  char bound[256];
  size_t bound_len = sizeof bound;
  if (zmq_getsockopt(broker->router, ZMQ_LAST_ENDPOINT, bound, &bound_len) != 0)
    bound[0] = '\0';
  if ((rc = dbn_flood_guard_new(&broker->flood_guard, bound))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  if ((rc = dbn_event_stream_new(&broker->stream, broker->router)) || (rc = dbn_peers_new(&broker->peers)) ||
      (rc = dbn_pipeline_new(&broker->pipeline, broker->store, broker->peers, broker->router)) ||
      (config->metrics[0] &&
       (rc = dbn_broker_metrics_new(&broker->metrics, config->metrics, broker->zmq_ctx, broker->router,
                                    config->data_dir, config->map_max, why, why_len)))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  if ((rc = dbn_replication_new(&broker->replication, config, broker->store, why, why_len))) {
    dbn_broker_destroy(&broker);
    return rc;
  }
  broker->syncs_counted = dbn_store_syncs(broker->store); /* the metrics count the syncs of serving */
  *broker_p = broker;
  return 0;
}

void
dbn_broker_destroy(dbn_broker_t **broker_p)
{
  if (!broker_p || !*broker_p)
    return;
  dbn_broker_t *broker = *broker_p;
  dbn_replication_destroy(&broker->replication);
  dbn_event_stream_destroy(&broker->stream);
  dbn_broker_metrics_destroy(&broker->metrics);
  dbn_pipeline_destroy(&broker->pipeline);
  dbn_peers_destroy(&broker->peers);
  dbn_flood_guard_destroy(&broker->flood_guard);
  if (broker->router)
    zmq_close(broker->router);
  dbn_auth_destroy(&broker->auth);
  if (broker->zmq_ctx)
    zmq_ctx_term(broker->zmq_ctx);
  dbn_store_destroy(&broker->store);
  dbn_sign_key_clear(&broker->checkpoint.key);
  free(broker->batch);
  free(broker);
  *broker_p = NULL;
}

/* ---- receiving ---- */

static const char KEY_REMOVED_MESSAGE[] =
    "该密钥已从代理的 clients 目录中移除，此连接不再受理 / this key was removed from the broker's clients "
    "folder: requests on this connection are no longer served";
static const char KEY_REVOKED_MESSAGE[] =
    "此身份的签名密钥已被吊销，吊销前打开的连接不再受理；请用新登记的密钥重新连接 / a signing key of this "
    "identity was revoked: connections open before the revocation are no longer served; connect again "
    "with a newly registered key";

static void
fail(struct pending *p, int err, const char *message)
{
  p->code = dbn_wire_error_code(err);
  snprintf(p->message, sizeof p->message, "%s", message);
}

/* What tells a retry from another request under the same id: the hash of
 * the request as it arrived, without its id and version. */
static int
request_digest(dbn_crypto_t crypto, const Duban__Request *req, uint8_t out[DBN_HASH_BYTES])
{
  Duban__Request copy = *req;
  copy.version = 0;
  copy.request_id = (char *)"";
  size_t len = protobuf_c_message_get_packed_size(&copy.base);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return DBN_ENOMEM;
  protobuf_c_message_pack(&copy.base, buf);
  dbn_crypto_hash(crypto, buf, len, out);
  free(buf);
  return 0;
}

/* Receive one request without blocking into p. Returns 1 when one was
 * read, 0 when none is waiting, 2 when one was read and dropped unread
 * (its identity is past its share of the batch: broker/peers.h). */
static int
receive_one(dbn_broker_t *broker, struct pending *p)
{
  memset(p, 0, sizeof *p);
  zmq_msg_init(&p->routing);
  if (zmq_msg_recv(&p->routing, broker->router, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&p->routing);
    /* Every complete message is read: what a connection holds now beyond
     * one message is one that never ends (broker/flood_guard.h). */
    int64_t now_ms = dbn_monotonic_ms();
    if (dbn_flood_guard_check(broker->flood_guard, DBN_FLOOD_DRAINED, now_ms) > 0)
      broker->flood_dropped_ms = now_ms;
    return 0;
  }
  zmq_msg_t payload;
  zmq_msg_init(&payload);
  int frames = 0;
  bool more = zmq_msg_more(&p->routing);
  bool have_payload = false;
  /* A DEALER sends exactly one frame; anything else is malformed, but every
   * frame must still be read so the next message starts clean. */
  while (more) {
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, broker->router, 0) < 0) {
      zmq_msg_close(&frame);
      break;
    }
    more = zmq_msg_more(&frame);
    if (frames++ == 0) {
      zmq_msg_move(&payload, &frame);
      have_payload = true;
    }
    zmq_msg_close(&frame);
  }
  const char *user = have_payload ? zmq_msg_gets(&payload, "User-Id") : NULL;
  /* A complete message: what its connection received so far is accounted
   * for (broker/flood_guard.h). ZMQ_SRCFD is deprecated in libzmq, but it
   * is the only way to know which connection a message came by. */
  if (have_payload)
    dbn_flood_guard_message(broker->flood_guard, zmq_msg_get(&payload, ZMQ_SRCFD), user, dbn_monotonic_ms());
  const char *key = have_payload ? zmq_msg_gets(&payload, DBN_AUTH_KEY_PROPERTY) : NULL;
  snprintf(p->identity, sizeof p->identity, "%s", user ? user : "");
  snprintf(p->key_txt, sizeof p->key_txt, "%s", key ? key : "");
  p->code = DUBAN__CODE__CODE_OK;

  if (!have_payload || frames != 1) {
    fail(p, DBN_EPROTO, "a request is exactly one frame holding a packed duban Request");
  } else if (!*p->identity) {
    fail(p, DBN_EUNAUTH, "no identity on this connection");
  } else if (!dbn_auth_key_current(broker->auth, key, p->identity)) {
    /* Decoded anyway, so that the refusal names the request id. */
    dbn_wire_request_unpack(zmq_msg_data(&payload), zmq_msg_size(&payload), &p->req);
    fail(p, DBN_EPERM, KEY_REMOVED_MESSAGE);
  } else if (dbn_peers_seen(broker->peers, zmq_msg_data(&p->routing), zmq_msg_size(&p->routing), p->identity,
                            dbn_monotonic_ms())) {
    dbn_wire_request_unpack(zmq_msg_data(&payload), zmq_msg_size(&payload), &p->req);
    fail(p, DBN_EPERM, KEY_REVOKED_MESSAGE);
  } else if (!dbn_peers_admit(broker->peers, p->identity, zmq_msg_size(&payload))) {
    /* Dropped as libzmq drops past a high-water mark: not even decoded,
     * so that a flood costs the others as little as can be. A client
     * resends under the same request id. */
    zmq_msg_close(&payload);
    zmq_msg_close(&p->routing);
    return 2;
  } else {
    int rc = dbn_wire_request_unpack(zmq_msg_data(&payload), zmq_msg_size(&payload), &p->req);
    if (rc) {
      fail(p, rc, "the bytes do not decode as a duban Request (protocol version 1)");
    } else {
      char why[400];
      if ((rc = dbn_wire_request_check(p->req, why, sizeof why)) ||
          (rc =
               dbn_wire_request_check_bytes(zmq_msg_data(&payload), zmq_msg_size(&payload), why, sizeof why)))
        fail(p, rc, why);
      else if ((p->write = dbn_request_is_write(p->req->body_case)) &&
               request_digest(dbn_store_crypto(broker->store), p->req, p->digest))
        fail(p, DBN_ENOMEM, "out of memory while reading the request; retry");
    }
  }
  zmq_msg_close(&payload);
  return 1;
}

/* ---- answering ---- */

static void
send_reply(dbn_broker_t *broker, zmq_msg_t *routing, Duban__Reply *reply)
{
  uint8_t *buf;
  size_t len;
  reply->version = DBN_PROTOCOL_VERSION;
  if (dbn_wire_pack(&reply->base, &buf, &len))
    return;
  /* A client drops a frame over DBN_MAX_MESSAGE with its connection, and
   * would only see that no answer came: it is told what happened instead. */
  if (len > DBN_MAX_MESSAGE - REPLY_MARGIN) {
    free(buf);
    char message[400];
    snprintf(
        message, sizeof message,
        "回复超过上限（%zu 字节，客户端最多接收 %d 字节），未发送；请缩小查询范围，例如按部门查询 / the "
        "reply (%zu bytes) is over the %d bytes a client accepts and was not sent; ask for less, e.g. one "
        "unit's tasks",
        len, DBN_MAX_MESSAGE, len, DBN_MAX_MESSAGE);
    Duban__Reply refusal = DUBAN__REPLY__INIT;
    refusal.version = DBN_PROTOCOL_VERSION;
    refusal.request_id = reply->request_id;
    refusal.code = DUBAN__CODE__CODE_RESOURCE_EXHAUSTED;
    refusal.message = message;
    refusal.identity = reply->identity;
    refusal.now = reply->now;
    refusal.head_seq = reply->head_seq;
    dbn_log(DBN_LOG_WARN, "broker", "a reply of %zu bytes to %s is over the limit; refused instead", len,
            reply->identity && *reply->identity ? reply->identity : "a peer");
    if (dbn_wire_pack(&refusal.base, &buf, &len))
      return;
  }
  /* A peer that is gone, or not reading past what the broker queues for
   * it, loses this reply; it will retry with the same request id and get
   * the same answer. */
  dbn_pipeline_send(broker->pipeline, zmq_msg_data(routing), zmq_msg_size(routing), buf, len);
}

static void
answer(dbn_broker_t *broker, struct pending *p)
{
  Duban__Reply reply = DUBAN__REPLY__INIT;
  reply.request_id = p->req && p->req->request_id ? p->req->request_id : "";
  reply.code = p->code;
  reply.message = p->message;
  reply.seq = p->seq;
  reply.duplicate = p->duplicate;
  reply.checkpoint = checkpoint_for_reply(broker, p->req);
  send_reply(broker, &p->routing, &reply);
}

/* ---- writes: one transaction for the whole batch ---- */

/* A write that still takes part in the batch's commit. */
static bool
committing(const struct pending *p)
{
  return p->write && p->req && !p->isolated;
}

/* A repeated request id is a retry only when the request is the same: one
 * that differs is refused (DBN_ESTATE, p failed) naming the event its id
 * produced. An event written before requests were hashed has no digest,
 * and any request under its id is taken as its retry, as before. */
static int
check_same_request(dbn_store_txn_t *txn, struct pending *p, uint64_t first)
{
  Duban__Event *event = NULL;
  int rc = dbn_store_event_get(txn, first, &event);
  if (rc)
    return rc;
  bool differs = event->request_digest.len == DBN_HASH_BYTES &&
                 memcmp(event->request_digest.data, p->digest, DBN_HASH_BYTES) != 0;
  dbn_wire_event_free(&event);
  if (!differs)
    return 0;
  char message[sizeof p->message];
  snprintf(message, sizeof message,
           "请求编号 %s 已用于事件 %llu，本次请求内容与之不同，不予受理；新的操作请用新的请求编号 / this "
           "request id "
           "was already used by event %llu for a different request: refused; use a new id for a new action",
           p->req->request_id, (unsigned long long)first, (unsigned long long)first);
  fail(p, DBN_ESTATE, message);
  return DBN_ESTATE;
}

/* An event no watcher could receive (the request, with what the broker
 * adds, over DBN_MAX_EVENT) is refused before it is written: true when p
 * was refused. */
static bool
refuse_undeliverable(struct pending *p, const Duban__Event *event)
{
  size_t len = dbn_wire_packed_size(&event->base);
  if (len <= DBN_MAX_EVENT)
    return false;
  char message[400];
  snprintf(
      message, sizeof message,
      "请求过大：记录后的事件为 %zu 字节，超过上限 %d "
      "字节，任何订阅者都无法接收；请拆分（例如分批导入计划）/ "
      "the event this request would become is %zu bytes, over the %d an event may have (no watcher could "
      "receive it): split it, e.g. load the plan in parts",
      len, DBN_MAX_EVENT, len, DBN_MAX_EVENT);
  fail(p, DBN_ETOOBIG, message);
  return true;
}

/* Apply every write of the batch in txn. Returns 0, or the store error that
 * made the transaction unusable, with *culprit_p the index of the request
 * whose write hit it (the batch is then retried without it). */
static int
apply_writes(dbn_broker_t *broker, dbn_store_txn_t *txn, struct pending *batch, int n, int64_t now,
             bool *clock_moved, int *culprit_p)
{
  for (int i = 0; i < n; i++) {
    struct pending *p = &batch[i];
    if (!committing(p))
      continue;
    *culprit_p = i;
    p->code = DUBAN__CODE__CODE_OK;
    p->message[0] = '\0';
    p->duplicate = false;
    uint64_t first;
    int rc = dbn_store_dedup_get(txn, p->identity, p->req->request_id, &first);
    if (rc == 0) {
      if ((rc = check_same_request(txn, p, first)) == 0) {
        p->seq = first;
        p->duplicate = true;
        snprintf(p->message, sizeof p->message, "already applied as event %llu", (unsigned long long)first);
      } else if (rc != DBN_ESTATE) {
        return rc;
      }
      continue;
    }
    if (rc != DBN_ENOTFOUND)
      return rc;
    char why[400];
    dbn_store_subject_t subject = {0};
    rc = dbn_rules_resolve_names(txn, p->req, why, sizeof why);
    if (rc == 0)
      rc = dbn_rules_check(txn, p->identity, p->req, broker->config.virtual_clock != 0, &subject, why,
                           sizeof why);
    if (rc) {
      fail(p, rc, why);
      continue;
    }
    Duban__Event event = DUBAN__EVENT__INIT;
    event.time = now;
    event.actor = p->identity;
    event.request_id = p->req->request_id;
    event.person = p->req->person; /* an attribute: the identity is the key's */
    event.request_digest.len = DBN_HASH_BYTES;
    event.request_digest.data = p->digest;
    if ((rc = dbn_request_to_event(p->req, &event))) {
      dbn_store_subject_clear(&subject);
      return dbn_store_txn_poison(txn, DBN_EINTERNAL);
    }
    /* The event holds only the evidence's references, so its size is
     * checked without their content (refuse_undeliverable), which is kept
     * by hash beside it (store/evidence.h). */
    dbn_evidence_hidden_t hidden;
    dbn_evidence_hide_content(p->req, &hidden);
    bool undeliverable = refuse_undeliverable(p, &event);
    dbn_evidence_restore_content(&hidden);
    if (undeliverable) {
      dbn_store_subject_clear(&subject);
      continue;
    }
    if ((rc = dbn_store_evidence_keep(txn, p->req))) {
      dbn_store_subject_clear(&subject);
      return rc;
    }
    dbn_evidence_hide_content(p->req, &hidden);
    /* The check's read of the task is the change's: one read per write. */
    rc = dbn_store_append_with(txn, &event, &subject);
    dbn_evidence_restore_content(&hidden);
    if (rc)
      return rc;
    p->seq = event.seq;
    if (event.body_case == DUBAN__EVENT__BODY_CLOCK_ADVANCED)
      *clock_moved = true;
    if (event.body_case == DUBAN__EVENT__BODY_PLAN_LOADED)
      broker->scanned_hour = -1; /* new tasks: the monitor looks again */
  }
  *culprit_p = -1;
  return 0;
}

/* Errors of the log as a whole, not of one request: leaving a request out
 * cannot cure them. */
static bool
store_wide(int rc)
{
  return rc == DBN_EMAPFULL || rc == DBN_EDISKFULL || rc == DBN_EUNAVAIL || rc == DBN_ENOMEM;
}

/* A request whose own write made the commit fail is refused alone (a
 * request must never fail because of another one in its batch). */
static void
isolate(struct pending *p, int rc)
{
  char message[300];
  snprintf(message, sizeof message,
           "this request could not be recorded (%s); nothing of it was kept, and the requests batched "
           "with it were not affected",
           dbn_strerror(rc));
  fail(p, rc, message);
  p->seq = 0;
  p->duplicate = false;
  p->isolated = true;
  dbn_log(DBN_LOG_WARN, "broker",
          "a write from %s failed its batch's commit (%s); retrying the batch without it", p->identity,
          dbn_strerror(rc));
}

/* Every write of the batch refused as unavailable, with why. */
static void
refuse_batch(struct pending *batch, int n, const char *why)
{
  for (int i = 0; i < n; i++)
    if (committing(&batch[i])) {
      fail(&batch[i], DBN_EUNAVAIL, why);
      batch[i].seq = 0;
      batch[i].duplicate = false;
    }
}

static int
commit_writes(dbn_broker_t *broker, struct pending *batch, int n)
{
  int writes = 0;
  for (int i = 0; i < n; i++)
    writes += committing(&batch[i]);
  if (writes == 0)
    return 0;

  int64_t now = broker_now(broker);
  bool clock_moved = false;
  uint64_t head_before = 0;
  int rc;
  for (;;) {
    dbn_store_txn_t *txn;
    if ((rc = dbn_store_write_begin(broker->store, &txn)))
      break;
    head_before = dbn_store_txn_head(txn);
    int culprit = -1;
    rc = apply_writes(broker, txn, batch, n, now, &clock_moved, &culprit);
    if (rc) {
      dbn_store_abort(&txn);
      if (culprit >= 0 && !store_wide(rc)) {
        isolate(&batch[culprit], rc);
        if (--writes == 0)
          return 0;
        continue;
      }
    } else {
      uint64_t head_after = dbn_store_txn_head(txn);
      char why[700];
      if ((rc = dbn_replication_commit_batch(broker->replication, txn, head_before, why, sizeof why))) {
        dbn_store_abort(&txn);
        refuse_batch(batch, n, why);
        return rc;
      }
      double started = dbn_broker_metrics_clock();
      rc = dbn_store_commit(&txn);
      if (rc == 0) {
        dbn_pipeline_committed(broker->pipeline);
        dbn_broker_metrics_commit(broker->metrics, (int)(head_after - head_before),
                                  dbn_broker_metrics_clock() - started);
        broker->batches++;
        broker->events += head_after - head_before;
        break;
      }
      dbn_replication_local_commit_failed(broker->replication);
    }
    /* A full map is not an error: the batch runs again in a bigger one. */
    if (rc != DBN_EMAPFULL || dbn_store_grow(broker->store) != 0)
      break;
    dbn_log(DBN_LOG_INFO, "broker", "event log map grown to %zu MiB",
            dbn_store_map_size(broker->store) >> 20);
  }
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "broker", "could not commit a batch of %d writes: %s; all refused", writes,
            dbn_strerror(rc));
    char message[256];
    snprintf(message, sizeof message,
             "the event log could not be written (%s); nothing was recorded, retry later", dbn_strerror(rc));
    refuse_batch(batch, n, message);
    return rc;
  }
  if (clock_moved)
    load_clock(broker);
  return 0;
}

/* ---- reads: after the commit, on a fresh snapshot ---- */

static void
serve_read(dbn_broker_t *broker, dbn_store_txn_t *txn, struct pending *p)
{
  Duban__Reply reply = DUBAN__REPLY__INIT;
  reply.request_id = p->req->request_id;
  reply.identity = p->identity;
  reply.now = broker_now(broker);
  reply.head_seq = dbn_store_txn_head(txn);
  char why[400];
  dbn_read_result_t result;
  int rc =
      dbn_read_serve(txn, p->identity, p->req, broker->config.virtual_clock != 0, &result, why, sizeof why);
  if (rc == 0 && p->req->body_case == DUBAN__REQUEST__BODY_WATCH)
    rc = dbn_event_stream_watch(broker->stream, zmq_msg_data(&p->routing), zmq_msg_size(&p->routing),
                                p->req->request_id, p->req->watch->after_seq, dbn_monotonic_ms());
  if (rc == 0 && p->req->body_case == DUBAN__REQUEST__BODY_WATCH) /* a unit sees its own tasks only */
    rc = dbn_event_stream_watch_as(broker->stream, zmq_msg_data(&p->routing), zmq_msg_size(&p->routing),
                                   p->identity, p->key_txt);
  else if (rc == 0 && p->req->body_case == DUBAN__REQUEST__BODY_UNWATCH)
    dbn_event_stream_unwatch(broker->stream, zmq_msg_data(&p->routing), zmq_msg_size(&p->routing));
  if (rc && !*why)
    snprintf(why, sizeof why, "%s", dbn_strerror(rc));
  dbn_read_fill_reply(&result, &reply);
  reply.code = dbn_wire_error_code(rc);
  reply.message = why;
  reply.checkpoint = checkpoint_for_reply(broker, p->req);
  send_reply(broker, &p->routing, &reply);
  dbn_read_result_clear(&result);
}

static void
serve_reads(dbn_broker_t *broker, struct pending *batch, int n)
{
  dbn_store_txn_t *txn = NULL;
  for (int i = 0; i < n; i++) {
    struct pending *p = &batch[i];
    if (p->write || !p->req || p->code != DUBAN__CODE__CODE_OK)
      continue;
    if (!txn && dbn_store_read_begin(broker->store, &txn) != 0) {
      fail(p, DBN_EUNAVAIL, "the event log cannot be read right now; retry");
      answer(broker, p);
      continue;
    }
    serve_read(broker, txn, p);
  }
  dbn_store_abort(&txn);
}

/* ---- revocation: it bites open connections too ---- */

/* A signing key revoked by this batch cuts off the connections its
 * identity has open (broker/peers.h); their watches end at the next check. */
static void
cut_off_revoked(dbn_broker_t *broker, const struct pending *batch, int n)
{
  for (int i = 0; i < n; i++) {
    const struct pending *p = &batch[i];
    if (!committing(p) || p->code != DUBAN__CODE__CODE_OK || p->duplicate ||
        p->req->body_case != DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY || !p->req->revoke_signing_key)
      continue;
    const char *identity = p->req->revoke_signing_key->identity;
    size_t cut = dbn_peers_revoke(broker->peers, identity);
    dbn_log(DBN_LOG_INFO, "broker", "a signing key of %s revoked (event %llu): %zu open connections cut off",
            identity, (unsigned long long)p->seq, cut);
    broker->watches_checked_ms = 0; /* their watches end now, not at the next tick */
  }
}

static const char *
watcher_refused(void *arg, const uint8_t *routing, size_t routing_len, const char *identity,
                const char *key_txt)
{
  dbn_broker_t *broker = arg;
  if (!dbn_auth_key_current(broker->auth, key_txt, identity))
    return KEY_REMOVED_MESSAGE;
  if (dbn_peers_cut_off(broker->peers, routing, routing_len))
    return KEY_REVOKED_MESSAGE;
  return NULL;
}

/* A removed certificate is seen on the next request of its connection; a
 * watcher may send none for minutes, so open watches are checked against
 * the key folder and the revocations every REVOCATION_CHECK_MS. */
static void
end_revoked_watches(dbn_broker_t *broker)
{
  int64_t now = dbn_monotonic_ms();
  if (now - broker->watches_checked_ms < REVOCATION_CHECK_MS)
    return;
  broker->watches_checked_ms = now;
  dbn_peers_sweep(broker->peers, now);
  if (dbn_event_stream_count(broker->stream) == 0)
    return;
  dbn_auth_refresh(broker->auth);
  dbn_event_stream_end_refused(broker->stream, watcher_refused, broker);
}

static void
process_batch(dbn_broker_t *broker, int n)
{
  struct pending *batch = broker->batch;
  if (dbn_replication_is_leader(broker->replication)) {
    commit_writes(broker, batch, n);
    cut_off_revoked(broker, batch, n);
  } else {
    char why[700]; /* a follower: writes go to the leader */
    dbn_replication_refusal(broker->replication, why, sizeof why);
    refuse_batch(batch, n, why);
  }
  checkpoint_tick(broker, false);
  /* Writes and refusals first, in arrival order; then reads, which see the
   * batch's writes. */
  for (int i = 0; i < n; i++)
    if (batch[i].write || !batch[i].req || batch[i].code != DUBAN__CODE__CODE_OK)
      answer(broker, &batch[i]);
  serve_reads(broker, batch, n);
  for (int i = 0; i < n; i++) {
    dbn_broker_metrics_request(broker->metrics, batch[i].req, batch[i].code);
    dbn_wire_request_free(&batch[i].req);
    zmq_msg_close(&batch[i].routing);
  }
}

/* ---- deadlines ---- */

static void
run_deadline_monitor(dbn_broker_t *broker)
{
  int64_t now = broker_now(broker);
  int64_t hour = now / 3600;
  if (hour == broker->scanned_hour || !dbn_replication_is_leader(broker->replication))
    return; /* on the leader only, so that no warning is raised twice */
  dbn_deadline_policy_t policy = {.yellow_days = broker->config.yellow_days,
                                  .escalation_sla_hours = broker->config.escalation_sla_hours,
                                  .ladder = &broker->config.ladder,
                                  .catch_up = broker->catch_up};
  for (;;) {
    dbn_store_txn_t *txn;
    int raised = 0;
    char why[700];
    int rc = dbn_store_write_begin(broker->store, &txn);
    uint64_t head_before = rc == 0 ? dbn_store_txn_head(txn) : 0;
    if (rc == 0)
      rc = dbn_deadline_monitor_run(txn, now, &policy, &raised);
    if (rc == 0 && raised > 0 &&
        (rc = dbn_replication_commit_batch(broker->replication, txn, head_before, why, sizeof why))) {
      dbn_store_abort(&txn);
      dbn_log(DBN_LOG_WARN, "deadline", "deadline events not recorded: %s; will retry", why);
      return;
    }
    if (rc == 0 && raised > 0) {
      double started = dbn_broker_metrics_clock();
      rc = dbn_store_commit(&txn);
      if (rc == 0) {
        dbn_pipeline_committed(broker->pipeline);
        dbn_broker_metrics_commit(broker->metrics, 0, dbn_broker_metrics_clock() - started);
        dbn_broker_metrics_deadline(broker->metrics, broker->store, head_before);
        broker->events += (uint64_t)raised;
        dbn_log(DBN_LOG_INFO, "deadline", "raised %d deadline events%s", raised,
                broker->catch_up ? " (the gap since the log's last event, summarised)" : "");
      }
    } else {
      dbn_store_abort(&txn);
    }
    if (rc == DBN_EMAPFULL && dbn_store_grow(broker->store) == 0)
      continue;
    if (rc)
      dbn_log(DBN_LOG_ERROR, "deadline", "deadline scan failed: %s; will retry", dbn_strerror(rc));
    else {
      broker->scanned_hour = hour;
      broker->catch_up = false;
    }
    return;
  }
}

/* ---- the memory ceiling ---- */

/* The process's anonymous memory in KiB (RssAnon), or 0 when unknown. */
static size_t
anon_kib(void)
{
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return 0;
  char line[128];
  size_t kib = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "RssAnon: %zu kB", &kib) == 1)
      break;
  fclose(f);
  return kib;
}

/* The last resort: every connection dropped, which discards every
 * unfinished message; clients reconnect by themselves and retry under the
 * same request ids, and watchers renew their watch and resume by seq. */
static void
drop_every_connection(dbn_broker_t *broker, size_t kib)
{
  char endpoint[256];
  size_t len = sizeof endpoint;
  if (zmq_getsockopt(broker->router, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0 ||
      zmq_unbind(broker->router, endpoint) != 0) {
    dbn_log(DBN_LOG_ERROR, "broker",
            "memory %zu MiB past the ceiling of %zu MiB, and the connections cannot be dropped: %s",
            kib >> 10, broker->memory_ceiling_kib >> 10, zmq_strerror(zmq_errno()));
    return;
  }
  /* The listener closes in libzmq's own thread: bind again until it has. */
  int rc = -1;
  for (int attempt = 0; attempt < 200 && (rc = zmq_bind(broker->router, endpoint)) != 0; attempt++)
    usleep(10 * 1000);
  dbn_log(rc == 0 ? DBN_LOG_WARN : DBN_LOG_ERROR, "broker",
          "memory %zu MiB past the ceiling of %zu MiB (a peer sending a message that never ends?): every "
          "connection dropped%s",
          kib >> 10, broker->memory_ceiling_kib >> 10, rc == 0 ? "; serving again" : "; CANNOT BIND AGAIN");
}

/* libzmq keeps every frame of a message until its last one arrives, and
 * bounds each frame only (ZMQ_MAXMSGSIZE): a peer that sends frames
 * flagged "more" and never the last would grow the broker without end, and
 * no part of that message ever reaches this code to be counted. The flood
 * guard finds that peer's connection by the kernel's byte counts and drops
 * it alone: here every tenth of a second, and whenever receive_one finds
 * the queue empty; sooner once memory is past half the ceiling. Only when
 * memory is past the ceiling and the guard found no one to drop is every
 * connection dropped. */
static void
check_memory(dbn_broker_t *broker)
{
  int64_t now_ms = dbn_monotonic_ms();
  if (now_ms - broker->memory_checked_ms < MEMORY_CHECK_MS)
    return;
  broker->memory_checked_ms = now_ms;
  size_t kib = anon_kib();
  /* No complete message waiting (ZMQ_EVENTS): every one has been read. */
  int events = 0;
  size_t events_len = sizeof events;
  bool drained =
      zmq_getsockopt(broker->router, ZMQ_EVENTS, &events, &events_len) == 0 && !(events & ZMQ_POLLIN);
  dbn_flood_check_t how = kib > broker->memory_trigger_kib / 2 ? DBN_FLOOD_PRESSED
                          : drained                            ? DBN_FLOOD_DRAINED
                                                               : DBN_FLOOD_QUIET;
  if (dbn_flood_guard_check(broker->flood_guard, how, now_ms) > 0)
    broker->flood_dropped_ms = now_ms;
  /* What a drop did not give back (memory the broker holds for itself) is
   * not a peer's: the next drop waits for half a ceiling more than that,
   * so that a broker over its ceiling on its own does not drop everyone
   * every tenth of a second. */
  if (broker->memory_dropped_ms && now_ms - broker->memory_dropped_ms >= 2 * MEMORY_CHECK_MS) {
    size_t floor = kib + broker->memory_ceiling_kib / 2;
    broker->memory_trigger_kib = floor > broker->memory_ceiling_kib ? floor : broker->memory_ceiling_kib;
    broker->memory_dropped_ms = 0;
  }
  if (broker->memory_dropped_ms || kib <= broker->memory_trigger_kib)
    return;
  /* libzmq frees what a dropped connection held in its own thread, a moment
   * after the guard's drop: the last resort waits for that. */
  if (broker->flood_dropped_ms && now_ms - broker->flood_dropped_ms < 3 * MEMORY_CHECK_MS)
    return;
  broker->memory_dropped_ms = now_ms;
  drop_every_connection(broker, kib);
}

/* ---- the loop ---- */

/* The batch whose replies wait for its sync gets it now unless the next
 * batch, already waiting or soon expected, will carry it (pipeline.h). */
static void
settle_pipeline(dbn_broker_t *broker)
{
  int events = 0;
  size_t len = sizeof events;
  bool input_waiting =
      zmq_getsockopt(broker->router, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN) != 0;
  int rc = dbn_pipeline_settle(broker->pipeline, input_waiting);
  if (rc < 0 && !broker->sync_failing)
    dbn_log(DBN_LOG_ERROR, "broker", "the event log cannot be synced (%s): %zu replies wait; retrying",
            dbn_strerror(rc), dbn_pipeline_held(broker->pipeline));
  broker->sync_failing = rc < 0;
  uint64_t syncs = dbn_store_syncs(broker->store);
  dbn_broker_metrics_syncs(broker->metrics, syncs - broker->syncs_counted);
  broker->syncs_counted = syncs;
}

int
dbn_broker_run(dbn_broker_t *broker, int stop_fd)
{
  uint64_t head;
  dbn_store_head(broker->store, &head, NULL);
  dbn_log(DBN_LOG_INFO, "broker", "serving %s; log %s at seq %llu; %s clock%s%s", broker->config.endpoint,
          broker->config.data_dir, (unsigned long long)head,
          broker->config.virtual_clock ? "virtual" : "real",
          broker->config.group_commit ? "" : "; group commit OFF",
          broker->config.no_sync ? "; NOT DURABLE (no sync)" : "");
  bool behind = false, queued = false;
  int64_t readers_checked_ms = dbn_monotonic_ms();
  for (;;) {
    zmq_pollitem_t items[] = {
        {broker->router, 0, ZMQ_POLLIN, 0},
        {dbn_auth_socket(broker->auth), 0, ZMQ_POLLIN, 0},
        {NULL, stop_fd, ZMQ_POLLIN, 0},
    };
    int timeout = queued ? 1 : behind ? 5 : MEMORY_CHECK_MS;
    int pipeline_wait = dbn_pipeline_wait_ms(broker->pipeline);
    if (pipeline_wait >= 0 && pipeline_wait < timeout)
      timeout = pipeline_wait;
    int ready = zmq_poll(items, 3, timeout);
    if (ready < 0 && zmq_errno() != EINTR) {
      dbn_log(DBN_LOG_ERROR, "broker", "poll failed: %s", zmq_strerror(zmq_errno()));
      return DBN_EIO;
    }
    if (items[1].revents & ZMQ_POLLIN)
      dbn_auth_handle(broker->auth);
    if (items[0].revents & ZMQ_POLLIN) {
      dbn_auth_refresh(broker->auth); /* a removed key stops its open connections too */
      dbn_peers_batch_begin(broker->peers);
      /* Reads are bounded too: requests dropped unread do not fill the batch. */
      int n = 0, got;
      for (int read = 0; n < broker->config.batch_max && read < 4 * broker->config.batch_max &&
                         (got = receive_one(broker, &broker->batch[n])) != 0;
           read++)
        n += got == 1;
      if (n > 0) {
        dbn_pipeline_received(broker->pipeline, n);
        process_batch(broker, n);
      }
    }
    if (dbn_replication_tick(broker->replication, dbn_monotonic_ms())) {
      load_clock(broker); /* the log grew from etcd: its clock, and new tasks to scan */
      broker->scanned_hour = -1;
    }
    run_deadline_monitor(broker);
    end_revoked_watches(broker);
    checkpoint_tick(broker, false);
    check_memory(broker);
    /* An auditor killed in the middle of a read leaves its reader slot
     * behind, and the snapshot it pins keeps every page written since from
     * being reused: the file would grow until the next restart. */
    if (dbn_monotonic_ms() - readers_checked_ms >= 1000) {
      int cleared = 0;
      dbn_store_reader_check(broker->store, &cleared);
      if (cleared > 0)
        dbn_log(DBN_LOG_INFO, "broker", "cleared %d reader slots left by dead processes", cleared);
      readers_checked_ms = dbn_monotonic_ms();
    }
    settle_pipeline(broker);
    queued = dbn_peers_flush(broker->peers, broker->router);
    behind = dbn_event_stream_pump(broker->stream, broker->store, checkpoint_for_delivery(broker),
                                   dbn_monotonic_ms());
    dbn_broker_metrics_tick(broker->metrics, broker->store, broker->stream);
    if (items[2].revents & ZMQ_POLLIN)
      break;
  }
  /* The last batch's answers go out before the broker does: they were only
   * waiting for the sync that no next batch will now make. */
  if (dbn_store_sync(broker->store) == 0)
    dbn_pipeline_committed(broker->pipeline);
  dbn_peers_flush(broker->peers, broker->router);
  dbn_log(DBN_LOG_INFO, "broker", "stopping: %llu events in %llu batches this run",
          (unsigned long long)broker->events, (unsigned long long)broker->batches);
  return 0;
}
