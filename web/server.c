/* server.c: the HTTP(S) server (see server.h for what it serves itself
 * and the order of its checks). libmicrohttpd runs a thread per
 * connection; a request's state lives in a dbn_web_request_t created from
 * the raw URI (before libmicrohttpd decodes it, so the static-path rules see
 * the bytes the client sent) and freed when the request completes. */
#include "server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include "assets.h"
#include "error.h"
#include "log.h"
#include "web_internal.h"

#define SESSION_COOKIE "duban_session"
#define DEFAULT_BODY_LIMIT (8u << 20)

typedef struct {
  char *name;
  char *value;
  size_t len;
} field_t;

struct dbn_web_server {
  struct MHD_Daemon *daemon;
  dbn_web_config_t config;
  char *tls_cert_pem; /* file contents; libmicrohttpd wants them in memory */
  char *tls_key_pem;
  uint16_t port;
  bool tls;
  atomic_bool running;
  pthread_mutex_t users_lock; /* around config.users and users_error */
  int users_error;            /* the last reread's error, to log each once */
  atomic_uint sessions_ended; /* bumped whenever sessions are ended: SSE streams look */
};

struct dbn_web_request {
  dbn_web_server_t *server;
  struct MHD_Connection *connection;
  char *raw_uri; /* as sent, still percent-encoded */
  const char *method;
  const char *path; /* decoded by libmicrohttpd */
  bool started;
  bool too_big;
  bool replied;
  char *body;
  size_t body_len, body_cap;
  field_t *fields;
  size_t field_count, field_cap;
  const char **values; /* scratch for dbn_web_request_form_all */
  bool has_file;
  char *file_field, *file_name, *file_type;
  unsigned char *file_data;
  size_t file_len;
  cJSON *json;
  bool has_session;
  dbn_web_session_info_t session;
  char address[INET6_ADDRSTRLEN];
};

/* ---- Responses */

static void
add_security_headers(struct MHD_Response *resp)
{
  MHD_add_response_header(resp, "Content-Security-Policy",
                          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

int
dbn_web_queue(dbn_web_request_t *req, struct MHD_Response *resp, unsigned status)
{
  if (!resp)
    return DBN_ENOMEM;
  add_security_headers(resp);
  enum MHD_Result ok = MHD_queue_response(req->connection, status, resp);
  MHD_destroy_response(resp);
  req->replied = true;
  return ok == MHD_YES ? 0 : DBN_EINTERNAL;
}

bool
dbn_web_request_server_running(const dbn_web_request_t *req)
{
  return atomic_load(&req->server->running);
}

static struct MHD_Response *
copy_response(const void *data, size_t len, const char *type)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
  if (resp)
    MHD_add_response_header(resp, "Content-Type", type);
  return resp;
}

int
dbn_web_reply_bytes(dbn_web_request_t *req, unsigned status, const char *content_type, const void *data,
                    size_t len, const char *download_name)
{
  struct MHD_Response *resp = copy_response(data, len, content_type);
  if (resp && download_name) {
    /* RFC 6266 with RFC 5987 encoding, so a Chinese file name survives. */
    char header[1024];
    size_t n = (size_t)snprintf(header, sizeof header, "attachment; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)download_name; *p && n + 4 < sizeof header; p++)
      n += (size_t)snprintf(header + n, sizeof header - n,
                            (isalnum(*p) || strchr("._-", *p)) ? "%c" : "%%%02X", *p);
    MHD_add_response_header(resp, "Content-Disposition", header);
  }
  if (resp)
    MHD_add_response_header(resp, "Cache-Control", "no-store");
  return dbn_web_queue(req, resp, status);
}

int
dbn_web_reply_json_text(dbn_web_request_t *req, unsigned status, const char *json)
{
  /* '<', '>' and '&' never occur in JSON outside strings, and inside them
   * \u escapes mean the same; so a note with "<script>" cannot become
   * markup even in a browser that guesses at a JSON body. */
  size_t len = strlen(json);
  char *safe = malloc(len * 6 + 1);
  if (!safe)
    return DBN_ENOMEM;
  char *o = safe;
  for (const char *p = json; *p; p++)
    if (*p == '<' || *p == '>' || *p == '&')
      o += sprintf(o, "\\u%04x", (unsigned)*p);
    else
      *o++ = *p;
  int rc =
      dbn_web_reply_bytes(req, status, "application/json; charset=utf-8", safe, (size_t)(o - safe), NULL);
  free(safe);
  return rc;
}

int
dbn_web_reply_json(dbn_web_request_t *req, unsigned status, const cJSON *json)
{
  char *text = cJSON_PrintUnformatted(json);
  if (!text)
    return DBN_ENOMEM;
  int rc = dbn_web_reply_json_text(req, status, text);
  cJSON_free(text);
  return rc;
}

int
dbn_web_reply_html(dbn_web_request_t *req, unsigned status, const char *html)
{
  return dbn_web_reply_bytes(req, status, "text/html; charset=utf-8", html, strlen(html), NULL);
}

int
dbn_web_reply_redirect(dbn_web_request_t *req, const char *location)
{
  struct MHD_Response *resp = copy_response("", 0, "text/plain; charset=utf-8");
  if (resp)
    MHD_add_response_header(resp, "Location", location);
  return dbn_web_queue(req, resp, MHD_HTTP_SEE_OTHER);
}

static bool
wants_json(const dbn_web_request_t *req)
{
  const char *accept = dbn_web_request_header(req, "Accept");
  return strncmp(req->path, "/api/", 5) == 0 || (accept && strstr(accept, "application/json"));
}

/* Escape text for HTML; the caller frees. */
static char *
html_escape(const char *text)
{
  size_t len = strlen(text);
  char *out = malloc(len * 6 + 1);
  if (!out)
    return NULL;
  char *o = out;
  for (const char *p = text; *p; p++) {
    const char *rep = *p == '<'    ? "&lt;"
                      : *p == '>'  ? "&gt;"
                      : *p == '&'  ? "&amp;"
                      : *p == '"'  ? "&quot;"
                      : *p == '\'' ? "&#39;"
                                   : NULL;
    if (rep)
      o = stpcpy(o, rep);
    else
      *o++ = *p;
  }
  *o = '\0';
  return out;
}

int
dbn_web_reply_error(dbn_web_request_t *req, unsigned status, const char *message)
{
  if (wants_json(req)) {
    cJSON *json = cJSON_CreateObject();
    if (!json)
      return DBN_ENOMEM;
    cJSON_AddStringToObject(json, "error", message);
    cJSON_AddNumberToObject(json, "status", status);
    int rc = dbn_web_reply_json(req, status, json);
    cJSON_Delete(json);
    return rc;
  }
  char *escaped = html_escape(message);
  if (!escaped)
    return DBN_ENOMEM;
  size_t size = strlen(escaped) + 512;
  char *page = malloc(size);
  if (!page) {
    free(escaped);
    return DBN_ENOMEM;
  }
  snprintf(page, size,
           "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>错误 %u</title>"
           "<link rel=\"stylesheet\" href=\"/assets/common/style.css\"></head><body class=\"error-page\">"
           "<h1>错误 %u</h1><p class=\"error-message\">%s</p><p><a href=\"/\">返回首页</a></p></body></html>",
           status, status, escaped);
  int rc = dbn_web_reply_html(req, status, page);
  free(page);
  free(escaped);
  return rc;
}

int
dbn_web_reply_asset(dbn_web_request_t *req, const char *path)
{
  const dbn_web_asset_t *asset = dbn_web_asset_find(path);
  if (!asset)
    return dbn_web_reply_error(req, MHD_HTTP_NOT_FOUND, "找不到该页面或文件");
  const char *type = dbn_web_content_type(path);
  /* Static data: no copy. */
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(asset->size, (void *)asset->data, MHD_RESPMEM_PERSISTENT);
  if (resp) {
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control",
                            strncmp(type, "text/html", 9) == 0 ? "no-cache" : "public, max-age=3600");
  }
  return dbn_web_queue(req, resp, MHD_HTTP_OK);
}

/* ---- The request */

const char *
dbn_web_request_method(const dbn_web_request_t *req)
{
  return req->method;
}

const char *
dbn_web_request_path(const dbn_web_request_t *req)
{
  return req->path;
}

const char *
dbn_web_request_query(const dbn_web_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *
dbn_web_request_header(const dbn_web_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *
dbn_web_request_cookie(const dbn_web_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, name);
}

const char *
dbn_web_request_address(const dbn_web_request_t *req)
{
  return req->address;
}

const char *
dbn_web_request_body(const dbn_web_request_t *req, size_t *len)
{
  *len = req->body_len;
  return req->body ? req->body : "";
}

const char *
dbn_web_request_form(const dbn_web_request_t *req, const char *name)
{
  for (size_t i = 0; i < req->field_count; i++)
    if (strcmp(req->fields[i].name, name) == 0)
      return req->fields[i].value;
  return NULL;
}

const char *const *
dbn_web_request_form_all(const dbn_web_request_t *req, const char *name, size_t *count)
{
  dbn_web_request_t *r = (dbn_web_request_t *)req;
  free(r->values);
  r->values = calloc(req->field_count + 1, sizeof *r->values);
  *count = 0;
  for (size_t i = 0; r->values && i < req->field_count; i++)
    if (strcmp(req->fields[i].name, name) == 0)
      r->values[(*count)++] = req->fields[i].value;
  return r->values;
}

bool
dbn_web_request_file(const dbn_web_request_t *req, const char **field, const char **filename,
                     const char **content_type, const unsigned char **data, size_t *len)
{
  if (!req->has_file)
    return false;
  if (field)
    *field = req->file_field;
  if (filename)
    *filename = req->file_name;
  if (content_type)
    *content_type = req->file_type ? req->file_type : "application/octet-stream";
  if (data)
    *data = req->file_data ? req->file_data : (const unsigned char *)"";
  if (len)
    *len = req->file_len;
  return true;
}

const cJSON *
dbn_web_request_json(const dbn_web_request_t *req)
{
  return req->json;
}

const dbn_web_session_info_t *
dbn_web_request_session(const dbn_web_request_t *req)
{
  return req->has_session ? &req->session : NULL;
}

dbn_web_users_t *
dbn_web_request_users(const dbn_web_request_t *req)
{
  return req->server->config.users;
}

/* ---- Bodies: collected whole (up to the limit), then parsed */

static int
append(char **buf, size_t *len, size_t *cap, const char *data, size_t size)
{
  if (*len + size + 1 > *cap) {
    size_t want = *cap ? *cap : 1024;
    while (want < *len + size + 1)
      want *= 2;
    char *grown = realloc(*buf, want);
    if (!grown)
      return DBN_ENOMEM;
    *buf = grown;
    *cap = want;
  }
  memcpy(*buf + *len, data, size);
  *len += size;
  (*buf)[*len] = '\0';
  return 0;
}

static field_t *
field_for(dbn_web_request_t *req, const char *key, uint64_t off)
{
  /* A value arrives in pieces (off > 0 continues the last field). */
  if (off > 0 && req->field_count && strcmp(req->fields[req->field_count - 1].name, key) == 0)
    return &req->fields[req->field_count - 1];
  if (req->field_count == req->field_cap) {
    size_t cap = req->field_cap ? req->field_cap * 2 : 16;
    field_t *fields = realloc(req->fields, cap * sizeof *fields);
    if (!fields)
      return NULL;
    req->fields = fields;
    req->field_cap = cap;
  }
  field_t *f = &req->fields[req->field_count];
  f->name = strdup(key);
  f->value = calloc(1, 1);
  f->len = 0;
  if (!f->name || !f->value) {
    free(f->name);
    free(f->value);
    return NULL;
  }
  req->field_count++;
  return f;
}

static enum MHD_Result
post_iterator(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
              const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
              size_t size)
{
  (void)kind;
  (void)transfer_encoding;
  dbn_web_request_t *req = cls;
  if (filename) {
    if (req->has_file && strcmp(req->file_field, key) != 0)
      return MHD_YES; /* only one file per request: the first */
    if (!req->has_file) {
      req->has_file = true;
      req->file_field = strdup(key);
      req->file_name = strdup(filename);
      req->file_type = content_type ? strdup(content_type) : NULL;
      if (!req->file_field || !req->file_name)
        return MHD_NO;
    }
    size_t cap = req->file_len + 1;
    char *data_buf = (char *)req->file_data;
    size_t len = req->file_len;
    if (size && append(&data_buf, &len, &cap, data, size) != 0)
      return MHD_NO;
    req->file_data = (unsigned char *)data_buf;
    req->file_len = len;
    return MHD_YES;
  }
  field_t *f = field_for(req, key, off);
  if (!f)
    return MHD_NO;
  size_t cap = f->len + 1;
  return size == 0 || append(&f->value, &f->len, &cap, data, size) == 0 ? MHD_YES : MHD_NO;
}

static void
parse_body(dbn_web_request_t *req)
{
  const char *type = dbn_web_request_header(req, "Content-Type");
  if (!type || !req->body_len)
    return;
  if (strncasecmp(type, "application/json", 16) == 0) {
    req->json = cJSON_ParseWithLength(req->body, req->body_len);
    return;
  }
  if (strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 &&
      strncasecmp(type, "multipart/form-data", 19) != 0)
    return;
  struct MHD_PostProcessor *pp = MHD_create_post_processor(req->connection, 16384, post_iterator, req);
  if (!pp)
    return;
  MHD_post_process(pp, req->body, req->body_len);
  MHD_destroy_post_processor(pp);
}

/* ---- Logging in and out */

static int
set_session_cookie(dbn_web_request_t *req, const char *token, const char *location,
                   const dbn_web_user_t *user)
{
  struct MHD_Response *resp;
  unsigned status;
  if (user && wants_json(req)) {
    char json[512];
    snprintf(json, sizeof json, "{\"ok\":true,\"role\":\"%s\"}", dbn_web_role_name(user->role));
    resp = copy_response(json, strlen(json), "application/json; charset=utf-8");
    status = MHD_HTTP_OK;
  } else {
    resp = copy_response("", 0, "text/plain; charset=utf-8");
    if (resp)
      MHD_add_response_header(resp, "Location", location);
    status = MHD_HTTP_SEE_OTHER;
  }
  if (!resp)
    return DBN_ENOMEM;
  char cookie[256];
  snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s%s", token,
           req->server->tls ? "; Secure" : "", *token ? "" : "; Max-Age=0");
  MHD_add_response_header(resp, "Set-Cookie", cookie);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  return dbn_web_queue(req, resp, status);
}

static bool
role_allowed(const dbn_web_config_t *config, const dbn_web_user_t *user)
{
  if (config->allowed_roles && !(config->allowed_roles & (1u << user->role)))
    return false;
  if (config->login_unit && user->role == DBN_WEB_ROLE_CLERK && strcmp(config->login_unit, user->unit) != 0)
    return false;
  return true;
}

static int
handle_login(dbn_web_request_t *req)
{
  dbn_web_server_t *server = req->server;
  const char *name = dbn_web_request_form(req, "name");
  const char *password = dbn_web_request_form(req, "password");
  int wait = 0;
  if (!dbn_web_login_allowed(server->config.sessions, name, req->address, &wait)) {
    char message[160];
    snprintf(message, sizeof message, "登录失败次数过多，已暂时锁定，请 %d 分钟后再试", (wait + 59) / 60);
    return dbn_web_reply_error(req, 429, message);
  }
  if (!name || !password || !server->config.users)
    return dbn_web_reply_error(req, MHD_HTTP_BAD_REQUEST, "请输入用户名和密码");
  dbn_web_user_t user;
  pthread_mutex_lock(&server->users_lock);
  int rc = dbn_web_users_verify(server->config.users, name, password, &user);
  pthread_mutex_unlock(&server->users_lock);
  if (rc != 0) {
    dbn_web_login_failed(server->config.sessions, name, req->address);
    dbn_log(DBN_LOG_INFO, "web", "failed login for %s from %s", name, req->address);
    return dbn_web_reply_error(req, MHD_HTTP_UNAUTHORIZED, "用户名或密码错误");
  }
  if (!role_allowed(&server->config, &user))
    return dbn_web_reply_error(req, MHD_HTTP_FORBIDDEN, "该账号无权使用本页面");
  dbn_web_login_succeeded(server->config.sessions, name);
  char token[DBN_WEB_TOKEN_HEX + 1];
  rc = dbn_web_sessions_create(server->config.sessions, &user, token);
  if (rc != 0)
    return dbn_web_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "无法创建会话");
  return set_session_cookie(req, token, "/", &user);
}

static int
handle_session(dbn_web_request_t *req)
{
  cJSON *json = cJSON_CreateObject();
  if (!json)
    return DBN_ENOMEM;
  cJSON_AddStringToObject(json, "name", req->session.name);
  cJSON_AddStringToObject(json, "role", dbn_web_role_name(req->session.role));
  cJSON_AddStringToObject(json, "unit", req->session.unit);
  cJSON_AddStringToObject(json, "csrf", req->session.csrf);
  int rc = dbn_web_reply_json(req, MHD_HTTP_OK, json);
  cJSON_Delete(json);
  return rc;
}

static bool
csrf_ok(const dbn_web_request_t *req)
{
  if (!req->has_session)
    return false;
  const char *given = dbn_web_request_header(req, "X-CSRF-Token");
  if (!given)
    given = dbn_web_request_form(req, "csrf");
  if (!given && req->json) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(req->json, "csrf");
    given = cJSON_IsString(item) ? item->valuestring : NULL;
  }
  return dbn_web_csrf_equal(req->session.csrf, given);
}

static int
no_session(dbn_web_request_t *req)
{
  if (wants_json(req) || strcmp(req->method, "GET") != 0)
    return dbn_web_reply_error(req, MHD_HTTP_UNAUTHORIZED, "请先登录");
  return dbn_web_reply_redirect(req, "/login");
}

static int
bad_csrf(dbn_web_request_t *req)
{
  return dbn_web_reply_error(req, MHD_HTTP_FORBIDDEN,
                             "请求缺少有效的安全令牌（CSRF），操作未执行，请刷新页面后重试");
}

/* ---- Dispatch */

static bool
is(const dbn_web_request_t *req, const char *method, const char *path)
{
  return strcmp(req->method, method) == 0 && strcmp(req->path, path) == 0;
}

static int
serve_static(dbn_web_request_t *req)
{
  /* Judge the raw bytes: libmicrohttpd has already decoded req->path. */
  const char *raw = req->raw_uri + strlen("/assets/");
  size_t len = strcspn(raw, "?#");
  char *path = strndup(raw, len);
  if (!path)
    return DBN_ENOMEM;
  int rc = dbn_web_static_path_ok(path) && strlen(req->path) == len + strlen("/assets/")
               ? dbn_web_reply_asset(req, path)
               : dbn_web_reply_error(req, MHD_HTTP_NOT_FOUND, "找不到该页面或文件");
  free(path);
  return rc;
}

static const dbn_web_route_t *
find_route(const dbn_web_request_t *req)
{
  const dbn_web_config_t *config = &req->server->config;
  for (size_t i = 0; i < config->route_count; i++) {
    const dbn_web_route_t *route = &config->routes[i];
    if (strcmp(route->method, req->method) != 0)
      continue;
    if (route->prefix ? strncmp(req->path, route->path, strlen(route->path)) == 0
                      : strcmp(req->path, route->path) == 0)
      return route;
  }
  return NULL;
}

static void
end_sessions_of(const char *name, void *arg)
{
  dbn_web_server_t *server = arg;
  dbn_web_sessions_remove_user(server->config.sessions, name);
  atomic_fetch_add(&server->sessions_ended, 1);
  dbn_log(DBN_LOG_INFO, "web", "the account %s was removed or changed in the users file; its sessions end",
          name);
}

/* Reread the users file when another program (`duban user add`, `duban
 * user remove`) changed it: a stat per request, a reread only on change.
 * Before the session is looked up, so a removed person's request is
 * already refused. */
static void
refresh_users(dbn_web_server_t *server)
{
  if (!server->config.users)
    return;
  bool changed = false;
  pthread_mutex_lock(&server->users_lock);
  int rc = dbn_web_users_refresh(server->config.users, &changed, end_sessions_of, server);
  bool new_error = rc != server->users_error;
  server->users_error = rc;
  pthread_mutex_unlock(&server->users_lock);
  if (rc != 0 && new_error)
    dbn_log(DBN_LOG_WARN, "web",
            "the users file changed but cannot be read (%s); the accounts stay as they were",
            dbn_strerror(rc));
  else if (changed)
    dbn_log(DBN_LOG_INFO, "web", "reread the users file");
}

static int
dispatch(dbn_web_request_t *req)
{
  dbn_web_server_t *server = req->server;
  if (strncmp(req->raw_uri, "/assets/", 8) != 0)
    refresh_users(server);
  const char *token = dbn_web_request_cookie(req, SESSION_COOKIE);
  req->has_session = token && dbn_web_sessions_lookup(server->config.sessions, token, &req->session) == 0;
  if (strcmp(req->method, "GET") == 0 && strncmp(req->raw_uri, "/assets/", 8) == 0)
    return serve_static(req);
  if (is(req, "GET", "/login"))
    return dbn_web_reply_asset(req,
                               server->config.login_asset ? server->config.login_asset : "common/login.html");
  if (is(req, "POST", "/login"))
    return handle_login(req);
  if (is(req, "GET", "/") && server->config.index_asset)
    return req->has_session ? dbn_web_reply_asset(req, server->config.index_asset) : no_session(req);
  if (is(req, "GET", "/api/session"))
    return req->has_session ? handle_session(req) : no_session(req);
  if (is(req, "POST", "/logout")) {
    if (!csrf_ok(req))
      return req->has_session ? bad_csrf(req) : no_session(req);
    dbn_web_sessions_remove(server->config.sessions, token);
    atomic_fetch_add(&server->sessions_ended, 1);
    return set_session_cookie(req, "", "/login", NULL);
  }
  const dbn_web_route_t *route = find_route(req);
  if (!route)
    return dbn_web_reply_error(req, MHD_HTTP_NOT_FOUND, "找不到该页面或文件");
  if ((route->needs_session || route->needs_csrf) && !req->has_session)
    return no_session(req);
  if (route->needs_csrf && !csrf_ok(req))
    return bad_csrf(req);
  int rc = route->handler(req, server->config.arg);
  if (!req->replied)
    rc = dbn_web_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "服务器内部错误");
  return rc;
}

static int
too_big(dbn_web_request_t *req)
{
  char message[160];
  snprintf(message, sizeof message, "上传内容过大（上限 %zu KB），未接收",
           req->server->config.body_limit / 1024);
  return dbn_web_reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, message);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
  (void)cls;
  (void)version;
  dbn_web_request_t *req = *con_cls;
  if (!req)
    return MHD_NO;
  if (!req->started) {
    req->started = true;
    req->connection = connection;
    req->method = method;
    req->path = url;
    const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
    /* Refuse at once what announces itself too big: no need to read it. */
    if (length && strtoull(length, NULL, 10) > req->server->config.body_limit)
      return too_big(req) == 0 ? MHD_YES : MHD_NO;
    return MHD_YES;
  }
  if (req->replied) {
    *upload_data_size = 0; /* the 413 already went; discard the rest */
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (req->body_len + *upload_data_size > req->server->config.body_limit)
      req->too_big = true;
    if (!req->too_big &&
        append(&req->body, &req->body_len, &req->body_cap, upload_data, *upload_data_size) != 0)
      return MHD_NO;
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (req->too_big)
    return too_big(req) == 0 ? MHD_YES : MHD_NO;
  parse_body(req);
  return dispatch(req) == 0 ? MHD_YES : MHD_NO;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
  dbn_web_request_t *req = calloc(1, sizeof *req);
  if (!req)
    return NULL;
  req->server = cls;
  req->raw_uri = strdup(uri);
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info && info->client_addr) {
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->address, sizeof req->address);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->address, sizeof req->address);
  }
  if (!req->raw_uri) {
    free(req);
    return NULL;
  }
  return req;
}

static void
on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
             enum MHD_RequestTerminationCode code)
{
  (void)cls;
  (void)connection;
  (void)code;
  dbn_web_request_t *req = *con_cls;
  if (!req)
    return;
  for (size_t i = 0; i < req->field_count; i++) {
    free(req->fields[i].name);
    free(req->fields[i].value);
  }
  free(req->fields);
  free(req->values);
  free(req->body);
  free(req->file_field);
  free(req->file_name);
  free(req->file_type);
  free(req->file_data);
  cJSON_Delete(req->json);
  free(req->raw_uri);
  sodium_memzero(&req->session, sizeof req->session);
  free(req);
  *con_cls = NULL;
}

/* ---- The daemon */

static int
parse_listen(const char *listen, struct sockaddr_storage *addr)
{
  char host[128];
  const char *colon = strrchr(listen, ':');
  if (!colon || (size_t)(colon - listen) >= sizeof host)
    return DBN_EINVAL;
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = '\0';
  char *end;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (*end || port > 65535 || colon[1] == '\0')
    return DBN_EINVAL;
  memset(addr, 0, sizeof *addr);
  size_t hlen = strlen(host);
  if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
    host[hlen - 1] = '\0';
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? 0 : DBN_EINVAL;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
  a4->sin_family = AF_INET;
  a4->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : DBN_EINVAL;
}

static char *
slurp(const char *path)
{
  FILE *file = fopen(path, "r");
  if (!file)
    return NULL;
  size_t len = 0, cap = 0;
  char *buf = NULL, chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
    if (append(&buf, &len, &cap, chunk, n) != 0 || len > (1u << 20)) {
      free(buf);
      buf = NULL;
      break;
    }
  fclose(file);
  return buf;
}

static void
server_free(dbn_web_server_t *server)
{
  if (server->tls_key_pem)
    sodium_memzero(server->tls_key_pem, strlen(server->tls_key_pem));
  free(server->tls_key_pem);
  free(server->tls_cert_pem);
  pthread_mutex_destroy(&server->users_lock);
  free(server);
}

static struct MHD_Daemon *
start_daemon(dbn_web_server_t *server, const struct sockaddr_storage *addr)
{
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (addr->ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (server->tls)
    return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR,
                            addr, MHD_OPTION_URI_LOG_CALLBACK, on_uri, server, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, server, MHD_OPTION_HTTPS_MEM_CERT, server->tls_cert_pem,
                            MHD_OPTION_HTTPS_MEM_KEY, server->tls_key_pem, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)120, MHD_OPTION_END);
  return MHD_start_daemon(flags, 0, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR, addr,
                          MHD_OPTION_URI_LOG_CALLBACK, on_uri, server, MHD_OPTION_NOTIFY_COMPLETED,
                          on_completed, server, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
}

int
dbn_web_server_new(dbn_web_server_t **server_p, const dbn_web_config_t *config)
{
  struct sockaddr_storage addr;
  if (!config->sessions || parse_listen(config->listen ? config->listen : "127.0.0.1:0", &addr) != 0)
    return DBN_EINVAL;
  if (!config->tls_cert != !config->tls_key)
    return DBN_EINVAL;
  if (sodium_init() < 0)
    return DBN_EINTERNAL;
  dbn_web_server_t *server = calloc(1, sizeof *server);
  if (!server)
    return DBN_ENOMEM;
  pthread_mutex_init(&server->users_lock, NULL);
  server->config = *config;
  server->config.listen = NULL;
  server->config.tls_cert = server->config.tls_key = NULL;
  if (!server->config.body_limit)
    server->config.body_limit = DEFAULT_BODY_LIMIT;
  if (config->tls_cert) {
    server->tls = true;
    server->tls_cert_pem = slurp(config->tls_cert);
    server->tls_key_pem = slurp(config->tls_key);
    if (!server->tls_cert_pem || !server->tls_key_pem) {
      server_free(server);
      return DBN_EIO;
    }
  }
  atomic_store(&server->running, true);
  server->daemon = start_daemon(server, &addr);
  if (!server->daemon) {
    server_free(server);
    return DBN_EUNAVAIL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
  server->port = info ? info->port : 0;
  *server_p = server;
  return 0;
}

void
dbn_web_server_destroy(dbn_web_server_t **server_p)
{
  if (!server_p || !*server_p)
    return;
  dbn_web_server_t *server = *server_p;
  atomic_store(&server->running, false);
  MHD_stop_daemon(server->daemon);
  server_free(server);
  *server_p = NULL;
}

uint16_t
dbn_web_server_port(const dbn_web_server_t *server)
{
  return server->port;
}

bool
dbn_web_server_tls(const dbn_web_server_t *server)
{
  return server->tls;
}

const atomic_bool *
dbn_web_request_running_flag(const dbn_web_request_t *req)
{
  return &req->server->running;
}

dbn_web_sessions_t *
dbn_web_request_sessions(const dbn_web_request_t *req)
{
  return req->server->config.sessions;
}

const char *
dbn_web_request_session_token(const dbn_web_request_t *req)
{
  return req->has_session ? dbn_web_request_cookie(req, SESSION_COOKIE) : NULL;
}

const atomic_uint *
dbn_web_request_sessions_ended(const dbn_web_request_t *req)
{
  return &req->server->sessions_ended;
}
