/* server.h: the HTTP(S) server under a department's desk and the
 * coordinators' board: libmicrohttpd, a table of routes, sessions and CSRF
 * checked before a handler runs, embedded static assets, security headers,
 * and Server-Sent Events fed from the event log without gaps.
 *
 * A program fills a dbn_web_config_t with its routes and starts the server;
 * libmicrohttpd runs one thread per connection, so handlers run on those
 * threads, several at once: whatever a handler touches must be safe for
 * that (the config's arg is shared by all of them).
 *
 * What the server does itself, before or instead of the routes:
 *   GET  /assets/P    the embedded asset P (assets.h), no session needed;
 *                     a path with "..", encoded dots, %2f, a backslash or
 *                     NUL → 404.
 *   GET  /login       the asset config.login_asset (a login form).
 *   POST /login       form fields name, password (no CSRF: no session yet);
 *                     success → session cookie, 303 to "/" (or JSON
 *                     {"ok":true,...} when the request asks for JSON with
 *                     Accept: application/json); failure → 401 with a
 *                     Chinese message; 5 failures per name or address in
 *                     15 min → 429 "登录失败次数过多，请 N 分钟后再试".
 *   POST /logout      ends the session (CSRF required), 303 to /login.
 *   GET  /api/session {"name","role","unit","csrf"} of the logged-in
 *                     person (pages read the CSRF token from here).
 *   GET  /            the asset config.index_asset when logged in, else
 *                     303 to /login.
 * Then the first route that matches (method equal, path equal or, for a
 * prefix route, starting with it). A route that needs a session answers 401
 * (JSON, for paths under /api/) or 303 to /login (pages) without one; a
 * route that needs CSRF answers 403 and does not run without a matching
 * token. Nothing matched → 404.
 *
 * Every response carries Content-Security-Policy (default-src 'self'; no
 * inline script; frame-ancestors 'none'), X-Content-Type-Options: nosniff,
 * Referrer-Policy: no-referrer, X-Frame-Options: DENY. A request body over
 * config.body_limit → 413 "上传内容过大（上限 N KB）" and no handler runs. */
#ifndef DUBAN_WEB_SERVER_H
#define DUBAN_WEB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "session.h"
#include "users.h"

typedef struct dbn_web_server dbn_web_server_t;
typedef struct dbn_web_request dbn_web_request_t;
typedef struct dbn_web_hub dbn_web_hub_t;

/* A handler answers its request with exactly one dbn_web_reply_* call and
 * returns what that call returned (0, or a negative code when no response
 * could be queued; the server then drops the connection). arg is
 * config.arg. */
typedef int (*dbn_web_handler_fn)(dbn_web_request_t *req, void *arg);

typedef struct {
  const char *method; /* "GET" or "POST" (or any other method name) */
  const char *path;   /* "/api/tasks"; with prefix, the start of the path */
  bool prefix;        /* match every path starting with path */
  dbn_web_handler_fn handler;
  bool needs_session; /* no valid session → 401 / redirect to /login */
  bool needs_csrf;    /* no matching CSRF token → 403, handler not run */
} dbn_web_route_t;

typedef struct {
  const char *listen;            /* "127.0.0.1:8080", "0.0.0.0:443", "[::1]:8080"; port 0 = any free port;
                                    NULL = "127.0.0.1:0" */
  const char *tls_cert;          /* PEM certificate file; with tls_key, serve HTTPS only; NULL = HTTP */
  const char *tls_key;           /* PEM private key file */
  size_t body_limit;             /* largest request body accepted; 0 = 8 MiB */
  const dbn_web_route_t *routes; /* borrowed for the server's lifetime */
  size_t route_count;
  void *arg;                    /* passed to every handler */
  dbn_web_users_t *users;       /* borrowed; accounts for /login (the server locks around it) */
  dbn_web_sessions_t *sessions; /* borrowed; required */
  const char *index_asset;      /* served at "/" to the logged in: "board/index.html" */
  const char *login_asset;      /* served at "/login": "common/login.html" */
  /* Who may log in here: a bitmask of 1u << enum dbn_web_role; 0 = anyone.
   * A desk allows clerks (of its own unit: see login_unit), a board
   * coordinators, auditors and admins. */
  unsigned allowed_roles;
  const char *login_unit; /* if set, a clerk must have this unit to log in */
} dbn_web_config_t;

/* Start serving (threads are running when this returns). Copies what it
 * needs from config except the borrowed pointers named above. Errors:
 * DBN_EINVAL (bad listen address, missing sessions), DBN_EIO (unreadable
 * TLS files), DBN_EUNAVAIL (the address is in use). */
int dbn_web_server_new(dbn_web_server_t **server_p, const dbn_web_config_t *config);
/* Stop: waits for handlers and SSE streams to finish (they notice within a
 * second). Accepts NULL and *server_p == NULL. */
void dbn_web_server_destroy(dbn_web_server_t **server_p);
/* The port actually bound (useful with port 0). */
uint16_t dbn_web_server_port(const dbn_web_server_t *server);
/* True when serving HTTPS. */
bool dbn_web_server_tls(const dbn_web_server_t *server);

/* ---- The request (all strings borrowed, valid until the handler returns) */

const char *dbn_web_request_method(const dbn_web_request_t *req);
/* The path, percent-decoded, without the query string. */
const char *dbn_web_request_path(const dbn_web_request_t *req);
/* A query parameter (decoded), or NULL. */
const char *dbn_web_request_query(const dbn_web_request_t *req, const char *name);
/* A header (name case-insensitive), or NULL. */
const char *dbn_web_request_header(const dbn_web_request_t *req, const char *name);
/* A cookie, or NULL. */
const char *dbn_web_request_cookie(const dbn_web_request_t *req, const char *name);
/* The client's address as text ("127.0.0.1"). */
const char *dbn_web_request_address(const dbn_web_request_t *req);
/* The raw body (any content type; for url-encoded and multipart bodies the
 * fields are also parsed). *len receives its length; "" with 0 when none. */
const char *dbn_web_request_body(const dbn_web_request_t *req, size_t *len);
/* A form field from an application/x-www-form-urlencoded or
 * multipart/form-data body, or NULL. If a name repeats, the first. */
const char *dbn_web_request_form(const dbn_web_request_t *req, const char *name);
/* Every value of a repeated form field (batch actions on a selection):
 * *count receives how many; the array is borrowed. */
const char *const *dbn_web_request_form_all(const dbn_web_request_t *req, const char *name, size_t *count);
/* The one uploaded file of a multipart body: its field name, file name,
 * content type, bytes. false when the body had none. */
bool dbn_web_request_file(const dbn_web_request_t *req, const char **field, const char **filename,
                          const char **content_type, const unsigned char **data, size_t *len);
/* The body parsed as JSON (Content-Type application/json), or NULL;
 * borrowed. */
const cJSON *dbn_web_request_json(const dbn_web_request_t *req);
/* The logged-in person, or NULL when the request has no valid session. */
const dbn_web_session_info_t *dbn_web_request_session(const dbn_web_request_t *req);
/* The config's users, for handlers that manage accounts. */
dbn_web_users_t *dbn_web_request_users(const dbn_web_request_t *req);

/* ---- Responses: a handler makes exactly one of these calls */

/* JSON (application/json; charset=utf-8) of json, which stays the
 * caller's. cJSON escapes every string, so text from a person can never
 * become markup. */
int dbn_web_reply_json(dbn_web_request_t *req, unsigned status, const cJSON *json);
/* JSON from a string already serialised; copied. */
int dbn_web_reply_json_text(dbn_web_request_t *req, unsigned status, const char *json);
/* An HTML page (text/html; charset=utf-8); copied. The caller escapes. */
int dbn_web_reply_html(dbn_web_request_t *req, unsigned status, const char *html);
/* Bytes of a given content type, with an optional download file name
 * (Content-Disposition: attachment; UTF-8 names allowed); copied. */
int dbn_web_reply_bytes(dbn_web_request_t *req, unsigned status, const char *content_type, const void *data,
                        size_t len, const char *download_name);
/* 303 See Other to location. */
int dbn_web_reply_redirect(dbn_web_request_t *req, const char *location);
/* An error with a Chinese message: {"error": message, "status": N} under
 * /api/ or when the client accepts JSON, a small HTML page otherwise. */
int dbn_web_reply_error(dbn_web_request_t *req, unsigned status, const char *message);
/* An embedded asset (Cache-Control: no-cache for HTML, max-age=3600 for the
 * rest); 404 if there is none at path. */
int dbn_web_reply_asset(dbn_web_request_t *req, const char *path);
/* Start a Server-Sent Events stream from hub for this request: events after
 * the Last-Event-ID header (or the last_event_id query parameter; neither =
 * after_seq) from the hub's backlog, then live ones. The stream lasts until
 * the client goes, the client falls too far behind, or the server stops. */
int dbn_web_reply_sse(dbn_web_request_t *req, dbn_web_hub_t *hub, uint64_t after_seq);

/* ---- The SSE fan-out hub
 *
 * Each event is one log event: id = its sequence number, an event type and
 * one line of JSON data. A client (re)connecting after seq N first gets
 * every event after N from the backlog function, then live ones, with no
 * gap and no duplicate (a live event at or below the last one sent is
 * skipped). A client whose queue passes queue_limit bytes is dropped: it
 * reconnects with Last-Event-ID and catches up from the backlog, so the
 * server never buffers without bound. Every 15 s an idle stream gets a
 * comment line as a heartbeat. */

/* Called with each backlog event in order. data is one line of JSON. */
typedef void (*dbn_web_emit_fn)(void *ctx, uint64_t seq, const char *event, const char *data);
/* Emit every event with seq > after_seq, in order, through emit(ctx, ...);
 * return 0 or a negative code (the stream then closes). Runs on a
 * connection's thread, concurrently with publishes. */
typedef int (*dbn_web_backlog_fn)(uint64_t after_seq, dbn_web_emit_fn emit, void *ctx, void *arg);

/* queue_limit 0 = 1 MiB. arg is passed to backlog. */
int dbn_web_hub_new(dbn_web_hub_t **hub_p, dbn_web_backlog_fn backlog, void *arg, size_t queue_limit);
/* Ends every stream. Destroy the server first (or after: streams notice
 * either way). */
void dbn_web_hub_destroy(dbn_web_hub_t **hub_p);
/* Send an event to every connected client. Publish in seq order, after the
 * event is in the store the backlog reads (so a client that connects in
 * between finds it in one or the other). Copies event and data. */
void dbn_web_hub_publish(dbn_web_hub_t *hub, uint64_t seq, const char *event, const char *data);
/* How many clients are connected, and how many were dropped for being slow
 * since the hub started. */
void dbn_web_hub_stats(dbn_web_hub_t *hub, size_t *clients, uint64_t *dropped);

#endif
/* API stable */
