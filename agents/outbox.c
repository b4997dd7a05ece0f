/* outbox.c: the agent's durable outbox on LMDB; see outbox.h.
 *
 * Two tables in one environment: "pending" (big-endian uint64 key → one
 * byte of request id length, the request id, the packed Request) and
 * "by_request" (request id → the 8-byte key), updated in the same
 * transaction so they never disagree. Every write commits with LMDB's
 * default full sync: an entry the agent has reported as stored is on disk.
 * Entries the broker applied wait in `applied` (memory only) and every
 * write transaction deletes them first, so their deletion shares the sync
 * the write pays anyway. MDB_WRITEMAP is not used, so a stray pointer in the
 * agent cannot scribble on the file, and a full map is grown and the
 * transaction retried.
 *
 * The edge to LMDB is store/lmdb_env.h, shared with the event log: its
 * error map, its checked open, and its growth, which makes sure the bigger
 * map fits before asking LMDB for it (mdb_env_set_mapsize leaves the
 * environment with no map when the bigger mmap fails). No other process
 * writes the file (the lock), so its map never grows under us and
 * MDB_MAP_RESIZED is an error here, not a size to adopt. */
#include "outbox.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "be64.h"
#include "lmdb_env.h"
#include "log.h"
#include "wire.h"

/* Small to start: an outbox is usually empty. It doubles when it fills. */
#define OUTBOX_INITIAL_MAP (1u << 20)
/* Grow at most this many times for one write before calling it a failure:
 * 2^20 << 16 is 64 GiB, far past any sane outbox. */
#define OUTBOX_MAX_GROWTH 16

struct dbn_outbox {
  MDB_env *env;                             /* owned */
  MDB_dbi pending;                          /* key → request id + packed Request */
  MDB_dbi by_request;                       /* request id → key */
  MDB_dbi refused;                          /* key → packed OutboxItem: what the broker refused */
  size_t map_size;                          /* current map size in bytes */
  uint64_t next_key;                        /* key the next put takes */
  uint64_t applied[DBN_OUTBOX_MAX_APPLIED]; /* keys applied by the broker, still in the file */
  size_t applied_count;                     /* used slots of applied */
  int lock_fd;                              /* owned; holds flock(LOCK_EX) on DIR/outbox.lock */
};

/* Linear: at most DBN_OUTBOX_MAX_APPLIED keys, and usually a handful, since
 * every put empties the list. */
static bool
is_applied(const dbn_outbox_t *outbox, uint64_t key)
{
  for (size_t i = 0; i < outbox->applied_count; i++)
    if (outbox->applied[i] == key)
      return true;
  return false;
}

/* ---- open and close --------------------------------------------------------- */

/* Two agents delivering one outbox would still be exactly-once (the broker
 * dedups), but their order would interleave: refuse the second. */
static int
lock_outbox(dbn_outbox_t *outbox, const char *dir)
{
  char lock_path[PATH_MAX];
  if (snprintf(lock_path, sizeof lock_path, "%s/outbox.lock", dir) >= (int)sizeof lock_path)
    return DBN_EINVAL;
  outbox->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (outbox->lock_fd < 0) {
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot open %s: %s", lock_path, strerror(errno));
    return DBN_EIO;
  }
  if (flock(outbox->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    dbn_log(DBN_LOG_ERROR, "outbox", "%s is in use by another agent", dir);
    return DBN_EUNAVAIL;
  }
  return 0;
}

static int
open_environment(dbn_outbox_t *outbox, const char *dir)
{
  dbn_lmdb_config_t config = {.map_size = OUTBOX_INITIAL_MAP, .max_dbs = 3, .mode = 0600};
  char why[256] = "";
  int rc = dbn_lmdb_env_open(&outbox->env, dir, &config, &outbox->map_size, why, sizeof why);
  if (rc) {
    outbox->env = NULL;
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot open the outbox in %s: %s", dir,
            why[0] ? why : dbn_strerror(rc));
  }
  return rc;
}

/* Open both tables and find the key the next put takes: one past the last
 * stored, so keys keep increasing across runs. */
static int
open_tables(dbn_outbox_t *outbox, MDB_txn *txn)
{
  int rc = mdb_dbi_open(txn, "pending", MDB_CREATE, &outbox->pending);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "by_request", MDB_CREATE, &outbox->by_request);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "refused", MDB_CREATE, &outbox->refused);
  if (rc)
    return dbn_lmdb_error(rc);
  /* A refused entry keeps its key: the next key is past both tables. */
  MDB_dbi tables[] = {outbox->pending, outbox->refused};
  for (size_t t = 0; t < 2; t++) {
    MDB_cursor *cursor;
    rc = mdb_cursor_open(txn, tables[t], &cursor);
    if (rc)
      return dbn_lmdb_error(rc);
    MDB_val key, value;
    rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
    mdb_cursor_close(cursor);
    if (rc == MDB_NOTFOUND)
      continue; /* empty: the first key is 1 */
    if (rc)
      return dbn_lmdb_error(rc);
    if (key.mv_size != 8)
      return DBN_ECORRUPT;
    if (dbn_be64_get(key.mv_data) + 1 > outbox->next_key)
      outbox->next_key = dbn_be64_get(key.mv_data) + 1;
  }
  return 0;
}

static int
read_tables(dbn_outbox_t *outbox, const char *dir)
{
  MDB_txn *txn;
  int rc = dbn_lmdb_error(mdb_txn_begin(outbox->env, NULL, 0, &txn));
  if (rc == 0) {
    rc = open_tables(outbox, txn);
    if (rc == 0)
      rc = dbn_lmdb_error(mdb_txn_commit(txn));
    else
      mdb_txn_abort(txn);
  }
  if (rc)
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot read the outbox in %s: %s", dir, dbn_strerror(rc));
  return rc;
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
  int rc = lock_outbox(outbox, dir);
  if (rc == 0)
    rc = open_environment(outbox, dir);
  if (rc == 0)
    rc = read_tables(outbox, dir);
  if (rc) {
    dbn_outbox_close(&outbox);
    return rc;
  }
  *outbox_p = outbox;
  return 0;
}

void
dbn_outbox_close(dbn_outbox_t **outbox_p)
{
  if (!outbox_p || !*outbox_p)
    return;
  dbn_outbox_t *outbox = *outbox_p;
  if (outbox->env) {
    size_t applied = outbox->applied_count;
    int rc = dbn_outbox_flush(outbox);
    if (rc)
      dbn_log(DBN_LOG_WARN, "outbox",
              "cannot delete %zu delivered command(s) (%s); the next run resends them and the broker "
              "answers them as repeats",
              applied, dbn_strerror(rc));
    mdb_env_close(outbox->env);
  }
  if (outbox->lock_fd >= 0)
    close(outbox->lock_fd); /* releases the flock */
  free(outbox);
  *outbox_p = NULL;
}

/* ---- writing: one transaction, grown and retried when the map is full ------ */

/* Delete the entry under key_number and its request id; DBN_ENOTFOUND if
 * there is none. */
static int
delete_entry(dbn_outbox_t *outbox, MDB_txn *txn, uint64_t key_number)
{
  uint8_t key_bytes[8];
  dbn_be64_put(key_bytes, key_number);
  MDB_val key = {.mv_size = 8, .mv_data = key_bytes}, value;
  int rc = mdb_get(txn, outbox->pending, &key, &value);
  if (rc)
    return dbn_lmdb_error(rc);
  const uint8_t *bytes = value.mv_data;
  if (value.mv_size < 1 || 1u + bytes[0] > value.mv_size)
    return DBN_ECORRUPT;
  /* Copy the id out: value points into the map, and the first delete may
   * move the page it lives on. */
  char id_bytes[UINT8_MAX];
  size_t id_len = bytes[0];
  memcpy(id_bytes, bytes + 1, id_len);
  MDB_val id = {.mv_size = id_len, .mv_data = id_bytes};
  rc = mdb_del(txn, outbox->pending, &key, NULL);
  if (rc == 0)
    rc = mdb_del(txn, outbox->by_request, &id, NULL);
  return rc == MDB_NOTFOUND ? 0 : dbn_lmdb_error(rc);
}

static int
delete_applied(dbn_outbox_t *outbox, MDB_txn *txn)
{
  for (size_t i = 0; i < outbox->applied_count; i++) {
    int rc = delete_entry(outbox, txn, outbox->applied[i]);
    if (rc && rc != DBN_ENOTFOUND)
      return rc;
  }
  return 0;
}

/* The part of a write transaction that differs between put and remove; a
 * duban code. Any code but 0 aborts the transaction. */
typedef int (*write_step_fn)(dbn_outbox_t *outbox, MDB_txn *txn, void *arg);

static int
grow(dbn_outbox_t *outbox)
{
  size_t before = outbox->map_size;
  int rc = dbn_lmdb_grow(outbox->env, &outbox->map_size, 0);
  if (rc == DBN_EMAPFULL)
    dbn_log(DBN_LOG_ERROR, "outbox", "the outbox is full at %zu bytes: no address space for a bigger map",
            before);
  else if (rc)
    dbn_log(DBN_LOG_ERROR, "outbox", "the outbox is full at %zu bytes and cannot grow: %s", before,
            dbn_strerror(rc));
  else
    dbn_log(DBN_LOG_INFO, "outbox", "map grown to %zu bytes", outbox->map_size);
  return rc;
}

/* Run one write transaction: delete the applied entries, then step (if
 * any), then commit with a full sync. Deleting copies pages too
 * (copy-on-write), so even a delete can find the map full. On success the
 * applied entries are gone from the file, and from memory. */
static int
write_transaction(dbn_outbox_t *outbox, write_step_fn step, void *arg)
{
  for (int attempt = 0;; attempt++) {
    MDB_txn *txn;
    int rc = dbn_lmdb_error(mdb_txn_begin(outbox->env, NULL, 0, &txn));
    if (rc)
      return rc;
    rc = delete_applied(outbox, txn);
    if (rc == 0 && step)
      rc = step(outbox, txn, arg);
    if (rc == 0)
      rc = dbn_lmdb_error(mdb_txn_commit(txn)); /* frees txn either way */
    else
      mdb_txn_abort(txn);
    if (rc == DBN_EMAPFULL && attempt < OUTBOX_MAX_GROWTH) {
      int grown = grow(outbox);
      if (grown)
        return grown;
      continue;
    }
    if (rc == 0)
      outbox->applied_count = 0;
    return rc;
  }
}

typedef struct {
  const char *request_id; /* NUL-terminated, 1..UINT8_MAX bytes */
  const uint8_t *data;    /* the packed Request */
  size_t len;             /* bytes in data */
  uint64_t key;           /* out: the new entry's key, or the pending one's on DBN_EEXIST */
} put_args_t;

static int
put_step(dbn_outbox_t *outbox, MDB_txn *txn, void *arg)
{
  put_args_t *put = arg;
  size_t id_len = strlen(put->request_id);
  MDB_val id = {.mv_size = id_len, .mv_data = (void *)put->request_id};
  MDB_val existing;
  int rc = mdb_get(txn, outbox->by_request, &id, &existing);
  if (rc == 0) {
    if (existing.mv_size != 8)
      return DBN_ECORRUPT;
    put->key = dbn_be64_get(existing.mv_data);
    return DBN_EEXIST;
  }
  if (rc != MDB_NOTFOUND)
    return dbn_lmdb_error(rc);

  uint8_t key_bytes[8];
  dbn_be64_put(key_bytes, outbox->next_key);
  MDB_val key = {.mv_size = 8, .mv_data = key_bytes};
  MDB_val value = {.mv_size = 1 + id_len + put->len};
  /* MDB_RESERVE: LMDB hands out the space and we fill it, one copy less. */
  rc = mdb_put(txn, outbox->pending, &key, &value, MDB_NOOVERWRITE | MDB_RESERVE);
  if (rc)
    return dbn_lmdb_error(rc);
  uint8_t *out = value.mv_data;
  out[0] = (uint8_t)id_len;
  memcpy(out + 1, put->request_id, id_len);
  memcpy(out + 1 + id_len, put->data, put->len);
  rc = mdb_put(txn, outbox->by_request, &id, &key, MDB_NOOVERWRITE);
  if (rc)
    return dbn_lmdb_error(rc);
  put->key = outbox->next_key;
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
  put_args_t put = {.request_id = request_id, .data = data, .len = len};
  int rc = write_transaction(outbox, put_step, &put);
  if (rc == 0)
    outbox->next_key++;
  else if (rc != DBN_EEXIST)
    dbn_log(DBN_LOG_ERROR, "outbox", "cannot store request %s: %s", request_id, dbn_strerror(rc));
  if ((rc == 0 || rc == DBN_EEXIST) && key_p)
    *key_p = put.key;
  return rc;
}

static int
remove_step(dbn_outbox_t *outbox, MDB_txn *txn, void *arg)
{
  return delete_entry(outbox, txn, *(const uint64_t *)arg);
}

int
dbn_outbox_remove(dbn_outbox_t *outbox, uint64_t key)
{
  assert(outbox);
  if (is_applied(outbox, key))
    return DBN_ENOTFOUND; /* no longer pending; its deletion is on its way */
  return write_transaction(outbox, remove_step, &key);
}

int
dbn_outbox_flush(dbn_outbox_t *outbox)
{
  assert(outbox);
  if (outbox->applied_count == 0)
    return 0;
  return write_transaction(outbox, NULL, NULL);
}

/* ---- reading ---------------------------------------------------------------- */

static int
entry_exists(dbn_outbox_t *outbox, uint64_t key_number)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return dbn_lmdb_error(rc);
  uint8_t key_bytes[8];
  dbn_be64_put(key_bytes, key_number);
  MDB_val key = {.mv_size = 8, .mv_data = key_bytes}, value;
  rc = mdb_get(txn, outbox->pending, &key, &value);
  mdb_txn_abort(txn);
  return dbn_lmdb_error(rc);
}

int
dbn_outbox_mark_applied(dbn_outbox_t *outbox, uint64_t key)
{
  assert(outbox);
  if (is_applied(outbox, key))
    return DBN_ENOTFOUND;
  /* Only keys in the file join the list, so count can subtract it. */
  int rc = entry_exists(outbox, key);
  if (rc)
    return rc;
  if (outbox->applied_count == DBN_OUTBOX_MAX_APPLIED) {
    rc = dbn_outbox_flush(outbox);
    if (rc)
      return rc;
  }
  outbox->applied[outbox->applied_count++] = key;
  return 0;
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
  entry->key = dbn_be64_get(key->mv_data);
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

/* Decode the pending entries from the cursor's position on, skipping the
 * applied ones; returns a duban code, with *count_p entries filled. */
static int
collect_entries(const dbn_outbox_t *outbox, MDB_cursor *cursor, MDB_val *key, dbn_outbox_entry_t *entries,
                size_t max, size_t *count_p)
{
  MDB_val value;
  size_t count = 0;
  int result = 0, rc;
  for (rc = mdb_cursor_get(cursor, key, &value, MDB_SET_RANGE); rc == 0 && count < max;
       rc = mdb_cursor_get(cursor, key, &value, MDB_NEXT)) {
    if (key->mv_size == 8 && is_applied(outbox, dbn_be64_get(key->mv_data)))
      continue;
    result = decode_entry(key, &value, &entries[count]);
    if (result)
      break;
    count++;
  }
  if (!result && rc && rc != MDB_NOTFOUND)
    result = dbn_lmdb_error(rc);
  *count_p = count;
  return result;
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
  if (rc)
    return dbn_lmdb_error(rc);
  MDB_cursor *cursor;
  rc = mdb_cursor_open(txn, outbox->pending, &cursor);
  if (rc) {
    mdb_txn_abort(txn);
    return dbn_lmdb_error(rc);
  }
  uint8_t start[8];
  dbn_be64_put(start, after + 1);
  MDB_val key = {.mv_size = 8, .mv_data = start};
  size_t count = 0;
  rc = collect_entries(outbox, cursor, &key, entries, max, &count);
  mdb_cursor_close(cursor);
  mdb_txn_abort(txn);
  if (rc) {
    for (size_t i = 0; i < count; i++)
      dbn_outbox_entry_clear(&entries[i]);
    return rc;
  }
  *count_p = count;
  return 0;
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
    return dbn_lmdb_error(rc);
  MDB_val id = {.mv_size = id_len, .mv_data = (void *)request_id}, value;
  rc = dbn_lmdb_error(mdb_get(txn, outbox->by_request, &id, &value));
  uint64_t key = 0;
  if (rc == 0 && value.mv_size == 8)
    key = dbn_be64_get(value.mv_data);
  else if (rc == 0)
    rc = DBN_ECORRUPT;
  mdb_txn_abort(txn);
  if (rc == 0 && is_applied(outbox, key))
    rc = DBN_ENOTFOUND;
  if (rc == 0)
    *key_p = key;
  return rc;
}

int
dbn_outbox_count(dbn_outbox_t *outbox, size_t *count_p)
{
  assert(outbox && count_p);
  MDB_txn *txn;
  int rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return dbn_lmdb_error(rc);
  MDB_stat stat;
  rc = mdb_stat(txn, outbox->pending, &stat);
  mdb_txn_abort(txn);
  if (rc)
    return dbn_lmdb_error(rc);
  /* Every applied key is still in the file (mark_applied checks). */
  *count_p = stat.ms_entries >= outbox->applied_count ? stat.ms_entries - outbox->applied_count : 0;
  return 0;
}

/* ---- refusals ----------------------------------------------------------------- */

typedef struct {
  uint64_t key;
  const Duban__OutboxItem *item;
} refuse_args_t;

static int
put_refusal(dbn_outbox_t *outbox, MDB_txn *txn, uint64_t key_number, const Duban__OutboxItem *item)
{
  uint8_t key_bytes[8];
  dbn_be64_put(key_bytes, key_number);
  MDB_val key = {.mv_size = 8, .mv_data = key_bytes};
  MDB_val value = {.mv_size = duban__outbox_item__get_packed_size(item)};
  int rc = mdb_put(txn, outbox->refused, &key, &value, MDB_RESERVE);
  if (rc)
    return dbn_lmdb_error(rc);
  duban__outbox_item__pack(item, value.mv_data);
  return 0;
}

/* Keep at most DBN_OUTBOX_MAX_REFUSED refusals: the oldest goes first. */
static int
drop_oldest_refusal(dbn_outbox_t *outbox, MDB_txn *txn)
{
  MDB_stat stat;
  int rc = mdb_stat(txn, outbox->refused, &stat);
  if (rc || stat.ms_entries < DBN_OUTBOX_MAX_REFUSED)
    return dbn_lmdb_error(rc);
  MDB_cursor *cursor;
  rc = mdb_cursor_open(txn, outbox->refused, &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  MDB_val key, value;
  rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST);
  if (rc == 0)
    rc = mdb_cursor_del(cursor, 0);
  mdb_cursor_close(cursor);
  return rc == MDB_NOTFOUND ? 0 : dbn_lmdb_error(rc);
}

static int
refuse_step(dbn_outbox_t *outbox, MDB_txn *txn, void *arg)
{
  refuse_args_t *refuse = arg;
  int rc = delete_entry(outbox, txn, refuse->key);
  if (rc == 0)
    rc = drop_oldest_refusal(outbox, txn);
  return rc ? rc : put_refusal(outbox, txn, refuse->key, refuse->item);
}

int
dbn_outbox_refuse(dbn_outbox_t *outbox, uint64_t key, const Duban__OutboxItem *item)
{
  assert(outbox && item);
  if (is_applied(outbox, key))
    return DBN_ENOTFOUND;
  refuse_args_t refuse = {.key = key, .item = item};
  return write_transaction(outbox, refuse_step, &refuse);
}

/* Every refusal, in key order (up to DBN_OUTBOX_MAX_REFUSED), decoded. */
static int
read_refusals(MDB_txn *txn, MDB_dbi refused, Duban__OutboxItem ***items_p, uint64_t **keys_p, size_t *count_p)
{
  *items_p = NULL;
  *count_p = 0;
  if (keys_p)
    *keys_p = NULL;
  MDB_cursor *cursor;
  int rc = mdb_cursor_open(txn, refused, &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  Duban__OutboxItem **items = calloc(DBN_OUTBOX_MAX_REFUSED, sizeof *items);
  uint64_t *keys = calloc(DBN_OUTBOX_MAX_REFUSED, sizeof *keys);
  size_t count = 0;
  int result = items && keys ? 0 : DBN_ENOMEM;
  MDB_val key, value;
  for (rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST);
       result == 0 && rc == 0 && count < DBN_OUTBOX_MAX_REFUSED;
       rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
    Duban__OutboxItem *item = duban__outbox_item__unpack(NULL, value.mv_size, value.mv_data);
    if (!item || key.mv_size != 8) {
      if (item)
        duban__outbox_item__free_unpacked(item, NULL);
      result = DBN_ECORRUPT;
      break;
    }
    keys[count] = dbn_be64_get(key.mv_data);
    items[count++] = item;
  }
  if (result == 0 && rc && rc != MDB_NOTFOUND)
    result = dbn_lmdb_error(rc);
  mdb_cursor_close(cursor);
  if (result) {
    dbn_outbox_items_free(items, count);
    free(keys);
    return result;
  }
  *items_p = items;
  *count_p = count;
  if (keys_p)
    *keys_p = keys;
  else
    free(keys);
  return 0;
}

int
dbn_outbox_refused_list(dbn_outbox_t *outbox, Duban__OutboxItem ***items_p, size_t *count_p)
{
  assert(outbox && items_p && count_p);
  MDB_txn *txn;
  int rc = mdb_txn_begin(outbox->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return dbn_lmdb_error(rc);
  rc = read_refusals(txn, outbox->refused, items_p, NULL, count_p);
  mdb_txn_abort(txn);
  return rc;
}

int
dbn_outbox_refused_unseen(dbn_outbox_t *outbox, size_t *count_p)
{
  Duban__OutboxItem **items;
  size_t count;
  *count_p = 0;
  int rc = dbn_outbox_refused_list(outbox, &items, &count);
  if (rc)
    return rc;
  for (size_t i = 0; i < count; i++)
    *count_p += !items[i]->seen;
  dbn_outbox_items_free(items, count);
  return 0;
}

static int
mark_seen_step(dbn_outbox_t *outbox, MDB_txn *txn, void *arg)
{
  (void)arg;
  Duban__OutboxItem **items;
  uint64_t *keys;
  size_t count;
  int rc = read_refusals(txn, outbox->refused, &items, &keys, &count);
  for (size_t i = 0; rc == 0 && i < count; i++) {
    if (items[i]->seen)
      continue;
    items[i]->seen = true;
    rc = put_refusal(outbox, txn, keys[i], items[i]);
  }
  if (items)
    dbn_outbox_items_free(items, count);
  free(keys);
  return rc;
}

int
dbn_outbox_refused_mark_seen(dbn_outbox_t *outbox)
{
  assert(outbox);
  size_t unseen = 0;
  int rc = dbn_outbox_refused_unseen(outbox, &unseen);
  if (rc || unseen == 0)
    return rc;
  return write_transaction(outbox, mark_seen_step, NULL);
}

void
dbn_outbox_items_free(Duban__OutboxItem **items, size_t count)
{
  if (!items)
    return;
  for (size_t i = 0; i < count; i++)
    duban__outbox_item__free_unpacked(items[i], NULL);
  free(items);
}
