/* desk_evidence.c: evidence files in the desk's JSON; see desk_evidence.h. */
#include "desk_evidence.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_task.h"
#include "error.h"
#include "refusal.h"
#include "wire.h"

/* One {"name", "data"} into ev->refs[i]. */
static int
parse_one(const cJSON *item, dbn_desk_evidence_t *ev, size_t i, char *why, size_t why_len)
{
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(item, "data");
  if (!cJSON_IsString(name) || !cJSON_IsString(data)) {
    snprintf(why, why_len, "第 %zu 个佐证材料缺少文件名或内容", i + 1);
    return DBN_EINVAL;
  }
  size_t encoded = strlen(data->valuestring), cap = encoded / 4 * 3 + 3, len = 0;
  uint8_t *content = malloc(cap ? cap : 1);
  if (!content)
    return DBN_ENOMEM;
  if (sodium_base642bin(content, cap, data->valuestring, encoded, NULL, &len, NULL,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    free(content);
    snprintf(why, why_len, "佐证材料 %s 的内容无法读取（应为 base64）", name->valuestring);
    return DBN_EINVAL;
  }
  const char *media_type = dbn_evidence_media_type_of(name->valuestring);
  Duban__EvidenceRef *ref = &ev->refs[i];
  duban__evidence_ref__init(ref);
  ref->name = name->valuestring;
  ref->media_type = (char *)(media_type ? media_type : "application/octet-stream");
  ref->content.data = content;
  ref->content.len = len;
  ref->size = len;
  dbn_evidence_hash(content, len, ev->hashes[i]);
  ref->hash.data = ev->hashes[i];
  ref->hash.len = DBN_EVIDENCE_HASH_BYTES;
  ev->ptrs[i] = ref;
  ev->n = i + 1;
  return 0;
}

int
dbn_desk_evidence_parse(const cJSON *array, dbn_desk_evidence_t *ev, char *why, size_t why_len)
{
  memset(ev, 0, sizeof *ev);
  if (!array || cJSON_IsNull(array))
    return 0;
  if (!cJSON_IsArray(array)) {
    snprintf(why, why_len, "佐证材料应为文件列表");
    return DBN_EINVAL;
  }
  int count = cJSON_GetArraySize(array);
  if (count > DBN_DESK_EVIDENCE_MAX_ITEMS) {
    snprintf(why, why_len, "一次报送最多附 %d 个佐证材料，本次附了 %d 个", DBN_EVIDENCE_MAX_FILES, count);
    return DBN_ETOOBIG;
  }
  int rc = 0;
  for (int i = 0; i < count && rc == 0; i++)
    rc = parse_one(cJSON_GetArrayItem(array, i), ev, (size_t)i, why, why_len);
  if (rc == 0)
    rc = dbn_evidence_check(ev->n, ev->ptrs, why, why_len);
  if (rc)
    dbn_desk_evidence_clear(ev);
  return rc;
}

void
dbn_desk_evidence_clear(dbn_desk_evidence_t *ev)
{
  for (size_t i = 0; i < ev->n; i++)
    free(ev->refs[i].content.data);
  ev->n = 0;
}

/* The report an evidence file came with, for people. */
static const char *
kind_zh(const char *kind)
{
  if (strcmp(kind, "milestone_reported") == 0)
    return "报节点达成";
  if (strcmp(kind, "submitted") == 0)
    return "报结";
  const char *zh = dbn_web_word_zh(kind);
  return zh ? zh : kind;
}

cJSON *
dbn_desk_evidence_list_json(const Duban__Reply *reply)
{
  cJSON *json = cJSON_CreateObject();
  cJSON *list = cJSON_AddArrayToObject(json, "evidence");
  for (size_t i = 0; i < reply->n_evidence; i++) {
    const Duban__EvidenceRef *ref = reply->evidence[i];
    char hex[65] = "", url[128], size[32];
    if (ref->hash.len == DBN_EVIDENCE_HASH_BYTES)
      dbn_evidence_hash_hex(ref->hash.data, hex);
    snprintf(url, sizeof url, "/api/evidence/file?hash=%s", hex);
    if (ref->size >= 1024 * 1024)
      snprintf(size, sizeof size, "%.1f MB", (double)ref->size / (1024.0 * 1024.0));
    else if (ref->size >= 1024)
      snprintf(size, sizeof size, "%.1f KB", (double)ref->size / 1024.0);
    else
      snprintf(size, sizeof size, "%llu 字节", (unsigned long long)ref->size);
    cJSON *item = dbn_desk_event_line_json(ref->seq, ref->time);
    cJSON_AddStringToObject(item, "kind", ref->kind);
    cJSON_AddStringToObject(item, "kind_zh", kind_zh(ref->kind));
    cJSON_AddStringToObject(item, "name", ref->name);
    cJSON_AddStringToObject(item, "media_type", ref->media_type);
    cJSON_AddNumberToObject(item, "size", (double)ref->size);
    cJSON_AddStringToObject(item, "size_text", size);
    cJSON_AddStringToObject(item, "hash", hex);
    cJSON_AddStringToObject(item, "url", url);
    cJSON_AddItemToArray(list, item);
  }
  return json;
}
