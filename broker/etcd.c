/* etcd.c: the etcd v3 JSON gateway over libcurl; see etcd.h.
 *
 * Each call is one POST of a JSON body to /v3/...; the answer is one JSON
 * object, or {"error": ..., "code": N} with gRPC's code when etcd refused.
 * The watch is the one stream: a POST whose answer never ends, one JSON
 * object per line, read through a curl multi handle so that the broker's
 * loop polls it alongside its sockets instead of giving it a thread. */
#include "etcd.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>

#include "log.h"

/* An answer bigger than this is not one we asked for (a batch is at most
 * about 1 MiB, etcd's own request limit is 1.5 MiB). */
#define RESPONSE_MAX (16u << 20)
/* gRPC's codes that etcd's errors carry. */
#define GRPC_NOT_FOUND 5
#define GRPC_UNAVAILABLE 14
#define GRPC_DEADLINE_EXCEEDED 4

struct dbn_etcd {
  char endpoints[DBN_ETCD_MAX_ENDPOINTS][256]; /* "http://host:port", no trailing slash */
  int endpoint_count;
  int current;          /* the member the next call goes to first */
  int timeout_ms;       /* per call */
  CURL *curl;           /* owned; reused so that the connection stays open */
  char error[768];      /* the last failure, for a person */
  char ca_file[1024];   /* TLS: the members' CA; "" = the system's */
  char cert_file[1024]; /* TLS: this client's certificate; "" = none */
  char key_file[1024];  /* TLS: its key */
};

struct buffer {
  char *data;
  size_t len, cap;
};

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
  struct buffer *b = arg;
  size_t n = size * nmemb;
  if (b->len + n + 1 > RESPONSE_MAX)
    return 0; /* curl stops with a write error */
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data)
      return 0;
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

int
dbn_etcd_new(dbn_etcd_t **etcd_p, const char *endpoints, int timeout_ms, char *why, size_t why_len)
{
  assert(etcd_p && endpoints);
  dbn_etcd_t *etcd = calloc(1, sizeof *etcd);
  if (!etcd)
    return DBN_ENOMEM;
  /* Counted by libcurl: each client's init is matched by its destroy. */
  curl_global_init(CURL_GLOBAL_DEFAULT);
  etcd->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
  const char *p = endpoints;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    while (len > 0 && p[len - 1] == '/')
      len--;
    if (len == 0 || len >= sizeof etcd->endpoints[0] || etcd->endpoint_count == DBN_ETCD_MAX_ENDPOINTS ||
        (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0)) {
      snprintf(why, why_len,
               "etcd 地址列表无效：'%s'（应为逗号分隔的 http://主机:端口，最多 %d 个） / bad etcd endpoint "
               "list '%s' (comma-separated http://host:port, at most %d)",
               endpoints, DBN_ETCD_MAX_ENDPOINTS, endpoints, DBN_ETCD_MAX_ENDPOINTS);
      dbn_etcd_destroy(&etcd);
      return DBN_EINVAL;
    }
    memcpy(etcd->endpoints[etcd->endpoint_count++], p, len);
    p += comma ? (size_t)(comma - p) + 1 : strlen(p);
  }
  if (etcd->endpoint_count == 0) {
    snprintf(why, why_len, "没有给出 etcd 地址 / no etcd endpoint given");
    dbn_etcd_destroy(&etcd);
    return DBN_EINVAL;
  }
  if (!(etcd->curl = curl_easy_init())) {
    dbn_etcd_destroy(&etcd);
    return DBN_ENOMEM;
  }
  *etcd_p = etcd;
  return 0;
}

void
dbn_etcd_destroy(dbn_etcd_t **etcd_p)
{
  if (!etcd_p || !*etcd_p)
    return;
  if ((*etcd_p)->curl)
    curl_easy_cleanup((*etcd_p)->curl);
  curl_global_cleanup();
  free(*etcd_p);
  *etcd_p = NULL;
}

int
dbn_etcd_set_tls(dbn_etcd_t *etcd, const char *ca_file, const char *cert_file, const char *key_file)
{
  const char *files[] = {ca_file ? ca_file : "", cert_file ? cert_file : "", key_file ? key_file : ""};
  char *into[] = {etcd->ca_file, etcd->cert_file, etcd->key_file};
  for (int i = 0; i < 3; i++) {
    if (strlen(files[i]) >= sizeof etcd->ca_file)
      return DBN_EINVAL;
    snprintf(into[i], sizeof etcd->ca_file, "%s", files[i]);
  }
  return 0;
}

/* The TLS options of every transfer (ignored by curl for http://). */
static void
set_tls(const dbn_etcd_t *etcd, CURL *curl)
{
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (etcd->ca_file[0])
    curl_easy_setopt(curl, CURLOPT_CAINFO, etcd->ca_file);
  if (etcd->cert_file[0])
    curl_easy_setopt(curl, CURLOPT_SSLCERT, etcd->cert_file);
  if (etcd->key_file[0])
    curl_easy_setopt(curl, CURLOPT_SSLKEY, etcd->key_file);
}

const char *
dbn_etcd_last_error(const dbn_etcd_t *etcd)
{
  return etcd->error;
}

/* ---- JSON and base64 ---- */

static int
add_base64(cJSON *object, const char *name, const void *bytes, size_t len)
{
  size_t out_len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
  char *text = malloc(out_len);
  if (!text)
    return DBN_ENOMEM;
  sodium_bin2base64(text, out_len, bytes, len, sodium_base64_VARIANT_ORIGINAL);
  cJSON *item = cJSON_AddStringToObject(object, name, text);
  free(text);
  return item ? 0 : DBN_ENOMEM;
}

/* A 64-bit number as etcd's gateway writes it: a decimal string. */
static int
add_int64(cJSON *object, const char *name, int64_t value)
{
  char text[24];
  snprintf(text, sizeof text, "%" PRId64, value);
  return cJSON_AddStringToObject(object, name, text) ? 0 : DBN_ENOMEM;
}

/* A field the gateway leaves out when it is zero reads as 0. */
static int64_t
get_int64(const cJSON *object, const char *name)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
  if (cJSON_IsString(item))
    return strtoll(item->valuestring, NULL, 10);
  if (cJSON_IsNumber(item))
    return (int64_t)item->valuedouble;
  return 0;
}

/* Decode a base64 field into a fresh buffer (NUL-terminated for the
 * caller's convenience; *len_p excludes it). An absent field is empty. */
static int
get_base64(const cJSON *object, const char *name, uint8_t **bytes_p, size_t *len_p)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
  const char *text = cJSON_IsString(item) ? item->valuestring : "";
  size_t text_len = strlen(text);
  uint8_t *bytes = malloc(text_len / 4 * 3 + 4);
  if (!bytes)
    return DBN_ENOMEM;
  size_t len = 0;
  if (sodium_base642bin(bytes, text_len / 4 * 3 + 3, text, text_len, NULL, &len, NULL,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    free(bytes);
    return DBN_EPROTO;
  }
  bytes[len] = '\0';
  *bytes_p = bytes;
  *len_p = len;
  return 0;
}

static void
kv_clear(dbn_etcd_kv_t *kv)
{
  free(kv->key);
  free(kv->value);
  memset(kv, 0, sizeof *kv);
}

static int
kv_from_json(const cJSON *json, dbn_etcd_kv_t *kv)
{
  memset(kv, 0, sizeof *kv);
  int rc = get_base64(json, "key", &kv->key, &kv->key_len);
  if (rc == 0)
    rc = get_base64(json, "value", &kv->value, &kv->value_len);
  if (rc) {
    kv_clear(kv);
    return rc;
  }
  kv->create_revision = get_int64(json, "create_revision");
  kv->mod_revision = get_int64(json, "mod_revision");
  kv->lease = get_int64(json, "lease");
  return 0;
}

/* ---- one call ---- */

/* etcd's own refusal {"error", "code", "message"} as a duban code. */
static int
refusal(dbn_etcd_t *etcd, const char *endpoint, const cJSON *answer, long status)
{
  const cJSON *message = cJSON_GetObjectItemCaseSensitive(answer, "message");
  const char *text = cJSON_IsString(message) ? message->valuestring : "";
  int64_t code = get_int64(answer, "code");
  snprintf(etcd->error, sizeof etcd->error,
           "etcd 拒绝了请求（%s，HTTP %ld，代码 %" PRId64 "）：%s / etcd refused: %s", endpoint, status, code,
           text, text);
  if (code == GRPC_NOT_FOUND)
    return DBN_ENOTFOUND;
  if (code == GRPC_UNAVAILABLE || code == GRPC_DEADLINE_EXCEEDED || strstr(text, "timed out") ||
      strstr(text, "leader"))
    return DBN_EUNAVAIL;
  return DBN_EIO;
}

/* POST body to one member. DBN_EUNAVAIL with *sent_p false when the
 * connection could not be made (safe to try another member). */
static int
post_once(dbn_etcd_t *etcd, const char *endpoint, const char *path, const char *body, cJSON **answer_p,
          bool *sent_p)
{
  char url[320];
  snprintf(url, sizeof url, "%s%s", endpoint, path);
  struct buffer response = {0};
  char curl_error[CURL_ERROR_SIZE] = "";
  CURL *curl = etcd->curl;
  curl_easy_reset(curl);
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)etcd->timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)etcd->timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  set_tls(etcd, curl);
  CURLcode crc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  *sent_p = crc != CURLE_COULDNT_CONNECT && crc != CURLE_COULDNT_RESOLVE_HOST;
  if (crc != CURLE_OK) {
    snprintf(etcd->error, sizeof etcd->error, "无法访问 etcd 成员 %s：%s / etcd member %s unreachable: %s",
             endpoint, curl_error[0] ? curl_error : curl_easy_strerror(crc), endpoint,
             curl_error[0] ? curl_error : curl_easy_strerror(crc));
    free(response.data);
    return crc == CURLE_OPERATION_TIMEDOUT ? DBN_ETIMEDOUT : DBN_EUNAVAIL;
  }
  cJSON *answer = response.data ? cJSON_Parse(response.data) : NULL;
  free(response.data);
  if (!cJSON_IsObject(answer)) {
    cJSON_Delete(answer);
    snprintf(etcd->error, sizeof etcd->error,
             "etcd 成员 %s 的回答不是 JSON（HTTP %ld）/ etcd member %s answered something that is not JSON",
             endpoint, status, endpoint);
    return DBN_EPROTO;
  }
  if (status != 200 || cJSON_GetObjectItemCaseSensitive(answer, "error")) {
    int rc = refusal(etcd, endpoint, answer, status);
    cJSON_Delete(answer);
    return rc;
  }
  *answer_p = answer;
  return 0;
}

/* POST request (consumed) to the current member, moving on to the next
 * ones while none can be reached, or after one refused as unavailable (a
 * member cut off from the others: its peers may still hold a quorum). */
static int
post(dbn_etcd_t *etcd, const char *path, cJSON *request, cJSON **answer_p)
{
  char *body = cJSON_PrintUnformatted(request);
  cJSON_Delete(request);
  if (!body)
    return DBN_ENOMEM;
  int rc = DBN_EUNAVAIL;
  for (int tried = 0; tried < etcd->endpoint_count; tried++) {
    bool sent = false;
    rc = post_once(etcd, etcd->endpoints[etcd->current], path, body, answer_p, &sent);
    if (rc == 0)
      break;
    etcd->current = (etcd->current + 1) % etcd->endpoint_count;
    if (sent)
      break; /* it may have been applied: the caller decides */
  }
  free(body);
  if (rc == 0)
    etcd->error[0] = '\0';
  return rc;
}

static int64_t
header_revision(const cJSON *answer)
{
  return get_int64(cJSON_GetObjectItemCaseSensitive(answer, "header"), "revision");
}

/* ---- kv ---- */

bool
dbn_etcd_prefix_end(const uint8_t *prefix, size_t prefix_len, uint8_t *out)
{
  memcpy(out, prefix, prefix_len);
  for (size_t i = prefix_len; i-- > 0;) {
    if (out[i] < 0xff) {
      out[i]++;
      memset(out + i + 1, 0, prefix_len - i - 1);
      return true;
    }
  }
  return false;
}

static int
put_fields(cJSON *object, const void *key, size_t key_len, const void *value, size_t value_len, int64_t lease)
{
  int rc = add_base64(object, "key", key, key_len);
  if (rc == 0)
    rc = add_base64(object, "value", value, value_len);
  if (rc == 0 && lease)
    rc = add_int64(object, "lease", lease);
  return rc;
}

int
dbn_etcd_put(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *value, size_t value_len,
             int64_t lease, int64_t *revision_p)
{
  cJSON *request = cJSON_CreateObject();
  if (!request || put_fields(request, key, key_len, value, value_len, lease)) {
    cJSON_Delete(request);
    return DBN_ENOMEM;
  }
  cJSON *answer = NULL;
  int rc = post(etcd, "/v3/kv/put", request, &answer);
  if (rc == 0 && revision_p)
    *revision_p = header_revision(answer);
  cJSON_Delete(answer);
  return rc;
}

void
dbn_etcd_range_clear(dbn_etcd_range_t *range)
{
  if (!range)
    return;
  for (size_t i = 0; i < range->count; i++)
    kv_clear(&range->kvs[i]);
  free(range->kvs);
  memset(range, 0, sizeof *range);
}

static int
range_from_json(const cJSON *answer, dbn_etcd_range_t *out)
{
  const cJSON *kvs = cJSON_GetObjectItemCaseSensitive(answer, "kvs");
  int n = cJSON_IsArray(kvs) ? cJSON_GetArraySize(kvs) : 0;
  out->revision = header_revision(answer);
  const cJSON *more = cJSON_GetObjectItemCaseSensitive(answer, "more");
  out->more = cJSON_IsTrue(more);
  if (n == 0)
    return 0;
  if (!(out->kvs = calloc((size_t)n, sizeof *out->kvs)))
    return DBN_ENOMEM;
  const cJSON *item;
  cJSON_ArrayForEach(item, kvs)
  {
    int rc = kv_from_json(item, &out->kvs[out->count]);
    if (rc)
      return rc;
    out->count++;
  }
  return 0;
}

int
dbn_etcd_range(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *range_end, size_t range_end_len,
               int64_t limit, dbn_etcd_range_t *out)
{
  memset(out, 0, sizeof *out);
  cJSON *request = cJSON_CreateObject();
  int rc = request ? add_base64(request, "key", key, key_len) : DBN_ENOMEM;
  if (rc == 0 && range_end)
    rc = add_base64(request, "range_end", range_end, range_end_len);
  if (rc == 0 && limit > 0)
    rc = add_int64(request, "limit", limit);
  if (rc) {
    cJSON_Delete(request);
    return rc;
  }
  cJSON *answer = NULL;
  rc = post(etcd, "/v3/kv/range", request, &answer);
  if (rc == 0 && (rc = range_from_json(answer, out)) == DBN_EPROTO)
    snprintf(etcd->error, sizeof etcd->error, "etcd 返回的键值不是合法的 base64 / etcd returned bad base64");
  cJSON_Delete(answer);
  return rc;
}

int
dbn_etcd_delete(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *range_end,
                size_t range_end_len)
{
  cJSON *request = cJSON_CreateObject();
  int rc = request ? add_base64(request, "key", key, key_len) : DBN_ENOMEM;
  if (rc == 0 && range_end)
    rc = add_base64(request, "range_end", range_end, range_end_len);
  if (rc) {
    cJSON_Delete(request);
    return DBN_ENOMEM;
  }
  cJSON *answer = NULL;
  rc = post(etcd, "/v3/kv/deleterange", request, &answer);
  cJSON_Delete(answer);
  return rc;
}

/* ---- transactions ---- */

static const char *const target_names[] = {
    [DBN_ETCD_MOD_REVISION] = "MOD", [DBN_ETCD_CREATE_REVISION] = "CREATE", [DBN_ETCD_LEASE] = "LEASE"};
static const char *const target_fields[] = {[DBN_ETCD_MOD_REVISION] = "mod_revision",
                                            [DBN_ETCD_CREATE_REVISION] = "create_revision",
                                            [DBN_ETCD_LEASE] = "lease"};

static int
add_compare(cJSON *array, const dbn_etcd_compare_t *compare)
{
  cJSON *item = cJSON_CreateObject();
  if (!item || !cJSON_AddItemToArray(array, item))
    return DBN_ENOMEM;
  int rc = add_base64(item, "key", compare->key, compare->key_len);
  if (rc == 0 && !cJSON_AddStringToObject(item, "target", target_names[compare->target]))
    rc = DBN_ENOMEM;
  if (rc == 0 && !cJSON_AddStringToObject(item, "result", "EQUAL"))
    rc = DBN_ENOMEM;
  if (rc == 0)
    rc = add_int64(item, target_fields[compare->target], compare->value);
  return rc;
}

static int
add_put_op(cJSON *array, const dbn_etcd_put_op_t *put)
{
  cJSON *item = cJSON_CreateObject();
  if (!item || !cJSON_AddItemToArray(array, item))
    return DBN_ENOMEM;
  cJSON *request_put = cJSON_AddObjectToObject(item, "request_put");
  if (!request_put)
    return DBN_ENOMEM;
  return put_fields(request_put, put->key, put->key_len, put->value, put->value_len, put->lease);
}

int
dbn_etcd_txn(dbn_etcd_t *etcd, const dbn_etcd_compare_t *compares, size_t compare_count,
             const dbn_etcd_put_op_t *puts, size_t put_count, bool *succeeded_p, int64_t *revision_p)
{
  cJSON *request = cJSON_CreateObject();
  cJSON *compare = request ? cJSON_AddArrayToObject(request, "compare") : NULL;
  cJSON *success = request ? cJSON_AddArrayToObject(request, "success") : NULL;
  int rc = compare && success ? 0 : DBN_ENOMEM;
  for (size_t i = 0; rc == 0 && i < compare_count; i++)
    rc = add_compare(compare, &compares[i]);
  for (size_t i = 0; rc == 0 && i < put_count; i++)
    rc = add_put_op(success, &puts[i]);
  if (rc) {
    cJSON_Delete(request);
    return rc;
  }
  cJSON *answer = NULL;
  rc = post(etcd, "/v3/kv/txn", request, &answer);
  if (rc == 0) {
    *succeeded_p = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "succeeded"));
    if (revision_p)
      *revision_p = header_revision(answer);
  }
  cJSON_Delete(answer);
  return rc;
}

/* ---- leases ---- */

static int
lease_call(dbn_etcd_t *etcd, const char *path, const char *id_name, int64_t id, int64_t ttl, cJSON **answer_p)
{
  cJSON *request = cJSON_CreateObject();
  int rc = request ? 0 : DBN_ENOMEM;
  if (rc == 0 && id_name)
    rc = add_int64(request, id_name, id);
  if (rc == 0 && ttl)
    rc = add_int64(request, "TTL", ttl);
  if (rc) {
    cJSON_Delete(request);
    return rc;
  }
  return post(etcd, path, request, answer_p);
}

int
dbn_etcd_lease_grant(dbn_etcd_t *etcd, int64_t ttl_seconds, int64_t *lease_p)
{
  cJSON *answer = NULL;
  int rc = lease_call(etcd, "/v3/lease/grant", NULL, 0, ttl_seconds, &answer);
  if (rc == 0 && (*lease_p = get_int64(answer, "ID")) == 0) {
    snprintf(etcd->error, sizeof etcd->error, "etcd 未给出租约编号 / etcd granted no lease id");
    rc = DBN_EPROTO;
  }
  cJSON_Delete(answer);
  return rc;
}

int
dbn_etcd_lease_keepalive(dbn_etcd_t *etcd, int64_t lease, int64_t *ttl_p)
{
  cJSON *answer = NULL;
  int rc = lease_call(etcd, "/v3/lease/keepalive", "ID", lease, 0, &answer);
  if (rc == 0) {
    /* The gateway answers a stream of one: {"result": {"ID", "TTL"}}, with
     * no TTL (zero) for a lease that is gone. */
    int64_t ttl = get_int64(cJSON_GetObjectItemCaseSensitive(answer, "result"), "TTL");
    if (ttl_p)
      *ttl_p = ttl;
    if (ttl <= 0) {
      snprintf(etcd->error, sizeof etcd->error,
               "etcd 租约 %" PRId64 " 已过期 / etcd lease %" PRId64 " has expired", lease, lease);
      rc = DBN_ENOTFOUND;
    }
  }
  cJSON_Delete(answer);
  return rc;
}

int
dbn_etcd_lease_revoke(dbn_etcd_t *etcd, int64_t lease)
{
  cJSON *answer = NULL;
  int rc = lease_call(etcd, "/v3/kv/lease/revoke", "ID", lease, 0, &answer);
  cJSON_Delete(answer);
  return rc;
}

/* ---- the watch stream ---- */

struct dbn_etcd_watch {
  CURLM *multi;
  CURL *curl;
  struct curl_slist *headers;
  char *body;           /* the create request, kept until the transfer ends */
  struct buffer stream; /* bytes received and not yet parsed */
  int64_t revision;     /* every change up to this revision was delivered */
  bool ended;           /* the transfer finished (the stream never should) */
  bool compacted;       /* etcd cancelled the watch: the start was compacted */
  char endpoint[256];
};

int
dbn_etcd_watch_open(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *range_end,
                    size_t range_end_len, int64_t start_revision, dbn_etcd_watch_t **watch_p)
{
  dbn_etcd_watch_t *watch = calloc(1, sizeof *watch);
  cJSON *request = cJSON_CreateObject();
  cJSON *create = request ? cJSON_AddObjectToObject(request, "create_request") : NULL;
  int rc = watch && create ? add_base64(create, "key", key, key_len) : DBN_ENOMEM;
  if (rc == 0 && range_end)
    rc = add_base64(create, "range_end", range_end, range_end_len);
  if (rc == 0 && start_revision > 0)
    rc = add_int64(create, "start_revision", start_revision);
  if (rc == 0 && !(watch->body = cJSON_PrintUnformatted(request)))
    rc = DBN_ENOMEM;
  cJSON_Delete(request);
  if (rc == 0 && (!(watch->multi = curl_multi_init()) || !(watch->curl = curl_easy_init())))
    rc = DBN_ENOMEM;
  if (rc) {
    dbn_etcd_watch_close(&watch);
    return rc;
  }
  watch->revision = start_revision > 0 ? start_revision - 1 : 0;
  snprintf(watch->endpoint, sizeof watch->endpoint, "%s", etcd->endpoints[etcd->current]);
  /* The next watch (after this one fails) goes to another member. */
  etcd->current = (etcd->current + 1) % etcd->endpoint_count;
  char url[320];
  snprintf(url, sizeof url, "%s/v3/watch", watch->endpoint);
  watch->headers = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(watch->curl, CURLOPT_URL, url);
  curl_easy_setopt(watch->curl, CURLOPT_HTTPHEADER, watch->headers);
  curl_easy_setopt(watch->curl, CURLOPT_POSTFIELDS, watch->body);
  curl_easy_setopt(watch->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)etcd->timeout_ms);
  curl_easy_setopt(watch->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(watch->curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(watch->curl, CURLOPT_WRITEDATA, &watch->stream);
  /* A member that dies without closing the connection: TCP keepalive
   * notices, and the caller's own checks of the leader key do sooner. */
  curl_easy_setopt(watch->curl, CURLOPT_TCP_KEEPALIVE, 1L);
  set_tls(etcd, watch->curl);
  curl_multi_add_handle(watch->multi, watch->curl);
  *watch_p = watch;
  return 0;
}

/* One line of the stream: {"result": {"events": [...], ...}}. */
static int
watch_line(dbn_etcd_watch_t *watch, const char *line, dbn_etcd_watch_fn fn, void *arg)
{
  cJSON *json = cJSON_Parse(line);
  const cJSON *result = cJSON_GetObjectItemCaseSensitive(json, "result");
  if (!cJSON_IsObject(result)) {
    bool error = json && cJSON_GetObjectItemCaseSensitive(json, "error");
    cJSON_Delete(json);
    return error ? DBN_EUNAVAIL : 0;
  }
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "canceled"))) {
    watch->compacted = get_int64(result, "compact_revision") > 0;
    cJSON_Delete(json);
    return watch->compacted ? DBN_ENOTFOUND : DBN_EUNAVAIL;
  }
  int rc = 0;
  const cJSON *event;
  cJSON_ArrayForEach(event, cJSON_GetObjectItemCaseSensitive(result, "events"))
  {
    dbn_etcd_kv_t kv;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(event, "type");
    bool deleted = cJSON_IsString(type) && strcmp(type->valuestring, "DELETE") == 0;
    if ((rc = kv_from_json(cJSON_GetObjectItemCaseSensitive(event, "kv"), &kv)))
      break;
    rc = fn(arg, &kv, deleted);
    if (rc == 0 && kv.mod_revision > watch->revision)
      watch->revision = kv.mod_revision;
    kv_clear(&kv);
    if (rc)
      break;
  }
  cJSON_Delete(json);
  return rc;
}

int
dbn_etcd_watch_poll(dbn_etcd_watch_t *watch, int timeout_ms, dbn_etcd_watch_fn fn, void *arg)
{
  if (watch->compacted)
    return DBN_ENOTFOUND;
  int running = 0;
  curl_multi_perform(watch->multi, &running);
  if (running && watch->stream.len == 0 && timeout_ms > 0) {
    curl_multi_poll(watch->multi, NULL, 0, timeout_ms, NULL);
    curl_multi_perform(watch->multi, &running);
  }
  if (!running)
    watch->ended = true;
  int rc = 0;
  char *newline;
  while (rc == 0 && watch->stream.len > 0 &&
         (newline = memchr(watch->stream.data, '\n', watch->stream.len))) {
    *newline = '\0';
    rc = watch_line(watch, watch->stream.data, fn, arg);
    size_t used = (size_t)(newline + 1 - watch->stream.data);
    memmove(watch->stream.data, newline + 1, watch->stream.len - used);
    watch->stream.len -= used;
    watch->stream.data[watch->stream.len] = '\0';
  }
  if (rc)
    return rc;
  return watch->ended ? DBN_EUNAVAIL : 0;
}

int64_t
dbn_etcd_watch_revision(const dbn_etcd_watch_t *watch)
{
  return watch->revision;
}

void
dbn_etcd_watch_close(dbn_etcd_watch_t **watch_p)
{
  if (!watch_p || !*watch_p)
    return;
  dbn_etcd_watch_t *watch = *watch_p;
  if (watch->multi && watch->curl)
    curl_multi_remove_handle(watch->multi, watch->curl);
  if (watch->curl)
    curl_easy_cleanup(watch->curl);
  if (watch->multi)
    curl_multi_cleanup(watch->multi);
  curl_slist_free_all(watch->headers);
  free(watch->body);
  free(watch->stream.data);
  free(watch);
  *watch_p = NULL;
}
