/* notify.c: the notifier's queue on LMDB and its delivery thread; see
 * notify.h.
 *
 * Tables in one environment: "meta" (last_seq → be64, and deliver_after →
 * be64 when the queue was started at a log's head), "queue" (channel
 * name, NUL, be64 seq → a small JSON record: attempts, next attempt, last
 * error, the body to post), and the directory "units" (code → name),
 * "tasks" (id → unit code, NUL, title) and "escalations" (be64 id → task).
 * The body is built when the event is offered, so a retry posts the same
 * text; only DingTalk's timestamp and sign are made at each attempt, since
 * DingTalk refuses a timestamp more than an hour old.
 *
 * The edge to LMDB is store/lmdb_env.h, as for the agent's outbox. The
 * delivery thread copies one due entry out of a read transaction, posts
 * it with no transaction open, then records the outcome in a write
 * transaction: a crash between post and delete sends that one entry again
 * (at least once to the receiver for that window), never loses it. */
#include "notify.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <curl/curl.h>
#include <lmdb.h>
#include <sodium.h>

#include "be64.h"
#include "channel.h"
#include "error.h"
#include "event_subject.h"
#include "lmdb_env.h"
#include "log.h"
#include "wire.h"

#define NOTIFY_INITIAL_MAP (1u << 20)
#define NOTIFY_MAX_GROWTH 16
#define BACKOFF_MAX_MS (600 * 1000)
#define RESPONSE_MAX (64 * 1024)

struct dbn_notifier {
  MDB_env *env;               /* owned */
  MDB_dbi meta, queue;        /* last_seq; pending entries */
  MDB_dbi units, tasks, escs; /* the directory */
  size_t map_size;            /* current map size */
  dbn_channels_t channels;    /* from the config */
  pthread_mutex_t env_mutex;  /* held around every transaction: the map grows only with none open */
  pthread_mutex_t mutex;      /* guards stopping and the wake-up */
  pthread_cond_t wake;        /* an offer queued something, or stop */
  pthread_t thread;           /* the delivery thread, when started */
  bool started;               /* thread is running */
  bool stopping;              /* asked to stop */
  char lock_path[4096];       /* DIR/notify.lock: one delivering process per queue */
  int lock_fd;                /* holds flock(LOCK_EX) while delivering; -1 when not */
};

static int64_t
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- open and close ------------------------------------------------------ */

static int
open_tables(dbn_notifier_t *n)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(n->env, NULL, 0, &txn);
  if (rc)
    return dbn_lmdb_error(rc);
  rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &n->meta);
  if (!rc)
    rc = mdb_dbi_open(txn, "queue", MDB_CREATE, &n->queue);
  if (!rc)
    rc = mdb_dbi_open(txn, "units", MDB_CREATE, &n->units);
  if (!rc)
    rc = mdb_dbi_open(txn, "tasks", MDB_CREATE, &n->tasks);
  if (!rc)
    rc = mdb_dbi_open(txn, "escalations", MDB_CREATE, &n->escs);
  if (rc) {
    mdb_txn_abort(txn);
    return dbn_lmdb_error(rc);
  }
  return dbn_lmdb_error(mdb_txn_commit(txn));
}

int
dbn_notifier_new(dbn_notifier_t **notifier_p, const dbn_notifier_options_t *options, char *why,
                 size_t why_len)
{
  assert(notifier_p && options && options->data_dir && options->config_path);
  dbn_notifier_t *n = calloc(1, sizeof *n);
  if (!n)
    return DBN_ENOMEM;
  int rc = dbn_channels_load(&n->channels, options->config_path, why, why_len);
  if (rc == 0 && mkdir(options->data_dir, 0700) != 0 && errno != EEXIST) {
    snprintf(why, why_len, "无法创建数据目录 %s：%s", options->data_dir, strerror(errno));
    rc = DBN_EIO;
  }
  if (rc == 0) {
    dbn_lmdb_config_t config = {.map_size = NOTIFY_INITIAL_MAP, .max_dbs = 5, .mode = 0600};
    char what[256] = "";
    rc = dbn_lmdb_env_open(&n->env, options->data_dir, &config, &n->map_size, what, sizeof what);
    if (rc) {
      n->env = NULL;
      snprintf(why, why_len, "无法打开通知队列 %s：%s", options->data_dir, what[0] ? what : dbn_strerror(rc));
    }
  }
  if (rc == 0 && (rc = open_tables(n)) != 0)
    snprintf(why, why_len, "无法读取通知队列 %s：%s", options->data_dir, dbn_strerror(rc));
  if (rc) {
    if (n->env)
      mdb_env_close(n->env);
    free(n);
    return rc;
  }
  snprintf(n->lock_path, sizeof n->lock_path, "%s/notify.lock", options->data_dir);
  n->lock_fd = -1;
  pthread_mutex_init(&n->env_mutex, NULL);
  pthread_mutex_init(&n->mutex, NULL);
  pthread_cond_init(&n->wake, NULL);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  *notifier_p = n;
  return 0;
}

void
dbn_notifier_destroy(dbn_notifier_t **notifier_p)
{
  if (!notifier_p || !*notifier_p)
    return;
  dbn_notifier_t *n = *notifier_p;
  dbn_notifier_stop(n);
  mdb_env_close(n->env);
  pthread_cond_destroy(&n->wake);
  pthread_mutex_destroy(&n->mutex);
  pthread_mutex_destroy(&n->env_mutex);
  free(n);
  *notifier_p = NULL;
}

static uint64_t
read_last_seq(dbn_notifier_t *n, MDB_txn *txn)
{
  MDB_val key = {8, "last_seq"}, value;
  if (mdb_get(txn, n->meta, &key, &value) != 0 || value.mv_size != 8)
    return 0;
  return dbn_be64_get(value.mv_data);
}

uint64_t
dbn_notifier_last_seq(dbn_notifier_t *n)
{
  MDB_txn *txn;
  uint64_t seq = 0;
  pthread_mutex_lock(&n->env_mutex);
  if (mdb_txn_begin(n->env, NULL, MDB_RDONLY, &txn) == 0) {
    seq = read_last_seq(n, txn);
    mdb_txn_abort(txn);
  }
  pthread_mutex_unlock(&n->env_mutex);
  return seq;
}

static uint64_t
read_deliver_after(dbn_notifier_t *n, MDB_txn *txn, bool *set_p)
{
  MDB_val key = {13, "deliver_after"}, value;
  bool set = mdb_get(txn, n->meta, &key, &value) == 0 && value.mv_size == 8;
  if (set_p)
    *set_p = set;
  return set ? dbn_be64_get(value.mv_data) : 0;
}

bool
dbn_notifier_is_new(dbn_notifier_t *n)
{
  MDB_txn *txn;
  bool chosen = false, fresh = false;
  pthread_mutex_lock(&n->env_mutex);
  if (mdb_txn_begin(n->env, NULL, MDB_RDONLY, &txn) == 0) {
    read_deliver_after(n, txn, &chosen);
    fresh = read_last_seq(n, txn) == 0 && !chosen;
    mdb_txn_abort(txn);
  }
  pthread_mutex_unlock(&n->env_mutex);
  return fresh;
}

static int
skip_to_once(dbn_notifier_t *n, uint64_t seq)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(n->env, NULL, 0, &txn);
  if (rc)
    return rc;
  bool chosen = false;
  read_deliver_after(n, txn, &chosen);
  if (chosen || read_last_seq(n, txn) != 0) {
    mdb_txn_abort(txn);
    return 0; /* only a new queue chooses where it starts */
  }
  uint8_t value[8];
  dbn_be64_put(value, seq);
  MDB_val key = {13, "deliver_after"}, val = {8, value};
  rc = mdb_put(txn, n->meta, &key, &val, 0);
  if (rc) {
    mdb_txn_abort(txn);
    return rc;
  }
  return mdb_txn_commit(txn);
}

int
dbn_notifier_skip_to(dbn_notifier_t *n, uint64_t seq)
{
  pthread_mutex_lock(&n->env_mutex);
  int rc = skip_to_once(n, seq);
  pthread_mutex_unlock(&n->env_mutex);
  return dbn_lmdb_error(rc);
}

/* ---- the directory ---------------------------------------------------------- */

static int
put_str(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen)
{
  MDB_val key = {klen, (void *)k}, value = {vlen, (void *)v};
  return mdb_put(txn, dbi, &key, &value, 0);
}

/* A name the directory cannot hold (an empty or over-long key) only makes
 * a message say less; it must not stop the stream. */
static int
learnt(int mdb_rc)
{
  return mdb_rc == MDB_BAD_VALSIZE ? 0 : mdb_rc;
}

static int
learn_task(dbn_notifier_t *n, MDB_txn *txn, const char *id, const char *unit, const char *title)
{
  size_t ulen = strlen(unit), tlen = strlen(title);
  char *buf = malloc(ulen + 1 + tlen);
  if (!buf)
    return ENOMEM;
  memcpy(buf, unit, ulen + 1);
  memcpy(buf + ulen + 1, title, tlen);
  int rc = put_str(txn, n->tasks, id, strlen(id), buf, ulen + 1 + tlen);
  free(buf);
  return learnt(rc);
}

static int
learn_plan(dbn_notifier_t *n, MDB_txn *txn, const Duban__Plan *plan)
{
  int rc = 0;
  for (size_t i = 0; i < plan->n_units && !rc; i++)
    rc = learnt(put_str(txn, n->units, plan->units[i]->code, strlen(plan->units[i]->code),
                        plan->units[i]->name, strlen(plan->units[i]->name)));
  for (size_t s = 0; s < plan->n_sections && !rc; s++)
    for (size_t m = 0; m < plan->sections[s]->n_measures && !rc; m++) {
      const Duban__Measure *measure = plan->sections[s]->measures[m];
      for (size_t a = 0; a < measure->n_actions && !rc; a++)
        rc =
            learn_task(n, txn, measure->actions[a]->id, measure->actions[a]->unit, measure->actions[a]->text);
    }
  return rc;
}

/* What names are learnt from this event; an LMDB code. */
static int
learn(dbn_notifier_t *n, MDB_txn *txn, const Duban__Event *event)
{
  if (event->body_case == DUBAN__EVENT__BODY_PLAN_LOADED && event->plan_loaded->plan)
    return learn_plan(n, txn, event->plan_loaded->plan);
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATED) {
    uint8_t key[8];
    dbn_be64_put(key, event->seq);
    return learnt(put_str(txn, n->escs, key, 8, event->escalated->task, strlen(event->escalated->task)));
  }
  if (event->body_case == DUBAN__EVENT__BODY_REASSIGNED) {
    MDB_val key = {strlen(event->reassigned->task), event->reassigned->task}, value;
    char title[4096] = "";
    if (key.mv_size && mdb_get(txn, n->tasks, &key, &value) == 0) {
      const char *v = value.mv_data;
      size_t ulen = strnlen(v, value.mv_size);
      size_t tlen = value.mv_size > ulen + 1 ? value.mv_size - ulen - 1 : 0;
      if (tlen >= sizeof title)
        tlen = sizeof title - 1;
      if (tlen)
        memcpy(title, v + ulen + 1, tlen);
      title[tlen] = '\0';
    }
    return learn_task(n, txn, event->reassigned->task, event->reassigned->unit, title);
  }
  /* A task a plan change (计划调整) added: its unit is told of it like any other's. */
  if (event->body_case == DUBAN__EVENT__BODY_PLAN_TASK_ADDED && event->plan_task_added->new_task &&
      *event->plan_task_added->new_task)
    return learn_task(n, txn, event->plan_task_added->new_task, event->plan_task_added->unit,
                      event->plan_task_added->text);
  return 0;
}

/* The subject's strings, copied out of txn into the caller's buffers. */
typedef struct {
  char task[256], unit_code[64], unit_name[256], title[1024];
} subject_buf_t;

static void
copy_val(char *dst, size_t dst_len, const void *src, size_t len)
{
  if (len >= dst_len)
    len = dst_len - 1;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

static void
resolve_subject(dbn_notifier_t *n, MDB_txn *txn, const Duban__Event *event, subject_buf_t *s)
{
  memset(s, 0, sizeof *s);
  const char *task = dbn_event_task(event);
  MDB_val key, value;
  if (task) {
    copy_val(s->task, sizeof s->task, task, strlen(task));
  } else {
    uint64_t id = dbn_event_escalation(event);
    uint8_t k[8];
    dbn_be64_put(k, id);
    key = (MDB_val){8, k};
    if (mdb_get(txn, n->escs, &key, &value) == 0)
      copy_val(s->task, sizeof s->task, value.mv_data, value.mv_size);
  }
  key = (MDB_val){strlen(s->task), s->task};
  if (s->task[0] && mdb_get(txn, n->tasks, &key, &value) == 0) {
    const char *v = value.mv_data;
    size_t ulen = strnlen(v, value.mv_size);
    copy_val(s->unit_code, sizeof s->unit_code, v, ulen);
    if (value.mv_size > ulen + 1)
      copy_val(s->title, sizeof s->title, v + ulen + 1, value.mv_size - ulen - 1);
  }
  key = (MDB_val){strlen(s->unit_code), s->unit_code};
  if (s->unit_code[0] && mdb_get(txn, n->units, &key, &value) == 0)
    copy_val(s->unit_name, sizeof s->unit_name, value.mv_data, value.mv_size);
}

/* ---- offering ------------------------------------------------------------------- */

/* The body a channel posts; caller frees. */
static char *
build_body(const dbn_channel_t *ch, const Duban__Event *event, const subject_buf_t *s, const char *text)
{
  cJSON *root = cJSON_CreateObject();
  if (ch->kind == DBN_CHANNEL_WEBHOOK) {
    cJSON_AddNumberToObject(root, "seq", (double)event->seq);
    cJSON_AddStringToObject(root, "kind", dbn_wire_event_name(event->body_case));
    cJSON_AddNumberToObject(root, "time", (double)event->time);
    cJSON_AddStringToObject(root, "actor", event->actor ? event->actor : "");
    cJSON_AddStringToObject(root, "person", event->person ? event->person : "");
    cJSON_AddStringToObject(root, "unit", s->unit_code);
    cJSON_AddStringToObject(root, "unit_name", s->unit_name);
    cJSON_AddStringToObject(root, "task", s->task);
    cJSON_AddStringToObject(root, "title", s->title);
    const char *whom = dbn_notice_ladder_notify(event);
    if (whom)
      cJSON_AddStringToObject(root, "notify", whom);
    cJSON_AddStringToObject(root, "text", text);
  } else {
    const char *type = ch->kind == DBN_CHANNEL_WECOM && ch->markdown ? "markdown" : "text";
    cJSON_AddStringToObject(root, "msgtype", type);
    cJSON *content = cJSON_AddObjectToObject(root, type);
    cJSON_AddStringToObject(content, "content", text);
  }
  char *body = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  return body;
}

static size_t
queue_key(uint8_t *key, const char *channel, uint64_t seq)
{
  size_t len = strlen(channel);
  memcpy(key, channel, len + 1);
  dbn_be64_put(key + len + 1, seq);
  return len + 9;
}

static int
put_record(dbn_notifier_t *n, MDB_txn *txn, const uint8_t *key, size_t key_len, int attempts, int64_t due_ms,
           const char *error, const char *body)
{
  cJSON *rec = cJSON_CreateObject();
  cJSON_AddNumberToObject(rec, "attempts", attempts);
  cJSON_AddNumberToObject(rec, "due_ms", (double)due_ms);
  cJSON_AddStringToObject(rec, "error", error);
  cJSON_AddStringToObject(rec, "body", body);
  char *text = cJSON_PrintUnformatted(rec);
  cJSON_Delete(rec);
  if (!text)
    return ENOMEM;
  int rc = put_str(txn, n->queue, key, key_len, text, strlen(text));
  free(text);
  return rc;
}

static int
enqueue(dbn_notifier_t *n, MDB_txn *txn, const Duban__Event *event)
{
  subject_buf_t s;
  resolve_subject(n, txn, event, &s);
  dbn_notice_subject_t subject = {s.unit_code, s.unit_name, s.task, s.title};
  char text[DBN_NOTIFY_TEXT_MAX];
  dbn_notice_text(event, &subject, text, sizeof text);
  const char *kind = dbn_wire_event_name(event->body_case);
  int rc = 0;
  for (size_t i = 0; i < n->channels.count && !rc; i++) {
    const dbn_channel_t *ch = &n->channels.channels[i];
    if (!dbn_channel_matches(ch, kind, s.unit_code, dbn_notice_ladder_notify(event)))
      continue;
    char *body = build_body(ch, event, &s, text);
    if (!body)
      return ENOMEM;
    uint8_t key[DBN_NOTIFY_NAME_MAX + 9];
    rc = put_record(n, txn, key, queue_key(key, ch->name, event->seq), 0, 0, "", body);
    free(body);
  }
  return rc;
}

/* One event inside the offer's transaction; an LMDB code. */
static int
offer_in(dbn_notifier_t *n, MDB_txn *txn, const Duban__Event *event, bool *queued_p)
{
  if (event->seq <= read_last_seq(n, txn))
    return 0;
  int rc = learn(n, txn, event);
  bool before_start = event->seq <= read_deliver_after(n, txn, NULL); /* history: names only */
  if (!rc && !before_start && dbn_notice_kind_notifies(event->body_case)) {
    rc = enqueue(n, txn, event);
    *queued_p = true;
  }
  uint8_t seq[8];
  dbn_be64_put(seq, event->seq);
  if (!rc)
    rc = put_str(txn, n->meta, "last_seq", 8, seq, 8);
  return rc;
}

/* One attempt at the offer's transaction; an LMDB code. */
static int
offer_once(dbn_notifier_t *n, const Duban__Event *const *events, size_t count, bool *queued_p)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(n->env, NULL, 0, &txn);
  if (rc)
    return rc;
  *queued_p = false;
  for (size_t i = 0; i < count && !rc; i++)
    rc = offer_in(n, txn, events[i], queued_p);
  if (rc) {
    mdb_txn_abort(txn);
    return rc;
  }
  return mdb_txn_commit(txn);
}

int
dbn_notifier_offer_batch(dbn_notifier_t *n, const Duban__Event *const *events, size_t count)
{
  bool queued = false;
  pthread_mutex_lock(&n->env_mutex);
  int rc = offer_once(n, events, count, &queued);
  for (int grown = 0; rc == MDB_MAP_FULL && grown < NOTIFY_MAX_GROWTH; grown++) {
    if (dbn_lmdb_grow(n->env, &n->map_size, 0) != 0)
      break;
    rc = offer_once(n, events, count, &queued);
  }
  pthread_mutex_unlock(&n->env_mutex);
  if (rc == 0 && queued) {
    pthread_mutex_lock(&n->mutex);
    pthread_cond_signal(&n->wake);
    pthread_mutex_unlock(&n->mutex);
  }
  return dbn_lmdb_error(rc);
}

int
dbn_notifier_offer(dbn_notifier_t *n, const Duban__Event *event)
{
  return dbn_notifier_offer_batch(n, &event, 1);
}

/* ---- delivery ----------------------------------------------------------------- */

/* One due entry, copied out of its transaction. */
typedef struct {
  uint8_t key[DBN_NOTIFY_NAME_MAX + 9]; /* channel NUL be64 seq */
  size_t key_len;
  const dbn_channel_t *channel; /* borrowed from the config */
  int attempts;                 /* failed attempts so far */
  char *body;                   /* owned */
  int64_t next_due_ms;          /* earliest due of the other entries (for the wait) */
} entry_t;

static const dbn_channel_t *
channel_named(dbn_notifier_t *n, const char *name)
{
  for (size_t i = 0; i < n->channels.count; i++)
    if (strcmp(n->channels.channels[i].name, name) == 0)
      return &n->channels.channels[i];
  return NULL;
}

/* Find the first due entry of a configured channel. This scans the whole
 * queue for each delivery, O(pending): the queue is empty or small unless a
 * receiver is down, and then its entries wait out their backoff and the
 * idle thread scans once a second. An index by due time would make it
 * O(log n) at the price of a second table to keep in step. Entries of a
 * channel since removed from the config wait (visible in the status). Returns 1
 * with *e filled, 0 when none is due (e->next_due_ms says when one is). */
static int
next_due_locked(dbn_notifier_t *n, entry_t *e)
{
  MDB_txn *txn;
  MDB_cursor *cursor;
  e->next_due_ms = now_ms() + 1000;
  if (mdb_txn_begin(n->env, NULL, MDB_RDONLY, &txn) != 0)
    return 0;
  int found = 0;
  if (mdb_cursor_open(txn, n->queue, &cursor) == 0) {
    MDB_val key, value;
    int64_t now = now_ms();
    for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0 && !found;
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
      const dbn_channel_t *ch =
          key.mv_size > 9 && key.mv_size <= sizeof e->key ? channel_named(n, key.mv_data) : NULL;
      cJSON *rec = ch ? cJSON_ParseWithLength(value.mv_data, value.mv_size) : NULL;
      if (!rec)
        continue;
      int64_t due = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "due_ms"));
      if (due <= now) {
        memcpy(e->key, key.mv_data, key.mv_size);
        e->key_len = key.mv_size;
        e->channel = ch;
        e->attempts = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "attempts"));
        e->body = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(rec, "body")));
        found = e->body != NULL;
      } else if (due < e->next_due_ms) {
        e->next_due_ms = due;
      }
      cJSON_Delete(rec);
    }
    mdb_cursor_close(cursor);
  }
  mdb_txn_abort(txn);
  return found;
}

static int
next_due(dbn_notifier_t *n, entry_t *e)
{
  pthread_mutex_lock(&n->env_mutex);
  int found = next_due_locked(n, e);
  pthread_mutex_unlock(&n->env_mutex);
  return found;
}

typedef struct {
  char data[RESPONSE_MAX + 1];
  size_t len;
} response_t;

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *user)
{
  response_t *r = user;
  size_t take = size * nmemb;
  if (take > RESPONSE_MAX - r->len)
    take = RESPONSE_MAX - r->len;
  memcpy(r->data + r->len, ptr, take);
  r->len += take;
  r->data[r->len] = '\0';
  return size * nmemb;
}

/* The URL of this attempt: DingTalk's signed ones carry a fresh timestamp. */
static int
attempt_url(const dbn_channel_t *ch, char *url, size_t url_len)
{
  if (ch->kind != DBN_CHANNEL_DINGTALK || !ch->secret[0])
    return snprintf(url, url_len, "%s", ch->url) < (int)url_len ? 0 : DBN_ETOOBIG;
  int64_t ts = now_ms();
  char sign[160];
  if (dbn_dingtalk_sign(ch->secret, ts, sign, sizeof sign))
    return DBN_ETOOBIG;
  int len = snprintf(url, url_len, "%s%ctimestamp=%lld&sign=%s", ch->url, strchr(ch->url, '?') ? '&' : '?',
                     (long long)ts, sign);
  return len < (int)url_len ? 0 : DBN_ETOOBIG;
}

/* A robot says it took the message with errcode 0. */
static bool
robot_accepted(const response_t *r, char *error, size_t error_len)
{
  cJSON *json = cJSON_Parse(r->data);
  cJSON *code = json ? cJSON_GetObjectItem(json, "errcode") : NULL;
  bool ok = cJSON_IsNumber(code) && cJSON_GetNumberValue(code) == 0;
  if (!ok) {
    const char *msg = json ? cJSON_GetStringValue(cJSON_GetObjectItem(json, "errmsg")) : NULL;
    snprintf(error, error_len, "机器人拒收：errcode %d %.200s", code ? (int)cJSON_GetNumberValue(code) : -1,
             msg ? msg : r->data);
  }
  cJSON_Delete(json);
  return ok;
}

/* What a failed transfer means, in the words the board shows (libcurl's
 * own text follows in brackets, for whoever runs the network). */
static const char *
transfer_failure_zh(CURLcode rc)
{
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST: return "无法解析接收方的主机名";
  case CURLE_COULDNT_CONNECT: return "无法连接接收方（对方未运行或网络不通）";
  case CURLE_OPERATION_TIMEDOUT: return "接收方超时未答复";
  case CURLE_SSL_CONNECT_ERROR: return "与接收方的 HTTPS 握手失败";
  case CURLE_PEER_FAILED_VERIFICATION: return "接收方的证书未通过校验";
  case CURLE_SSL_CACERT_BADFILE: return "无法读取 ca_file 证书文件";
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING: return "连接被接收方中断";
  default: return "网络错误";
  }
}

/* Post one entry. True when the receiver accepted it; else error says why. */
static bool
post(const entry_t *e, char *error, size_t error_len)
{
  const dbn_channel_t *ch = e->channel;
  char url[DBN_NOTIFY_URL_MAX + 256];
  if (attempt_url(ch, url, sizeof url))
    return snprintf(error, error_len, "url 太长"), false;
  CURL *curl = curl_easy_init();
  if (!curl)
    return snprintf(error, error_len, "curl 初始化失败"), false;
  response_t *response = calloc(1, sizeof *response);
  if (!response) {
    curl_easy_cleanup(curl);
    return snprintf(error, error_len, "内存不足"), false;
  }
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
  char sig_header[128];
  if (ch->kind == DBN_CHANNEL_WEBHOOK && ch->secret[0]) {
    char hex[65];
    dbn_hmac_hex(ch->secret, e->body, strlen(e->body), hex);
    snprintf(sig_header, sizeof sig_header, "X-Duban-Signature: sha256=%s", hex);
    headers = curl_slist_append(headers, sig_header);
  }
  char curl_error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, e->body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, ch->timeout_s);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
  if (ch->ca_file[0])
    curl_easy_setopt(curl, CURLOPT_CAINFO, ch->ca_file);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  bool ok = false;
  if (rc != CURLE_OK)
    snprintf(error, error_len, "发送失败：%s（%s）", transfer_failure_zh(rc),
             curl_error[0] ? curl_error : curl_easy_strerror(rc));
  else if (status < 200 || status > 299)
    snprintf(error, error_len, "接收方答复 HTTP %ld：%.200s", status, response->data);
  else
    ok = ch->kind == DBN_CHANNEL_WEBHOOK || robot_accepted(response, error, error_len);
  free(response);
  return ok;
}

/* 1 s doubling to 10 min, each delay drawn from 75–125 % so that many
 * entries failing together do not retry together. */
static int64_t
backoff_ms(int attempts)
{
  int shift = attempts - 1 < 20 ? attempts - 1 : 20;
  int64_t base = (int64_t)1000 << shift;
  if (base > BACKOFF_MAX_MS)
    base = BACKOFF_MAX_MS;
  return base * 3 / 4 + (int64_t)randombytes_uniform((uint32_t)(base / 2 + 1));
}

static int
record_once(dbn_notifier_t *n, const entry_t *e, bool delivered, const char *error, int64_t due_ms)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(n->env, NULL, 0, &txn);
  if (rc)
    return rc;
  MDB_val key = {e->key_len, (void *)e->key};
  if (delivered) {
    rc = mdb_del(txn, n->queue, &key, NULL);
    if (rc == MDB_NOTFOUND)
      rc = 0;
  } else {
    rc = put_record(n, txn, e->key, e->key_len, e->attempts + 1, due_ms, error, e->body);
  }
  if (rc) {
    mdb_txn_abort(txn);
    return rc;
  }
  return mdb_txn_commit(txn);
}

/* Record the outcome: delete on success, else count, delay and remember
 * the error (a longer error text can fill the map: grow it as offers do). */
static void
record_outcome(dbn_notifier_t *n, const entry_t *e, bool delivered, const char *error)
{
  int64_t due_ms = now_ms() + backoff_ms(e->attempts + 1);
  pthread_mutex_lock(&n->env_mutex);
  int rc = record_once(n, e, delivered, error, due_ms);
  for (int grown = 0; rc == MDB_MAP_FULL && grown < NOTIFY_MAX_GROWTH; grown++) {
    if (dbn_lmdb_grow(n->env, &n->map_size, 0) != 0)
      break;
    rc = record_once(n, e, delivered, error, due_ms);
  }
  pthread_mutex_unlock(&n->env_mutex);
  if (rc)
    dbn_log(DBN_LOG_WARN, "notify", "cannot record a delivery outcome: %s", mdb_strerror(rc));
}

static bool
should_stop(dbn_notifier_t *n)
{
  pthread_mutex_lock(&n->mutex);
  bool stop = n->stopping;
  pthread_mutex_unlock(&n->mutex);
  return stop;
}

static void
wait_until(dbn_notifier_t *n, int64_t due_ms)
{
  struct timespec until = {.tv_sec = due_ms / 1000, .tv_nsec = (due_ms % 1000) * 1000000};
  pthread_mutex_lock(&n->mutex);
  if (!n->stopping)
    pthread_cond_timedwait(&n->wake, &n->mutex, &until);
  pthread_mutex_unlock(&n->mutex);
}

static void *
deliver_loop(void *arg)
{
  dbn_notifier_t *n = arg;
  /* With CURLOPT_NOSIGNAL libcurl leaves SIGPIPE alone, and a receiver
   * that hangs up mid-TLS would kill a program that did not ignore it:
   * block it in this thread, the one that writes to receivers. */
  sigset_t pipe_mask;
  sigemptyset(&pipe_mask);
  sigaddset(&pipe_mask, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_mask, NULL);
  while (!should_stop(n)) {
    entry_t e = {0};
    if (!next_due(n, &e)) {
      wait_until(n, e.next_due_ms);
      continue;
    }
    char error[512] = "";
    bool delivered = post(&e, error, sizeof error);
    uint64_t seq = dbn_be64_get(e.key + e.key_len - 8);
    if (delivered)
      dbn_log(DBN_LOG_INFO, "notify", "delivered event %llu to %s", (unsigned long long)seq, e.channel->name);
    else
      dbn_log(DBN_LOG_WARN, "notify", "event %llu to %s, attempt %d: %s", (unsigned long long)seq,
              e.channel->name, e.attempts + 1, error);
    record_outcome(n, &e, delivered, error);
    free(e.body);
  }
  return NULL;
}

int
dbn_notifier_start(dbn_notifier_t *n)
{
  if (n->started)
    return 0;
  /* Two processes delivering one queue would post each entry twice. */
  n->lock_fd = open(n->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (n->lock_fd < 0)
    return DBN_EIO;
  if (flock(n->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(n->lock_fd);
    n->lock_fd = -1;
    dbn_log(DBN_LOG_ERROR, "notify", "%s is held by another notifier delivering this queue", n->lock_path);
    return DBN_EUNAVAIL;
  }
  n->stopping = false;
  if (pthread_create(&n->thread, NULL, deliver_loop, n) != 0)
    return DBN_ENOMEM;
  n->started = true;
  return 0;
}

void
dbn_notifier_stop(dbn_notifier_t *n)
{
  if (!n->started)
    return;
  pthread_mutex_lock(&n->mutex);
  n->stopping = true;
  pthread_cond_signal(&n->wake);
  pthread_mutex_unlock(&n->mutex);
  pthread_join(n->thread, NULL);
  n->started = false;
  close(n->lock_fd); /* releases the flock */
  n->lock_fd = -1;
}

/* ---- status ------------------------------------------------------------------- */

static void
add_error(cJSON *errors, const MDB_val *key, cJSON *rec)
{
  cJSON *item = cJSON_CreateObject();
  cJSON_AddStringToObject(item, "channel", key->mv_data);
  cJSON_AddNumberToObject(item, "seq",
                          (double)dbn_be64_get((const uint8_t *)key->mv_data + key->mv_size - 8));
  cJSON_AddNumberToObject(item, "attempts", cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "attempts")));
  cJSON_AddStringToObject(item, "error", cJSON_GetStringValue(cJSON_GetObjectItem(rec, "error")));
  cJSON_AddNumberToObject(item, "next_attempt",
                          cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "due_ms")) / 1000);
  cJSON_AddItemToArray(errors, item);
}

static cJSON *status_locked(dbn_notifier_t *n);

cJSON *
dbn_notifier_status(dbn_notifier_t *n)
{
  pthread_mutex_lock(&n->env_mutex);
  cJSON *status = status_locked(n);
  pthread_mutex_unlock(&n->env_mutex);
  return status;
}

/* What one configured channel has waiting, for the board's panel (entries
 * of a channel since removed from the config count in the totals only). */
typedef struct {
  const char *name;             /* the channel's, borrowed from the config */
  enum dbn_channel_kind kind;   /* its type */
  const dbn_channel_t *channel; /* its config (the units it covers), borrowed */
  double pending, failed;
  int attempts;         /* of the entry that failed last */
  double due_ms;        /* its next attempt */
  char error_copy[512]; /* its last error */
} channel_tally_t;

static void
tally_entry(channel_tally_t *tallies, size_t count, const MDB_val *key, cJSON *rec)
{
  for (size_t i = 0; i < count; i++) {
    if (strcmp(tallies[i].name, key->mv_data) != 0)
      continue;
    tallies[i].pending++;
    double attempts = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "attempts"));
    if (attempts > 0) {
      tallies[i].failed++;
      /* the entry whose next attempt is latest failed last (backoff only grows) */
      double due = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "due_ms"));
      if (due >= tallies[i].due_ms) {
        tallies[i].due_ms = due;
        tallies[i].attempts = (int)attempts;
        const char *error = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "error"));
        snprintf(tallies[i].error_copy, sizeof tallies[i].error_copy, "%s", error ? error : "");
      }
    }
    return;
  }
}

static cJSON *
tallies_json(const channel_tally_t *tallies, size_t count)
{
  cJSON *array = cJSON_CreateArray();
  for (size_t i = 0; i < count; i++) {
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "channel", tallies[i].name);
    cJSON_AddStringToObject(item, "type_zh",
                            tallies[i].kind == DBN_CHANNEL_DINGTALK ? "钉钉机器人"
                            : tallies[i].kind == DBN_CHANNEL_WECOM  ? "企业微信机器人"
                                                                    : "JSON webhook");
    cJSON *units = cJSON_AddArrayToObject(item, "units"); /* codes; none = every unit */
    for (size_t u = 0; u < tallies[i].channel->n_units; u++)
      cJSON_AddItemToArray(units, cJSON_CreateString(tallies[i].channel->units[u]));
    cJSON_AddNumberToObject(item, "pending", tallies[i].pending);
    cJSON_AddNumberToObject(item, "failed", tallies[i].failed);
    cJSON_AddNumberToObject(item, "attempts", tallies[i].attempts);
    cJSON_AddStringToObject(item, "last_error", tallies[i].error_copy);
    cJSON_AddNumberToObject(item, "next_attempt", tallies[i].failed ? tallies[i].due_ms / 1000 : 0);
    cJSON_AddItemToArray(array, item);
  }
  return array;
}

static cJSON *
status_locked(dbn_notifier_t *n)
{
  MDB_txn *txn;
  MDB_cursor *cursor;
  if (mdb_txn_begin(n->env, NULL, MDB_RDONLY, &txn) != 0)
    return NULL;
  if (mdb_cursor_open(txn, n->queue, &cursor) != 0) {
    mdb_txn_abort(txn);
    return NULL;
  }
  channel_tally_t tallies[DBN_NOTIFY_MAX_CHANNELS];
  memset(tallies, 0, sizeof tallies);
  for (size_t i = 0; i < n->channels.count; i++) {
    tallies[i].name = n->channels.channels[i].name;
    tallies[i].kind = n->channels.channels[i].kind;
    tallies[i].channel = &n->channels.channels[i];
  }
  cJSON *status = cJSON_CreateObject();
  cJSON_AddNumberToObject(status, "last_seq", (double)read_last_seq(n, txn));
  cJSON_AddNumberToObject(status, "deliver_after", (double)read_deliver_after(n, txn, NULL));
  cJSON *errors = cJSON_CreateArray();
  double pending = 0, failed = 0;
  MDB_val key, value;
  for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
    pending++;
    bool named = key.mv_size > 9 && memchr(key.mv_data, '\0', key.mv_size - 8);
    cJSON *rec = named ? cJSON_ParseWithLength(value.mv_data, value.mv_size) : NULL;
    if (rec && cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "attempts")) > 0) {
      failed++;
      if (cJSON_GetArraySize(errors) < 20)
        add_error(errors, &key, rec);
    }
    if (rec)
      tally_entry(tallies, n->channels.count, &key, rec);
    cJSON_Delete(rec);
  }
  mdb_cursor_close(cursor);
  mdb_txn_abort(txn);
  cJSON_AddNumberToObject(status, "pending", pending);
  cJSON_AddNumberToObject(status, "failed", failed);
  cJSON *names = cJSON_AddArrayToObject(status, "channels");
  for (size_t i = 0; i < n->channels.count; i++)
    cJSON_AddItemToArray(names, cJSON_CreateString(n->channels.channels[i].name));
  cJSON_AddItemToObject(status, "errors", errors);
  cJSON_AddItemToObject(status, "by_channel", tallies_json(tallies, n->channels.count));
  return status;
}
