/* replication.c: leader election, the log through etcd, and followers that
 * apply it; see replication.h.
 *
 * Keys under the prefix (--etcd-prefix, /duban/ unless told otherwise):
 *   leader              "ENDPOINT NODE", attached to the leader's lease
 *   head                the last seq in etcd (8 bytes, big-endian) and that
 *                       event's hash (32 bytes)
 *   log/<seq, 20 digits> a run of events ending at seq: each as a 4-byte
 *                       big-endian length and the event's stored bytes
 * The batch key names its last seq, so the batches holding anything after
 * a follower's head are exactly the keys from log/<head + 1> on. */
#include "replication.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be64.h"
#include "crypto_profile.h"
#include "etcd.h"
#include "leader_hint.h"
#include "log.h"
#include "monotonic.h"
#include "snapshot_restore.h"
#include "wire.h"

#define KEY_MAX 192
#define HEAD_VALUE_LEN (8 + DBN_HASH_BYTES)
/* etcd refuses a request over 1.5 MiB by default: a batch bigger than this
 * goes as several runs, each its own transaction (see publish_events). */
#define RUN_MAX_BYTES (768u * 1024)
/* How often a follower reads who leads (and campaigns when nobody does). */
#define LEADER_CHECK_MS 300
/* After etcd could not be reached, how long before a follower asks again:
 * each attempt may block the loop for the etcd timeout. */
#define ETCD_BACKOFF_MS 2000
/* ... doubling while it stays unreachable, up to this: an etcd without a
 * quorum holds each call for the whole timeout, and the loop between the
 * calls is what serves the reads. */
#define ETCD_BACKOFF_MAX_MS 8000
#define ETCD_TIMEOUT_MS 1500
#define CATCH_UP_PAGE 16
/* How many events go by between deletions of batches past the window. */
#define WINDOW_STEP 64
/* How long a follower may see etcd's head past its own before it stops
 * trusting its watch and reads the batches. */
#define BEHIND_MS 1500
/* How soon a follower beyond the window looks at --snapshot-from again
 * (the backup timer may write a newer one), doubling after each look that
 * found nothing to restore, up to the max: checking a big backup takes the
 * broker's thread for a while, and the reads it serves wait meanwhile. */
#define SNAPSHOT_RETRY_MS 5000
#define SNAPSHOT_RETRY_MAX_MS (5 * 60 * 1000)

struct dbn_replication {
  dbn_etcd_t *etcd;          /* owned */
  char leader_key[KEY_MAX];  /* PREFIX leader */
  char head_key[KEY_MAX];    /* PREFIX head */
  char log_prefix[KEY_MAX];  /* PREFIX log/ */
  uint8_t log_end[KEY_MAX];  /* the key after every PREFIX log/... (strlen(log_prefix) bytes) */
  dbn_store_t *store;        /* borrowed: the broker's log */
  char node[64];             /* this broker's name */
  char advertise[256];       /* the endpoint clients are sent to */
  int lease_seconds;         /* the leader's lease TTL */
  uint64_t window;           /* events etcd keeps behind the head */
  uint64_t forgotten_before; /* the batches ending before this seq were deleted */
  bool leader;               /* this broker leads and may write */
  int64_t lease;             /* the lease while leading */
  int64_t token;             /* the leader key's create_revision: the fencing token */
  int64_t head_revision;     /* the head key's mod_revision our last write left; 0 = none */
  int64_t renewed_ms;        /* when the last keepalive that succeeded was sent */
  int64_t keepalive_due_ms;  /* when to send the next one */
  bool leader_known;         /* leader_endpoint is who leads, as last read */
  char leader_endpoint[DBN_LEADER_HINT_MAX];
  char leader_node[64];
  int64_t leader_checked_ms; /* when a follower next reads the leader key */
  int backoff_ms;            /* the wait before asking an unreachable etcd again; 0 = it answers */
  dbn_etcd_watch_t *watch;   /* a follower's stream of new batches; NULL = none */
  bool catch_up;             /* read the batches after the head before watching */
  uint64_t behind_target;    /* a head etcd showed that the local log has yet to reach; 0 = none */
  int64_t behind_since_ms;   /* when etcd showed it */
  bool diverged;             /* the local log disagrees with etcd's: never lead, never apply */
  bool beyond_window;        /* ... because etcd no longer holds the batches after the head */
  char snapshot_from[1024];  /* where to find a peer's backup then; "" = an operator restores one */
  int64_t snapshot_due_ms;   /* when to look there next */
  int64_t snapshot_wait_ms;  /* how long after that look to look again */
  char problem[600];         /* the last thing that kept this broker from serving writes */
};

/* ---- keys and values ---- */

static void
log_key(const dbn_replication_t *repl, uint64_t seq, char out[KEY_MAX + 24])
{
  snprintf(out, KEY_MAX + 24, "%s%020" PRIu64, repl->log_prefix, seq);
}

static void
head_value(uint64_t seq, const uint8_t hash[DBN_HASH_BYTES], uint8_t out[HEAD_VALUE_LEN])
{
  dbn_be64_put(out, seq);
  memcpy(out + 8, hash, DBN_HASH_BYTES);
}

static void
set_problem(dbn_replication_t *repl, const char *what)
{
  snprintf(repl->problem, sizeof repl->problem, "%s", what);
}

/* ---- applying batches (followers, and a new leader catching up) ---- */

/* Apply the events of one batch value that come after the local head, in
 * one write transaction. *gap_p says the batch starts past head + 1 (an
 * earlier batch is missing: read them from etcd). */
static int
apply_events(dbn_store_txn_t *txn, const uint8_t *value, size_t len, bool *gap_p, uint64_t *applied_p)
{
  size_t at = 0;
  while (at < len) {
    if (len - at < 4)
      return DBN_EPROTO;
    uint32_t n = (uint32_t)value[at] << 24 | (uint32_t)value[at + 1] << 16 | (uint32_t)value[at + 2] << 8 |
                 value[at + 3];
    at += 4;
    if (n > len - at)
      return DBN_EPROTO;
    Duban__Event *event = NULL;
    int rc = dbn_wire_event_unpack(value + at, n, &event);
    at += n;
    if (rc)
      return rc;
    uint64_t head = dbn_store_txn_head(txn);
    if (event->seq > head + 1) {
      *gap_p = true;
      rc = 0;
    } else if (event->seq == head + 1) {
      rc = dbn_store_append_replicated(txn, event);
      ++*applied_p;
    } /* else: already here (a batch seen twice) */
    dbn_wire_event_free(&event);
    if (rc || *gap_p)
      return rc;
  }
  return 0;
}

static int
apply_batch(dbn_replication_t *repl, const uint8_t *value, size_t len, bool *gap_p)
{
  for (;;) {
    dbn_store_txn_t *txn;
    uint64_t applied = 0;
    *gap_p = false;
    int rc = dbn_store_write_begin(repl->store, &txn);
    if (rc)
      return rc;
    rc = apply_events(txn, value, len, gap_p, &applied);
    if (rc == 0 && applied > 0)
      rc = dbn_store_commit(&txn);
    else
      dbn_store_abort(&txn);
    if (rc == DBN_EMAPFULL && dbn_store_grow(repl->store) == 0)
      continue;
    if (rc == DBN_ECORRUPT || rc == DBN_EPROTO) {
      repl->diverged = true;
      set_problem(repl,
                  "本节点的日志与 etcd 中的日志不一致（哈希链接不上），已停止同步，需从快照恢复 / this "
                  "broker's log does not link to etcd's: replication stopped; restore it from a snapshot");
      dbn_log(DBN_LOG_ERROR, "replication", "%s", repl->problem);
    }
    return rc;
  }
}

/* Read every batch after the local head from etcd and apply it.
 * *revision_p is etcd's revision when the last page was read: a watch
 * from the one after misses nothing. */
static int
catch_up(dbn_replication_t *repl, int64_t *revision_p)
{
  for (;;) {
    uint64_t head = 0;
    int rc = dbn_store_head(repl->store, &head, NULL);
    if (rc)
      return rc;
    char from[KEY_MAX + 24];
    log_key(repl, head + 1, from);
    dbn_etcd_range_t range;
    rc = dbn_etcd_range(repl->etcd, from, strlen(from), repl->log_end, strlen(repl->log_prefix),
                        CATCH_UP_PAGE, &range);
    for (size_t i = 0; rc == 0 && i < range.count; i++) {
      bool gap = false;
      if ((rc = apply_batch(repl, range.kvs[i].value, range.kvs[i].value_len, &gap)) == 0 && gap) {
        set_problem(repl,
                    "etcd 中缺少本节点日志之后的批次（已被压缩？），需从快照恢复 / etcd no longer holds the "
                    "batches after this broker's head (compacted?): restore it from a snapshot");
        repl->diverged = true;
        repl->beyond_window = true;
        dbn_log(DBN_LOG_ERROR, "replication", "%s", repl->problem);
        rc = DBN_ENOTFOUND;
      }
    }
    bool more = range.more;
    *revision_p = range.revision;
    dbn_etcd_range_clear(&range);
    if (rc || !more)
      return rc;
  }
}

/* ---- following ---- */

static int
on_batch(void *arg, const dbn_etcd_kv_t *kv, bool deleted)
{
  dbn_replication_t *repl = arg;
  if (deleted || repl->catch_up)
    return 0;
  bool gap = false;
  int rc = apply_batch(repl, kv->value, kv->value_len, &gap);
  if (gap)
    repl->catch_up = true; /* a batch went by unseen: read from the head again */
  return rc;
}

/* A follower beyond the window, given --snapshot-from: the events of a
 * peer's verified backup, then etcd's batches from there on. */
static void
restore_from_snapshot(dbn_replication_t *repl)
{
  int64_t now = dbn_monotonic_ms();
  if (!repl->beyond_window || !repl->snapshot_from[0] || now < repl->snapshot_due_ms)
    return;
  repl->snapshot_wait_ms = repl->snapshot_wait_ms ? repl->snapshot_wait_ms * 2 : SNAPSHOT_RETRY_MS;
  if (repl->snapshot_wait_ms > SNAPSHOT_RETRY_MAX_MS)
    repl->snapshot_wait_ms = SNAPSHOT_RETRY_MAX_MS;
  repl->snapshot_due_ms = now + repl->snapshot_wait_ms;
  uint64_t applied = 0;
  char used[1100] = "", why[1400];
  if (dbn_snapshot_restore(repl->store, repl->snapshot_from, &applied, used, sizeof used, why, sizeof why) !=
      0) {
    dbn_log(DBN_LOG_WARN, "replication", "未能从快照恢复：%s / no snapshot restored", why);
    return;
  }
  uint64_t head = 0;
  dbn_store_head(repl->store, &head, NULL);
  dbn_log(DBN_LOG_INFO, "replication",
          "已从快照 %s 恢复 %" PRIu64 " 个事件（至 seq %" PRIu64
          "），继续从 etcd 同步 / restored from a snapshot",
          used, applied, head);
  repl->diverged = false;
  repl->beyond_window = false;
  repl->catch_up = true;
  repl->problem[0] = '\0';
  repl->snapshot_wait_ms = 0;
}

static void
follow(dbn_replication_t *repl)
{
  restore_from_snapshot(repl);
  if (repl->diverged)
    return;
  if (repl->catch_up || !repl->watch) {
    dbn_etcd_watch_close(&repl->watch);
    int64_t revision = 0;
    if (catch_up(repl, &revision) != 0) {
      if (!repl->diverged)
        set_problem(repl, dbn_etcd_last_error(repl->etcd));
      return;
    }
    repl->catch_up = false;
    size_t prefix_len = strlen(repl->log_prefix);
    if (dbn_etcd_watch_open(repl->etcd, repl->log_prefix, prefix_len, repl->log_end, prefix_len, revision + 1,
                            &repl->watch) != 0)
      return;
  }
  int rc = dbn_etcd_watch_poll(repl->watch, 0, on_batch, repl);
  if (rc) {
    dbn_etcd_watch_close(&repl->watch);
    repl->catch_up = true;
  }
}

/* ---- leading ---- */

static void
step_down(dbn_replication_t *repl, const char *why)
{
  if (repl->leader)
    dbn_log(DBN_LOG_WARN, "replication", "节点 %s 不再是主节点：%s / no longer the leader", repl->node, why);
  if (repl->lease)
    dbn_etcd_lease_revoke(repl->etcd, repl->lease); /* best effort: else it expires */
  repl->leader = false;
  repl->lease = 0;
  repl->token = 0;
  repl->leader_known = false;
  repl->catch_up = true;
  repl->leader_checked_ms = 0;
  set_problem(repl, why);
}

/* A run of events being gathered for one etcd transaction. */
struct run {
  uint8_t *data;
  size_t len, cap;
  uint64_t last_seq;
  uint8_t last_hash[DBN_HASH_BYTES];
  dbn_crypto_t crypto; /* the log's profile: the hash its chain uses */
};

static int
run_add(struct run *run, uint64_t seq, const uint8_t *bytes, size_t len)
{
  if (run->len + 4 + len > run->cap) {
    size_t cap = run->cap ? run->cap * 2 : 64 * 1024;
    while (cap < run->len + 4 + len)
      cap *= 2;
    uint8_t *data = realloc(run->data, cap);
    if (!data)
      return DBN_ENOMEM;
    run->data = data;
    run->cap = cap;
  }
  uint8_t *p = run->data + run->len;
  p[0] = (uint8_t)(len >> 24), p[1] = (uint8_t)(len >> 16), p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
  memcpy(p + 4, bytes, len);
  run->len += 4 + len;
  run->last_seq = seq;
  dbn_crypto_hash(run->crypto, bytes, len, run->last_hash);
  return 0;
}

/* etcd keeps the last `window` events: the batches ending before that are
 * deleted, every WINDOW_STEP events (a follower further behind restores a
 * snapshot of a peer first, docs/replication.md). A failure only means
 * they are deleted next time. */
static void
forget_old_batches(dbn_replication_t *repl, uint64_t head)
{
  if (head <= repl->window || head - repl->window < repl->forgotten_before + WINDOW_STEP)
    return;
  uint64_t before = head - repl->window;
  char from[KEY_MAX + 24], to[KEY_MAX + 24];
  log_key(repl, 0, from);
  log_key(repl, before, to);
  if (dbn_etcd_delete(repl->etcd, from, strlen(from), to, strlen(to)) == 0)
    repl->forgotten_before = before;
}

/* Write run to etcd if nobody else wrote since head_revision and this
 * broker still holds the leader key. */
static int
publish_run(dbn_replication_t *repl, struct run *run, char *why, size_t why_len)
{
  char key[KEY_MAX + 24];
  log_key(repl, run->last_seq, key);
  uint8_t head[HEAD_VALUE_LEN];
  head_value(run->last_seq, run->last_hash, head);
  dbn_etcd_compare_t compares[] = {
      {repl->head_key, strlen(repl->head_key), DBN_ETCD_MOD_REVISION, repl->head_revision},
      {repl->leader_key, strlen(repl->leader_key), DBN_ETCD_CREATE_REVISION, repl->token},
  };
  dbn_etcd_put_op_t puts[] = {
      {key, strlen(key), run->data, run->len, 0},
      {repl->head_key, strlen(repl->head_key), head, sizeof head, 0},
  };
  bool succeeded = false;
  int64_t revision = 0;
  int rc = dbn_etcd_txn(repl->etcd, compares, 2, puts, 2, &succeeded, &revision);
  if (rc) {
    /* The write may yet be applied: if it is, the next one's compare
     * fails, and this broker steps down and catches up. */
    snprintf(
        why, why_len,
        "etcd 未确认此次写入（%s）：未受理；它可能没有记录，也可能稍后生效，请用同一请求编号重试，"
        "结果只生效一次 / etcd did not confirm the write: not acknowledged; it may or may not take effect, "
        "retry under the same request id (it takes effect once)",
        dbn_etcd_last_error(repl->etcd));
    set_problem(repl, why);
    return DBN_EUNAVAIL;
  }
  if (!succeeded) {
    step_down(
        repl,
        "etcd 中的日志头已被移动或主节点键已换人（本节点已被取代） / etcd's head moved or the leader key "
        "changed hands: this broker was replaced");
    snprintf(why, why_len,
             "本节点已不再是主节点，未记录；请重试（客户端会转到新的主节点） / this broker is no longer "
             "the leader: nothing recorded; retry (the client moves to the new leader)");
    return DBN_EUNAVAIL;
  }
  repl->head_revision = revision;
  forget_old_batches(repl, run->last_seq);
  run->len = 0;
  return 0;
}

struct gather {
  dbn_replication_t *repl;
  struct run run;
  char *why;
  size_t why_len;
};

static int
gather_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  struct gather *g = arg;
  int rc;
  if (g->run.len > 0 && g->run.len + 4 + len > RUN_MAX_BYTES &&
      (rc = publish_run(g->repl, &g->run, g->why, g->why_len)))
    return rc;
  return run_add(&g->run, seq, bytes, len);
}

/* Publish the events of txn after after_seq, in runs of at most
 * RUN_MAX_BYTES (one event bigger than that goes alone). */
static int
publish_events(dbn_replication_t *repl, dbn_store_txn_t *txn, uint64_t after_seq, char *why, size_t why_len)
{
  struct gather g = {
      .repl = repl, .run = {.crypto = dbn_store_crypto(repl->store)}, .why = why, .why_len = why_len};
  int rc = dbn_store_events_foreach(txn, after_seq, 0, gather_event, &g);
  if (rc == 0 && g.run.len > 0)
    rc = publish_run(repl, &g.run, why, why_len);
  free(g.run.data);
  return rc;
}

int
dbn_replication_commit_batch(dbn_replication_t *repl, dbn_store_txn_t *txn, uint64_t head_before, char *why,
                             size_t why_len)
{
  if (!repl)
    return 0;
  if (!repl->leader) {
    dbn_replication_refusal(repl, why, why_len);
    return DBN_EUNAVAIL;
  }
  return publish_events(repl, txn, head_before, why, why_len);
}

void
dbn_replication_local_commit_failed(dbn_replication_t *repl)
{
  if (repl && repl->leader)
    step_down(
        repl,
        "批次已写入 etcd，但本地日志提交失败；将从 etcd 补齐 / the batch is in etcd but the local commit "
        "failed: catching up from etcd");
}

/* ---- becoming the leader ---- */

/* The head etcd holds: seq 0 and revision 0 when nothing was written yet. */
static int
read_head(dbn_replication_t *repl, uint64_t *seq_p, uint8_t hash[DBN_HASH_BYTES], int64_t *revision_p)
{
  dbn_etcd_range_t range;
  int rc = dbn_etcd_range(repl->etcd, repl->head_key, strlen(repl->head_key), NULL, 0, 0, &range);
  *seq_p = 0;
  *revision_p = 0;
  if (rc == 0 && range.count == 1) {
    if (range.kvs[0].value_len != HEAD_VALUE_LEN) {
      rc = DBN_ECORRUPT;
    } else {
      *seq_p = dbn_be64_get(range.kvs[0].value);
      memcpy(hash, range.kvs[0].value + 8, DBN_HASH_BYTES);
      *revision_p = range.kvs[0].mod_revision;
    }
  }
  dbn_etcd_range_clear(&range);
  return rc;
}

/* One event's hash, in the log's profile (hash_event's argument). */
struct event_hash {
  dbn_crypto_t crypto;
  uint8_t hash[DBN_HASH_BYTES];
};

static int
hash_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  struct event_hash *out = arg;
  dbn_crypto_hash(out->crypto, bytes, len, out->hash);
  return 1;
}

/* The local log holds more than etcd: a log that existed before
 * replication was turned on (etcd_seq 0), or the rest of one whose seeding
 * was cut short, or an etcd restored from an older backup. When the local
 * log holds etcd's head as its own event etcd_seq, the events after it are
 * a valid continuation, and the leader puts them into etcd, so that
 * followers started from empty can copy them. Else DBN_ECORRUPT. */
static int
seed_etcd(dbn_replication_t *repl, uint64_t etcd_seq, const uint8_t etcd_hash[DBN_HASH_BYTES], char *why,
          size_t why_len)
{
  dbn_store_txn_t *txn;
  int rc = dbn_store_read_begin(repl->store, &txn);
  if (rc)
    return rc;
  struct event_hash local = {.crypto = dbn_store_crypto(repl->store)};
  if (etcd_seq > 0 && ((rc = dbn_store_events_foreach(txn, etcd_seq - 1, 1, hash_event, &local)) != 0 ||
                       memcmp(local.hash, etcd_hash, DBN_HASH_BYTES) != 0)) {
    dbn_store_abort(&txn);
    return rc ? rc : DBN_ECORRUPT;
  }
  dbn_log(DBN_LOG_INFO, "replication",
          "etcd 中的日志止于 %" PRIu64 "：写入本节点其后的事件 / seeding etcd from seq %" PRIu64, etcd_seq,
          etcd_seq + 1);
  rc = publish_events(repl, txn, etcd_seq, why, why_len);
  dbn_store_abort(&txn);
  return rc;
}

/* Holding the leader key: bring the local log to etcd's head, and check
 * that the two agree, before any write. */
static int
take_office(dbn_replication_t *repl)
{
  uint64_t etcd_seq;
  uint8_t etcd_hash[DBN_HASH_BYTES];
  int64_t revision;
  int rc = read_head(repl, &etcd_seq, etcd_hash, &revision);
  if (rc == 0)
    rc = catch_up(repl, &(int64_t){0});
  uint64_t local_seq = 0;
  uint8_t local_hash[DBN_HASH_BYTES] = {0};
  if (rc == 0)
    rc = dbn_store_head(repl->store, &local_seq, local_hash);
  if (rc)
    return rc;
  repl->head_revision = revision;
  char why[600];
  if (local_seq > etcd_seq && (rc = seed_etcd(repl, etcd_seq, etcd_hash, why, sizeof why)) != DBN_ECORRUPT)
    return rc;
  if (local_seq != etcd_seq || (etcd_seq > 0 && memcmp(local_hash, etcd_hash, DBN_HASH_BYTES) != 0)) {
    repl->diverged = true;
    snprintf(repl->problem, sizeof repl->problem,
             "本节点日志（头 %" PRIu64 "）与 etcd（头 %" PRIu64
             "）不一致，拒绝成为主节点；需从快照恢复 / this broker's "
             "log (head %" PRIu64 ") disagrees with etcd's (head %" PRIu64
             "): not leading; restore it from a snapshot",
             local_seq, etcd_seq, local_seq, etcd_seq);
    dbn_log(DBN_LOG_ERROR, "replication", "%s", repl->problem);
    return DBN_ECORRUPT;
  }
  return 0;
}

/* Nobody leads: try to create the leader key with a lease of our own. */
static bool
campaign(dbn_replication_t *repl, int64_t now_ms)
{
  if (repl->diverged)
    return false;
  int64_t lease = 0;
  if (dbn_etcd_lease_grant(repl->etcd, repl->lease_seconds, &lease) != 0)
    return false;
  char value[sizeof repl->advertise + sizeof repl->node + 2];
  snprintf(value, sizeof value, "%s %s", repl->advertise, repl->node);
  dbn_etcd_compare_t vacant = {repl->leader_key, strlen(repl->leader_key), DBN_ETCD_CREATE_REVISION, 0};
  dbn_etcd_put_op_t claim = {repl->leader_key, strlen(repl->leader_key), value, strlen(value), lease};
  bool won = false;
  int64_t revision = 0;
  if (dbn_etcd_txn(repl->etcd, &vacant, 1, &claim, 1, &won, &revision) != 0 || !won) {
    dbn_etcd_lease_revoke(repl->etcd, lease);
    return false;
  }
  repl->lease = lease;
  repl->token = revision;
  repl->renewed_ms = now_ms;
  repl->keepalive_due_ms = now_ms + repl->lease_seconds * 1000 / 3;
  dbn_etcd_watch_close(&repl->watch);
  if (take_office(repl) != 0) {
    step_down(repl, repl->diverged ? repl->problem : dbn_etcd_last_error(repl->etcd));
    return false;
  }
  repl->leader = true;
  repl->leader_known = true;
  snprintf(repl->leader_endpoint, sizeof repl->leader_endpoint, "%s", repl->advertise);
  snprintf(repl->leader_node, sizeof repl->leader_node, "%s", repl->node);
  repl->problem[0] = '\0';
  dbn_log(DBN_LOG_INFO, "replication",
          "节点 %s 成为主节点（租约 %" PRId64 "，令牌 %" PRId64 "） / now the leader", repl->node, lease,
          revision);
  return true;
}

/* The leader key's value, "ENDPOINT NODE", into what refusals name. */
static void
take_leader(dbn_replication_t *repl, const dbn_etcd_kv_t *kv)
{
  char value[512];
  snprintf(value, sizeof value, "%.*s", (int)kv->value_len, (char *)kv->value);
  char *space = strchr(value, ' ');
  if (space)
    *space = '\0';
  snprintf(repl->leader_endpoint, sizeof repl->leader_endpoint, "%.*s", (int)sizeof repl->leader_endpoint - 1,
           value);
  snprintf(repl->leader_node, sizeof repl->leader_node, "%.*s", (int)sizeof repl->leader_node - 1,
           space ? space + 1 : "");
  repl->leader_known = true;
}

/* The follower has not reached, for a while, a head etcd showed it: the
 * watch may have stalled (its member cut off without closing the stream),
 * so read the batches instead. Being behind a busy leader by a batch or
 * two is normal; not reaching what was there BEHIND_MS ago is not. */
static void
check_behind(dbn_replication_t *repl, const dbn_etcd_kv_t *head, int64_t now_ms)
{
  uint64_t local = 0;
  if (head->value_len != HEAD_VALUE_LEN || dbn_store_head(repl->store, &local, NULL) != 0)
    return;
  uint64_t etcd_head = dbn_be64_get(head->value);
  if (repl->behind_target && local >= repl->behind_target)
    repl->behind_target = 0; /* it got there: start over */
  if (etcd_head <= local) {
    repl->behind_target = 0;
  } else if (!repl->behind_target) {
    repl->behind_target = etcd_head;
    repl->behind_since_ms = now_ms;
  } else if (now_ms - repl->behind_since_ms >= BEHIND_MS) {
    repl->catch_up = true;
    repl->behind_target = 0;
  }
}

/* A follower's look at the leader and head keys (one range: "head" and
 * "leader" are next to each other under the prefix); campaigns when the
 * leader key is vacant. */
static bool
check_leader(dbn_replication_t *repl, int64_t now_ms)
{
  if (now_ms < repl->leader_checked_ms)
    return false;
  repl->leader_checked_ms = now_ms + LEADER_CHECK_MS;
  size_t leader_len = strlen(repl->leader_key);
  char end[KEY_MAX + 1];
  memcpy(end, repl->leader_key, leader_len + 1); /* the range ends just past the leader key */
  dbn_etcd_range_t range;
  if (dbn_etcd_range(repl->etcd, repl->head_key, strlen(repl->head_key), end, leader_len + 1, 0, &range) !=
      0) {
    dbn_etcd_range_clear(&range);
    repl->leader_known = false;
    snprintf(repl->problem, sizeof repl->problem, "无法从 etcd 得知主节点：%s",
             dbn_etcd_last_error(repl->etcd));
    repl->backoff_ms = repl->backoff_ms ? repl->backoff_ms * 2 : ETCD_BACKOFF_MS;
    if (repl->backoff_ms > ETCD_BACKOFF_MAX_MS)
      repl->backoff_ms = ETCD_BACKOFF_MAX_MS;
    repl->leader_checked_ms = now_ms + repl->backoff_ms;
    return false;
  }
  repl->backoff_ms = 0;
  bool vacant = true;
  for (size_t i = 0; i < range.count; i++) {
    const dbn_etcd_kv_t *kv = &range.kvs[i];
    if (kv->key_len == leader_len && memcmp(kv->key, repl->leader_key, leader_len) == 0) {
      take_leader(repl, kv);
      vacant = false;
    } else if (kv->key_len == strlen(repl->head_key) && memcmp(kv->key, repl->head_key, kv->key_len) == 0) {
      check_behind(repl, kv, now_ms);
    }
  }
  dbn_etcd_range_clear(&range);
  if (!vacant)
    return false;
  repl->leader_known = false;
  follow(repl); /* apply what the old leader left before standing */
  if (campaign(repl, now_ms))
    return true;
  repl->leader_checked_ms = now_ms + 50; /* another won: learn who, to name it in refusals */
  return false;
}

/* The lease was renewed recently enough that etcd cannot have let it
 * expire: short of its TTL by a margin for the renewal's own trip. */
static bool
lease_fresh(const dbn_replication_t *repl, int64_t now_ms)
{
  return now_ms - repl->renewed_ms < (int64_t)repl->lease_seconds * 1000 - 500;
}

static void
keep_lease(dbn_replication_t *repl, int64_t now_ms)
{
  if (!lease_fresh(repl, now_ms)) {
    /* Stop before another broker can be elected, not after. */
    char why[700];
    snprintf(why, sizeof why,
             "无法及时续约主节点租约，etcd 不可用（%s） / cannot renew the leader's lease in time: "
             "etcd unavailable",
             dbn_etcd_last_error(repl->etcd));
    step_down(repl, why);
    repl->leader_checked_ms = now_ms + ETCD_BACKOFF_MS;
    return;
  }
  if (now_ms < repl->keepalive_due_ms)
    return;
  int rc = dbn_etcd_lease_keepalive(repl->etcd, repl->lease, NULL);
  if (rc == 0) {
    repl->renewed_ms = now_ms;
    repl->keepalive_due_ms = now_ms + repl->lease_seconds * 1000 / 3;
    return;
  }
  repl->keepalive_due_ms = dbn_monotonic_ms() + 200;
  char why[700];
  if (rc == DBN_ENOTFOUND) {
    snprintf(why, sizeof why, "主节点租约已过期 / the leader's lease expired");
    step_down(repl, why);
  } else if (dbn_monotonic_ms() - repl->renewed_ms >= (int64_t)repl->lease_seconds * 1000 - 500) {
    /* The lease may be gone by etcd's clock any moment now: stop before
     * another broker can be elected, not after. */
    snprintf(why, sizeof why,
             "无法续约主节点租约，etcd 不可用（%s） / cannot renew the leader's lease: etcd unavailable",
             dbn_etcd_last_error(repl->etcd));
    step_down(repl, why);
    repl->leader_checked_ms = dbn_monotonic_ms() + ETCD_BACKOFF_MS;
  }
}

bool
dbn_replication_tick(dbn_replication_t *repl, int64_t now_ms)
{
  if (!repl)
    return false;
  if (repl->leader) {
    keep_lease(repl, now_ms);
    return false;
  }
  if (check_leader(repl, now_ms))
    return true;
  if (!repl->leader && repl->leader_checked_ms - now_ms <= LEADER_CHECK_MS)
    follow(repl); /* not while etcd is being waited out */
  return false;
}

bool
dbn_replication_is_leader(const dbn_replication_t *repl)
{
  return !repl || (repl->leader && lease_fresh(repl, dbn_monotonic_ms()));
}

void
dbn_replication_refusal(const dbn_replication_t *repl, char *message, size_t message_len)
{
  if (repl->leader_known && !repl->leader) {
    char hint[DBN_LEADER_HINT_MAX + 8];
    dbn_leader_hint_format(repl->leader_endpoint, hint, sizeof hint);
    snprintf(
        message, message_len,
        "本节点（%s）是从节点，不受理写请求；主节点是 %s（%s） / this broker is a follower; the leader is %s",
        repl->node, repl->leader_node, hint, hint);
    return;
  }
  snprintf(
      message, message_len,
      "当前没有可用的主节点（正在选举，或 etcd 不可用），未记录，请稍后重试：%s / no leader right now (an "
      "election, or etcd unavailable): nothing recorded, retry later",
      repl->problem[0] ? repl->problem : "正在选举");
}

int
dbn_replication_new(dbn_replication_t **repl_p, const dbn_broker_config_t *config, dbn_store_t *store,
                    char *why, size_t why_len)
{
  *repl_p = NULL;
  if (!*config->etcd)
    return 0;
  dbn_replication_t *repl = calloc(1, sizeof *repl);
  if (!repl)
    return DBN_ENOMEM;
  int rc = dbn_etcd_new(&repl->etcd, config->etcd, ETCD_TIMEOUT_MS, why, why_len);
  if (rc == 0 && (rc = dbn_etcd_set_tls(repl->etcd, config->etcd_ca, config->etcd_cert, config->etcd_key)))
    snprintf(why, why_len, "etcd 证书路径过长 / an etcd certificate path is too long");
  if (rc) {
    dbn_etcd_destroy(&repl->etcd);
    free(repl);
    return rc;
  }
  repl->store = store;
  snprintf(repl->leader_key, sizeof repl->leader_key, "%sleader", config->etcd_prefix);
  snprintf(repl->head_key, sizeof repl->head_key, "%shead", config->etcd_prefix);
  snprintf(repl->log_prefix, sizeof repl->log_prefix, "%slog/", config->etcd_prefix);
  dbn_etcd_prefix_end((const uint8_t *)repl->log_prefix, strlen(repl->log_prefix), repl->log_end);
  snprintf(repl->node, sizeof repl->node, "%s", config->node);
  snprintf(repl->advertise, sizeof repl->advertise, "%s", config->advertise);
  repl->lease_seconds = config->lease_seconds;
  repl->window = config->etcd_window;
  snprintf(repl->snapshot_from, sizeof repl->snapshot_from, "%s", config->snapshot_from);
  repl->catch_up = true;
  set_problem(repl, "正在连接 etcd / connecting to etcd");
  *repl_p = repl;
  return 0;
}

void
dbn_replication_destroy(dbn_replication_t **repl_p)
{
  if (!repl_p || !*repl_p)
    return;
  dbn_replication_t *repl = *repl_p;
  /* A clean stop hands over at once instead of after the lease. */
  if (repl->leader && repl->lease)
    dbn_etcd_lease_revoke(repl->etcd, repl->lease);
  dbn_etcd_watch_close(&repl->watch);
  dbn_etcd_destroy(&repl->etcd);
  free(repl);
  *repl_p = NULL;
}
