/* evidence_rule.c: the limits and the media types of evidence; see
 * evidence_rule.h. */
#include "evidence_rule.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "request.h"

/* What a 督办 report is backed with: documents, sheets, scans and photos.
 * Nothing that runs. */
static const struct {
  const char *extension;
  const char *media_type;
} media_types[] = {
    {"pdf", "application/pdf"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"txt", "text/plain"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ofd", "application/ofd"}, /* the national standard for electronic documents (GB/T 33190) */
    {"zip", "application/zip"},
};
#define N_MEDIA_TYPES (sizeof media_types / sizeof media_types[0])

const char *
dbn_evidence_media_type_of(const char *file_name)
{
  const char *dot = strrchr(file_name, '.');
  if (!dot)
    return NULL;
  for (size_t i = 0; i < N_MEDIA_TYPES; i++)
    if (strcasecmp(dot + 1, media_types[i].extension) == 0)
      return media_types[i].media_type;
  return NULL;
}

bool
dbn_evidence_media_type_allowed(const char *media_type)
{
  for (size_t i = 0; i < N_MEDIA_TYPES; i++)
    if (strcmp(media_type, media_types[i].media_type) == 0)
      return true;
  return false;
}

void
dbn_evidence_hash(const uint8_t *content, size_t len, uint8_t out[DBN_EVIDENCE_HASH_BYTES])
{
  crypto_generichash(out, DBN_EVIDENCE_HASH_BYTES, content, len, NULL, 0);
}

void
dbn_evidence_hash_hex(const uint8_t hash[DBN_EVIDENCE_HASH_BYTES], char out[65])
{
  sodium_bin2hex(out, 65, hash, DBN_EVIDENCE_HASH_BYTES);
}

int
dbn_evidence_hash_parse(const char *hex, uint8_t hash[DBN_EVIDENCE_HASH_BYTES])
{
  size_t len = 0;
  if (strlen(hex) != 2 * DBN_EVIDENCE_HASH_BYTES ||
      sodium_hex2bin(hash, DBN_EVIDENCE_HASH_BYTES, hex, strlen(hex), NULL, &len, NULL) != 0 ||
      len != DBN_EVIDENCE_HASH_BYTES)
    return DBN_EINVAL;
  return 0;
}

/* One file's name, type, size and hash. */
static int
check_one(const Duban__EvidenceRef *ref, size_t index, char *why, size_t why_len)
{
  const char *name = ref->name ? ref->name : "";
  if (!*name || strlen(name) > DBN_EVIDENCE_MAX_NAME || strchr(name, '/') || strchr(name, '\\') ||
      strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    snprintf(why, why_len, "第 %zu 个佐证材料的文件名无效：须为 1 至 %d 字节、不含目录的文件名", index + 1,
             DBN_EVIDENCE_MAX_NAME);
    return DBN_EINVAL;
  }
  if (!ref->media_type || !dbn_evidence_media_type_allowed(ref->media_type)) {
    snprintf(
        why, why_len,
        "佐证材料 %s 的类型（%s）不在允许之列；允许 PDF、OFD、Word、Excel、图片（JPG/PNG）、文本、CSV、ZIP",
        name, ref->media_type && *ref->media_type ? ref->media_type : "未注明");
    return DBN_EINVAL;
  }
  if (ref->content.len > DBN_EVIDENCE_MAX_FILE_BYTES) {
    snprintf(why, why_len, "佐证材料 %s 有 %zu 字节，超过每个文件 %zu 字节（1 MiB）的上限", name,
             ref->content.len, DBN_EVIDENCE_MAX_FILE_BYTES);
    return DBN_ETOOBIG;
  }
  if (ref->content.len == 0 || ref->size != ref->content.len) {
    snprintf(why, why_len, "佐证材料 %s 内容为空或与所报大小（%llu 字节）不符", name,
             (unsigned long long)ref->size);
    return DBN_EINVAL;
  }
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  dbn_evidence_hash(ref->content.data, ref->content.len, hash);
  if (ref->hash.len != DBN_EVIDENCE_HASH_BYTES || memcmp(ref->hash.data, hash, sizeof hash) != 0) {
    snprintf(why, why_len, "佐证材料 %s 的哈希值与其内容不符（应为其内容的 BLAKE2b-256）", name);
    return DBN_EINVAL;
  }
  return 0;
}

int
dbn_evidence_check(size_t n, Duban__EvidenceRef *const *refs, char *why, size_t why_len)
{
  if (n > DBN_EVIDENCE_MAX_FILES) {
    snprintf(why, why_len, "一次报送最多附 %d 个佐证材料，本次附了 %zu 个", DBN_EVIDENCE_MAX_FILES, n);
    return DBN_ETOOBIG;
  }
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    int rc = check_one(refs[i], i, why, why_len);
    if (rc)
      return rc;
    total += refs[i]->content.len;
  }
  if (total > DBN_EVIDENCE_MAX_TOTAL_BYTES) {
    snprintf(why, why_len, "本次佐证材料共 %zu 字节，超过每次报送 %zu 字节（3 MiB）的上限", total,
             DBN_EVIDENCE_MAX_TOTAL_BYTES);
    return DBN_ETOOBIG;
  }
  return 0;
}

size_t
dbn_evidence_of_body(const ProtobufCMessage *body, Duban__EvidenceRef ***refs_p)
{
  *refs_p = NULL;
  if (!body)
    return 0;
  if (body->descriptor == &duban__progress__descriptor) {
    *refs_p = ((const Duban__Progress *)body)->evidence;
    return ((const Duban__Progress *)body)->n_evidence;
  }
  if (body->descriptor == &duban__milestone_met__descriptor) {
    *refs_p = ((const Duban__MilestoneMet *)body)->evidence;
    return ((const Duban__MilestoneMet *)body)->n_evidence;
  }
  if (body->descriptor == &duban__submit__descriptor) {
    *refs_p = ((const Duban__Submit *)body)->evidence;
    return ((const Duban__Submit *)body)->n_evidence;
  }
  return 0;
}

size_t
dbn_evidence_of_request(const Duban__Request *req, Duban__EvidenceRef ***refs_p)
{
  return dbn_evidence_of_body(dbn_request_body(req), refs_p);
}

size_t
dbn_evidence_of_event(const Duban__Event *event, Duban__EvidenceRef ***refs_p)
{
  return dbn_evidence_of_body(dbn_event_body(event), refs_p);
}

void
dbn_evidence_describe(size_t n, Duban__EvidenceRef *const *refs, char *out, size_t out_len)
{
  out[0] = '\0';
  if (n == 0 || out_len == 0)
    return;
  size_t used = (size_t)snprintf(out, out_len, "佐证材料：");
  for (size_t i = 0; i < n && used < out_len; i++)
    used += (size_t)snprintf(out + used, out_len - used, "%s%s", i ? "、" : "", refs[i]->name);
}
