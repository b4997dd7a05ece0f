/* checkpoint.c: the broker's signing key, signed checkpoints, the witness
 * directory that keeps them and the comparison of a log with them. See
 * checkpoint.h. */
#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "be64.h"
#include "store.h"
#include "wire.h"

#define SIGNED_TAG "duban-checkpoint/1"
#define SIGNED_LEN (sizeof SIGNED_TAG + 8 + DBN_HASH_BYTES + 8 + DBN_SIGN_KEY_ID_LEN)
#define CHECKPOINT_FILE_MAX DBN_WITNESS_FILE_MAX

bool
dbn_sign_key_id(const uint8_t *public_key, size_t len, char out[DBN_SIGN_KEY_ID_LEN + 1])
{
  dbn_crypto_t crypto;
  out[0] = '\0';
  if (!dbn_crypto_of_public_len(len, &crypto))
    return false;
  uint8_t digest[DBN_SIGN_KEY_ID_LEN / 2];
  dbn_crypto_short_hash(crypto, public_key, len, digest, sizeof digest);
  sodium_bin2hex(out, DBN_SIGN_KEY_ID_LEN + 1, digest, sizeof digest);
  return true;
}

/* Write text to path with mode, failing when it exists. */
static int
write_new_file(const char *path, const char *text, mode_t mode)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0)
    return errno == EEXIST ? DBN_EEXIST : DBN_EIO;
  size_t len = strlen(text);
  bool ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0 && fsync(fd) == 0;
  return close(fd) == 0 && ok ? 0 : DBN_EIO;
}

int
dbn_sign_key_make(const char *dir, dbn_crypto_t crypto, bool *created_p)
{
  return dbn_sign_key_make_named(dir, "broker", crypto, created_p);
}

/* Write a new pair of profile crypto to the two paths (neither exists). */
static int
write_new_pair(const char *public_path, const char *secret_path, dbn_crypto_t crypto)
{
  if (sodium_init() < 0)
    return DBN_EIO;
  size_t public_len = dbn_crypto_public_bytes(crypto), secret_len = dbn_crypto_secret_bytes(crypto);
  uint8_t pk[DBN_SIGN_PUBLIC_MAX], sk[DBN_SIGN_SECRET_MAX];
  int rc = dbn_crypto_keypair(crypto, pk, sk);
  if (rc)
    return rc;
  char sk_hex[2 * DBN_SIGN_SECRET_MAX + 2], pk_hex[2 * DBN_SIGN_PUBLIC_MAX + 2];
  sodium_bin2hex(sk_hex, sizeof sk_hex - 1, sk, secret_len);
  sodium_bin2hex(pk_hex, sizeof pk_hex - 1, pk, public_len);
  strcat(sk_hex, "\n");
  strcat(pk_hex, "\n");
  rc = write_new_file(secret_path, sk_hex, 0600);
  if (rc == 0 && (rc = write_new_file(public_path, pk_hex, 0644)) != 0)
    unlink(secret_path);
  sodium_memzero(sk, sizeof sk);
  sodium_memzero(sk_hex, sizeof sk_hex);
  return rc;
}

int
dbn_sign_key_make_named(const char *dir, const char *name, dbn_crypto_t crypto, bool *created_p)
{
  char public_path[PATH_MAX], secret_path[PATH_MAX];
  *created_p = false;
  if (snprintf(public_path, sizeof public_path, "%s/%s.sign", dir, name) >= (int)sizeof public_path ||
      snprintf(secret_path, sizeof secret_path, "%s/%s.sign_secret", dir, name) >= (int)sizeof secret_path)
    return DBN_EINVAL;
  bool have_public = access(public_path, F_OK) == 0, have_secret = access(secret_path, F_OK) == 0;
  if (have_public && have_secret) {
    dbn_sign_key_t present;
    int rc = dbn_sign_key_load_public(&present, public_path);
    return rc ? rc : present.crypto == crypto ? 0 : DBN_ESTATE;
  }
  if (have_public != have_secret)
    return DBN_EEXIST;
  int rc = write_new_pair(public_path, secret_path, crypto);
  if (rc == 0)
    *created_p = true;
  return rc;
}

/* Read a hex key from path: *len_p bytes, at most max. */
static int
read_hex_key(const char *path, uint8_t *out, size_t max, size_t *len_p)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return errno == ENOENT ? DBN_ENOTFOUND : DBN_EIO;
  char text[2 * DBN_SIGN_SECRET_MAX + 8] = "";
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  const char *end = NULL;
  int rc = sodium_hex2bin(out, max, text, n, " \n\r\t", len_p, &end) == 0 ? 0 : DBN_EINVAL;
  sodium_memzero(text, sizeof text);
  return rc;
}

int
dbn_sign_key_load_secret(dbn_sign_key_t *key, const char *secret_path)
{
  memset(key, 0, sizeof *key);
  if (sodium_init() < 0)
    return DBN_EIO;
  size_t len = 0;
  int rc = read_hex_key(secret_path, key->secret_key, sizeof key->secret_key, &len);
  if (rc == 0 && !dbn_crypto_of_secret_len(len, &key->crypto))
    rc = DBN_EINVAL;
  if (rc == 0)
    rc = dbn_crypto_public_of_secret(key->crypto, key->secret_key, key->public_key);
  if (rc) {
    dbn_sign_key_clear(key);
    return rc;
  }
  key->public_len = dbn_crypto_public_bytes(key->crypto);
  dbn_sign_key_id(key->public_key, key->public_len, key->key_id);
  return 0;
}

int
dbn_sign_key_load_public(dbn_sign_key_t *key, const char *public_path)
{
  memset(key, 0, sizeof *key);
  if (sodium_init() < 0)
    return DBN_EIO;
  int rc = read_hex_key(public_path, key->public_key, sizeof key->public_key, &key->public_len);
  if (rc == 0 && !dbn_crypto_of_public_len(key->public_len, &key->crypto))
    rc = DBN_EINVAL;
  if (rc == 0)
    dbn_sign_key_id(key->public_key, key->public_len, key->key_id);
  return rc;
}

void
dbn_sign_key_clear(dbn_sign_key_t *key)
{
  sodium_memzero(key, sizeof *key);
}

/* The bytes a signature covers; false when the checkpoint cannot have any. */
static bool
signed_bytes(const Duban__Checkpoint *c, const char *key_id, uint8_t out[SIGNED_LEN])
{
  if (c->head_hash.len != DBN_HASH_BYTES || !key_id || strlen(key_id) != DBN_SIGN_KEY_ID_LEN)
    return false;
  uint8_t *p = out;
  memcpy(p, SIGNED_TAG, sizeof SIGNED_TAG); /* with its NUL */
  p += sizeof SIGNED_TAG;
  dbn_be64_put(p, c->seq);
  p += 8;
  memcpy(p, c->head_hash.data, DBN_HASH_BYTES);
  p += DBN_HASH_BYTES;
  dbn_be64_put(p, (uint64_t)c->time);
  p += 8;
  memcpy(p, key_id, DBN_SIGN_KEY_ID_LEN);
  return true;
}

void
dbn_checkpoint_sign(Duban__Checkpoint *checkpoint, const dbn_sign_key_t *key, char *key_id_buf,
                    uint8_t *signature_buf)
{
  uint8_t bytes[SIGNED_LEN];
  memcpy(key_id_buf, key->key_id, DBN_SIGN_KEY_ID_LEN + 1);
  checkpoint->key_id = key_id_buf;
  checkpoint->signature.data = signature_buf;
  checkpoint->signature.len = DBN_CRYPTO_SIGNATURE_BYTES;
  if (!signed_bytes(checkpoint, key_id_buf, bytes) ||
      dbn_crypto_sign(key->crypto, key->secret_key, bytes, sizeof bytes, signature_buf) != 0)
    checkpoint->signature.len = 0;
}

int
dbn_checkpoint_check(const Duban__Checkpoint *checkpoint, const dbn_sign_key_t *key)
{
  uint8_t bytes[SIGNED_LEN];
  if (!checkpoint || checkpoint->signature.len != DBN_CRYPTO_SIGNATURE_BYTES || !checkpoint->key_id ||
      strcmp(checkpoint->key_id, key->key_id) != 0 || !signed_bytes(checkpoint, checkpoint->key_id, bytes))
    return DBN_EPERM;
  return dbn_crypto_verify(key->crypto, key->public_key, bytes, sizeof bytes, checkpoint->signature.data);
}

int
dbn_checkpoint_keep(const char *dir, const Duban__Checkpoint *checkpoint, const dbn_sign_key_t *key)
{
  int rc = dbn_checkpoint_check(checkpoint, key);
  if (rc)
    return rc;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return DBN_EIO;
  char hash_hex[17], path[PATH_MAX];
  sodium_bin2hex(hash_hex, sizeof hash_hex, checkpoint->head_hash.data, 8);
  if (snprintf(path, sizeof path, "%s/%020llu-%s.ckpt", dir, (unsigned long long)checkpoint->seq, hash_hex) >=
      (int)sizeof path)
    return DBN_EINVAL;
  return dbn_witness_file_write(path, &checkpoint->base);
}

int
dbn_witness_file_write(const char *path, const ProtobufCMessage *message)
{
  char tmp[PATH_MAX + 8];
  if (access(path, F_OK) == 0)
    return 0;
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return DBN_EINVAL;
  uint8_t *buf;
  size_t len;
  int rc = dbn_wire_pack(message, &buf, &len);
  if (rc)
    return rc;
  if (len >= CHECKPOINT_FILE_MAX) {
    free(buf);
    return DBN_ETOOBIG;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    free(buf);
    return DBN_EIO;
  }
  bool ok = write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
  free(buf);
  if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return DBN_EIO;
  }
  return 0;
}

int
dbn_witness_file_read(const char *path, uint8_t *buf, size_t *len_p)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return errno == ENOENT ? DBN_ENOTFOUND : DBN_EIO;
  size_t n = fread(buf, 1, CHECKPOINT_FILE_MAX, f);
  fclose(f);
  if (n == CHECKPOINT_FILE_MAX)
    return DBN_ETOOBIG;
  *len_p = n;
  return 0;
}

static int
by_seq(const void *a, const void *b)
{
  const Duban__Checkpoint *x = *(Duban__Checkpoint *const *)a, *y = *(Duban__Checkpoint *const *)b;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static Duban__Checkpoint *
load_one(const char *path)
{
  uint8_t buf[DBN_WITNESS_FILE_MAX];
  size_t n;
  return dbn_witness_file_read(path, buf, &n) == 0 ? duban__checkpoint__unpack(NULL, n, buf) : NULL;
}

static int
grow_list(ProtobufCMessage ***list, size_t count, size_t *capacity)
{
  if (count < *capacity)
    return 0;
  size_t bigger_capacity = *capacity ? *capacity * 2 : 64;
  ProtobufCMessage **bigger = realloc(*list, bigger_capacity * sizeof *bigger);
  if (!bigger)
    return DBN_ENOMEM;
  *list = bigger;
  *capacity = bigger_capacity;
  return 0;
}

static void
free_list(ProtobufCMessage **list, size_t count)
{
  for (size_t i = 0; i < count; i++)
    protobuf_c_message_free_unpacked(list[i], NULL);
  free(list);
}

int
dbn_witness_dir_load(const char *dir, const char *suffix, dbn_witness_load_fn load, const void *arg,
                     int (*compare)(const void *, const void *), ProtobufCMessage ***list_p, size_t *count_p,
                     size_t *bad_p)
{
  *list_p = NULL;
  *count_p = 0;
  *bad_p = 0;
  DIR *d = opendir(dir);
  if (!d)
    return errno == ENOENT ? DBN_ENOTFOUND : DBN_EIO;
  ProtobufCMessage **list = NULL;
  size_t count = 0, capacity = 0, suffix_len = strlen(suffix);
  int rc = 0;
  struct dirent *entry;
  while (rc == 0 && (entry = readdir(d))) {
    size_t name_len = strlen(entry->d_name);
    if (name_len <= suffix_len || strcmp(entry->d_name + name_len - suffix_len, suffix) != 0)
      continue;
    char path[PATH_MAX];
    ProtobufCMessage *message = NULL;
    if (snprintf(path, sizeof path, "%s/%s", dir, entry->d_name) < (int)sizeof path)
      message = load(path, arg);
    if (!message) {
      (*bad_p)++;
      continue;
    }
    if ((rc = grow_list(&list, count, &capacity)) == 0)
      list[count++] = message;
    else
      protobuf_c_message_free_unpacked(message, NULL);
  }
  closedir(d);
  if (rc) {
    free_list(list, count);
    return rc;
  }
  if (count)
    qsort(list, count, sizeof *list, compare);
  *list_p = list;
  *count_p = count;
  return 0;
}

/* A checkpoint file, and when a key is given, one that key signed. */
static ProtobufCMessage *
load_checked(const char *path, const void *key)
{
  Duban__Checkpoint *c = load_one(path);
  if (c && key && dbn_checkpoint_check(c, key) != 0) {
    duban__checkpoint__free_unpacked(c, NULL);
    return NULL;
  }
  return c ? &c->base : NULL;
}

int
dbn_checkpoints_load(const char *dir, const dbn_sign_key_t *key, Duban__Checkpoint ***list_p, size_t *count_p,
                     size_t *bad_p)
{
  size_t bad;
  /* A Duban__Checkpoint starts with its ProtobufCMessage: pointers to
   * both are pointers to structures, alike in representation. */
  int rc = dbn_witness_dir_load(dir, ".ckpt", load_checked, key, by_seq, (ProtobufCMessage ***)list_p,
                                count_p, &bad);
  if (bad_p)
    *bad_p = bad;
  return rc;
}

void
dbn_checkpoints_free(Duban__Checkpoint **list, size_t count)
{
  for (size_t i = 0; i < count; i++)
    duban__checkpoint__free_unpacked(list[i], NULL);
  free(list);
}

/* ---- the log against the witness ---- */

struct witness_walk {
  Duban__Checkpoint *const *checkpoints;
  size_t count;
  size_t next; /* the next checkpoint to compare */
  dbn_witness_report_t *report;
  dbn_crypto_t crypto; /* the log's profile: its chain hash */
};

static int
witness_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  struct witness_walk *walk = arg;
  while (walk->next < walk->count && walk->checkpoints[walk->next]->seq < seq)
    walk->next++; /* a seq the log skips: the chain check's to name */
  if (walk->next == walk->count)
    return 1;
  const Duban__Checkpoint *c = walk->checkpoints[walk->next];
  if (c->seq != seq)
    return 0;
  uint8_t hash[DBN_HASH_BYTES];
  dbn_crypto_hash(walk->crypto, bytes, len, hash);
  /* Several checkpoints may name one seq: kept by different agents, or
   * signed twice by a broker that was rolled back and wrote on. */
  const Duban__Checkpoint *first = walk->checkpoints[walk->next];
  bool agree = true;
  for (; walk->next < walk->count && walk->checkpoints[walk->next]->seq == seq; walk->next++) {
    c = walk->checkpoints[walk->next];
    walk->report->checkpoints++;
    agree =
        agree && c->head_hash.len == DBN_HASH_BYTES && memcmp(c->head_hash.data, hash, DBN_HASH_BYTES) == 0;
    if (c->head_hash.len != first->head_hash.len ||
        memcmp(c->head_hash.data, first->head_hash.data, c->head_hash.len) != 0)
      walk->report->forked = true;
  }
  if (!agree) {
    walk->report->first_bad_seq = seq;
    return DBN_ECORRUPT;
  }
  walk->report->agreed_seq = seq;
  return 0;
}

int
dbn_witness_read_log(const char *data_dir, dbn_witness_read_fn read, void *ctx)
{
  dbn_store_options_t ro = {.read_only = true};
  dbn_store_t *store;
  int rc = dbn_store_open(&store, data_dir, &ro);
  if (rc)
    return rc;
  dbn_store_txn_t *txn = NULL;
  rc = dbn_store_read_begin(store, &txn);
  if (rc == 0)
    rc = read(store, txn, ctx);
  dbn_store_abort(&txn);
  dbn_store_destroy(&store);
  return rc;
}

static int
walk_log_against_witness(dbn_store_t *store, dbn_store_txn_t *txn, void *ctx)
{
  struct witness_walk *walk = ctx;
  walk->crypto = dbn_store_crypto(store);
  walk->report->log_head = dbn_store_txn_head(txn);
  return dbn_store_events_foreach(txn, 0, 0, witness_event, walk);
}

int
dbn_store_verify_witness(const char *data_dir, Duban__Checkpoint *const *checkpoints, size_t count,
                         dbn_witness_report_t *report)
{
  memset(report, 0, sizeof *report);
  struct witness_walk walk = {.checkpoints = checkpoints, .count = count, .report = report};
  int rc = dbn_witness_read_log(data_dir, walk_log_against_witness, &walk);
  if (rc == DBN_ECORRUPT) {
    char where[128];
    if (report->agreed_seq + 1 == report->first_bad_seq)
      snprintf(where, sizeof where, "第 %llu 号事件被改写过", (unsigned long long)report->first_bad_seq);
    else
      snprintf(where, sizeof where, "日志在第 %llu 号之后、第 %llu 号及以前被改写过",
               (unsigned long long)report->agreed_seq, (unsigned long long)report->first_bad_seq);
    snprintf(report->problem, sizeof report->problem,
             "第 %llu 号事件与见证的检查点不符：督办服务器签名的该事件哈希与现在日志中的不同，%s%s",
             (unsigned long long)report->first_bad_seq, where,
             report->forked ? "（督办服务器对同一序号签过不同的哈希：日志曾被回滚到旧副本后继续写入）" : "");
    return rc;
  }
  if (rc)
    return rc;
  /* What is left names seqs the log no longer holds. */
  for (size_t i = 0; i < count; i++) {
    if (checkpoints[i]->seq > report->log_head) {
      report->first_bad_seq = checkpoints[i]->seq;
      report->beyond_head = true;
      snprintf(report->problem, sizeof report->problem,
               "第 %llu 号事件与见证的检查点不符：督办服务器曾签名确认日志已有第 %llu "
               "号事件，而现在日志只到第 %llu "
               "号：日志的尾部被删去或被回滚到旧副本",
               (unsigned long long)checkpoints[i]->seq, (unsigned long long)checkpoints[i]->seq,
               (unsigned long long)report->log_head);
      return DBN_ECORRUPT;
    }
  }
  return 0;
}
