/* sse.c: Server-Sent Events from the event log, fanned out to every open
 * board (see server.h for the promise: no gap, no duplicate, bounded
 * memory).
 *
 * A client registers with the hub before it reads the backlog, so an event
 * committed after the backlog read was published after registration and is
 * in the client's queue; one committed before is in the backlog (and
 * perhaps also in the queue, which is why a queued event at or below the
 * last seq sent is skipped). Readers run on libmicrohttpd's connection
 * threads and wait on the hub's condition variable between events. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "server.h"
#include "web_internal.h"

#define DEFAULT_QUEUE_LIMIT (1u << 20)
#define HEARTBEAT_SECONDS 15
#define WAIT_MS 500 /* how often a waiting reader looks at the stop flags */

typedef struct queued {
  struct queued *next;
  uint64_t seq;
  size_t len;
  char text[]; /* the formatted "id: …\nevent: …\ndata: …\n\n" */
} queued_t;

typedef struct subscriber {
  struct subscriber *next, *prev;
  dbn_web_hub_t *hub;
  const atomic_bool *running; /* the server's */
  char *out;                  /* bytes ready to send */
  size_t out_len, out_pos;
  queued_t *head, *tail; /* live events not yet moved to out */
  size_t queued_bytes;
  uint64_t last_seq; /* the last event put into out */
  bool dropped;
  time_t last_write;
  /* The session the stream belongs to: it ends with it. */
  dbn_web_sessions_t *sessions;
  char token[DBN_WEB_TOKEN_HEX + 1]; /* "" when the route needed none */
  const atomic_uint *sessions_ended; /* the server's counter */
  unsigned ended_seen;
  time_t session_checked;
} subscriber_t;

struct dbn_web_hub {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  dbn_web_backlog_fn backlog;
  void *arg;
  size_t queue_limit;
  subscriber_t *subscribers;
  size_t clients;
  uint64_t dropped;
  bool closed;
  int refs; /* the owner's and each subscriber's */
};

int
dbn_web_hub_new(dbn_web_hub_t **hub_p, dbn_web_backlog_fn backlog, void *arg, size_t queue_limit)
{
  dbn_web_hub_t *hub = calloc(1, sizeof *hub);
  if (!hub)
    return DBN_ENOMEM;
  pthread_mutex_init(&hub->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&hub->changed, &attr);
  pthread_condattr_destroy(&attr);
  hub->backlog = backlog;
  hub->arg = arg;
  hub->queue_limit = queue_limit ? queue_limit : DEFAULT_QUEUE_LIMIT;
  hub->refs = 1;
  *hub_p = hub;
  return 0;
}

/* Drop one reference; called with the lock held, which it releases. */
static void
hub_unref_unlock(dbn_web_hub_t *hub)
{
  bool last = --hub->refs == 0;
  pthread_mutex_unlock(&hub->lock);
  if (last) {
    pthread_cond_destroy(&hub->changed);
    pthread_mutex_destroy(&hub->lock);
    free(hub);
  }
}

void
dbn_web_hub_destroy(dbn_web_hub_t **hub_p)
{
  if (!hub_p || !*hub_p)
    return;
  dbn_web_hub_t *hub = *hub_p;
  pthread_mutex_lock(&hub->lock);
  hub->closed = true;
  pthread_cond_broadcast(&hub->changed);
  hub_unref_unlock(hub);
  *hub_p = NULL;
}

/* One event as SSE text; the data is kept to one line. */
static queued_t *
format_event(uint64_t seq, const char *event, const char *data)
{
  size_t size = strlen(event) + strlen(data) + 64;
  queued_t *q = malloc(sizeof *q + size);
  if (!q)
    return NULL;
  q->next = NULL;
  q->seq = seq;
  int n = snprintf(q->text, size, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)seq, event, data);
  q->len = n > 0 ? (size_t)n : 0;
  for (char *p = q->text + (q->len - strlen(data) - 2); p < q->text + q->len - 2; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  return q;
}

static void
free_queue(subscriber_t *sub)
{
  for (queued_t *q = sub->head, *next; q; q = next) {
    next = q->next;
    free(q);
  }
  sub->head = sub->tail = NULL;
  sub->queued_bytes = 0;
}

void
dbn_web_hub_publish(dbn_web_hub_t *hub, uint64_t seq, const char *event, const char *data)
{
  pthread_mutex_lock(&hub->lock);
  for (subscriber_t *sub = hub->subscribers; sub; sub = sub->next) {
    if (sub->dropped)
      continue;
    queued_t *q = format_event(seq, event, data);
    if (!q || sub->queued_bytes + q->len > hub->queue_limit) {
      /* Too slow (or no memory): end its stream; it reconnects with
       * Last-Event-ID and reads what it missed from the backlog. */
      free(q);
      free_queue(sub);
      sub->dropped = true;
      hub->dropped++;
      continue;
    }
    if (sub->tail)
      sub->tail->next = q;
    else
      sub->head = q;
    sub->tail = q;
    sub->queued_bytes += q->len;
  }
  pthread_cond_broadcast(&hub->changed);
  pthread_mutex_unlock(&hub->lock);
}

void
dbn_web_hub_stats(dbn_web_hub_t *hub, size_t *clients, uint64_t *dropped)
{
  pthread_mutex_lock(&hub->lock);
  if (clients)
    *clients = hub->clients;
  if (dropped)
    *dropped = hub->dropped;
  pthread_mutex_unlock(&hub->lock);
}

/* ---- One stream */

typedef struct {
  char *buf;
  size_t len, cap;
  uint64_t last_seq;
  int error;
} backlog_buf_t;

static void
append_text(backlog_buf_t *b, const char *text, size_t len)
{
  if (b->error)
    return;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len + 1)
      cap *= 2;
    char *grown = realloc(b->buf, cap);
    if (!grown) {
      b->error = DBN_ENOMEM;
      return;
    }
    b->buf = grown;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, text, len);
  b->len += len;
}

static void
emit_backlog(void *ctx, uint64_t seq, const char *event, const char *data)
{
  backlog_buf_t *b = ctx;
  if (seq <= b->last_seq)
    return;
  queued_t *q = format_event(seq, event, data);
  if (!q) {
    b->error = DBN_ENOMEM;
    return;
  }
  append_text(b, q->text, q->len);
  free(q);
  b->last_seq = seq;
}

/* Move queued live events into out, skipping what the backlog already
 * sent. Lock held. */
static void
drain_queue(subscriber_t *sub)
{
  backlog_buf_t b = {sub->out, sub->out_len, sub->out_len, sub->last_seq, 0};
  if (sub->out_pos == sub->out_len)
    b.len = sub->out_pos = 0;
  b.cap = sub->out ? b.cap : 0;
  for (queued_t *q = sub->head, *next; q; q = next) {
    next = q->next;
    if (q->seq > b.last_seq) {
      append_text(&b, q->text, q->len);
      b.last_seq = q->seq;
    }
    free(q);
  }
  sub->head = sub->tail = NULL;
  sub->queued_bytes = 0;
  sub->out = b.buf;
  sub->out_len = b.len;
  sub->last_seq = b.last_seq;
  if (b.error)
    sub->dropped = true;
}

static void
wait_a_little(dbn_web_hub_t *hub)
{
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += WAIT_MS * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(&hub->changed, &hub->lock, &until);
}

/* Is the stream's session still live? Asked when the server has ended
 * sessions since the last look (logout, an account removed), and once a
 * minute for expiry. */
static bool
session_live(subscriber_t *sub)
{
  if (!sub->token[0])
    return true;
  unsigned ended = atomic_load(sub->sessions_ended);
  time_t now = time(NULL);
  if (ended == sub->ended_seen && now - sub->session_checked < 60)
    return true;
  sub->ended_seen = ended;
  sub->session_checked = now;
  return dbn_web_sessions_live(sub->sessions, sub->token);
}

static ssize_t
read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
  (void)pos;
  subscriber_t *sub = cls;
  dbn_web_hub_t *hub = sub->hub;
  pthread_mutex_lock(&hub->lock);
  for (;;) {
    if (!session_live(sub)) {
      pthread_mutex_unlock(&hub->lock);
      return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (sub->out_pos == sub->out_len && sub->head)
      drain_queue(sub);
    if (sub->out_pos < sub->out_len) {
      size_t n = sub->out_len - sub->out_pos < max ? sub->out_len - sub->out_pos : max;
      memcpy(buf, sub->out + sub->out_pos, n);
      sub->out_pos += n;
      sub->last_write = time(NULL);
      pthread_mutex_unlock(&hub->lock);
      return (ssize_t)n;
    }
    if (sub->dropped || hub->closed || !atomic_load(sub->running)) {
      pthread_mutex_unlock(&hub->lock);
      return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (time(NULL) - sub->last_write >= HEARTBEAT_SECONDS) {
      static const char beat[] = ": heartbeat\n\n";
      size_t n = sizeof beat - 1 < max ? sizeof beat - 1 : max;
      memcpy(buf, beat, n);
      sub->last_write = time(NULL);
      pthread_mutex_unlock(&hub->lock);
      return (ssize_t)n;
    }
    wait_a_little(hub);
  }
}

static void
free_stream(void *cls)
{
  subscriber_t *sub = cls;
  dbn_web_hub_t *hub = sub->hub;
  pthread_mutex_lock(&hub->lock);
  if (sub->prev)
    sub->prev->next = sub->next;
  else
    hub->subscribers = sub->next;
  if (sub->next)
    sub->next->prev = sub->prev;
  hub->clients--;
  free_queue(sub);
  free(sub->out);
  free(sub);
  hub_unref_unlock(hub);
}

static uint64_t
resume_point(const dbn_web_request_t *req, uint64_t after_seq)
{
  const char *text = dbn_web_request_header(req, "Last-Event-ID");
  if (!text)
    text = dbn_web_request_query(req, "last_event_id");
  if (!text || !*text)
    return after_seq;
  char *end;
  unsigned long long seq = strtoull(text, &end, 10);
  return *end == '\0' && text[0] != '-' ? (uint64_t)seq : after_seq;
}

int
dbn_web_reply_sse(dbn_web_request_t *req, dbn_web_hub_t *hub, uint64_t after_seq)
{
  subscriber_t *sub = calloc(1, sizeof *sub);
  if (!sub)
    return dbn_web_reply_error(req, 503, "内存不足");
  sub->hub = hub;
  sub->running = dbn_web_request_running_flag(req);
  sub->sessions = dbn_web_request_sessions(req);
  sub->sessions_ended = dbn_web_request_sessions_ended(req);
  sub->ended_seen = atomic_load(sub->sessions_ended);
  sub->session_checked = time(NULL);
  const char *token = dbn_web_request_session_token(req);
  snprintf(sub->token, sizeof sub->token, "%s", token ? token : "");
  sub->last_write = time(NULL);
  uint64_t after = resume_point(req, after_seq);
  /* Register first, then read the backlog: see the top of the file. */
  pthread_mutex_lock(&hub->lock);
  hub->refs++;
  hub->clients++;
  sub->next = hub->subscribers;
  if (sub->next)
    sub->next->prev = sub;
  hub->subscribers = sub;
  pthread_mutex_unlock(&hub->lock);

  backlog_buf_t b = {0};
  b.last_seq = after;
  append_text(&b, "retry: 1000\n\n", 13);
  int rc = hub->backlog ? hub->backlog(after, emit_backlog, &b, hub->arg) : 0;
  pthread_mutex_lock(&hub->lock);
  sub->out = b.buf;
  sub->out_len = b.len;
  sub->last_seq = b.last_seq;
  if (rc != 0 || b.error)
    sub->dropped = true;
  pthread_mutex_unlock(&hub->lock);

  struct MHD_Response *resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, read_stream, sub, free_stream);
  if (!resp) {
    free_stream(sub);
    return DBN_ENOMEM;
  }
  MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
  MHD_add_response_header(resp, "Cache-Control", "no-cache");
  MHD_add_response_header(resp, "X-Accel-Buffering", "no");
  return dbn_web_queue(req, resp, 200);
}
