/* store.c: the LMDB event log: open, grow, transactions (poisoned after an
 * error, the way LMDB marks its own), the view getters and the log itself
 * (append, read, walk). The views are written by apply.c alone; verify.c
 * walks and rebuilds. See store.h and store_internal.h. */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "be64.h"
#include "lmdb_env.h"
#include "log.h"
#include "wire.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 20)

const char *const dbn_store_dbi_names[] = {
    "events", "meta",  "tasks", "task_defs", "unit_tasks", "escalations",   "open_escalations",
    "units",  "plans", "dedup", "inbox",     "scoring",    "evidence_refs", "evidence",
};
/* A view without a name would open LMDB's unnamed main database. */
_Static_assert(sizeof dbn_store_dbi_names / sizeof dbn_store_dbi_names[0] == DBI_COUNT,
               "a name for every view");

/* ---- helpers ---- */

int
dbn_store_put_packed(dbn_store_txn_t *txn, enum view_dbi which, MDB_val *key, const ProtobufCMessage *msg)
{
  uint8_t *buf;
  size_t len;
  int rc = dbn_wire_pack(msg, &buf, &len);
  if (rc)
    return rc;
  MDB_val val = {len, buf};
  rc = mdb_put(txn->txn, txn->store->dbi[which], key, &val, 0);
  free(buf);
  return dbn_lmdb_error(rc);
}

/* "a\0b" keys: the NUL keeps "unit:A" + "1" apart from "unit:A1" + "". */
int
dbn_store_pair_key(const char *a, const char *b, char **buf_p, MDB_val *key)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la + lb + 1 > DBN_STORE_MAX_KEY) /* LMDB's default maximum key size */
    return DBN_ETOOBIG;
  char *buf = malloc(la + lb + 1);
  if (!buf)
    return DBN_ENOMEM;
  memcpy(buf, a, la);
  buf[la] = '\0';
  memcpy(buf + la + 1, b, lb);
  key->mv_size = la + lb + 1;
  key->mv_data = buf;
  *buf_p = buf;
  return 0;
}

/* ---- open, close, grow ---- */

/* The version the views of an open environment hold: meta "views", or 1
 * for a log written before views had a version (0 for one with no events
 * and no views yet, which is current as soon as it is written). */
static int
read_views_version(dbn_store_t *store, MDB_txn *txn, uint64_t *version_p)
{
  MDB_val key = dbn_store_string_key("views"), val;
  int rc = mdb_get(txn, store->dbi[DBI_META], &key, &val);
  if (rc == 0) {
    if (val.mv_size != 8)
      return DBN_ECORRUPT;
    *version_p = dbn_be64_get(val.mv_data);
    return 0;
  }
  if (rc != MDB_NOTFOUND)
    return dbn_lmdb_error(rc);
  MDB_val head_key = dbn_store_string_key("head");
  rc = mdb_get(txn, store->dbi[DBI_META], &head_key, &val);
  *version_p = rc == 0 ? 1 : 0;
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : dbn_lmdb_error(rc);
}

/* What the log says it is (meta "header", written by apply from seq 1's
 * LogHeader): format 1 for a log with events and no header, 0 for none. */
static int
read_log_header(dbn_store_t *store, MDB_txn *txn)
{
  memset(&store->header, 0, sizeof store->header);
  MDB_val key = dbn_store_string_key("header"), val;
  int rc = mdb_get(txn, store->dbi[DBI_META], &key, &val);
  if (rc == MDB_NOTFOUND) {
    MDB_val head_key = dbn_store_string_key("head");
    rc = mdb_get(txn, store->dbi[DBI_META], &head_key, &val);
    store->header.format_version = rc == 0 ? 1 : 0;
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : dbn_lmdb_error(rc);
  }
  if (rc)
    return dbn_lmdb_error(rc);
  Duban__LogHeader *header;
  if (dbn_wire_log_header_unpack(val.mv_data, val.mv_size, &header))
    return DBN_ECORRUPT;
  store->header.format_version = header->format_version;
  snprintf(store->header.clock, sizeof store->header.clock, "%s", header->clock);
  snprintf(store->header.crypto, sizeof store->header.crypto, "%s", header->crypto);
  dbn_wire_log_header_free(&header);
  return 0;
}

static int
open_dbis(dbn_store_t *store)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(store->env, NULL, store->read_only ? MDB_RDONLY : 0, &txn);
  if (rc)
    return dbn_lmdb_error(rc);
  for (int i = 0; i < DBI_COUNT; i++) {
    rc = mdb_dbi_open(txn, dbn_store_dbi_names[i], store->read_only ? 0 : MDB_CREATE, &store->dbi[i]);
    store->dbi_present[i] = rc == 0;
    /* A read-only open of a log an older duban wrote, without the views
     * added since: they read as empty until a broker rebuilds them. */
    if (rc == MDB_NOTFOUND && store->read_only && i >= DBI_FIRST_LOG_COUNT)
      continue;
    if (rc) {
      mdb_txn_abort(txn);
      /* A read-only open of a log the broker has not created yet. */
      if (rc == MDB_NOTFOUND && store->read_only)
        return 0;
      return dbn_lmdb_error(rc);
    }
  }
  if ((rc = read_views_version(store, txn, &store->views_version)) || (rc = read_log_header(store, txn))) {
    mdb_txn_abort(txn);
    return rc;
  }
  rc = mdb_txn_commit(txn);
  if (rc)
    return dbn_lmdb_error(rc);
  store->dbis_open = true;
  return 0;
}

/* Empty every view, replay every event into them, and record that they are
 * current: all in txn, so that a crash half-way leaves the old views. */
static int
replay_views(dbn_store_txn_t *txn)
{
  for (int i = DBI_META + 1; i < DBI_VIEWS_END; i++) {
    int rc = mdb_drop(txn->txn, txn->store->dbi[i], 0);
    if (rc)
      return dbn_lmdb_error(rc);
  }
  MDB_val clock_key = dbn_store_string_key("clock");
  int rc = mdb_del(txn->txn, txn->store->dbi[DBI_META], &clock_key, NULL);
  if (rc && rc != MDB_NOTFOUND)
    return dbn_lmdb_error(rc);
  MDB_cursor *cursor;
  if ((rc = mdb_cursor_open(txn->txn, txn->store->dbi[DBI_EVENTS], &cursor)))
    return dbn_lmdb_error(rc);
  MDB_val key, val;
  int result = 0;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST); rc == 0 && result == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    Duban__Event *event;
    if (dbn_wire_event_unpack(val.mv_data, val.mv_size, &event)) {
      result = DBN_ECORRUPT;
      break;
    }
    result = dbn_store_apply_event(txn, event, NULL);
    dbn_wire_event_free(&event);
  }
  mdb_cursor_close(cursor);
  if (result)
    return result;
  if (rc != MDB_NOTFOUND)
    return dbn_lmdb_error(rc);
  uint8_t version[8];
  dbn_be64_put(version, DBN_STORE_VIEWS_VERSION);
  MDB_val version_key = dbn_store_string_key("views"), version_val = {8, version};
  return dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_META], &version_key, &version_val, 0));
}

/* A writable store whose views an older duban wrote gets them rebuilt from
 * the log before anything else touches it (DBN_STORE_VIEWS_VERSION). */
static int
bring_views_up_to_date(dbn_store_t *store)
{
  if (store->read_only || store->views_version == DBN_STORE_VIEWS_VERSION)
    return 0;
  if (store->views_version > DBN_STORE_VIEWS_VERSION)
    return DBN_EVERSION; /* a newer duban wrote these views */
  for (;;) {
    dbn_store_txn_t *txn;
    int rc = dbn_store_write_begin(store, &txn);
    if (rc)
      return rc;
    rc = replay_views(txn);
    rc = rc ? (dbn_store_abort(&txn), rc) : dbn_store_commit(&txn);
    if (rc == DBN_EMAPFULL && dbn_store_grow(store) == 0)
      continue;
    if (rc == 0) {
      /* 0 for a new log: there was nothing to rebuild. */
      store->views_rebuilt_from = store->views_version;
      store->views_version = DBN_STORE_VIEWS_VERSION;
    }
    return rc;
  }
}

const dbn_log_header_t *
dbn_store_log_header(dbn_store_t *store)
{
  return &store->header;
}

/* A log a newer duban wrote may mean things this one would misread: it is
 * refused before anything reads or rebuilds its views. */
static int
check_log_format(const dbn_store_t *store, char *why, size_t why_len)
{
  if (store->header.format_version <= DBN_LOG_FORMAT_VERSION)
    return 0;
  snprintf(
      why, why_len,
      "事件日志格式版本为 %u，本程序只认识到版本 %d：请用更新的 duban 打开 / the log's format version is "
      "%u and this duban knows up to version %d: open it with a newer duban",
      (unsigned)store->header.format_version, DBN_LOG_FORMAT_VERSION, (unsigned)store->header.format_version,
      DBN_LOG_FORMAT_VERSION);
  return DBN_EVERSION;
}

uint64_t
dbn_store_views_version(dbn_store_t *store)
{
  return store->views_version;
}

uint64_t
dbn_store_views_rebuilt_from(dbn_store_t *store)
{
  return store->views_rebuilt_from;
}

/* With pipelined_sync, a process killed with a commit whose meta page was
 * not yet synced leaves that meta in the page cache, and this open reads
 * it: its events were never acknowledged, but a retry would now be
 * answered from them. So the head a pipelined store starts from is synced
 * first, and everything the open itself wrote with it. */
static int
start_durable(dbn_store_t *store)
{
  uint64_t head = 0;
  int rc = store->dbis_open ? dbn_store_head(store, &head, NULL) : 0;
  if (rc == 0 && store->pipelined_sync) {
    rc = dbn_lmdb_error(mdb_env_sync(store->env, 1));
    store->syncs++;
  }
  store->committed_seq = store->durable_seq = head;
  store->sync_pending = false;
  return rc;
}

int
dbn_store_open(dbn_store_t **store_p, const char *dir, const dbn_store_options_t *options)
{
  char why[768] = "";
  int rc = dbn_store_open_why(store_p, dir, options, why, sizeof why);
  /* A damaged file is the one failure whose cause the code alone does not
   * tell: say what was found wherever the store is opened. */
  if ((rc == DBN_ECORRUPT || rc == DBN_EVERSION) && *why)
    dbn_log(DBN_LOG_ERROR, "store", "%s: %s", dir, why);
  return rc;
}

int
dbn_store_open_why(dbn_store_t **store_p, const char *dir, const dbn_store_options_t *options, char *why,
                   size_t why_len)
{
  dbn_store_options_t defaults = {0};
  if (!options)
    options = &defaults;
  if (!options->read_only && mkdir(dir, 0700) != 0 && errno != EEXIST)
    return errno == ENOSPC ? DBN_EDISKFULL : DBN_EIO;

  dbn_store_t *store = calloc(1, sizeof *store);
  if (!store)
    return DBN_ENOMEM;
  store->read_only = options->read_only;
  store->map_size = options->map_size ? options->map_size : DEFAULT_MAP_SIZE;
  store->map_max = options->map_max;
  store->log_clock = options->log_clock;
  store->log_crypto = options->log_crypto;
  if (store->map_max && store->map_size > store->map_max)
    store->map_size = store->map_max;

  /* MDB_NOTLS: read transactions are owned by our objects, not by threads.
   * Never MDB_WRITEMAP: with it a full disk becomes SIGBUS, not an error.
   * 256 reader slots: the broker, every auditor and the benchmark's readers
   * at once; LMDB's default of 126 ran out under the watch benchmark. */
  dbn_lmdb_config_t config = {.map_size = store->map_size,
                              .max_dbs = DBI_COUNT + 2,
                              .max_readers = 256,
                              .flags = MDB_NOTLS,
                              .mode = 0600};
  if (options->read_only)
    config.flags |= MDB_RDONLY;
  if (options->no_sync)
    config.flags |= MDB_NOSYNC;
  else if (options->pipelined_sync && !options->read_only)
    config.flags |= MDB_NOMETASYNC;
  store->no_sync = options->no_sync;
  store->pipelined_sync = options->pipelined_sync && !options->no_sync && !options->read_only;
  int rc = dbn_lmdb_env_open(&store->env, dir, &config, &store->map_size, why, why_len);
  if (rc) {
    free(store);
    return rc;
  }
  /* Slots of readers that died are cleared at once; a failure here only
   * leaves them until the broker's periodic check. */
  int stale;
  (void)mdb_reader_check(store->env, &stale);
  rc = open_dbis(store);
  if (rc == 0)
    rc = check_log_format(store, why, why_len);
  if (rc == 0)
    rc = dbn_store_log_crypto_read(store, why, why_len); /* before a rebuild hashes anything */
  if (rc == 0)
    rc = bring_views_up_to_date(store);
  if (rc == 0)
    rc = start_durable(store);
  if (rc) {
    mdb_env_close(store->env);
    free(store);
    return rc;
  }
  *store_p = store;
  return 0;
}

void
dbn_store_destroy(dbn_store_t **store_p)
{
  if (!store_p || !*store_p)
    return;
  dbn_store_sync(*store_p); /* a clean stop leaves nothing to the next open */
  mdb_env_close((*store_p)->env);
  free(*store_p);
  *store_p = NULL;
}

size_t
dbn_store_map_size(dbn_store_t *store)
{
  return store->map_size;
}

size_t
dbn_store_map_used(dbn_store_t *store)
{
  MDB_envinfo info;
  MDB_stat stat;
  if (mdb_env_info(store->env, &info) != 0 || mdb_env_stat(store->env, &stat) != 0)
    return 0;
  return (info.me_last_pgno + 1) * (size_t)stat.ms_psize;
}

int
dbn_store_grow(dbn_store_t *store)
{
  return dbn_lmdb_grow(store->env, &store->map_size, store->map_max);
}

int
dbn_store_reader_check(dbn_store_t *store, int *cleared_p)
{
  int cleared = 0;
  int rc = mdb_reader_check(store->env, &cleared);
  if (cleared_p)
    *cleared_p = cleared;
  return dbn_lmdb_error(rc);
}

/* ---- transactions ---- */

static int
read_head(dbn_store_txn_t *txn)
{
  txn->head_seq = 0;
  memset(txn->head_hash, 0, sizeof txn->head_hash);
  if (!txn->store->dbis_open)
    return 0;
  MDB_val key = dbn_store_string_key("head"), val;
  int rc = mdb_get(txn->txn, txn->store->dbi[DBI_META], &key, &val);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return dbn_lmdb_error(rc);
  if (val.mv_size != 8 + DBN_HASH_BYTES)
    return DBN_ECORRUPT;
  txn->head_seq = dbn_be64_get(val.mv_data);
  memcpy(txn->head_hash, (const uint8_t *)val.mv_data + 8, DBN_HASH_BYTES);
  return 0;
}

static int
txn_begin(dbn_store_t *store, bool write, dbn_store_txn_t **txn_p)
{
  if (write && store->read_only)
    return DBN_EPERM;
  dbn_store_txn_t *txn = calloc(1, sizeof *txn);
  if (!txn)
    return DBN_ENOMEM;
  txn->store = store;
  txn->write = write;
  int rc = mdb_txn_begin(store->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
  if (rc == MDB_MAP_RESIZED) {
    /* A writer in another process grew the map since we opened it: adopt
     * its size (0 = the file's) and begin again. */
    MDB_envinfo info;
    rc = mdb_env_set_mapsize(store->env, 0);
    if (rc == 0 && mdb_env_info(store->env, &info) == 0)
      store->map_size = info.me_mapsize;
    if (rc == 0)
      rc = mdb_txn_begin(store->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
  }
  if (rc) {
    free(txn);
    return dbn_lmdb_error(rc);
  }
  if (!store->dbis_open) {
    /* Read-only store opened before the log existed: try again now. */
    mdb_txn_abort(txn->txn);
    if (open_dbis(store) == 0)
      rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn->txn);
    else
      rc = MDB_NOTFOUND;
    if (rc) {
      free(txn);
      return dbn_lmdb_error(rc);
    }
  }
  rc = read_head(txn);
  if (rc) {
    mdb_txn_abort(txn->txn);
    free(txn);
    return rc;
  }
  *txn_p = txn;
  return 0;
}

int
dbn_store_write_begin(dbn_store_t *store, dbn_store_txn_t **txn_p)
{
  return txn_begin(store, true, txn_p);
}

int
dbn_store_read_begin(dbn_store_t *store, dbn_store_txn_t **txn_p)
{
  return txn_begin(store, false, txn_p);
}

/* What a commit that succeeded made durable. LMDB writes (and syncs)
 * nothing for a transaction that changed nothing, which its meta page
 * shows: the last transaction id is not this one's. */
static void
note_commit(dbn_store_t *store, size_t txn_id, uint64_t head)
{
  MDB_envinfo info;
  if (mdb_env_info(store->env, &info) == 0 && info.me_last_txnid != txn_id)
    return;
  if (store->no_sync) {
    store->durable_seq = head;
  } else if (store->pipelined_sync) {
    /* One fdatasync, of this commit's data pages and of the meta page the
     * commit before wrote, so everything before this commit is durable. */
    store->durable_seq = store->committed_seq;
    store->sync_pending = true;
    store->syncs++;
  } else {
    store->durable_seq = head;
    store->syncs += 2; /* the fdatasync, then the meta page through the O_DSYNC descriptor */
  }
  store->committed_seq = head;
}

int
dbn_store_commit(dbn_store_txn_t **txn_p)
{
  dbn_store_txn_t *txn = *txn_p;
  int rc;
  if (txn->error) {
    /* A write failed half-way: nothing of this transaction may be kept. */
    mdb_txn_abort(txn->txn);
    rc = txn->error;
  } else {
    size_t id = txn->write ? mdb_txn_id(txn->txn) : 0;
    rc = dbn_lmdb_error(mdb_txn_commit(txn->txn));
    if (rc == 0 && txn->write)
      note_commit(txn->store, id, txn->head_seq);
  }
  free(txn);
  *txn_p = NULL;
  return rc;
}

int
dbn_store_txn_error(const dbn_store_txn_t *txn)
{
  return txn->error;
}

int
dbn_store_txn_poison(dbn_store_txn_t *txn, int error)
{
  if (error && !txn->error)
    txn->error = error;
  return txn->error ? txn->error : error;
}

void
dbn_store_abort(dbn_store_txn_t **txn_p)
{
  if (!txn_p || !*txn_p)
    return;
  mdb_txn_abort((*txn_p)->txn);
  free(*txn_p);
  *txn_p = NULL;
}

uint64_t
dbn_store_durable_seq(dbn_store_t *store)
{
  return store->durable_seq;
}

bool
dbn_store_sync_pending(dbn_store_t *store)
{
  return store->sync_pending;
}

uint64_t
dbn_store_committed_seq(dbn_store_t *store)
{
  return store->committed_seq;
}

int
dbn_store_sync(dbn_store_t *store)
{
  if (!store->sync_pending)
    return 0;
  int rc = dbn_lmdb_error(mdb_env_sync(store->env, 1));
  store->syncs++;
  if (rc)
    return rc; /* still pending: the caller tries again */
  store->sync_pending = false;
  store->durable_seq = store->committed_seq;
  return 0;
}

uint64_t
dbn_store_syncs(dbn_store_t *store)
{
  return store->syncs;
}

uint64_t
dbn_store_txn_head(dbn_store_txn_t *txn)
{
  return txn->head_seq;
}

int
dbn_store_head(dbn_store_t *store, uint64_t *seq_p, uint8_t hash[DBN_HASH_BYTES])
{
  dbn_store_txn_t *txn;
  int rc = dbn_store_read_begin(store, &txn);
  if (rc)
    return rc;
  *seq_p = txn->head_seq;
  if (hash)
    memcpy(hash, txn->head_hash, DBN_HASH_BYTES);
  dbn_store_abort(&txn);
  return 0;
}

/* ---- view getters ---- */

int
dbn_store_get_raw(dbn_store_txn_t *txn, enum view_dbi which, MDB_val *key, MDB_val *val)
{
  if (!txn->store->dbis_open || !txn->store->dbi_present[which])
    return DBN_ENOTFOUND;
  return dbn_lmdb_error(mdb_get(txn->txn, txn->store->dbi[which], key, val));
}

/* A task as callers see it: its definition and its state. Packed protobuf
 * messages concatenate into their merge, so the two stored halves are
 * joined as bytes and decoded once. */
static int
task_merge(dbn_store_txn_t *txn, const MDB_val *key, const MDB_val *state, Duban__Task **task_p)
{
  MDB_val def;
  int rc = dbn_store_get_raw(txn, DBI_TASK_DEFS, (MDB_val *)key, &def);
  if (rc)
    return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
  uint8_t stack[4096];
  size_t len = def.mv_size + state->mv_size;
  uint8_t *buf = len <= sizeof stack ? stack : malloc(len);
  if (!buf)
    return DBN_ENOMEM;
  memcpy(buf, def.mv_data, def.mv_size);
  memcpy(buf + def.mv_size, state->mv_data, state->mv_size);
  rc = dbn_wire_task_unpack(buf, len, task_p);
  if (buf != stack)
    free(buf);
  return rc ? DBN_ECORRUPT : 0;
}

int
dbn_store_task_get(dbn_store_txn_t *txn, const char *task_id, Duban__Task **task_p)
{
  MDB_val key = dbn_store_string_key(task_id), val;
  if (key.mv_size == 0 || key.mv_size > DBN_STORE_MAX_KEY)
    return DBN_ENOTFOUND;
  int rc = dbn_store_get_raw(txn, DBI_TASKS, &key, &val);
  if (rc)
    return rc;
  return task_merge(txn, &key, &val, task_p);
}

int
dbn_store_task_state_get(dbn_store_txn_t *txn, const char *task_id, Duban__Task **task_p)
{
  MDB_val key = dbn_store_string_key(task_id), val;
  if (key.mv_size == 0 || key.mv_size > DBN_STORE_MAX_KEY)
    return DBN_ENOTFOUND;
  int rc = dbn_store_get_raw(txn, DBI_TASKS, &key, &val);
  if (rc)
    return rc;
  return dbn_wire_task_unpack(val.mv_data, val.mv_size, task_p) ? DBN_ECORRUPT : 0;
}

static int
grow_array(void ***items, size_t *cap, size_t count)
{
  if (count < *cap)
    return 0;
  size_t bigger = *cap ? *cap * 2 : 16;
  void **grown = realloc(*items, bigger * sizeof **items);
  if (!grown)
    return DBN_ENOMEM;
  *items = grown;
  *cap = bigger;
  return 0;
}

/* The list getters collect decoded messages into a growing array, which
 * the caller frees with the matching *_free (all of them free_messages). */
struct collected {
  void **items; /* decoded messages */
  size_t count;
  size_t cap;
};

/* Add msg, taking ownership: on failure it is freed. */
static int
collect(struct collected *c, void *msg)
{
  int rc = grow_array(&c->items, &c->cap, c->count);
  if (rc) {
    dbn_wire_message_free(&msg);
    return rc;
  }
  c->items[c->count++] = msg;
  return 0;
}

/* Close the cursor, then hand the collection to the caller, or free it when
 * the walk failed (result) or the cursor did (last_rc). */
static int
collect_finish(MDB_cursor *cursor, int last_rc, int result, struct collected *c, void ***items_p,
               size_t *count_p)
{
  mdb_cursor_close(cursor);
  if (result == 0 && last_rc != 0 && last_rc != MDB_NOTFOUND)
    result = dbn_lmdb_error(last_rc);
  if (result) {
    dbn_wire_messages_free(c->items, c->count);
    return result;
  }
  *items_p = c->items;
  *count_p = c->count;
  return 0;
}

int
dbn_store_tasks_list(dbn_store_txn_t *txn, const char *unit_code, Duban__Task ***tasks_p, size_t *count_p)
{
  *tasks_p = NULL;
  *count_p = 0;
  if (!txn->store->dbis_open)
    return 0;
  MDB_cursor *cursor;
  enum view_dbi which = unit_code ? DBI_UNIT_TASKS : DBI_TASKS;
  int rc = mdb_cursor_open(txn->txn, txn->store->dbi[which], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);

  struct collected tasks = {0};
  size_t prefix_len = unit_code ? strlen(unit_code) + 1 : 0;
  MDB_val key = {0, NULL}, val;
  MDB_cursor_op op = MDB_FIRST;
  if (unit_code) {
    key.mv_size = prefix_len - 1;
    key.mv_data = (void *)unit_code;
    op = MDB_SET_RANGE;
  }
  int result = 0;
  for (rc = mdb_cursor_get(cursor, &key, &val, op); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    Duban__Task *task;
    if (unit_code) {
      if (key.mv_size < prefix_len || memcmp(key.mv_data, unit_code, prefix_len - 1) != 0 ||
          ((const char *)key.mv_data)[prefix_len - 1] != '\0')
        break;
      MDB_val task_key = {key.mv_size - prefix_len, (char *)key.mv_data + prefix_len}, task_val;
      if ((result = dbn_store_get_raw(txn, DBI_TASKS, &task_key, &task_val)) ||
          (result = task_merge(txn, &task_key, &task_val, &task)))
        break;
    } else if ((result = task_merge(txn, &key, &val, &task))) {
      break;
    }
    if ((result = collect(&tasks, task)))
      break;
  }
  return collect_finish(cursor, rc, result, &tasks, (void ***)tasks_p, count_p);
}

void
dbn_store_tasks_free(Duban__Task **tasks, size_t count)
{
  dbn_wire_messages_free((void **)tasks, count);
}

int
dbn_store_escalation_get(dbn_store_txn_t *txn, uint64_t id, Duban__Escalation **escalation_p)
{
  uint8_t id_be[8];
  dbn_be64_put(id_be, id);
  MDB_val key = {8, id_be}, val;
  int rc = dbn_store_get_raw(txn, DBI_ESCALATIONS, &key, &val);
  if (rc)
    return rc;
  return dbn_wire_escalation_unpack(val.mv_data, val.mv_size, escalation_p) ? DBN_ECORRUPT : 0;
}

int
dbn_store_escalations_list(dbn_store_txn_t *txn, bool open_only, Duban__Escalation ***escalations_p,
                           size_t *count_p)
{
  *escalations_p = NULL;
  *count_p = 0;
  if (!txn->store->dbis_open)
    return 0;
  MDB_cursor *cursor;
  int rc =
      mdb_cursor_open(txn->txn, txn->store->dbi[open_only ? DBI_OPEN_ESCALATIONS : DBI_ESCALATIONS], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  struct collected items = {0};
  int result = 0;
  MDB_val key, val;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    if (key.mv_size != 8) {
      result = DBN_ECORRUPT;
      break;
    }
    Duban__Escalation *e;
    if ((result = dbn_store_escalation_get(txn, dbn_be64_get(key.mv_data), &e)) ||
        (result = collect(&items, e)))
      break;
  }
  return collect_finish(cursor, rc, result, &items, (void ***)escalations_p, count_p);
}

void
dbn_store_escalations_free(Duban__Escalation **escalations, size_t count)
{
  dbn_wire_messages_free((void **)escalations, count);
}

int
dbn_store_unit_get(dbn_store_txn_t *txn, const char *code, Duban__Unit **unit_p)
{
  MDB_val key = dbn_store_string_key(code), val;
  if (key.mv_size == 0 || key.mv_size > DBN_STORE_MAX_KEY)
    return DBN_ENOTFOUND;
  int rc = dbn_store_get_raw(txn, DBI_UNITS, &key, &val);
  if (rc)
    return rc;
  return dbn_wire_unit_unpack(val.mv_data, val.mv_size, unit_p) ? DBN_ECORRUPT : 0;
}

int
dbn_store_units_list(dbn_store_txn_t *txn, Duban__Unit ***units_p, size_t *count_p)
{
  *units_p = NULL;
  *count_p = 0;
  if (!txn->store->dbis_open)
    return 0;
  MDB_cursor *cursor;
  int rc = mdb_cursor_open(txn->txn, txn->store->dbi[DBI_UNITS], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  struct collected units = {0};
  int result = 0;
  MDB_val key, val;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    Duban__Unit *unit;
    if (dbn_wire_unit_unpack(val.mv_data, val.mv_size, &unit)) {
      result = DBN_ECORRUPT;
      break;
    }
    if ((result = collect(&units, unit)))
      break;
  }
  return collect_finish(cursor, rc, result, &units, (void ***)units_p, count_p);
}

int
dbn_store_unit_resolve(dbn_store_txn_t *txn, const char *text, char **code_p)
{
  Duban__Unit *unit;
  int rc = dbn_store_unit_get(txn, text, &unit);
  if (rc == 0) {
    dbn_wire_unit_free(&unit);
    *code_p = strdup(text);
    return *code_p ? 0 : DBN_ENOMEM;
  }
  if (rc != DBN_ENOTFOUND)
    return rc;
  /* Not a code: a linear search of names and aliases. A plan has tens of
   * units; an index by name would pay off only with thousands. */
  Duban__Unit **units;
  size_t count;
  if ((rc = dbn_store_units_list(txn, &units, &count)))
    return rc;
  rc = DBN_ENOTFOUND;
  for (size_t i = 0; i < count && rc == DBN_ENOTFOUND; i++) {
    bool match = strcmp(units[i]->name, text) == 0;
    for (size_t a = 0; a < units[i]->n_aliases && !match; a++)
      match = strcmp(units[i]->aliases[a], text) == 0;
    if (match) {
      *code_p = strdup(units[i]->code);
      rc = *code_p ? 0 : DBN_ENOMEM;
    }
  }
  dbn_store_units_free(units, count);
  return rc;
}

void
dbn_store_units_free(Duban__Unit **units, size_t count)
{
  dbn_wire_messages_free((void **)units, count);
}

int
dbn_store_inbox_list(dbn_store_txn_t *txn, const char *unit, bool unread_only, Duban__InboxItem ***items_p,
                     size_t *count_p)
{
  *items_p = NULL;
  *count_p = 0;
  if (!txn->store->dbis_open || !txn->store->dbi_present[DBI_INBOX])
    return 0;
  MDB_cursor *cursor;
  int rc = mdb_cursor_open(txn->txn, txn->store->dbi[DBI_INBOX], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  struct collected items = {0};
  size_t prefix_len = strlen(unit) + 1;
  /* unit "\0" is the first key of the unit's range. */
  MDB_val key = {prefix_len, (void *)unit}, val;
  int result = 0;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    if (key.mv_size != prefix_len + 8 || memcmp(key.mv_data, unit, prefix_len) != 0)
      break;
    Duban__InboxItem *item = NULL;
    if (dbn_wire_inbox_item_unpack(val.mv_data, val.mv_size, &item)) {
      result = DBN_ECORRUPT;
      break;
    }
    if (unread_only && item->read) {
      dbn_wire_inbox_item_free(&item);
      continue;
    }
    if ((result = collect(&items, item)))
      break;
  }
  result = collect_finish(cursor, rc, result, &items, (void ***)items_p, count_p);
  /* Keys run oldest first; people read the newest first. */
  for (size_t i = 0; result == 0 && i < *count_p / 2; i++) {
    Duban__InboxItem *swap = (*items_p)[i];
    (*items_p)[i] = (*items_p)[*count_p - 1 - i];
    (*items_p)[*count_p - 1 - i] = swap;
  }
  return result;
}

void
dbn_store_inbox_free(Duban__InboxItem **items, size_t count)
{
  dbn_wire_messages_free((void **)items, count);
}

int
dbn_store_scoring_rules_in_force(dbn_store_txn_t *txn, const char *day, Duban__ScoringRules **rules_p)
{
  *rules_p = NULL;
  if (!txn->store->dbis_open || !txn->store->dbi_present[DBI_SCORING])
    return DBN_ENOTFOUND;
  MDB_cursor *cursor;
  int rc = mdb_cursor_open(txn->txn, txn->store->dbi[DBI_SCORING], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  /* Keys sort by effective date, then by the event that loaded them: the
   * last key not after day is the rules in force (a later load of the same
   * date replaces an earlier one). A handful of versions: a walk is fine. */
  MDB_val key, val, found = {0, NULL};
  size_t day_len = strlen(day);
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    size_t n = key.mv_size < day_len ? key.mv_size : day_len;
    int cmp = memcmp(key.mv_data, day, n);
    if (cmp > 0 || (cmp == 0 && key.mv_size > day_len + 9))
      break;
    found = val;
  }
  int result = rc == 0 || rc == MDB_NOTFOUND ? 0 : dbn_lmdb_error(rc);
  if (result == 0 && !found.mv_data)
    result = DBN_ENOTFOUND;
  if (result == 0 && dbn_wire_scoring_rules_unpack(found.mv_data, found.mv_size, rules_p))
    result = DBN_ECORRUPT;
  mdb_cursor_close(cursor);
  return result;
}

int
dbn_store_plan_exists(dbn_store_txn_t *txn, const char *plan_id, bool *exists_p)
{
  MDB_val key = dbn_store_string_key(plan_id), val;
  *exists_p = false;
  if (key.mv_size == 0 || key.mv_size > DBN_STORE_MAX_KEY)
    return 0;
  int rc = dbn_store_get_raw(txn, DBI_PLANS, &key, &val);
  if (rc == DBN_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  *exists_p = true;
  return 0;
}

int
dbn_store_task_resolve(dbn_store_txn_t *txn, const char *text, char **id_p, size_t *matches_p)
{
  *id_p = NULL;
  *matches_p = 0;
  if (strchr(text, ':')) {
    *id_p = strdup(text);
    *matches_p = 1;
    return *id_p ? 0 : DBN_ENOMEM;
  }
  if (!txn->store->dbis_open)
    return DBN_ENOTFOUND;
  /* A plan has hundreds of tasks and a log a handful of plans: try the
   * short id under each plan rather than keeping an index of short ids. */
  MDB_cursor *cursor;
  int rc = mdb_cursor_open(txn->txn, txn->store->dbi[DBI_PLANS], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  MDB_val key, val;
  int result = 0;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST); rc == 0 && result == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    size_t len = key.mv_size + 1 + strlen(text);
    char *candidate = malloc(len + 1);
    if (!candidate) {
      result = DBN_ENOMEM;
      break;
    }
    snprintf(candidate, len + 1, "%.*s:%s", (int)key.mv_size, (const char *)key.mv_data, text);
    MDB_val task_key = dbn_store_string_key(candidate), task_val;
    if (len <= DBN_STORE_MAX_KEY && dbn_store_get_raw(txn, DBI_TASKS, &task_key, &task_val) == 0) {
      (*matches_p)++;
      free(*id_p);
      *id_p = candidate;
    } else {
      free(candidate);
    }
  }
  mdb_cursor_close(cursor);
  if (result == 0 && rc != MDB_NOTFOUND)
    result = dbn_lmdb_error(rc);
  if (result == 0 && *matches_p != 1)
    result = *matches_p == 0 ? DBN_ENOTFOUND : DBN_EEXIST;
  if (result) {
    free(*id_p);
    *id_p = NULL;
  }
  return result;
}

int
dbn_store_dedup_get(dbn_store_txn_t *txn, const char *identity, const char *request_id, uint64_t *seq_p)
{
  char *buf;
  MDB_val key, val;
  int rc = dbn_store_pair_key(identity, request_id, &buf, &key);
  if (rc)
    return rc == DBN_ETOOBIG ? DBN_ENOTFOUND : rc;
  rc = dbn_store_get_raw(txn, DBI_DEDUP, &key, &val);
  free(buf);
  if (rc)
    return rc;
  if (val.mv_size != 8)
    return DBN_ECORRUPT;
  *seq_p = dbn_be64_get(val.mv_data);
  return 0;
}

int
dbn_store_clock_get(dbn_store_txn_t *txn, int64_t *now_p)
{
  MDB_val key = dbn_store_string_key("clock"), val;
  *now_p = 0;
  int rc = dbn_store_get_raw(txn, DBI_META, &key, &val);
  if (rc == DBN_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (val.mv_size != 8)
    return DBN_ECORRUPT;
  *now_p = (int64_t)dbn_be64_get(val.mv_data);
  return 0;
}

/* ---- the log ---- */

int
dbn_store_event_get(dbn_store_txn_t *txn, uint64_t seq, Duban__Event **event_p)
{
  uint8_t key_be[8];
  dbn_be64_put(key_be, seq);
  MDB_val key = {8, key_be}, val;
  int rc = dbn_store_get_raw(txn, DBI_EVENTS, &key, &val);
  if (rc)
    return rc;
  return dbn_wire_event_unpack(val.mv_data, val.mv_size, event_p) ? DBN_ECORRUPT : 0;
}

int
dbn_store_events_foreach(dbn_store_txn_t *txn, uint64_t after_seq, uint64_t max_count, dbn_store_event_fn fn,
                         void *arg)
{
  if (!txn->store->dbis_open)
    return 0;
  MDB_cursor *cursor;
  int rc = mdb_cursor_open(txn->txn, txn->store->dbi[DBI_EVENTS], &cursor);
  if (rc)
    return dbn_lmdb_error(rc);
  uint8_t start[8];
  dbn_be64_put(start, after_seq + 1);
  MDB_val key = {8, start}, val;
  uint64_t done = 0;
  int result = 0;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    if (max_count && done >= max_count)
      break;
    if (key.mv_size != 8) {
      result = DBN_ECORRUPT;
      break;
    }
    result = fn(arg, dbn_be64_get(key.mv_data), val.mv_data, val.mv_size);
    done++;
    if (result)
      break;
  }
  mdb_cursor_close(cursor);
  if (result == 1)
    return 0;
  if (result)
    return result;
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : dbn_lmdb_error(rc);
}

/* ---- appending ---- */

void
dbn_store_subject_clear(dbn_store_subject_t *subject)
{
  if (!subject)
    return;
  dbn_wire_task_free(&subject->task);
  dbn_wire_escalation_free(&subject->escalation);
}

/* Store the packed event under its seq and move the head record to it. */
static int
put_event(dbn_store_txn_t *txn, Duban__Event *event, uint8_t hash[DBN_HASH_BYTES])
{
  uint8_t *buf;
  size_t len;
  int rc = dbn_wire_pack(&event->base, &buf, &len);
  if (rc)
    return rc;
  uint8_t head[8 + DBN_HASH_BYTES];
  dbn_be64_put(head, event->seq);
  MDB_val key = {8, head}, val = {len, buf};
  rc = dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_EVENTS], &key, &val, MDB_APPEND));
  if (rc == 0)
    dbn_crypto_hash(txn->store->crypto, buf, len, hash);
  free(buf);
  if (rc)
    return rc;
  memcpy(head + 8, hash, DBN_HASH_BYTES);
  MDB_val head_key = dbn_store_string_key("head"), head_val = {sizeof head, head};
  return dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_META], &head_key, &head_val, 0));
}

int
dbn_store_append_with(dbn_store_txn_t *txn, Duban__Event *event, dbn_store_subject_t *subject)
{
  int rc = !txn->write ? DBN_EPERM : txn->error;
  if (rc) {
    dbn_store_subject_clear(subject);
    return rc;
  }
  memcpy(txn->prev_hash, txn->head_hash, DBN_HASH_BYTES);
  event->version = DBN_PROTOCOL_VERSION;
  event->seq = txn->head_seq + 1;
  event->prev_hash.data = txn->prev_hash;
  event->prev_hash.len = DBN_HASH_BYTES;
  if (!event->actor)
    event->actor = "";
  if (!event->request_id)
    event->request_id = "";
  /* The first event of a new log says what the log is; the caller's event
   * does not keep a pointer to this function's header. */
  Duban__LogHeader header = DUBAN__LOG_HEADER__INIT;
  bool add_header = event->seq == 1 && txn->store->log_clock && !event->log_header;
  if (add_header) {
    header.format_version = DBN_LOG_FORMAT_VERSION;
    header.clock = (char *)txn->store->log_clock;
    /* The profile dbn_store_choose_crypto chose (the default without it). */
    header.crypto =
        (char *)(txn->store->log_crypto ? txn->store->log_crypto : dbn_crypto_name(txn->store->crypto));
    event->log_header = &header;
  }

  uint8_t hash[DBN_HASH_BYTES];
  Duban__LogHeader *callers_header = event->log_header;
  rc = dbn_store_log_header_attach(txn, event);
  if (rc == 0)
    rc = put_event(txn, event, hash);
  event->log_header = callers_header; /* the store's header stays the store's */
  if (rc == 0)
    rc = dbn_store_apply_event(txn, event, subject);
  else
    dbn_store_subject_clear(subject);
  if (add_header)
    event->log_header = NULL;
  if (rc)
    return dbn_store_txn_poison(txn, rc);
  txn->head_seq = event->seq;
  memcpy(txn->head_hash, hash, DBN_HASH_BYTES);
  return 0;
}

int
dbn_store_append(dbn_store_txn_t *txn, Duban__Event *event)
{
  return dbn_store_append_with(txn, event, NULL);
}
