/* session.c: sessions and the failed-login limit (see session.h). A desk
 * or a board has a handful of people logged in, so both tables are arrays
 * searched linearly under one mutex; expired entries are dropped as they
 * are met. */
#include "session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"

#define DEFAULT_IDLE 1800
#define DEFAULT_ABSOLUTE 43200
#define MAX_FAILURE_KEYS 4096 /* a flood of names or addresses cannot grow the table without bound */

typedef struct {
  char token[DBN_WEB_TOKEN_HEX + 1];
  dbn_web_session_info_t info;
  time_t created;
  time_t last_used;
} session_t;

typedef struct {
  char key[DBN_WEB_NAME_MAX + 8]; /* "n:" + name or "a:" + address */
  int failures;                   /* within the window that started at first */
  time_t first;
  time_t locked_until;
} failure_t;

struct dbn_web_sessions {
  pthread_mutex_t lock;
  int idle;     /* seconds */
  int absolute; /* seconds */
  time_t (*now)(void *arg);
  void *now_arg;
  session_t *items;
  size_t count, capacity;
  failure_t *failures;
  size_t failure_count, failure_capacity;
};

static time_t
system_now(void *arg)
{
  (void)arg;
  return time(NULL);
}

int
dbn_web_sessions_new(dbn_web_sessions_t **sessions_p, int idle_seconds, int absolute_seconds)
{
  if (sodium_init() < 0)
    return DBN_EINTERNAL;
  dbn_web_sessions_t *s = calloc(1, sizeof *s);
  if (!s)
    return DBN_ENOMEM;
  pthread_mutex_init(&s->lock, NULL);
  s->idle = idle_seconds > 0 ? idle_seconds : DEFAULT_IDLE;
  s->absolute = absolute_seconds > 0 ? absolute_seconds : DEFAULT_ABSOLUTE;
  s->now = system_now;
  *sessions_p = s;
  return 0;
}

void
dbn_web_sessions_destroy(dbn_web_sessions_t **sessions_p)
{
  if (!sessions_p || !*sessions_p)
    return;
  dbn_web_sessions_t *s = *sessions_p;
  pthread_mutex_destroy(&s->lock);
  sodium_memzero(s->items, s->capacity * sizeof *s->items);
  free(s->items);
  free(s->failures);
  free(s);
  *sessions_p = NULL;
}

void
dbn_web_sessions_set_clock(dbn_web_sessions_t *s, time_t (*now)(void *arg), void *arg)
{
  pthread_mutex_lock(&s->lock);
  s->now = now ? now : system_now;
  s->now_arg = arg;
  pthread_mutex_unlock(&s->lock);
}

static void
random_hex(char out[DBN_WEB_TOKEN_HEX + 1])
{
  unsigned char bytes[DBN_WEB_TOKEN_HEX / 2];
  randombytes_buf(bytes, sizeof bytes);
  sodium_bin2hex(out, DBN_WEB_TOKEN_HEX + 1, bytes, sizeof bytes);
  sodium_memzero(bytes, sizeof bytes);
}

int
dbn_web_sessions_create(dbn_web_sessions_t *s, const dbn_web_user_t *user, char token[DBN_WEB_TOKEN_HEX + 1])
{
  pthread_mutex_lock(&s->lock);
  if (s->count == s->capacity) {
    size_t cap = s->capacity ? s->capacity * 2 : 16;
    session_t *items = realloc(s->items, cap * sizeof *items);
    if (!items) {
      pthread_mutex_unlock(&s->lock);
      return DBN_ENOMEM;
    }
    s->items = items;
    s->capacity = cap;
  }
  session_t *session = &s->items[s->count++];
  memset(session, 0, sizeof *session);
  random_hex(session->token);
  random_hex(session->info.csrf);
  snprintf(session->info.name, sizeof session->info.name, "%s", user->name);
  snprintf(session->info.unit, sizeof session->info.unit, "%s", user->unit);
  session->info.role = user->role;
  session->created = session->last_used = s->now(s->now_arg);
  memcpy(token, session->token, sizeof session->token);
  pthread_mutex_unlock(&s->lock);
  return 0;
}

static void
drop_at(dbn_web_sessions_t *s, size_t i)
{
  s->items[i] = s->items[--s->count];
  sodium_memzero(&s->items[s->count], sizeof s->items[s->count]);
}

int
dbn_web_sessions_lookup(dbn_web_sessions_t *s, const char *token, dbn_web_session_info_t *info)
{
  if (!token || strlen(token) != DBN_WEB_TOKEN_HEX)
    return DBN_ENOTFOUND;
  pthread_mutex_lock(&s->lock);
  time_t now = s->now(s->now_arg);
  int rc = DBN_ENOTFOUND;
  for (size_t i = 0; i < s->count; i++) {
    session_t *session = &s->items[i];
    if (!dbn_web_csrf_equal(session->token, token))
      continue;
    if (now - session->last_used >= s->idle || now - session->created >= s->absolute) {
      drop_at(s, i);
      break;
    }
    session->last_used = now;
    *info = session->info;
    rc = 0;
    break;
  }
  pthread_mutex_unlock(&s->lock);
  return rc;
}

bool
dbn_web_sessions_live(dbn_web_sessions_t *s, const char *token)
{
  if (!token || strlen(token) != DBN_WEB_TOKEN_HEX)
    return false;
  pthread_mutex_lock(&s->lock);
  time_t now = s->now(s->now_arg);
  bool live = false;
  for (size_t i = 0; i < s->count && !live; i++)
    live = dbn_web_csrf_equal(s->items[i].token, token) && now - s->items[i].last_used < s->idle &&
           now - s->items[i].created < s->absolute;
  pthread_mutex_unlock(&s->lock);
  return live;
}

void
dbn_web_sessions_remove(dbn_web_sessions_t *s, const char *token)
{
  pthread_mutex_lock(&s->lock);
  for (size_t i = 0; token && i < s->count; i++)
    if (strcmp(s->items[i].token, token) == 0) {
      drop_at(s, i);
      break;
    }
  pthread_mutex_unlock(&s->lock);
}

void
dbn_web_sessions_remove_user(dbn_web_sessions_t *s, const char *name)
{
  pthread_mutex_lock(&s->lock);
  for (size_t i = 0; i < s->count;)
    if (strcmp(s->items[i].info.name, name) == 0)
      drop_at(s, i);
    else
      i++;
  pthread_mutex_unlock(&s->lock);
}

bool
dbn_web_csrf_equal(const char *expected, const char *given)
{
  if (!expected || !given || !*given)
    return false;
  size_t len = strlen(expected);
  if (strlen(given) != len)
    return false;
  return sodium_memcmp(expected, given, len) == 0;
}

/* The failure record for key, created when create is set; NULL if none. */
static failure_t *
failure_find(dbn_web_sessions_t *s, const char *prefix, const char *what, bool create)
{
  char key[sizeof((failure_t *)0)->key];
  snprintf(key, sizeof key, "%s%s", prefix, what ? what : "");
  for (size_t i = 0; i < s->failure_count; i++)
    if (strcmp(s->failures[i].key, key) == 0)
      return &s->failures[i];
  if (!create)
    return NULL;
  if (s->failure_count == s->failure_capacity) {
    size_t cap = s->failure_capacity ? s->failure_capacity * 2 : 16;
    if (cap > MAX_FAILURE_KEYS)
      return NULL;
    failure_t *items = realloc(s->failures, cap * sizeof *items);
    if (!items)
      return NULL;
    s->failures = items;
    s->failure_capacity = cap;
  }
  failure_t *f = &s->failures[s->failure_count++];
  memset(f, 0, sizeof *f);
  snprintf(f->key, sizeof f->key, "%s", key);
  return f;
}

static int
locked_for(const failure_t *f, time_t now)
{
  return f && f->locked_until > now ? (int)(f->locked_until - now) : 0;
}

bool
dbn_web_login_allowed(dbn_web_sessions_t *s, const char *name, const char *address, int *wait_seconds)
{
  pthread_mutex_lock(&s->lock);
  time_t now = s->now(s->now_arg);
  int by_name = locked_for(failure_find(s, "n:", name, false), now);
  int by_address = locked_for(failure_find(s, "a:", address, false), now);
  pthread_mutex_unlock(&s->lock);
  int wait = by_name > by_address ? by_name : by_address;
  if (wait_seconds)
    *wait_seconds = wait;
  return wait == 0;
}

static void
count_failure(failure_t *f, time_t now)
{
  if (!f)
    return;
  if (now - f->first >= DBN_WEB_LOGIN_WINDOW || (f->locked_until && f->locked_until <= now)) {
    f->first = now;
    f->failures = 0;
    f->locked_until = 0;
  }
  if (++f->failures >= DBN_WEB_LOGIN_FAILURES)
    f->locked_until = now + DBN_WEB_LOGIN_LOCKOUT;
}

void
dbn_web_login_failed(dbn_web_sessions_t *s, const char *name, const char *address)
{
  pthread_mutex_lock(&s->lock);
  time_t now = s->now(s->now_arg);
  count_failure(failure_find(s, "n:", name, true), now);
  count_failure(failure_find(s, "a:", address, true), now);
  pthread_mutex_unlock(&s->lock);
}

void
dbn_web_login_succeeded(dbn_web_sessions_t *s, const char *name)
{
  pthread_mutex_lock(&s->lock);
  failure_t *f = failure_find(s, "n:", name, false);
  if (f && f->locked_until <= s->now(s->now_arg))
    f->failures = 0;
  pthread_mutex_unlock(&s->lock);
}
