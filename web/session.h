/* session.h: who is logged in to a desk or a board, and the guards around
 * logging in.
 *
 * A session is a random 32-byte token (libsodium), sent as the cookie
 * `duban_session` (HttpOnly; SameSite=Strict; Path=/, plus Secure over
 * HTTPS). It ends after an idle time (default 30 min) or an absolute time
 * (default 12 h), whichever comes first. Each session has its own CSRF
 * token that every POST must carry (form field `csrf` or header
 * X-CSRF-Token), compared in constant time; the server (server.h) answers
 * 403 and runs nothing when it is missing or wrong.
 *
 * Failed logins are counted per name and per client address: 5 failures of
 * either within 15 minutes lock that name or address out for 15 minutes.
 *
 * Everything here is safe to call from several threads (one mutex). */
#ifndef DUBAN_WEB_SESSION_H
#define DUBAN_WEB_SESSION_H

#include <stdbool.h>
#include <time.h>

#include "users.h"

#define DBN_WEB_TOKEN_HEX 64 /* a 32-byte token as lowercase hex */
#define DBN_WEB_LOGIN_FAILURES 5
#define DBN_WEB_LOGIN_WINDOW 900  /* seconds in which failures count */
#define DBN_WEB_LOGIN_LOCKOUT 900 /* seconds a locked name or address waits */

typedef struct dbn_web_sessions dbn_web_sessions_t;

/* What a handler learns about the person behind a request. */
typedef struct {
  char name[DBN_WEB_NAME_MAX + 1];
  enum dbn_web_role role;
  char unit[DBN_WEB_UNIT_MAX + 1];
  char csrf[DBN_WEB_TOKEN_HEX + 1];
} dbn_web_session_info_t;

/* idle_seconds/absolute_seconds of 0 mean the defaults (1800 / 43200). */
int dbn_web_sessions_new(dbn_web_sessions_t **sessions_p, int idle_seconds, int absolute_seconds);
void dbn_web_sessions_destroy(dbn_web_sessions_t **sessions_p);

/* For tests: the clock the sessions read (default time(NULL)). */
void dbn_web_sessions_set_clock(dbn_web_sessions_t *sessions, time_t (*now)(void *arg), void *arg);

/* Start a session for user; token receives the cookie value (hex, NUL
 * terminated). DBN_ENOMEM or DBN_EINTERNAL only. */
int dbn_web_sessions_create(dbn_web_sessions_t *sessions, const dbn_web_user_t *user,
                            char token[DBN_WEB_TOKEN_HEX + 1]);

/* Find a live session by its token and refresh its idle timer. On success
 * copies it into *info. DBN_ENOTFOUND for an unknown, idle-expired or
 * absolutely expired token (the expired one is dropped). */
int dbn_web_sessions_lookup(dbn_web_sessions_t *sessions, const char *token, dbn_web_session_info_t *info);

/* Is the session still live (not ended, not expired)? Unlike lookup it
 * does not refresh the idle timer: an open SSE stream asks this, and a
 * page left open must still go idle. */
bool dbn_web_sessions_live(dbn_web_sessions_t *sessions, const char *token);

/* End a session (logout); unknown tokens are ignored. */
void dbn_web_sessions_remove(dbn_web_sessions_t *sessions, const char *token);

/* End every session of a person (the account was removed or its password
 * changed). */
void dbn_web_sessions_remove_user(dbn_web_sessions_t *sessions, const char *name);

/* True if the two tokens are equal, in time that depends only on the
 * length of expected. A NULL or empty given is never equal. */
bool dbn_web_csrf_equal(const char *expected, const char *given);

/* May this name from this address try a password now? If not, *wait_seconds
 * (may be NULL) says how long until it may. */
bool dbn_web_login_allowed(dbn_web_sessions_t *sessions, const char *name, const char *address,
                           int *wait_seconds);
/* Count a failure (for both the name and the address). */
void dbn_web_login_failed(dbn_web_sessions_t *sessions, const char *name, const char *address);
/* A success clears the name's failures (not the address's). */
void dbn_web_login_succeeded(dbn_web_sessions_t *sessions, const char *name);

#endif
