/* outbox.c: the agent's durable outbox on LMDB; see outbox.h.
 *
 * Two tables in one environment: "pending" (big-endian uint64 key → one
 * byte of request id length, the request id, the packed Request) and
 * "by_request" (request id → the 8-byte key), updated in the same
 * transaction so they never disagree. Every write commits with LMDB's
 * default full sync: an entry the agent has reported as stored is on disk.
 * MDB_WRITEMAP is not used, so a stray pointer in the agent cannot scribble
 * on the file, and a full map is grown and the transaction retried. */
#include "outbox.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "log.h"
#include "wire.h"

/* Small to start: an outbox is usually empty. It doubles when it fills. */
#define OUTBOX_INITIAL_MAP (1u << 20)
/* Grow at most this many times for one write before calling it a failure:
 * 2^20 << 16 is 64 GiB, far past any sane outbox. */
#define OUTBOX_MAX_GROWTH 16

struct dbn_outbox {
  MDB_env *env;       /* owned */
  MDB_dbi pending;    /* key → request id + packed Request */
  MDB_dbi by_request; /* request id → key */
  size_t map_size;    /* current map size in bytes */
  uint64_t next_key;  /* key the next put takes */
  int lock_fd;        /* owned; holds flock(LOCK_EX) on DIR/outbox.lock */
};

static int
mdb_error(int rc)
{
  switch (rc) {
  case 0: return 0;
  case MDB_NOTFOUND: return DBN_ENOTFOUND;
  case MDB_MAP_FULL: return DBN_EMAPFULL;
  case MDB_MAP_RESIZED: return DBN_EUNAVAIL;
  case MDB_INVALID:
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND: return DBN_ECORRUPT;
  case MDB_VERSION_MISMATCH: return DBN_EVERSION;
  case ENOMEM: return DBN_ENOMEM;
  case ENOSPC: return DBN_EDISKFULL;
  case EACCES:
  case EPERM: return DBN_EPERM;
  default: return DBN_EIO;
  }
}

static void
encode_key(uint64_t key, uint8_t out[8])
{
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(key & 0xff);
    key >>= 8;
  }
}

static uint64_t
decode_key(const void *data)
{
  const uint8_t *bytes = data;
  uint64_t key = 0;
  for (int i = 0; i < 8; i++)
    key = key << 8 | bytes[i];
  return key;
}

/* Double the map. Only this thread uses the environment and no transaction
 * is open here, which is what mdb_env_set_mapsize requires. */
static int
grow(dbn_outbox_t *outbox)
{
  size_t bigger = outbox->map_size * 2;
  int rc = mdb_env_set_mapsize(outbox->env, bigger);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot grow the map to %zu bytes: %s", bigger, mdb_strerror(rc));
    return mdb_error(rc);
  }
  dbn_log(DBN_LOG_INFO, "outbox", "map grown to %zu bytes", bigger);
  outbox->map_size = bigger;
  return 0;
}

int
dbn_outbox_open(dbn_outbox_t **outbox_p, const char *dir)
{
  assert(outbox_p && dir);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot create %s: %s", dir, strerror(errno));
    return DBN_EIO;
  }
  dbn_outbox_t *outbox = calloc(1, sizeof *outbox);
  if (!outbox)
    return DBN_ENOMEM;
  outbox->lock_fd = -1;
  outbox->next_key = 1;
  int rc;

  /* Two agents delivering one outbox would still be exactly-once (the
   * broker dedups), but their order would interleave: refuse the second. */
  char lock_path[PATH_MAX];
  if (snprintf(lock_path, sizeof lock_path, "%s/outbox.lock", dir) >= (int)sizeof lock_path) {
    rc = DBN_EINVAL;
    goto fail;
  }
  outbox->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (outbox->lock_fd < 0) {
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot open %s: %s", lock_path, strerror(errno));
    rc = DBN_EIO;
    goto fail;
  }
  if (flock(outbox->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    dbn_log(DBN_LOG_ERROR, "outbox", "%s is in use by another agent", dir);
    rc = DBN_EUNAVAIL;
    goto fail;
  }

  rc = mdb_env_create(&outbox->env);
  if (rc) {
    outbox->env = NULL;
    rc = mdb_error(rc);
    goto fail;
  }
  mdb_env_set_maxdbs(outbox->env, 2);
  outbox->map_size = OUTBOX_INITIAL_MAP;
  mdb_env_set_mapsize(outbox->env, outbox->map_size);
  rc = mdb_env_open(outbox->env, dir, 0, 0600);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot open the outbox in %s: %s", dir, mdb_strerror(rc));
    rc = mdb_error(rc);
    goto fail;
  }
  /* A file grown by an earlier run keeps its size; use that. */
  MDB_envinfo info;
  if (mdb_env_info(outbox->env, &info) == 0 && info.me_mapsize > outbox->map_size)
    outbox->map_size = info.me_mapsize;

  MDB_txn *txn;
  rc = mdb_txn_begin(outbox->env, NULL, 0, &txn);
  if (rc) {
    rc = mdb_error(rc);
    goto fail;
  }
  rc = mdb_dbi_open(txn, "pending", MDB_CREATE, &outbox->pending);
  if (!rc)
    rc = mdb_dbi_open(txn, "by_request", MDB_CREATE, &outbox->by_request);
  MDB_cursor *cursor = NULL;
  if (!rc)
    rc = mdb_cursor_open(txn, outbox->pending, &cursor);
  if (!rc) {
    MDB_val key, value;
    int last = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
    if (last == 0 && key.mv_size == 8)
      outbox->next_key = decode_key(key.mv_data) + 1;
    else if (last != MDB_NOTFOUND)
      rc = last ? last : MDB_CORRUPTED;
    mdb_cursor_close(cursor);
  }
  if (!rc)
    rc = mdb_txn_commit(txn);
  else
    mdb_txn_abort(txn);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot read the outbox in %s: %s", dir, mdb_strerror(rc));
    rc = mdb_error(rc);
    goto fail;
  }
  *outbox_p = outbox;
  return 0;
fail:
  dbn_outbox_close(&outbox);
  return rc;
}

void
dbn_outbox_close(dbn_outbox_t **outbox_p)
{
  if (!outbox_p || !*outbox_p)
    return;
  dbn_outbox_t *outbox = *outbox_p;
  if (outbox->env)
    mdb_env_close(outbox->env);
  if (outbox->lock_fd >= 0)
    close(outbox->lock_fd); /* releases the flock */
  free(outbox);
  *outbox_p = NULL;
}

/* One attempt at a put inside txn; returns an MDB code (or -1 for "exists",
 * with *key_p set). */
static int
put_in(dbn_outbox_t *outbox, MDB_txn *txn, const char *request_id, const uint8_t *data, size_t len,
       uint64_t *key_p)
{
  size_t id_len = strlen(request_id);
  MDB_val id = {.mv_size = id_len, .mv_data = (void *)request_id};
  MDB_val existing;
  int rc = mdb_get(txn, outbox->by_request, &id, &existing);
  if (rc == 0) {
    if (existing.mv_size != 8)
      return MDB_CORRUPTED;
    *key_p = decode_key(existing.mv_data);
    return -1;
  }
  if (rc != MDB_NOTFOUND)
    return rc;

  uint8_t key_bytes[8];
  encode_key(outbox->next_key, key_bytes);
  MDB_val key = {.mv_size = 8, .mv_data = key_bytes};
  MDB_val value = {.mv_size = 1 + id_len + len};
  /* MDB_RESERVE: LMDB hands out the space and we fill it, one copy less. */
  rc = mdb_put(txn, outbox->pending, &key, &value, MDB_NOOVERWRITE | MDB_RESERVE);
  if (rc)
    return rc;
  uint8_t *out = value.mv_data;
  out[0] = (uint8_t)id_len;
  memcpy(out + 1, request_id, id_len);
  memcpy(out + 1 + id_len, data, len);
  rc = mdb_put(txn, outbox->by_request, &id, &key, MDB_NOOVERWRITE);
  if (rc)
    return rc;
  *key_p = outbox->next_key;
  return 0;
}

int
dbn_outbox_put(dbn_outbox_t *outbox, const char *request_id, const uint8_t *data, size_t len, uint64_t *key_p)
{
  assert(outbox && request_id && (data || len == 0));
  size_t id_len = strlen(request_id);
  if (id_len == 0 || id_len > DBN_MAX_ID || id_len > UINT8_MAX)
    return DBN_EINVAL;
  if (len > DBN_MAX_MESSAGE)
    return DBN_ETOOBIG;
  uint64_t key = 0;
  for (int attempt = 0;; attempt++) {
    MDB_txn *txn;
    int rc = mdb_txn_begin(outbox->env, NULL, 0, &txn);
    if (rc == MDB_MAP_RESIZED && attempt < OUTBOX_MAX_GROWTH) {
      mdb_env_set_mapsize(outbox->env, 0); /* adopt the size on disk */
      continue;
    }
    if (rc)
      return mdb_error(rc);
    rc = put_in(outbox, txn, request_id, data, len, &key);
    if (rc == -1) {
      mdb_txn_abort(txn);
      if (key_p)
        *key_p = key;
      return DBN_EEXIST;
    }
    if (rc == 0)
      rc = mdb_txn_commit(txn); /* frees txn either way */
    else
      mdb_txn_abort(txn);
    if (rc == MDB_MAP_FULL && attempt < OUTBOX_MAX_GROWTH) {
      int grown = grow(outbox);
      if (grown)
        return grown;
      continue;
    }
    if (rc) {
      dbn_log(DBN_LOG_ERROR, "outbox", "cannot store request %s: %s", request_id, mdb_strerror(rc));
      return mdb_error(rc);
    }
    outbox->next_key++;
    if (key_p)
      *key_p = key;
    return 0;
  }
}

void
dbn_outbox_entry_clear(dbn_outbox_entry_t *entry)
{
  if (!entry)
    return;
  free(entry->request_id);
  free(entry->data);
  memset(entry, 0, sizeof *entry);
}

/* Split a stored value into a fresh entry. */
static int
decode_entry(const MDB_val *key, const MDB_val *value, dbn_outbox_entry_t *entry)
{
  if (key->mv_size != 8 || value->mv_size < 1)
    return DBN_ECORRUPT;
  const uint8_t *bytes = value->mv_data;
  size_t id_len = bytes[0];
  if (1 + id_len > value->mv_size)
    return DBN_ECORRUPT;
  size_t len = value->mv_size - 1 - id_len;
  entry->key = decode_key(key->mv_data);
  entry->request_id = malloc(id_len + 1);
  entry->data = malloc(len ? len : 1);
  if (!entry->request_id || !entry->data) {
    dbn_outbox_entry_clear(entry);
    return DBN_ENOMEM;
  }
  memcpy(entry->request_id, bytes + 1, id_len);
  entry->request_id[id_len] = '\0';
  memcpy(entry->data, bytes + 1 + id_len, len);
  entry->len = len;
  return 0;
}

int
dbn_outbox_peek(dbn_outbox_t *outbox, uint64_t after, dbn_outbox_entry_t *entries, size_t max,
                size_t *count_p)
{
  assert(outbox && count_p && (entries || max == 0));
  *count_p = 0;
  if (max == 0 || after == UINT64_MAX)
    return 0;
  MDB_txn *txn;
  int rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  if (rc == MDB_MAP_RESIZED) {
    mdb_env_set_mapsize(outbox->env, 0);
    rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  }
  if (rc)
    return mdb_error(rc);
  MDB_cursor *cursor;
  rc = mdb_cursor_open(txn, outbox->pending, &cursor);
  if (rc) {
    mdb_txn_abort(txn);
    return mdb_error(rc);
  }
  uint8_t start[8];
  encode_key(after + 1, start);
  MDB_val key = {.mv_size = 8, .mv_data = start}, value;
  size_t count = 0;
  int result = 0;
  for (rc = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE); rc == 0 && count < max;
       rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
    result = decode_entry(&key, &value, &entries[count]);
    if (result)
      break;
    count++;
  }
  if (!result && rc && rc != MDB_NOTFOUND)
    result = mdb_error(rc);
  mdb_cursor_close(cursor);
  mdb_txn_abort(txn);
  if (result) {
    for (size_t i = 0; i < count; i++)
      dbn_outbox_entry_clear(&entries[i]);
    return result;
  }
  *count_p = count;
  return 0;
}

static int
remove_in(dbn_outbox_t *outbox, MDB_txn *txn, uint64_t key_number)
{
  uint8_t key_bytes[8];
  encode_key(key_number, key_bytes);
  MDB_val key = {.mv_size = 8, .mv_data = key_bytes}, value;
  int rc = mdb_get(txn, outbox->pending, &key, &value);
  if (rc)
    return rc;
  const uint8_t *bytes = value.mv_data;
  if (value.mv_size < 1 || 1u + bytes[0] > value.mv_size)
    return MDB_CORRUPTED;
  /* Copy the id out: value points into the map, and the first delete may
   * move the page it lives on. */
  char id_bytes[UINT8_MAX];
  size_t id_len = bytes[0];
  memcpy(id_bytes, bytes + 1, id_len);
  MDB_val id = {.mv_size = id_len, .mv_data = id_bytes};
  rc = mdb_del(txn, outbox->pending, &key, NULL);
  if (rc)
    return rc;
  rc = mdb_del(txn, outbox->by_request, &id, NULL);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int
dbn_outbox_remove(dbn_outbox_t *outbox, uint64_t key)
{
  assert(outbox);
  for (int attempt = 0;; attempt++) {
    MDB_txn *txn;
    int rc = mdb_txn_begin(outbox->env, NULL, 0, &txn);
    if (rc == MDB_MAP_RESIZED && attempt < OUTBOX_MAX_GROWTH) {
      mdb_env_set_mapsize(outbox->env, 0);
      continue;
    }
    if (rc)
      return mdb_error(rc);
    rc = remove_in(outbox, txn, key);
    if (rc == 0)
      rc = mdb_txn_commit(txn);
    else
      mdb_txn_abort(txn);
    /* Deleting copies pages too (copy-on-write), so even a remove can find
     * the map full. */
    if (rc == MDB_MAP_FULL && attempt < OUTBOX_MAX_GROWTH) {
      int grown = grow(outbox);
      if (grown)
        return grown;
      continue;
    }
    return mdb_error(rc);
  }
}

int
dbn_outbox_find(dbn_outbox_t *outbox, const char *request_id, uint64_t *key_p)
{
  assert(outbox && request_id && key_p);
  size_t id_len = strlen(request_id);
  if (id_len == 0 || id_len > UINT8_MAX)
    return DBN_ENOTFOUND;
  MDB_txn *txn;
  int rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return mdb_error(rc);
  MDB_val id = {.mv_size = id_len, .mv_data = (void *)request_id}, value;
  rc = mdb_get(txn, outbox->by_request, &id, &value);
  if (rc == 0 && value.mv_size == 8)
    *key_p = decode_key(value.mv_data);
  else if (rc == 0)
    rc = MDB_CORRUPTED;
  mdb_txn_abort(txn);
  return mdb_error(rc);
}

int
dbn_outbox_count(dbn_outbox_t *outbox, size_t *count_p)
{
  assert(outbox && count_p);
  MDB_txn *txn;
  int rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return mdb_error(rc);
  MDB_stat stat;
  rc = mdb_stat(txn, outbox->pending, &stat);
  if (rc == 0)
    *count_p = stat.ms_entries;
  mdb_txn_abort(txn);
  return mdb_error(rc);
}
