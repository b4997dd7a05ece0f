/* signed_request.c: the canonical bytes of a write, its signature, the
 * registry of signing keys in the log, and the checks the broker and audit
 * verify make with them. See signed_request.h. */
#include "signed_request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "be64.h"
#include "evidence_rule.h"
#include "identity.h"
#include "lmdb_env.h"
#include "request.h"
#include "store_internal.h"
#include "wire.h"

#define SIGNED_TAG "duban-write/1"
#define COSIGN_TAG "duban-cosign/1"
#define REGISTRY_PREFIX "signers/"
/* Set (to the be64 seq of the event) when the log's first admin key is
 * registered: from then on every write must be signed by a registered key,
 * and no registration is self-signed. */
#define ADMIN_KEY_MARK "signers:admin"

/* ---- canonical bytes ---- */

static int figures_as_typed_pack(const ProtobufCMessage *body, uint8_t **buf_p, size_t *len_p);

int
dbn_signed_body_pack(const ProtobufCMessage *body, uint8_t **buf_p, size_t *len_p)
{
  if (!body)
    return DBN_EINVAL;
  /* An evidence file is signed by its hash, as the log holds it: its
   * content is never in the event (store/evidence.h). The lengths are put
   * back at once; nothing else reads the body meanwhile. */
  Duban__EvidenceRef **refs;
  size_t n = dbn_evidence_of_body(body, &refs), lens[DBN_EVIDENCE_MAX_FILES];
  n = n > DBN_EVIDENCE_MAX_FILES ? DBN_EVIDENCE_MAX_FILES : n;
  for (size_t i = 0; i < n; i++) {
    lens[i] = refs[i]->content.len;
    refs[i]->content.len = 0;
  }
  int rc = figures_as_typed_pack(body, buf_p, len_p);
  for (size_t i = 0; i < n; i++)
    refs[i]->content.len = lens[i];
  return rc;
}

static int
figures_as_typed_pack(const ProtobufCMessage *body, uint8_t **buf_p, size_t *len_p)
{
  if (body->descriptor != &duban__progress__descriptor)
    return dbn_wire_pack(body, buf_p, len_p);
  /* The broker writes each figure's exact amount (base_milli) after the
   * signer signed: the signature covers the figure as typed. */
  const Duban__Progress *progress = (const Duban__Progress *)body;
  Duban__Progress copy = *progress;
  Duban__Figure *figures = calloc(progress->n_figures ? progress->n_figures : 1, sizeof *figures);
  Duban__Figure **pointers = calloc(progress->n_figures ? progress->n_figures : 1, sizeof *pointers);
  int rc = DBN_ENOMEM;
  if (figures && pointers) {
    for (size_t i = 0; i < progress->n_figures; i++) {
      figures[i] = *progress->figures[i];
      figures[i].base_milli = 0;
      pointers[i] = &figures[i];
    }
    copy.figures = pointers;
    rc = dbn_wire_pack(&copy.base, buf_p, len_p);
  }
  free(pointers);
  free(figures);
  return rc;
}

static uint8_t *
put_str(uint8_t *p, const void *bytes, size_t len)
{
  uint8_t be[8];
  dbn_be64_put(be, (uint64_t)len);
  memcpy(p, be + 4, 4); /* be32: the low half of be64 */
  if (len)
    memcpy(p + 4, bytes, len);
  return p + 4 + len;
}

static const char *
or_empty(const char *s)
{
  return s ? s : "";
}

int
dbn_signed_bytes(const dbn_signed_fields_t *f, const uint8_t *body, size_t body_len, uint8_t **buf_p,
                 size_t *len_p)
{
  const char *strings[] = {or_empty(f->kind), or_empty(f->request_id), or_empty(f->identity),
                           or_empty(f->plan_id), or_empty(f->key_id)};
  size_t len = sizeof SIGNED_TAG + 8 + 4 + f->prev_len + 4 + body_len;
  for (size_t i = 0; i < 5; i++)
    len += 4 + strlen(strings[i]);
  if (body_len > DBN_MAX_MESSAGE)
    return DBN_ETOOBIG;
  uint8_t *buf = malloc(len), *p = buf;
  if (!buf)
    return DBN_ENOMEM;
  memcpy(p, SIGNED_TAG, sizeof SIGNED_TAG); /* with its NUL */
  p += sizeof SIGNED_TAG;
  for (size_t i = 0; i < 5; i++)
    p = put_str(p, strings[i], strlen(strings[i]));
  dbn_be64_put(p, f->seen_seq);
  p += 8;
  p = put_str(p, f->prev, f->prev_len);
  put_str(p, body, body_len);
  *buf_p = buf;
  *len_p = len;
  return 0;
}

int
dbn_cosign_bytes(const Duban__CheckpointCosignature *cosig, uint8_t **buf_p, size_t *len_p)
{
  const Duban__Checkpoint *c = cosig->checkpoint;
  if (!c || c->head_hash.len != DBN_HASH_BYTES || c->signature.len != DBN_SIGNATURE_BYTES)
    return DBN_EINVAL;
  const char *strings[] = {or_empty(c->key_id), or_empty(cosig->identity), or_empty(cosig->key_id)};
  size_t len = sizeof COSIGN_TAG + 8 + 4 + DBN_HASH_BYTES + 8 + 4 + DBN_SIGNATURE_BYTES + 8;
  for (size_t i = 0; i < 3; i++)
    len += 4 + strlen(strings[i]);
  uint8_t *buf = malloc(len), *p = buf;
  if (!buf)
    return DBN_ENOMEM;
  memcpy(p, COSIGN_TAG, sizeof COSIGN_TAG); /* with its NUL */
  p += sizeof COSIGN_TAG;
  dbn_be64_put(p, c->seq);
  p = put_str(p + 8, c->head_hash.data, DBN_HASH_BYTES);
  dbn_be64_put(p, (uint64_t)c->time);
  p = put_str(p + 8, strings[0], strlen(strings[0]));
  p = put_str(p, c->signature.data, DBN_SIGNATURE_BYTES);
  p = put_str(p, strings[1], strlen(strings[1]));
  p = put_str(p, strings[2], strlen(strings[2]));
  dbn_be64_put(p, (uint64_t)cosig->time);
  *buf_p = buf;
  *len_p = len;
  return 0;
}

/* The canonical bytes of fields over body_bytes, verified against pk. */
static bool
signature_holds(const dbn_signed_fields_t *fields, const uint8_t *body, size_t body_len,
                const ProtobufCBinaryData *signature, dbn_crypto_t crypto, const uint8_t *pk)
{
  uint8_t *bytes;
  size_t len;
  if (signature->len != DBN_SIGNATURE_BYTES || dbn_signed_bytes(fields, body, body_len, &bytes, &len))
    return false;
  bool ok = dbn_crypto_verify(crypto, pk, bytes, len, signature->data) == 0;
  free(bytes);
  return ok;
}

/* The plan a task id ("plan:2.1.1") or a plan load names, into buf. */
static void
plan_of_request(const Duban__Request *req, char *buf)
{
  buf[0] = '\0';
  const char *task = dbn_request_task(req);
  const char *colon = task ? strchr(task, ':') : NULL;
  if (colon && (size_t)(colon - task) < DBN_MAX_ID) {
    memcpy(buf, task, (size_t)(colon - task));
    buf[colon - task] = '\0';
  } else if (req->body_case == DUBAN__REQUEST__BODY_LOAD_PLAN && req->load_plan->plan) {
    snprintf(buf, DBN_MAX_ID, "%s", req->load_plan->plan->id);
  }
}

int
dbn_request_sign(Duban__Request *req, const char *identity, const dbn_sign_key_t *key, uint64_t seen_seq,
                 uint8_t *signature_buf, char *plan_buf)
{
  return dbn_request_sign_chained(req, identity, key, seen_seq, true, signature_buf, plan_buf, NULL);
}

int
dbn_request_sign_chained(Duban__Request *req, const char *identity, const dbn_sign_key_t *key,
                         uint64_t seen_seq, bool with_signature, uint8_t *signature_buf, char *plan_buf,
                         uint8_t *link_out)
{
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  if (!kind || !kind->write)
    return 0;
  if (!req->plan_id || !*req->plan_id) {
    plan_of_request(req, plan_buf);
    req->plan_id = plan_buf;
  }
  req->seen_seq = seen_seq;
  req->signer_key_id = (char *)key->key_id;
  uint8_t *body, *bytes;
  size_t body_len, len;
  int rc = dbn_signed_body_pack(dbn_request_body(req), &body, &body_len);
  if (rc)
    return rc;
  dbn_signed_fields_t fields = {kind->name,
                                req->request_id,
                                identity,
                                req->plan_id,
                                key->key_id,
                                seen_seq,
                                req->signer_prev.data,
                                req->signer_prev.len};
  rc = dbn_signed_bytes(&fields, body, body_len, &bytes, &len);
  free(body);
  if (rc)
    return rc;
  if (with_signature &&
      (rc = dbn_crypto_sign(key->crypto, key->secret_key, bytes, len, signature_buf)) != 0) {
    free(bytes);
    return rc;
  }
  if (with_signature) {
    req->signature.data = signature_buf;
    req->signature.len = DBN_SIGNATURE_BYTES;
  } else {
    req->signature.data = NULL;
    req->signature.len = 0;
  }
  if (link_out)
    dbn_crypto_hash(key->crypto, bytes, len, link_out);
  free(bytes);
  return 0;
}

/* ---- the registry ---- */

static int
registry_key(const char *identity, char *buf, size_t len, MDB_val *key)
{
  if (snprintf(buf, len, REGISTRY_PREFIX "%s", identity) >= (int)len)
    return DBN_ETOOBIG;
  *key = dbn_store_string_key(buf);
  return 0;
}

int
dbn_signing_keys_get(dbn_store_txn_t *txn, const char *identity, Duban__SigningKeyList **list_p)
{
  char buf[DBN_MAX_ID + 16];
  MDB_val key, val;
  *list_p = NULL;
  int rc = registry_key(identity, buf, sizeof buf, &key);
  if (rc)
    return rc;
  rc = dbn_store_get_raw(txn, DBI_META, &key, &val);
  if (rc == DBN_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  /* A view of our own making, decoded where it is read (as wire.c would). */
  *list_p = duban__signing_key_list__unpack(NULL, val.mv_size, val.mv_data);
  return *list_p ? 0 : DBN_ECORRUPT;
}

static Duban__SigningKeyRecord *
record_find(const Duban__SigningKeyList *list, const char *key_id)
{
  for (size_t i = 0; list && key_id && i < list->n_keys; i++)
    if (strcmp(list->keys[i]->key_id, key_id) == 0)
      return list->keys[i];
  return NULL;
}

/* The event from which signatures are required; 0 before it. */
static uint64_t
signatures_required_since(dbn_store_txn_t *txn)
{
  MDB_val key = dbn_store_string_key(ADMIN_KEY_MARK), val;
  if (dbn_store_get_raw(txn, DBI_META, &key, &val) != 0 || val.mv_size != 8)
    return 0;
  return dbn_be64_get(val.mv_data);
}

static int
registry_put(dbn_store_txn_t *txn, const char *identity, const Duban__SigningKeyList *list)
{
  char buf[DBN_MAX_ID + 16];
  MDB_val key;
  int rc = registry_key(identity, buf, sizeof buf, &key);
  return rc ? rc : dbn_store_put_packed(txn, DBI_META, &key, &list->base);
}

/* Add the registered key (again, when a rebuild replays it: the same record). */
static int
apply_registration(dbn_store_txn_t *txn, const Duban__SigningKeyRegistration *reg, uint64_t seq)
{
  if (!reg || reg->public_key.len != dbn_crypto_public_bytes(txn->store->crypto))
    return DBN_ECORRUPT;
  Duban__SigningKeyList *list = NULL;
  int rc = dbn_signing_keys_get(txn, reg->identity, &list);
  if (rc)
    return rc;
  Duban__SigningKeyList empty = DUBAN__SIGNING_KEY_LIST__INIT;
  Duban__SigningKeyList *target = list ? list : &empty;
  char key_id[DBN_SIGN_KEY_ID_LEN + 1];
  dbn_sign_key_id(reg->public_key.data, reg->public_key.len, key_id);
  Duban__SigningKeyRecord added = DUBAN__SIGNING_KEY_RECORD__INIT;
  Duban__SigningKeyRecord **keys = NULL, *found = record_find(target, key_id);
  if (found) {
    found->registered_seq = seq;
    found->revoked_seq = 0;
  } else {
    keys = malloc((target->n_keys + 1) * sizeof *keys);
    if (!keys) {
      duban__signing_key_list__free_unpacked(list, NULL);
      return DBN_ENOMEM;
    }
    if (target->n_keys)
      memcpy(keys, target->keys, target->n_keys * sizeof *keys);
    added.key_id = key_id;
    added.public_key = reg->public_key;
    added.registered_seq = seq;
    keys[target->n_keys] = &added;
  }
  Duban__SigningKeyList out = *target;
  if (keys) {
    out.keys = keys;
    out.n_keys = target->n_keys + 1;
  }
  rc = registry_put(txn, reg->identity, &out);
  free(keys);
  duban__signing_key_list__free_unpacked(list, NULL);
  dbn_role_t role;
  const char *name;
  if (rc == 0 && dbn_identity_parse(reg->identity, &role, &name) == 0 && role == DBN_ROLE_ADMIN &&
      (signatures_required_since(txn) == 0 || signatures_required_since(txn) == seq)) {
    uint8_t be[8];
    dbn_be64_put(be, seq);
    MDB_val mark = dbn_store_string_key(ADMIN_KEY_MARK), at = {sizeof be, be};
    rc = dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_META], &mark, &at, 0));
  }
  return rc;
}

static int
apply_revocation(dbn_store_txn_t *txn, const Duban__SigningKeyRevocation *rev, uint64_t seq)
{
  Duban__SigningKeyList *list = NULL;
  int rc = rev ? dbn_signing_keys_get(txn, rev->identity, &list) : DBN_ECORRUPT;
  if (rc)
    return rc;
  Duban__SigningKeyRecord *found = record_find(list, rev->key_id);
  if (!found)
    rc = DBN_ECORRUPT; /* the check refuses revoking a key nobody registered */
  else if (!found->revoked_seq || found->revoked_seq == seq)
    found->revoked_seq = seq;
  if (rc == 0)
    rc = registry_put(txn, rev->identity, list);
  duban__signing_key_list__free_unpacked(list, NULL);
  return rc;
}

int
dbn_signing_keys_apply(dbn_store_txn_t *txn, const Duban__Event *event)
{
  if (event->body_case == DUBAN__EVENT__BODY_SIGNING_KEY_REGISTERED)
    return apply_registration(txn, event->signing_key_registered, event->seq);
  if (event->body_case == DUBAN__EVENT__BODY_SIGNING_KEY_REVOKED)
    return apply_revocation(txn, event->signing_key_revoked, event->seq);
  return DBN_EINVAL;
}

/* A key to register must be of the log's profile: an Ed25519 key cannot
 * sign in an SM2 log, nor an SM2 key in the default one. */
static bool
public_key_fits_log(dbn_store_txn_t *txn, const ProtobufCBinaryData *public_key, char *why, size_t why_len)
{
  dbn_crypto_t log = txn->store->crypto, key;
  if (public_key->len == dbn_crypto_public_bytes(log) && dbn_crypto_public_valid(log, public_key->data))
    return true;
  if (public_key->len == dbn_crypto_public_bytes(log))
    snprintf(why, why_len,
             "这串 %zu 字节不是 %s 配置的公钥（不在曲线上）：请使用 keygen --self 打印的 NAME.sign",
             public_key->len, dbn_crypto_name(log));
  else if (dbn_crypto_of_public_len(public_key->len, &key))
    snprintf(why, why_len,
             "这是 %s 配置的公钥，而本日志用的是 %s 配置（%s）：请用 keygen --self --crypto %s 生成签名密钥",
             dbn_crypto_name(key), dbn_crypto_name(log),
             log == DBN_CRYPTO_SM ? "国密 SM2/SM3" : "Ed25519/BLAKE2b", dbn_crypto_name(log));
  else
    snprintf(why, why_len, "公钥应为 %zu 字节（%zu 位十六进制，即 keygen --self 打印的 NAME.sign）",
             dbn_crypto_public_bytes(log), 2 * dbn_crypto_public_bytes(log));
  return false;
}

int
dbn_signing_keys_check_request(dbn_store_txn_t *txn, const Duban__Request *req, char *why, size_t why_len)
{
  bool registering = req->body_case == DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY;
  const char *identity =
      registering ? req->register_signing_key->identity : req->revoke_signing_key->identity;
  dbn_role_t role;
  const char *name;
  if (dbn_identity_parse(identity, &role, &name) != 0 || role == DBN_ROLE_AUDITOR) {
    snprintf(why, why_len, "身份 '%s' 不能登记签名密钥：应为 unit:代码、coordinator:名称 或 admin:名称",
             identity);
    return DBN_EINVAL;
  }
  Duban__SigningKeyList *list = NULL;
  int rc = dbn_signing_keys_get(txn, identity, &list);
  if (rc) {
    snprintf(why, why_len, "签名密钥登记表读取失败：%s", dbn_strerror(rc));
    return rc;
  }
  char key_id[DBN_SIGN_KEY_ID_LEN + 1] = "";
  if (registering && !public_key_fits_log(txn, &req->register_signing_key->public_key, why, why_len)) {
    rc = DBN_EINVAL;
  } else if (registering) {
    dbn_sign_key_id(req->register_signing_key->public_key.data, req->register_signing_key->public_key.len,
                    key_id);
    Duban__SigningKeyRecord *found = record_find(list, key_id);
    if (found) {
      snprintf(why, why_len, "密钥 %s 已于事件 %llu 为 %s 登记%s", key_id,
               (unsigned long long)found->registered_seq, identity,
               found->revoked_seq ? "，后已吊销；吊销的密钥不能再次启用，请生成新密钥" : "");
      rc = DBN_EEXIST;
    }
  } else {
    Duban__SigningKeyRecord *found = record_find(list, req->revoke_signing_key->key_id);
    if (!found || found->revoked_seq) {
      snprintf(why, why_len, "%s 没有有效的签名密钥 %s（可用 duban ping 之外的 audit 查看登记历史）",
               identity, req->revoke_signing_key->key_id);
      rc = DBN_ENOTFOUND;
    }
  }
  duban__signing_key_list__free_unpacked(list, NULL);
  return rc;
}

/* ---- the verdict, one for broker and verify ---- */

struct signed_write {
  const char *identity;                   /* who wrote it (the transport's identity, the event's actor) */
  const dbn_request_kind_t *kind;         /* its row */
  const ProtobufCMessage *body;           /* the body (registrations: the key it registers) */
  const ProtobufCBinaryData *signature;   /* as carried */
  const char *key_id, *request_id, *plan; /* as carried */
  uint64_t seen_seq;
  const ProtobufCBinaryData *prev; /* the signer's chain: the link of the write this one follows */
};

/* ---- the signer's chain (meta "signhead/LINK": a SigningChainHead) ---- */

static void
head_key(const uint8_t *link, size_t link_len, char buf[80], MDB_val *key)
{
  memcpy(buf, "signhead/", 9);
  sodium_bin2hex(buf + 9, 80 - 9, link, link_len > 32 ? 32 : link_len);
  *key = dbn_store_string_key(buf);
}

static int
head_get(dbn_store_txn_t *txn, const ProtobufCBinaryData *link, Duban__SigningChainHead **head_p)
{
  char buf[80];
  MDB_val key, val;
  *head_p = NULL;
  if (link->len != DBN_HASH_BYTES)
    return DBN_ENOTFOUND;
  head_key(link->data, link->len, buf, &key);
  int rc = dbn_store_get_raw(txn, DBI_META, &key, &val);
  if (rc)
    return rc;
  *head_p = duban__signing_chain_head__unpack(NULL, val.mv_size, val.mv_data);
  return *head_p ? 0 : DBN_ECORRUPT;
}

/* A write that follows an earlier one must follow an open end of its own
 * identity's chain under the same key: nothing else can be covered later. */
static int
chain_follows(dbn_store_txn_t *txn, const struct signed_write *w, char *why, size_t why_len)
{
  Duban__SigningChainHead *head = NULL;
  int rc = head_get(txn, w->prev, &head);
  if (rc == 0 && (strcmp(head->identity, w->identity) != 0 || strcmp(head->key_id, or_empty(w->key_id)) != 0))
    rc = DBN_ENOTFOUND;
  if (rc == DBN_ENOTFOUND)
    snprintf(why, why_len,
             "%s 的这次写入接在签名链上一个不存在或已被接续的位置（它之前的写入被拒或被人抢先接续）；"
             "请重新签名后再发",
             w->identity);
  else if (rc)
    snprintf(why, why_len, "签名链读取失败：%s", dbn_strerror(rc));
  duban__signing_chain_head__free_unpacked(head, NULL);
  return rc == DBN_ENOTFOUND ? DBN_EPERM : rc;
}

/* The key a write's signature must hold for: a registered, unrevoked key
 * of its identity, or, for the log's first admin key, the key it
 * registers. 0 with pk filled, or an error with why. */
static int
signing_key_for(dbn_store_txn_t *txn, const struct signed_write *w, const Duban__SigningKeyList *list,
                uint8_t pk[DBN_SIGN_PUBLIC_MAX], char *why, size_t why_len)
{
  const Duban__SigningKeyRecord *rec = record_find(list, w->key_id);
  if (rec && rec->revoked_seq) {
    snprintf(why, why_len, "%s 的签名密钥 %s 已于事件 %llu 吊销，不能再签名", w->identity, w->key_id,
             (unsigned long long)rec->revoked_seq);
    return DBN_EPERM;
  }
  size_t public_len = dbn_crypto_public_bytes(txn->store->crypto);
  if (rec && rec->public_key.len == public_len) {
    memcpy(pk, rec->public_key.data, public_len);
    return 0;
  }
  const Duban__SigningKeyRegistration *reg = (const Duban__SigningKeyRegistration *)w->body;
  char body_key_id[DBN_SIGN_KEY_ID_LEN + 1] = "";
  if (w->kind->body == DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY && reg->public_key.len == public_len)
    dbn_sign_key_id(reg->public_key.data, reg->public_key.len, body_key_id);
  if (*body_key_id && strcmp(reg->identity, w->identity) == 0 && strcmp(body_key_id, w->key_id) == 0 &&
      signatures_required_since(txn) == 0) {
    memcpy(pk, reg->public_key.data, public_len); /* the first admin key signs itself in */
    return 0;
  }
  snprintf(why, why_len,
           "签名密钥 %s 未在日志中为 %s 登记：只有管理员登记的密钥才能签名（clients 目录里新增的密钥不算）",
           w->key_id, w->identity);
  return DBN_EPERM;
}

/* Whether w, with its body as signed in body[0..body_len), holds. */
static int
verdict(dbn_store_txn_t *txn, const struct signed_write *w, const uint8_t *body, size_t body_len, char *why,
        size_t why_len)
{
  Duban__SigningKeyList *list = NULL;
  int rc = dbn_signing_keys_get(txn, w->identity, &list);
  if (rc) {
    snprintf(why, why_len, "签名密钥登记表读取失败：%s", dbn_strerror(rc));
    return rc;
  }
  uint8_t pk[DBN_SIGN_PUBLIC_MAX];
  uint64_t since = signatures_required_since(txn);
  bool key_event = w->kind->body == DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY ||
                   w->kind->body == DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY;
  if (!since && !key_event) {
    /* An older log, or one whose admin has not registered a key yet: no one
     * is registered, so a signature could hold for no key (left unchecked). */
  } else if (w->signature->len == 0 && since && !key_event && w->prev->len) {
    /* Covered by the signer's chain: its next signature covers it too. */
    if ((rc = signing_key_for(txn, w, list, pk, why, why_len)) == 0)
      rc = chain_follows(txn, w, why, why_len);
  } else if (w->signature->len == 0) {
    if (since)
      snprintf(why, why_len,
               "自事件 %llu 起每次写入都必须由登记过的密钥签名；%s 的这次写入没有签名（用 keygen --self "
               "生成签名密钥，并请管理员 admin register-key 登记）",
               (unsigned long long)since, w->identity);
    else
      snprintf(why, why_len,
               "登记或吊销签名密钥必须由管理员签名（先用 keygen --self 生成管理员自己的签名密钥）");
    rc = DBN_EUNAUTH;
  } else if ((rc = signing_key_for(txn, w, list, pk, why, why_len)) == 0) {
    dbn_signed_fields_t fields = {w->kind->name, w->request_id, w->identity,   w->plan,
                                  w->key_id,     w->seen_seq,   w->prev->data, w->prev->len};
    if (!signature_holds(&fields, body, body_len, w->signature, txn->store->crypto, pk)) {
      snprintf(why, why_len, "%s 的签名不符：签名不是密钥 %s 对这次写入的签名（内容、请求号或身份被改过）",
               w->identity, w->key_id);
      rc = DBN_EPERM;
    } else if (w->prev->len) {
      rc = chain_follows(txn, w, why, why_len);
    }
  }
  duban__signing_key_list__free_unpacked(list, NULL);
  return rc;
}

/* A signed plan id must be the plan of the task the write acts on. */
static int
plan_matches(const char *plan, const char *task, char *why, size_t why_len)
{
  size_t len = plan ? strlen(plan) : 0;
  if (!len || !task || (strncmp(task, plan, len) == 0 && task[len] == ':'))
    return 0;
  snprintf(why, why_len, "签名所指的规划是 %s，而任务 %s 不属于它", plan, task);
  return DBN_EPERM;
}

/* ---- the broker's side ---- */

int
dbn_signed_write_keep_body(Duban__Request *req)
{
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  bool signed_or_chained = req->signature.len || req->signer_prev.len || req->signer_continues;
  if (!kind || !kind->write || !signed_or_chained || req->signed_body.len)
    return 0;
  uint8_t *body;
  size_t len;
  int rc = dbn_signed_body_pack(dbn_request_body(req), &body, &len);
  if (rc)
    return rc;
  req->signed_body.data = body; /* freed with the request (protobuf-c's allocator is malloc's) */
  req->signed_body.len = len;
  return 0;
}

int
dbn_signed_write_check(dbn_store_txn_t *txn, const char *identity, Duban__Request *req, char *why,
                       size_t why_len)
{
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  if (!kind || !kind->write)
    return 0;
  uint8_t *now_body;
  size_t now_len;
  int rc = dbn_signed_body_pack(dbn_request_body(req), &now_body, &now_len);
  if (rc)
    return rc;
  bool kept = req->signed_body.len > 0;
  const uint8_t *body = kept ? req->signed_body.data : now_body;
  size_t body_len = kept ? req->signed_body.len : now_len;
  struct signed_write w = {
      identity,        kind,         dbn_request_body(req), &req->signature,  req->signer_key_id,
      req->request_id, req->plan_id, req->seen_seq,         &req->signer_prev};
  rc = verdict(txn, &w, body, body_len, why, why_len);
  if (rc == 0 && (req->signature.len || req->signer_prev.len))
    rc = plan_matches(req->plan_id, dbn_request_task(req), why, why_len);
  /* The log keeps the body as signed only when resolving names changed it. */
  if (rc == 0 && kept && body_len == now_len && memcmp(body, now_body, now_len) == 0) {
    free(req->signed_body.data);
    req->signed_body.data = NULL;
    req->signed_body.len = 0;
  }
  free(now_body);
  return rc;
}

/* ---- audit verify's side ---- */

/* The body a signer signed, resolved as the broker resolves names
 * (broker/rules.c, dbn_rules_resolve_names: a short task id, a unit's name
 * in a reassignment), packed: it must be the event's body. */
static int
resolved_signed_body(dbn_store_txn_t *txn, const dbn_request_kind_t *kind, const Duban__Event *event,
                     uint8_t **buf_p, size_t *len_p)
{
  const ProtobufCMessage *event_body = dbn_event_body(event);
  ProtobufCMessage *signed_msg = protobuf_c_message_unpack(event_body->descriptor, NULL,
                                                           event->signed_body.len, event->signed_body.data);
  if (!signed_msg)
    return DBN_ECORRUPT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  int rc = dbn_request_set_body(&req, kind, signed_msg);
  char **slot = rc ? NULL : dbn_request_task_slot(&req);
  char *resolved;
  size_t matches;
  if (slot && *slot && **slot && !strchr(*slot, ':') &&
      dbn_store_task_resolve(txn, *slot, &resolved, &matches) == 0) {
    free(*slot);
    *slot = resolved;
  }
  if (rc == 0 && req.body_case == DUBAN__REQUEST__BODY_REASSIGN &&
      dbn_store_unit_resolve(txn, req.reassign->unit, &resolved) == 0) {
    free(req.reassign->unit);
    req.reassign->unit = resolved;
  }
  if (rc == 0)
    rc = dbn_signed_body_pack(signed_msg, buf_p, len_p);
  protobuf_c_message_free_unpacked(signed_msg, NULL);
  return rc;
}

int
dbn_signed_event_check(dbn_store_txn_t *txn, const Duban__Event *event, char *why, size_t why_len)
{
  const dbn_request_kind_t *kind = dbn_request_kind_of_event(event->body_case);
  if (!kind || !dbn_event_body(event))
    return 0; /* raised by the broker itself (deadline warnings, levels) */
  uint8_t *stored, *resolved = NULL;
  size_t stored_len, resolved_len = 0;
  int rc = dbn_signed_body_pack(dbn_event_body(event), &stored, &stored_len);
  if (rc)
    return rc;
  if (event->signed_body.len && (resolved_signed_body(txn, kind, event, &resolved, &resolved_len) != 0 ||
                                 resolved_len != stored_len || memcmp(resolved, stored, stored_len) != 0)) {
    snprintf(why, why_len, "事件内容与 %s 签名的内容不一致（签名后被改过）", event->actor);
    rc = DBN_ECORRUPT;
  }
  free(resolved);
  const uint8_t *body = event->signed_body.len ? event->signed_body.data : stored;
  size_t body_len = event->signed_body.len ? event->signed_body.len : stored_len;
  struct signed_write w = {event->actor,          kind,
                           dbn_event_body(event), &event->signature,
                           event->signer_key_id,  event->request_id,
                           event->signed_plan_id, event->signed_seen_seq,
                           &event->signer_prev};
  if (rc == 0 && (rc = verdict(txn, &w, body, body_len, why, why_len)) == 0 &&
      (event->signature.len || event->signer_prev.len)) {
    Duban__Request req = DUBAN__REQUEST__INIT;
    if (dbn_request_set_body(&req, kind, dbn_event_body(event)) == 0)
      rc = plan_matches(event->signed_plan_id, dbn_request_task(&req), why, why_len);
  }
  free(stored);
  return rc ? DBN_ECORRUPT : 0;
}

/* The link of event: the hash of the canonical bytes its writer made. */
static int
event_link(dbn_crypto_t crypto, const Duban__Event *event, const dbn_request_kind_t *kind,
           uint8_t link[DBN_HASH_BYTES])
{
  uint8_t *body = NULL, *bytes;
  size_t body_len = 0, len;
  int rc = event->signed_body.len ? 0 : dbn_signed_body_pack(dbn_event_body(event), &body, &body_len);
  if (rc)
    return rc;
  dbn_signed_fields_t fields = {kind->name,
                                event->request_id,
                                event->actor,
                                event->signed_plan_id,
                                event->signer_key_id,
                                event->signed_seen_seq,
                                event->signer_prev.data,
                                event->signer_prev.len};
  rc = dbn_signed_bytes(&fields, body ? body : event->signed_body.data,
                        body ? body_len : event->signed_body.len, &bytes, &len);
  free(body);
  if (rc == 0) {
    dbn_crypto_hash(crypto, bytes, len, link);
    free(bytes);
  }
  return rc;
}

int
dbn_signed_chain_apply(dbn_store_txn_t *txn, const Duban__Event *event)
{
  const dbn_request_kind_t *kind = dbn_request_kind_of_event(event->body_case);
  if ((!event->signer_prev.len && !event->signer_continues) || !kind || !dbn_event_body(event))
    return 0;
  uint64_t covered = event->signature.len ? event->seq : 0;
  char buf[80];
  MDB_val key, val;
  Duban__SigningChainHead *prev = NULL;
  int rc = head_get(txn, &event->signer_prev, &prev);
  if (rc == 0) {
    if (!covered)
      covered = prev->covered_seq;
    head_key(event->signer_prev.data, event->signer_prev.len, buf, &key);
    rc = dbn_lmdb_error(mdb_del(txn->txn, txn->store->dbi[DBI_META], &key, NULL));
  }
  duban__signing_chain_head__free_unpacked(prev, NULL);
  if (rc == DBN_ENOTFOUND)
    rc = 0;
  if (rc || !event->signer_continues)
    return rc;
  uint8_t link[DBN_HASH_BYTES];
  if ((rc = event_link(txn->store->crypto, event, kind, link)))
    return rc;
  Duban__SigningChainHead head = DUBAN__SIGNING_CHAIN_HEAD__INIT;
  head.identity = event->actor;
  head.key_id = (char *)or_empty(event->signer_key_id);
  head.seq = event->seq;
  head.covered_seq = covered;
  head_key(link, sizeof link, buf, &key);
  (void)val;
  return dbn_store_put_packed(txn, DBI_META, &key, &head.base);
}

int
dbn_signed_chains_uncovered(dbn_store_txn_t *txn, size_t *chains_p, uint64_t *last_seq_p)
{
  *chains_p = 0;
  *last_seq_p = 0;
  MDB_cursor *cursor;
  int rc = dbn_lmdb_error(mdb_cursor_open(txn->txn, txn->store->dbi[DBI_META], &cursor));
  if (rc)
    return rc;
  MDB_val key = dbn_store_string_key("signhead/"), val;
  for (int op = MDB_SET_RANGE; mdb_cursor_get(cursor, &key, &val, (MDB_cursor_op)op) == 0; op = MDB_NEXT) {
    if (key.mv_size < 9 || memcmp(key.mv_data, "signhead/", 9) != 0)
      break;
    Duban__SigningChainHead *head = duban__signing_chain_head__unpack(NULL, val.mv_size, val.mv_data);
    if (head && head->covered_seq < head->seq) {
      (*chains_p)++;
      if (head->seq > *last_seq_p)
        *last_seq_p = head->seq;
    }
    duban__signing_chain_head__free_unpacked(head, NULL);
  }
  mdb_cursor_close(cursor);
  return 0;
}

/* ---- secret keys ---- */

int
dbn_secret_file_check(const char *path, char *why, size_t why_len)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(why, why_len, "密钥文件 %s 读不到：%s", path, strerror(errno));
    return errno == ENOENT ? DBN_ENOTFOUND : DBN_EIO;
  }
  if (st.st_mode & 077) {
    snprintf(why, why_len,
             "私钥文件 %s 的权限是 %03o，同组或其他用户可读；私钥只属于持有者，请执行 chmod 600 %s 后再试",
             path, (unsigned)(st.st_mode & 0777), path);
    return DBN_EPERM;
  }
  return 0;
}
