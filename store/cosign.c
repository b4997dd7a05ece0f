/* cosign.c: witnesses' cosignatures of checkpoints: making, keeping,
 * loading and checking them against the log's key registry. See cosign.h;
 * the bytes signed are laid out in store/signed_request.c. */
#include "cosign.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "signed_request.h"
#include "store.h"

int
dbn_cosign_make(Duban__CheckpointCosignature *cosig, Duban__Checkpoint *checkpoint, const char *identity,
                const dbn_sign_key_t *key, int64_t now, char *key_id_buf, uint8_t *signature_buf)
{
  duban__checkpoint_cosignature__init(cosig);
  cosig->checkpoint = checkpoint;
  cosig->identity = (char *)identity;
  memcpy(key_id_buf, key->key_id, DBN_SIGN_KEY_ID_LEN + 1);
  cosig->key_id = key_id_buf;
  cosig->time = now;
  uint8_t *bytes;
  size_t len;
  int rc = dbn_cosign_bytes(cosig, &bytes, &len);
  if (rc)
    return rc;
  rc = dbn_crypto_sign(key->crypto, key->secret_key, bytes, len, signature_buf);
  free(bytes);
  if (rc)
    return rc;
  cosig->signature.data = signature_buf;
  cosig->signature.len = DBN_CRYPTO_SIGNATURE_BYTES;
  return 0;
}

int
dbn_cosign_check(const Duban__CheckpointCosignature *cosig, dbn_crypto_t crypto, const uint8_t *public_key)
{
  if (cosig->signature.len != DBN_CRYPTO_SIGNATURE_BYTES)
    return DBN_EPERM;
  uint8_t *bytes;
  size_t len;
  if (dbn_cosign_bytes(cosig, &bytes, &len) != 0)
    return DBN_EPERM;
  int rc = dbn_crypto_verify(crypto, public_key, bytes, len, cosig->signature.data);
  free(bytes);
  return rc;
}

int
dbn_cosign_keep(const char *dir, const Duban__CheckpointCosignature *cosig)
{
  const Duban__Checkpoint *c = cosig->checkpoint;
  if (!c || c->head_hash.len != DBN_HASH_BYTES || !cosig->key_id ||
      strlen(cosig->key_id) != DBN_SIGN_KEY_ID_LEN)
    return DBN_EINVAL;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return DBN_EIO;
  char hash_hex[17], path[PATH_MAX];
  sodium_bin2hex(hash_hex, sizeof hash_hex, c->head_hash.data, 8);
  if (snprintf(path, sizeof path, "%s/%020llu-%s-%s.cosig", dir, (unsigned long long)c->seq, hash_hex,
               cosig->key_id) >= (int)sizeof path)
    return DBN_EINVAL;
  return dbn_witness_file_write(path, &cosig->base);
}

static int
by_checkpoint_seq(const void *a, const void *b)
{
  const Duban__CheckpointCosignature *x = *(Duban__CheckpointCosignature *const *)a;
  const Duban__CheckpointCosignature *y = *(Duban__CheckpointCosignature *const *)b;
  return x->checkpoint->seq < y->checkpoint->seq ? -1 : x->checkpoint->seq > y->checkpoint->seq;
}

/* A cosignature file that names its checkpoint, signer and key. */
static ProtobufCMessage *
load_one(const char *path, const void *unused)
{
  (void)unused;
  uint8_t buf[DBN_WITNESS_FILE_MAX];
  size_t n;
  if (dbn_witness_file_read(path, buf, &n) != 0)
    return NULL;
  Duban__CheckpointCosignature *cosig = duban__checkpoint_cosignature__unpack(NULL, n, buf);
  if (cosig && (!cosig->checkpoint || !cosig->identity || !cosig->key_id)) {
    duban__checkpoint_cosignature__free_unpacked(cosig, NULL);
    return NULL;
  }
  return cosig ? &cosig->base : NULL;
}

int
dbn_cosigns_load(const char *dir, Duban__CheckpointCosignature ***list_p, size_t *count_p,
                 size_t *unreadable_p)
{
  /* Pointers to both structures are alike in representation (checkpoint.c). */
  return dbn_witness_dir_load(dir, ".cosig", load_one, NULL, by_checkpoint_seq, (ProtobufCMessage ***)list_p,
                              count_p, unreadable_p);
}

void
dbn_cosigns_free(Duban__CheckpointCosignature **list, size_t count)
{
  for (size_t i = 0; i < count; i++)
    duban__checkpoint_cosignature__free_unpacked(list[i], NULL);
  free(list);
}

/* ---- against the log's key registry ---- */

/* Fill why with why cosig does not hold against the registry in txn ("" when
 * it holds); an error only when the registry cannot be read. */
static int
cosign_verdict(dbn_store_txn_t *txn, const dbn_sign_key_t *broker_key,
               const Duban__CheckpointCosignature *cosig, char *why, size_t why_len)
{
  unsigned long long seq = (unsigned long long)cosig->checkpoint->seq;
  why[0] = '\0';
  if (dbn_checkpoint_check(cosig->checkpoint, broker_key) != 0) {
    snprintf(why, why_len, "%s 副署的第 %llu 号检查点上督办服务器的签名不符（检查点被改过）", cosig->identity,
             seq);
    return 0;
  }
  Duban__SigningKeyList *list = NULL;
  int rc = dbn_signing_keys_get(txn, cosig->identity, &list);
  if (rc)
    return rc;
  const Duban__SigningKeyRecord *record = NULL;
  for (size_t i = 0; list && i < list->n_keys; i++)
    if (strcmp(list->keys[i]->key_id, cosig->key_id) == 0)
      record = list->keys[i];
  dbn_crypto_t crypto = dbn_store_txn_crypto(txn);
  if (!record || record->public_key.len != dbn_crypto_public_bytes(crypto))
    snprintf(why, why_len, "第 %llu 号检查点的副署密钥 %s 未在日志中为 %s 登记", seq, cosig->key_id,
             cosig->identity);
  else if (record->revoked_seq && record->revoked_seq <= cosig->checkpoint->seq)
    snprintf(why, why_len, "%s 副署第 %llu 号检查点所用的密钥 %s 已于事件 %llu 吊销", cosig->identity, seq,
             cosig->key_id, (unsigned long long)record->revoked_seq);
  else if (dbn_cosign_check(cosig, crypto, record->public_key.data) != 0)
    snprintf(why, why_len, "%s 对第 %llu 号检查点的副署签名不符（副署文件被改过或不是该密钥签的）",
             cosig->identity, seq);
  duban__signing_key_list__free_unpacked(list, NULL);
  return 0;
}

static void
count_cosigner(dbn_cosign_report_t *report, const Duban__CheckpointCosignature *cosig)
{
  report->held++;
  size_t i = 0;
  while (i < report->n_by && strcmp(report->by[i].identity, cosig->identity) != 0)
    i++;
  if (i == report->n_by) {
    if (report->n_by == DBN_COSIGNERS_MAX)
      return;
    snprintf(report->by[i].identity, sizeof report->by[i].identity, "%s", cosig->identity);
    report->n_by++;
  }
  report->by[i].count++;
  if (cosig->checkpoint->seq > report->by[i].last_seq)
    report->by[i].last_seq = cosig->checkpoint->seq;
}

struct cosigns_check {
  const dbn_sign_key_t *broker_key;
  Duban__CheckpointCosignature *const *cosigs;
  size_t count;
  dbn_cosign_report_t *report;
};

static int
check_cosigns_in_log(dbn_store_t *store, dbn_store_txn_t *txn, void *ctx)
{
  (void)store;
  struct cosigns_check *check = ctx;
  dbn_cosign_report_t *report = check->report;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < check->count; i++) {
    const Duban__CheckpointCosignature *cosig = check->cosigs[i];
    char why[sizeof report->problem];
    rc = cosign_verdict(txn, check->broker_key, cosig, why, sizeof why);
    if (rc == 0 && why[0]) {
      report->first_bad_seq = cosig->checkpoint->seq;
      snprintf(report->problem, sizeof report->problem, "%s", why);
      rc = DBN_ECORRUPT;
    } else if (rc == 0) {
      count_cosigner(report, cosig);
    }
  }
  return rc;
}

int
dbn_store_verify_cosigns(const char *data_dir, const dbn_sign_key_t *broker_key,
                         Duban__CheckpointCosignature *const *cosigs, size_t count,
                         dbn_cosign_report_t *report)
{
  memset(report, 0, sizeof *report);
  struct cosigns_check check = {.broker_key = broker_key, .cosigs = cosigs, .count = count, .report = report};
  return dbn_witness_read_log(data_dir, check_cosigns_in_log, &check);
}
