/* console_evidence.c: the evidence (佐证材料) of a task on the board.
 *
 * The mirror holds the log, so the files a task's reports carried are
 * listed from it (their names, types, sizes and hashes are in the events);
 * the files themselves are kept only by the broker (store/evidence.h), so a
 * download asks the broker for the file by its hash with the console's key
 * and checks what came back against that hash before serving it. */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "console.h"
#include "date.h"
#include "event_kind.h"
#include "evidence.h"
#include "refusal.h"
#include "wire.h"

cJSON *
dbn_console_evidence_json(dbn_store_txn_t *txn, const char *task_id)
{
  cJSON *list = cJSON_CreateArray();
  Duban__EvidenceRef **refs;
  size_t n;
  if (!list || dbn_store_evidence_refs(txn, task_id, NULL, &refs, &n) != 0)
    return list;
  for (size_t i = 0; i < n; i++) {
    char hex[65] = "", url[128];
    if (refs[i]->hash.len == DBN_EVIDENCE_HASH_BYTES)
      dbn_evidence_hash_hex(refs[i]->hash.data, hex);
    snprintf(url, sizeof url, "/api/evidence/file?hash=%s", hex);
    char when[24];
    dbn_time_format_minute(refs[i]->time, when);
    cJSON *item = cJSON_CreateObject();
    cJSON_AddNumberToObject(item, "seq", (double)refs[i]->seq);
    cJSON_AddStringToObject(item, "time", when);
    cJSON_AddStringToObject(item, "kind", refs[i]->kind);
    const char *kind_name = dbn_event_kind_zh_of_code(refs[i]->kind);
    cJSON_AddStringToObject(item, "kind_name", kind_name ? kind_name : refs[i]->kind);
    cJSON_AddStringToObject(item, "name", refs[i]->name);
    cJSON_AddStringToObject(item, "media_type", refs[i]->media_type);
    cJSON_AddNumberToObject(item, "size", (double)refs[i]->size);
    cJSON_AddStringToObject(item, "hash", hex);
    cJSON_AddStringToObject(item, "url", url);
    cJSON_AddItemToArray(list, item);
  }
  dbn_store_evidence_free(refs, n);
  return list;
}

/* The file hash names, from the broker, checked against its hash. */
static int
serve_file(dbn_web_request_t *req, const Duban__Reply *reply, const uint8_t hash[DBN_EVIDENCE_HASH_BYTES])
{
  const Duban__EvidenceRef *file = reply->evidence_file;
  if (reply->code != DUBAN__CODE__CODE_OK || !file) {
    char zh[1024];
    dbn_web_refusal_zh((int)reply->code, reply->message, zh, sizeof zh);
    return dbn_web_reply_error(req, reply->code == DUBAN__CODE__CODE_NOT_FOUND ? 404 : 502, zh);
  }
  uint8_t got[DBN_EVIDENCE_HASH_BYTES];
  dbn_evidence_hash(file->content.data, file->content.len, got);
  if (memcmp(got, hash, sizeof got) != 0)
    return dbn_web_reply_error(req, 502, "督办服务器送来的佐证材料与其哈希值不符，未提供下载");
  return dbn_web_reply_bytes(req, 200, file->media_type, file->content.data, file->content.len, file->name);
}

int
dbn_console_get_evidence_file(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  const char *hex = dbn_web_request_query(req, "hash");
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  if (!hex || dbn_evidence_hash_parse(hex, hash) != 0)
    return dbn_web_reply_error(req, 404, "没有该佐证材料");
  dbn_client_options_t options = {
      .endpoint = console->broker, .server_cert = console->server_cert, .client_cert = console->client_cert};
  dbn_client_t *client;
  if (dbn_client_new(&client, &options) != 0)
    return dbn_web_reply_error(req, 503, "无法连接督办服务器");
  Duban__EvidenceGet get = DUBAN__EVIDENCE_GET__INIT;
  get.hash.data = hash;
  get.hash.len = sizeof hash;
  Duban__Request request = DUBAN__REQUEST__INIT;
  request.body_case = DUBAN__REQUEST__BODY_GET_EVIDENCE;
  request.get_evidence = &get;
  Duban__Reply *reply = NULL;
  int rc = dbn_client_call(client, &request, &reply);
  if (rc == 0)
    rc = serve_file(req, reply, hash);
  else
    rc = dbn_web_reply_error(req, 503, "督办服务器未应答，请稍后再试");
  dbn_wire_reply_free(&reply);
  dbn_client_destroy(&client);
  return rc;
}
