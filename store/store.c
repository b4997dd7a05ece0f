/* store.c: the LMDB event log and its views; see store.h.
 *
 * One LMDB environment holds nine named databases:
 *   events            be64 seq            -> packed Event (append only)
 *   meta              "head"              -> be64 seq + 32-byte hash of that event
 *                     "clock"             -> be64 broker clock (seconds)
 *   tasks             task id             -> packed Task: what changes (state,
 *                                            percent, figures, unit, flags)
 *   task_defs         task id             -> packed Task: what the plan fixed
 *                                            (text, milestones, targets, measure)
 *   unit_tasks        unit code \0 task id -> ""
 *   escalations       be64 id             -> packed Escalation
 *   open_escalations  be64 id             -> ""
 *   units             unit code           -> packed Unit
 *   plans             plan id             -> plan title
 *   dedup             identity \0 req id  -> be64 seq
 * Everything but events and meta.head is a view: apply_event() is the only
 * code that writes them, and verify rebuilds them with the same function. */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 20)

enum view_dbi {
  DBI_EVENTS,
  DBI_META,
  DBI_TASKS,
  DBI_TASK_DEFS,
  DBI_UNIT_TASKS,
  DBI_ESCALATIONS,
  DBI_OPEN_ESCALATIONS,
  DBI_UNITS,
  DBI_PLANS,
  DBI_DEDUP,
  DBI_COUNT
};

static const char *const dbi_names[DBI_COUNT] = {
    "events",           "meta",  "tasks", "task_defs", "unit_tasks", "escalations",
    "open_escalations", "units", "plans", "dedup",
};

struct dbn_store {
  MDB_env *env;           /* the environment; one per store */
  MDB_dbi dbi[DBI_COUNT]; /* handles of the named databases */
  bool read_only;         /* opened for audit */
  bool dbis_open;         /* false for a read-only store of a log not yet created */
  size_t map_size;        /* current map size in bytes */
  size_t map_max;         /* cap on growth in bytes; 0 = none */
};

struct dbn_store_txn {
  dbn_store_t *store;                /* borrowed */
  MDB_txn *txn;                      /* the LMDB transaction */
  bool write;                        /* a write transaction */
  uint64_t head_seq;                 /* last seq as this transaction sees it */
  uint8_t head_hash[DBN_HASH_BYTES]; /* its hash; next event's prev_hash */
  uint8_t prev_hash[DBN_HASH_BYTES]; /* backing store for the last appended event's prev_hash */
};

/* ---- helpers ---- */

static int
from_mdb(int rc)
{
  switch (rc) {
  case MDB_SUCCESS: return 0;
  case MDB_NOTFOUND: return DBN_ENOTFOUND;
  case MDB_MAP_FULL: return DBN_EMAPFULL;
  case ENOSPC: return DBN_EDISKFULL;
  case ENOMEM: return DBN_ENOMEM;
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INVALID: return DBN_ECORRUPT;
  case MDB_VERSION_MISMATCH: return DBN_EVERSION;
  case EACCES:
  case EROFS: return DBN_EPERM;
  default: return DBN_EIO;
  }
}

static void
put_be64(uint8_t out[8], uint64_t v)
{
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
}

static uint64_t
get_be64(const uint8_t in[8])
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | in[i];
  return v;
}

void
dbn_store_hash(const uint8_t *bytes, size_t len, uint8_t out[DBN_HASH_BYTES])
{
  crypto_generichash(out, DBN_HASH_BYTES, bytes, len, NULL, 0);
}

static int
put_packed(dbn_store_txn_t *txn, enum view_dbi which, MDB_val *key, const ProtobufCMessage *msg)
{
  uint8_t *buf;
  size_t len;
  int rc = dbn_wire_pack(msg, &buf, &len);
  if (rc)
    return rc;
  MDB_val val = {len, buf};
  rc = mdb_put(txn->txn, txn->store->dbi[which], key, &val, 0);
  free(buf);
  return from_mdb(rc);
}

static MDB_val
string_key(const char *s)
{
  MDB_val key = {strlen(s), (void *)s};
  return key;
}

/* "a\0b" keys: the NUL keeps "unit:A" + "1" apart from "unit:A1" + "". */
static int
pair_key(const char *a, const char *b, char **buf_p, MDB_val *key)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la + lb + 1 > 511) /* LMDB's default maximum key size */
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

static int
open_dbis(dbn_store_t *store)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(store->env, NULL, store->read_only ? MDB_RDONLY : 0, &txn);
  if (rc)
    return from_mdb(rc);
  for (int i = 0; i < DBI_COUNT; i++) {
    rc = mdb_dbi_open(txn, dbi_names[i], store->read_only ? 0 : MDB_CREATE, &store->dbi[i]);
    if (rc) {
      mdb_txn_abort(txn);
      /* A read-only open of a log the broker has not created yet. */
      if (rc == MDB_NOTFOUND && store->read_only)
        return 0;
      return from_mdb(rc);
    }
  }
  rc = mdb_txn_commit(txn);
  if (rc)
    return from_mdb(rc);
  store->dbis_open = true;
  return 0;
}

int
dbn_store_open(dbn_store_t **store_p, const char *dir, const dbn_store_options_t *options)
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
  if (store->map_max && store->map_size > store->map_max)
    store->map_size = store->map_max;

  int rc = mdb_env_create(&store->env);
  if (rc) {
    free(store);
    return from_mdb(rc);
  }
  mdb_env_set_maxdbs(store->env, DBI_COUNT + 2);
  mdb_env_set_maxreaders(store->env, 256);
  mdb_env_set_mapsize(store->env, store->map_size);
  /* MDB_NOTLS: read transactions are owned by our objects, not by threads.
   * Never MDB_WRITEMAP: with it a full disk becomes SIGBUS, not an error. */
  unsigned flags = MDB_NOTLS;
  if (options->read_only)
    flags |= MDB_RDONLY;
  if (options->no_sync)
    flags |= MDB_NOSYNC;
  rc = mdb_env_open(store->env, dir, flags, 0600);
  if (rc) {
    mdb_env_close(store->env);
    free(store);
    return rc == ENOENT ? DBN_ENOTFOUND : from_mdb(rc);
  }
  /* Another process may have grown the map: adopt the size in the file. */
  MDB_envinfo info;
  if (mdb_env_info(store->env, &info) == 0 && info.me_mapsize > store->map_size)
    store->map_size = info.me_mapsize;

  int stale;
  mdb_reader_check(store->env, &stale);
  rc = open_dbis(store);
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
  mdb_env_close((*store_p)->env);
  free(*store_p);
  *store_p = NULL;
}

size_t
dbn_store_map_size(dbn_store_t *store)
{
  return store->map_size;
}

int
dbn_store_grow(dbn_store_t *store)
{
  size_t bigger = store->map_size * 2;
  /* An operator's cap bounds the log's file: at the cap the map is full. */
  if (store->map_max && bigger > store->map_max)
    bigger = store->map_max;
  if (bigger <= store->map_size)
    return DBN_EMAPFULL;
  /* mdb_env_set_mapsize unmaps the old map before it maps the new one, and
   * when that mmap fails (no address space left) it leaves the environment
   * with no map at all: the next transaction reads through NULL. So first
   * make sure the bigger map fits, with a reservation that costs no memory;
   * if it does not, the map is full and stays usable at its present size. */
  void *probe = mmap(NULL, bigger, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe == MAP_FAILED)
    return DBN_EMAPFULL;
  munmap(probe, bigger);
  int rc = mdb_env_set_mapsize(store->env, bigger);
  if (rc)
    return from_mdb(rc);
  store->map_size = bigger;
  return 0;
}

int
dbn_store_reader_check(dbn_store_t *store, int *cleared_p)
{
  int cleared = 0;
  int rc = mdb_reader_check(store->env, &cleared);
  if (cleared_p)
    *cleared_p = cleared;
  return from_mdb(rc);
}

/* ---- transactions ---- */

static int
read_head(dbn_store_txn_t *txn)
{
  txn->head_seq = 0;
  memset(txn->head_hash, 0, sizeof txn->head_hash);
  if (!txn->store->dbis_open)
    return 0;
  MDB_val key = string_key("head"), val;
  int rc = mdb_get(txn->txn, txn->store->dbi[DBI_META], &key, &val);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return from_mdb(rc);
  if (val.mv_size != 8 + DBN_HASH_BYTES)
    return DBN_ECORRUPT;
  txn->head_seq = get_be64(val.mv_data);
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
    /* A writer in another process grew the map since we opened it. */
    mdb_env_set_mapsize(store->env, 0);
    rc = mdb_txn_begin(store->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
  }
  if (rc) {
    free(txn);
    return from_mdb(rc);
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
      return from_mdb(rc);
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

int
dbn_store_commit(dbn_store_txn_t **txn_p)
{
  dbn_store_txn_t *txn = *txn_p;
  int rc = mdb_txn_commit(txn->txn);
  free(txn);
  *txn_p = NULL;
  return from_mdb(rc);
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

static int
get_raw(dbn_store_txn_t *txn, enum view_dbi which, MDB_val *key, MDB_val *val)
{
  if (!txn->store->dbis_open)
    return DBN_ENOTFOUND;
  return from_mdb(mdb_get(txn->txn, txn->store->dbi[which], key, val));
}

/* A task as callers see it: its definition and its state. Packed protobuf
 * messages concatenate into their merge, so the two stored halves are
 * joined as bytes and decoded once. */
static int
task_merge(dbn_store_txn_t *txn, const MDB_val *key, const MDB_val *state, Duban__Task **task_p)
{
  MDB_val def;
  int rc = get_raw(txn, DBI_TASK_DEFS, (MDB_val *)key, &def);
  if (rc)
    return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
  uint8_t stack[4096];
  size_t len = def.mv_size + state->mv_size;
  uint8_t *buf = len <= sizeof stack ? stack : malloc(len);
  if (!buf)
    return DBN_ENOMEM;
  memcpy(buf, def.mv_data, def.mv_size);
  memcpy(buf + def.mv_size, state->mv_data, state->mv_size);
  Duban__Task *task = duban__task__unpack(NULL, len, buf);
  if (buf != stack)
    free(buf);
  if (!task)
    return DBN_ECORRUPT;
  *task_p = task;
  return 0;
}

int
dbn_store_task_get(dbn_store_txn_t *txn, const char *task_id, Duban__Task **task_p)
{
  MDB_val key = string_key(task_id), val;
  if (key.mv_size == 0 || key.mv_size > 511)
    return DBN_ENOTFOUND;
  int rc = get_raw(txn, DBI_TASKS, &key, &val);
  if (rc)
    return rc;
  return task_merge(txn, &key, &val, task_p);
}

int
dbn_store_task_state_get(dbn_store_txn_t *txn, const char *task_id, Duban__Task **task_p)
{
  MDB_val key = string_key(task_id), val;
  if (key.mv_size == 0 || key.mv_size > 511)
    return DBN_ENOTFOUND;
  int rc = get_raw(txn, DBI_TASKS, &key, &val);
  if (rc)
    return rc;
  Duban__Task *task = duban__task__unpack(NULL, val.mv_size, val.mv_data);
  if (!task)
    return DBN_ECORRUPT;
  *task_p = task;
  return 0;
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

static void
free_messages(void **items, size_t count)
{
  for (size_t i = 0; i < count; i++)
    protobuf_c_message_free_unpacked(items[i], NULL);
  free(items);
}

/* Add msg, taking ownership: on failure it is freed. */
static int
collect(struct collected *c, void *msg)
{
  int rc = grow_array(&c->items, &c->cap, c->count);
  if (rc) {
    protobuf_c_message_free_unpacked(msg, NULL);
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
    result = from_mdb(last_rc);
  if (result) {
    free_messages(c->items, c->count);
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
    return from_mdb(rc);

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
      if ((result = get_raw(txn, DBI_TASKS, &task_key, &task_val)) ||
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
  free_messages((void **)tasks, count);
}

int
dbn_store_escalation_get(dbn_store_txn_t *txn, uint64_t id, Duban__Escalation **escalation_p)
{
  uint8_t id_be[8];
  put_be64(id_be, id);
  MDB_val key = {8, id_be}, val;
  int rc = get_raw(txn, DBI_ESCALATIONS, &key, &val);
  if (rc)
    return rc;
  Duban__Escalation *e = duban__escalation__unpack(NULL, val.mv_size, val.mv_data);
  if (!e)
    return DBN_ECORRUPT;
  *escalation_p = e;
  return 0;
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
    return from_mdb(rc);
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
    if ((result = dbn_store_escalation_get(txn, get_be64(key.mv_data), &e)) || (result = collect(&items, e)))
      break;
  }
  return collect_finish(cursor, rc, result, &items, (void ***)escalations_p, count_p);
}

void
dbn_store_escalations_free(Duban__Escalation **escalations, size_t count)
{
  free_messages((void **)escalations, count);
}

int
dbn_store_unit_get(dbn_store_txn_t *txn, const char *code, Duban__Unit **unit_p)
{
  MDB_val key = string_key(code), val;
  if (key.mv_size == 0 || key.mv_size > 511)
    return DBN_ENOTFOUND;
  int rc = get_raw(txn, DBI_UNITS, &key, &val);
  if (rc)
    return rc;
  Duban__Unit *unit = duban__unit__unpack(NULL, val.mv_size, val.mv_data);
  if (!unit)
    return DBN_ECORRUPT;
  *unit_p = unit;
  return 0;
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
    return from_mdb(rc);
  struct collected units = {0};
  int result = 0;
  MDB_val key, val;
  for (rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
    Duban__Unit *unit = duban__unit__unpack(NULL, val.mv_size, val.mv_data);
    if (!unit) {
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
    duban__unit__free_unpacked(unit, NULL);
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
  free_messages((void **)units, count);
}

int
dbn_store_plan_exists(dbn_store_txn_t *txn, const char *plan_id, bool *exists_p)
{
  MDB_val key = string_key(plan_id), val;
  *exists_p = false;
  if (key.mv_size == 0 || key.mv_size > 511)
    return 0;
  int rc = get_raw(txn, DBI_PLANS, &key, &val);
  if (rc == DBN_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  *exists_p = true;
  return 0;
}

int
dbn_store_dedup_get(dbn_store_txn_t *txn, const char *identity, const char *request_id, uint64_t *seq_p)
{
  char *buf;
  MDB_val key, val;
  int rc = pair_key(identity, request_id, &buf, &key);
  if (rc)
    return rc == DBN_ETOOBIG ? DBN_ENOTFOUND : rc;
  rc = get_raw(txn, DBI_DEDUP, &key, &val);
  free(buf);
  if (rc)
    return rc;
  if (val.mv_size != 8)
    return DBN_ECORRUPT;
  *seq_p = get_be64(val.mv_data);
  return 0;
}

int
dbn_store_clock_get(dbn_store_txn_t *txn, int64_t *now_p)
{
  MDB_val key = string_key("clock"), val;
  *now_p = 0;
  int rc = get_raw(txn, DBI_META, &key, &val);
  if (rc == DBN_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (val.mv_size != 8)
    return DBN_ECORRUPT;
  *now_p = (int64_t)get_be64(val.mv_data);
  return 0;
}

/* ---- the log ---- */

int
dbn_store_event_get(dbn_store_txn_t *txn, uint64_t seq, Duban__Event **event_p)
{
  uint8_t key_be[8];
  put_be64(key_be, seq);
  MDB_val key = {8, key_be}, val;
  int rc = get_raw(txn, DBI_EVENTS, &key, &val);
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
    return from_mdb(rc);
  uint8_t start[8];
  put_be64(start, after_seq + 1);
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
    result = fn(arg, get_be64(key.mv_data), val.mv_data, val.mv_size);
    done++;
    if (result)
      break;
  }
  mdb_cursor_close(cursor);
  if (result == 1)
    return 0;
  if (result)
    return result;
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : from_mdb(rc);
}

/* ---- applying an event to the views ---- */

/* Store a task's state half: everything but what the plan fixed, which
 * task_def_put stores once. Every change to a task (a progress report, a
 * claim) then packs and writes a few dozen bytes, not the whole action. */
static int
task_put(dbn_store_txn_t *txn, const Duban__Task *task)
{
  Duban__Task state = *task;
  state.plan = state.section = state.measure = state.number = state.text = state.measure_text = "";
  state.n_lead = state.n_milestones = state.n_targets = 0;
  MDB_val key = string_key(task->id);
  return put_packed(txn, DBI_TASKS, &key, &state.base);
}

static int
task_def_put(dbn_store_txn_t *txn, const Duban__Task *task)
{
  Duban__Task def = DUBAN__TASK__INIT;
  def.id = task->id;
  def.plan = task->plan;
  def.section = task->section;
  def.measure = task->measure;
  def.number = task->number;
  def.text = task->text;
  def.measure_text = task->measure_text;
  def.n_lead = task->n_lead;
  def.lead = task->lead;
  def.n_milestones = task->n_milestones;
  def.milestones = task->milestones;
  def.n_targets = task->n_targets;
  def.targets = task->targets;
  MDB_val key = string_key(task->id);
  return put_packed(txn, DBI_TASK_DEFS, &key, &def.base);
}

static int
unit_task_index(dbn_store_txn_t *txn, const char *unit, const char *task_id, bool add)
{
  char *buf;
  MDB_val key, empty = {0, ""};
  int rc = pair_key(unit, task_id, &buf, &key);
  if (rc)
    return rc;
  rc = add ? mdb_put(txn->txn, txn->store->dbi[DBI_UNIT_TASKS], &key, &empty, 0)
           : mdb_del(txn->txn, txn->store->dbi[DBI_UNIT_TASKS], &key, NULL);
  free(buf);
  return from_mdb(rc == MDB_NOTFOUND && !add ? 0 : rc);
}

static int
escalation_put(dbn_store_txn_t *txn, const Duban__Escalation *e)
{
  uint8_t id_be[8];
  put_be64(id_be, e->id);
  MDB_val key = {8, id_be}, empty = {0, ""};
  int rc = put_packed(txn, DBI_ESCALATIONS, &key, &e->base);
  if (rc)
    return rc;
  if (e->state == DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED)
    rc = mdb_del(txn->txn, txn->store->dbi[DBI_OPEN_ESCALATIONS], &key, NULL);
  else
    rc = mdb_put(txn->txn, txn->store->dbi[DBI_OPEN_ESCALATIONS], &key, &empty, 0);
  return from_mdb(rc == MDB_NOTFOUND ? 0 : rc);
}

/* A plan becomes one Task per action. The Task borrows the plan's strings
 * and arrays, so nothing is copied; it is packed before the plan is freed. */
static int
apply_plan(dbn_store_txn_t *txn, const Duban__Event *event, const Duban__Plan *plan)
{
  int rc;
  for (size_t u = 0; u < plan->n_units; u++) {
    MDB_val key = string_key(plan->units[u]->code);
    if ((rc = put_packed(txn, DBI_UNITS, &key, &plan->units[u]->base)))
      return rc;
  }
  MDB_val plan_key = string_key(plan->id), title = string_key(plan->title);
  if ((rc = from_mdb(mdb_put(txn->txn, txn->store->dbi[DBI_PLANS], &plan_key, &title, 0))))
    return rc;

  for (size_t s = 0; s < plan->n_sections; s++) {
    const Duban__Section *section = plan->sections[s];
    for (size_t m = 0; m < section->n_measures; m++) {
      const Duban__Measure *measure = section->measures[m];
      for (size_t a = 0; a < measure->n_actions; a++) {
        const Duban__Action *action = measure->actions[a];
        Duban__Task task = DUBAN__TASK__INIT;
        task.id = action->id;
        task.plan = plan->id;
        task.section = section->number;
        task.measure = measure->number;
        task.number = action->number;
        task.text = action->text;
        task.unit = action->unit;
        task.n_lead = measure->n_lead;
        task.lead = measure->lead;
        task.n_milestones = action->n_milestones;
        task.milestones = action->milestones;
        task.n_targets = action->n_targets;
        task.targets = action->targets;
        task.measure_text = measure->text;
        task.state = DUBAN__TASK_STATE__TASK_ASSIGNED;
        task.updated_seq = event->seq;
        task.updated_at = event->time;
        if ((rc = task_def_put(txn, &task)) || (rc = task_put(txn, &task)) ||
            (rc = unit_task_index(txn, action->unit, action->id, true)))
          return rc;
      }
    }
  }
  return 0;
}

/* Progress figures replace the earlier figure of the same `what` and keep
 * the others: a report on one target must not erase another's figure. The
 * merged array borrows the Figures of both messages. */
static int
apply_figures(Duban__Task *task, const Duban__Progress *progress, Duban__Figure ***merged_p)
{
  size_t cap = task->n_figures + progress->n_figures;
  Duban__Figure **merged = malloc((cap ? cap : 1) * sizeof *merged);
  if (!merged)
    return DBN_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < task->n_figures; i++)
    merged[n++] = task->figures[i];
  for (size_t k = 0; k < progress->n_figures; k++) {
    size_t i;
    for (i = 0; i < n; i++)
      if (strcmp(merged[i]->what, progress->figures[k]->what) == 0)
        break;
    merged[i] = progress->figures[k];
    if (i == n)
      n++;
  }
  *merged_p = merged;
  task->n_figures = n;
  task->figures = merged;
  return 0;
}

static const char *
event_task_id(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_CLAIMED: return event->claimed->task;
  case DUBAN__EVENT__BODY_PROGRESS: return event->progress->task;
  case DUBAN__EVENT__BODY_SUBMITTED: return event->submitted->task;
  case DUBAN__EVENT__BODY_ESCALATED: return event->escalated->task;
  case DUBAN__EVENT__BODY_REMINDED: return event->reminded->task;
  case DUBAN__EVENT__BODY_ACCEPTED: return event->accepted->task;
  case DUBAN__EVENT__BODY_REJECTED: return event->rejected->task;
  case DUBAN__EVENT__BODY_REASSIGNED: return event->reassigned->task;
  case DUBAN__EVENT__BODY_DEADLINE_WARNING: return event->deadline_warning->task;
  default: return NULL;
  }
}

static int
apply_escalation_change(dbn_store_txn_t *txn, const Duban__Event *event)
{
  bool resolve = event->body_case == DUBAN__EVENT__BODY_RESOLVED;
  bool level_up = event->body_case == DUBAN__EVENT__BODY_ESCALATION_LEVEL;
  uint64_t id = resolve    ? event->resolved->escalation
                : level_up ? event->escalation_level->escalation
                           : event->acknowledged->escalation;
  const char *note = resolve ? event->resolved->note : level_up ? NULL : event->acknowledged->note;
  Duban__Escalation *e;
  int rc = dbn_store_escalation_get(txn, id, &e);
  if (rc)
    return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
  if (level_up) {
    e->level = event->escalation_level->level;
    e->updated_seq = event->seq;
    rc = escalation_put(txn, e);
    duban__escalation__free_unpacked(e, NULL);
    return rc;
  }
  char *old_note = e->note;
  e->state = resolve ? DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED
                     : DUBAN__ESCALATION_STATE__ESCALATION_ACKNOWLEDGED;
  e->updated_seq = event->seq;
  if (note && *note)
    e->note = (char *)note;
  rc = escalation_put(txn, e);
  e->note = old_note;
  if (rc == 0 && resolve) {
    Duban__Task *task;
    if ((rc = dbn_store_task_state_get(txn, e->task, &task)) == 0) {
      if (task->open_escalations > 0 && !e->automatic)
        task->open_escalations--;
      if (task->state == DUBAN__TASK_STATE__TASK_BLOCKED && task->open_escalations == 0)
        task->state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
      task->updated_seq = event->seq;
      task->updated_at = event->time;
      rc = task_put(txn, task);
      duban__task__free_unpacked(task, NULL);
    }
  }
  duban__escalation__free_unpacked(e, NULL);
  return rc;
}

/* Changes to one task. Strings that the event provides are swapped into
 * the unpacked task only while it is packed, then swapped back so that
 * free_unpacked frees what it allocated. */
static int
apply_task_change(dbn_store_txn_t *txn, const Duban__Event *event, const char *task_id)
{
  Duban__Task *task;
  int rc = dbn_store_task_state_get(txn, task_id, &task);
  if (rc)
    return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;

  char *old_note = task->note, *old_unit = task->unit;
  size_t old_n_figures = task->n_figures;
  Duban__Figure **old_figures = task->figures, **merged = NULL;
  size_t old_n_warnings = task->n_warnings;
  char **old_warnings = task->warnings, **warnings = NULL, *warning_mark = NULL;
  task->updated_seq = event->seq;
  task->updated_at = event->time;

  switch (event->body_case) {
  case DUBAN__EVENT__BODY_CLAIMED: task->state = DUBAN__TASK_STATE__TASK_CLAIMED; break;
  case DUBAN__EVENT__BODY_PROGRESS:
    task->percent = event->progress->percent;
    if (task->state == DUBAN__TASK_STATE__TASK_CLAIMED || task->state == DUBAN__TASK_STATE__TASK_ASSIGNED)
      task->state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
    if (*event->progress->note)
      task->note = event->progress->note;
    rc = apply_figures(task, event->progress, &merged);
    break;
  case DUBAN__EVENT__BODY_SUBMITTED:
    task->state = DUBAN__TASK_STATE__TASK_SUBMITTED;
    if (*event->submitted->note)
      task->note = event->submitted->note;
    break;
  case DUBAN__EVENT__BODY_ESCALATED: {
    Duban__Escalation e = DUBAN__ESCALATION__INIT;
    bool automatic = strcmp(event->actor, "system") == 0;
    e.id = event->seq;
    e.task = event->escalated->task;
    e.category = event->escalated->category;
    e.reason = event->escalated->reason;
    e.state = DUBAN__ESCALATION_STATE__ESCALATION_OPEN;
    e.raised_by = event->actor;
    e.raised_at = event->time;
    e.updated_seq = event->seq;
    e.automatic = automatic;
    rc = escalation_put(txn, &e);
    /* A department's escalation is a block; the deadline monitor's is a
     * warning to coordinators and leaves the task's state alone. */
    if (!automatic) {
      task->open_escalations++;
      if (task->state != DUBAN__TASK_STATE__TASK_SUBMITTED && task->state != DUBAN__TASK_STATE__TASK_DONE)
        task->state = DUBAN__TASK_STATE__TASK_BLOCKED;
    }
    break;
  }
  case DUBAN__EVENT__BODY_REMINDED: task->reminders++; break;
  case DUBAN__EVENT__BODY_ACCEPTED:
    task->state = DUBAN__TASK_STATE__TASK_DONE;
    task->overdue = false;
    break;
  case DUBAN__EVENT__BODY_REJECTED: task->state = DUBAN__TASK_STATE__TASK_IN_PROGRESS; break;
  case DUBAN__EVENT__BODY_REASSIGNED:
    if ((rc = unit_task_index(txn, task->unit, task->id, false)) == 0)
      rc = unit_task_index(txn, event->reassigned->unit, task->id, true);
    task->unit = event->reassigned->unit;
    task->state = DUBAN__TASK_STATE__TASK_ASSIGNED;
    break;
  case DUBAN__EVENT__BODY_DEADLINE_WARNING: {
    const Duban__DeadlineWarning *warning = event->deadline_warning;
    if (strcmp(warning->level, "red") == 0)
      task->overdue = true;
    /* Remember "due/level" so that the monitor raises each warning once. */
    size_t mark_len = strlen(warning->due) + strlen(warning->level) + 2;
    warning_mark = malloc(mark_len);
    warnings = malloc((task->n_warnings + 1) * sizeof *warnings);
    if (!warning_mark || !warnings) {
      rc = DBN_ENOMEM;
      break;
    }
    snprintf(warning_mark, mark_len, "%s/%s", warning->due, warning->level);
    if (task->n_warnings) /* memcpy from NULL is undefined, even of 0 bytes */
      memcpy(warnings, task->warnings, task->n_warnings * sizeof *warnings);
    warnings[task->n_warnings++] = warning_mark;
    task->warnings = warnings;
    break;
  }
  default: rc = DBN_EINTERNAL;
  }
  if (rc == 0)
    rc = task_put(txn, task);
  task->note = old_note;
  task->unit = old_unit;
  task->n_figures = old_n_figures;
  task->figures = old_figures;
  task->n_warnings = old_n_warnings;
  task->warnings = old_warnings;
  free(merged);
  free(warnings);
  free(warning_mark);
  duban__task__free_unpacked(task, NULL);
  return rc;
}

static int
clock_put(dbn_store_txn_t *txn, int64_t now)
{
  int64_t current;
  int rc = dbn_store_clock_get(txn, &current);
  if (rc)
    return rc;
  if (now <= current)
    return 0;
  uint8_t be[8];
  put_be64(be, (uint64_t)now);
  MDB_val key = string_key("clock"), val = {8, be};
  return from_mdb(mdb_put(txn->txn, txn->store->dbi[DBI_META], &key, &val, 0));
}

/* The one function that writes views: live appends and verify's rebuild
 * both come through here, which is what makes the rebuild exact. */
static int
apply_event(dbn_store_txn_t *txn, const Duban__Event *event)
{
  int rc;
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_PLAN_LOADED:
    rc = event->plan_loaded->plan ? apply_plan(txn, event, event->plan_loaded->plan) : DBN_ECORRUPT;
    break;
  case DUBAN__EVENT__BODY_ACKNOWLEDGED:
  case DUBAN__EVENT__BODY_RESOLVED:
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL: rc = apply_escalation_change(txn, event); break;
  case DUBAN__EVENT__BODY_CLOCK_ADVANCED:
    rc = clock_put(txn, event->time + event->clock_advanced->seconds);
    break;
  default: {
    const char *task_id = event_task_id(event);
    rc = task_id ? apply_task_change(txn, event, task_id) : DBN_ECORRUPT;
  }
  }
  if (rc == 0)
    rc = clock_put(txn, event->time);
  if (rc == 0 && event->request_id && *event->request_id) {
    char *buf;
    MDB_val key;
    uint8_t seq_be[8];
    put_be64(seq_be, event->seq);
    MDB_val val = {8, seq_be};
    if ((rc = pair_key(event->actor, event->request_id, &buf, &key)) == 0) {
      rc = from_mdb(mdb_put(txn->txn, txn->store->dbi[DBI_DEDUP], &key, &val, 0));
      free(buf);
    }
  }
  return rc;
}

int
dbn_store_append(dbn_store_txn_t *txn, Duban__Event *event)
{
  if (!txn->write)
    return DBN_EPERM;
  memcpy(txn->prev_hash, txn->head_hash, DBN_HASH_BYTES);
  event->version = DBN_PROTOCOL_VERSION;
  event->seq = txn->head_seq + 1;
  event->prev_hash.data = txn->prev_hash;
  event->prev_hash.len = DBN_HASH_BYTES;
  if (!event->actor)
    event->actor = "";
  if (!event->request_id)
    event->request_id = "";

  uint8_t *buf;
  size_t len;
  int rc = dbn_wire_pack(&event->base, &buf, &len);
  if (rc)
    return rc;
  uint8_t seq_be[8];
  put_be64(seq_be, event->seq);
  MDB_val key = {8, seq_be}, val = {len, buf};
  rc = from_mdb(mdb_put(txn->txn, txn->store->dbi[DBI_EVENTS], &key, &val, MDB_APPEND));
  uint8_t hash[DBN_HASH_BYTES];
  if (rc == 0)
    dbn_store_hash(buf, len, hash);
  free(buf);
  if (rc)
    return rc;

  uint8_t head[8 + DBN_HASH_BYTES];
  memcpy(head, seq_be, 8);
  memcpy(head + 8, hash, DBN_HASH_BYTES);
  MDB_val head_key = string_key("head"), head_val = {sizeof head, head};
  if ((rc = from_mdb(mdb_put(txn->txn, txn->store->dbi[DBI_META], &head_key, &head_val, 0))))
    return rc;
  if ((rc = apply_event(txn, event)))
    return rc;
  txn->head_seq = event->seq;
  memcpy(txn->head_hash, hash, DBN_HASH_BYTES);
  return 0;
}

/* ---- verify ---- */

/* The rebuild commits every this many events. LMDB keeps a transaction's
 * dirty pages in memory and caches them after commit, and with views of
 * random keys (the retry table) nearly every event dirties its own leaf
 * pages, so the chunk, not the log, sets verify's peak memory: about
 * 2000 x a few 4 KiB pages. */
#define VERIFY_CHUNK_EVENTS 2000

struct verify_walk {
  dbn_verify_report_t *report;       /* where problems go */
  dbn_store_txn_t *rebuild;          /* write txn on the scratch store */
  dbn_store_t *scratch;              /* the scratch store, to commit in chunks */
  uint64_t expected_seq;             /* the next key the chain must have */
  uint8_t prev_hash[DBN_HASH_BYTES]; /* hash of the previous event */
  uint64_t until_seq;                /* stop after this seq; 0 = the head */
  uint64_t broken_link;              /* first seq whose link to its predecessor failed; 0 = none */
  bool rebuild_stopped;              /* views are not rebuilt past a broken link */
  int error;                         /* a non-corruption failure (I/O, memory) */
};

static int verify_fail(dbn_verify_report_t *report, uint64_t seq, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first problem only: later ones are usually its echoes. */
static int
verify_fail(dbn_verify_report_t *report, uint64_t seq, const char *format, ...)
{
  if (report->first_bad_seq == 0) {
    va_list args;
    va_start(args, format);
    report->first_bad_seq = seq;
    vsnprintf(report->problem, sizeof report->problem, format, args);
    va_end(args);
  }
  return DBN_ECORRUPT;
}

static int
verify_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  struct verify_walk *walk = arg;
  dbn_verify_report_t *report = walk->report;
  char detail[128];
  if (walk->until_seq && seq > walk->until_seq)
    return 1;
  if (seq != walk->expected_seq) {
    snprintf(detail, sizeof detail, "%llu follows %llu", (unsigned long long)seq,
             (unsigned long long)(walk->expected_seq - 1));
    return verify_fail(report, walk->expected_seq, "sequence numbers are not consecutive: %s", detail);
  }
  /* The chain needs only seq and prev_hash, read straight off the bytes;
   * the whole event is decoded only when the views are rebuilt. */
  uint64_t event_seq;
  const uint8_t *prev_hash;
  size_t prev_hash_len;
  Duban__Event *event = NULL;
  if (dbn_wire_event_peek(bytes, len, &event_seq, &prev_hash, &prev_hash_len) ||
      (walk->rebuild && dbn_wire_event_unpack(bytes, len, &event)))
    return verify_fail(report, seq, "event does not decode%s", "");
  int rc = 0;
  if (event_seq != seq) {
    snprintf(detail, sizeof detail, "%llu", (unsigned long long)event_seq);
    rc = verify_fail(report, seq, "event stored under this key says it is seq %s", detail);
  } else if (prev_hash_len != DBN_HASH_BYTES || memcmp(prev_hash, walk->prev_hash, DBN_HASH_BYTES) != 0) {
    /* The link into this event is broken: either the event before it was
     * changed, or this one was (its prev_hash field). Which one shows at
     * the next link: a changed event also breaks the link after it. */
    if (walk->broken_link) {
      rc = verify_fail(report, seq - 1, "event %llu was changed: neither link around it holds",
                       (unsigned long long)(seq - 1));
    } else {
      walk->broken_link = seq;
      walk->rebuild_stopped = true;
    }
  } else if (walk->broken_link) {
    rc = verify_fail(report, walk->broken_link - 1,
                     "event %llu was changed: its hash is not the one the next event carries",
                     (unsigned long long)(walk->broken_link - 1));
  } else if (walk->rebuild && !walk->rebuild_stopped) {
    int applied = apply_event(walk->rebuild, event);
    if (applied == DBN_ECORRUPT)
      rc = verify_fail(report, seq, "event cannot be applied to the state before it (%s)",
                       dbn_wire_event_name(event->body_case));
    else if (applied) {
      walk->error = applied;
      rc = applied;
    }
  }
  dbn_wire_event_free(&event);
  if (rc)
    return rc;
  dbn_store_hash(bytes, len, walk->prev_hash);
  walk->expected_seq = seq + 1;
  report->events++;
  /* Commit the scratch rebuild in chunks so its dirty pages stay bounded:
   * replay memory must not grow with the log. */
  if (walk->rebuild && report->events % VERIFY_CHUNK_EVENTS == 0) {
    if ((rc = dbn_store_commit(&walk->rebuild)) ||
        (rc = dbn_store_write_begin(walk->scratch, &walk->rebuild))) {
      walk->error = rc;
      return rc;
    }
  }
  return 0;
}

static uint64_t
value_seq(enum view_dbi which, const MDB_val *val)
{
  if (which == DBI_TASKS) {
    Duban__Task *task = duban__task__unpack(NULL, val->mv_size, val->mv_data);
    uint64_t seq = task ? task->updated_seq : 0;
    if (task)
      duban__task__free_unpacked(task, NULL);
    return seq;
  }
  if (which == DBI_ESCALATIONS) {
    Duban__Escalation *e = duban__escalation__unpack(NULL, val->mv_size, val->mv_data);
    uint64_t seq = e ? e->updated_seq : 0;
    if (e)
      duban__escalation__free_unpacked(e, NULL);
    return seq;
  }
  if (which == DBI_DEDUP && val->mv_size == 8)
    return get_be64(val->mv_data);
  return 0;
}

/* Compare one view of the stored log with its rebuild, key by key. */
static int
compare_view(dbn_store_txn_t *stored, dbn_store_txn_t *rebuilt, enum view_dbi which,
             dbn_verify_report_t *report)
{
  MDB_cursor *a, *b;
  int rc = mdb_cursor_open(stored->txn, stored->store->dbi[which], &a);
  if (rc)
    return from_mdb(rc);
  if ((rc = mdb_cursor_open(rebuilt->txn, rebuilt->store->dbi[which], &b))) {
    mdb_cursor_close(a);
    return from_mdb(rc);
  }
  MDB_val ka, va, kb, vb;
  int ra = mdb_cursor_get(a, &ka, &va, MDB_FIRST);
  int rb = mdb_cursor_get(b, &kb, &vb, MDB_FIRST);
  int result = 0;
  while (ra == 0 || rb == 0) {
    bool same_key =
        ra == 0 && rb == 0 && ka.mv_size == kb.mv_size && memcmp(ka.mv_data, kb.mv_data, ka.mv_size) == 0;
    bool same = same_key && va.mv_size == vb.mv_size && memcmp(va.mv_data, vb.mv_data, va.mv_size) == 0;
    if (!same) {
      MDB_val *key = ra == 0 ? &ka : &kb;
      char printable[96];
      size_t n = key->mv_size < sizeof printable - 1 ? key->mv_size : sizeof printable - 1;
      for (size_t i = 0; i < n; i++) {
        unsigned char c = ((const unsigned char *)key->mv_data)[i];
        printable[i] = c >= 0x20 ? (char)c : '.';
      }
      printable[n] = '\0';
      /* The earlier of the two last-changed seqs is where they part. */
      uint64_t seq_a = ra == 0 ? value_seq(which, &va) : 0;
      uint64_t seq_b = rb == 0 ? value_seq(which, &vb) : 0;
      uint64_t seq = seq_a && (!seq_b || seq_a < seq_b) ? seq_a : seq_b;
      if (seq == 0)
        seq = rebuilt->head_seq ? rebuilt->head_seq : 1;
      char detail[256];
      snprintf(detail, sizeof detail, "view '%s' disagrees with the log at key '%s'", dbi_names[which],
               printable);
      verify_fail(report, seq, "%s", detail);
      result = DBN_ECORRUPT;
      break;
    }
    ra = mdb_cursor_get(a, &ka, &va, MDB_NEXT);
    rb = mdb_cursor_get(b, &kb, &vb, MDB_NEXT);
  }
  mdb_cursor_close(a);
  mdb_cursor_close(b);
  return result;
}

static int
verify_log(const char *dir, const char *scratch_dir, bool rebuild_views, dbn_verify_report_t *report)
{
  memset(report, 0, sizeof *report);
  dbn_store_options_t ro = {.read_only = true};
  dbn_store_t *store;
  int rc = dbn_store_open(&store, dir, &ro);
  if (rc)
    return rc;

  char scratch_path[4096] = "";
  if (!rebuild_views) {
    /* Chain only: no scratch store. */
  } else if (scratch_dir) {
    snprintf(scratch_path, sizeof scratch_path, "%s", scratch_dir);
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch_path, sizeof scratch_path, "%s/duban-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch_path)) {
      dbn_store_destroy(&store);
      return DBN_EIO;
    }
  }
  /* The rebuild needs no durability: it is thrown away. */
  dbn_store_options_t scratch_options = {.no_sync = true, .map_size = dbn_store_map_size(store)};
  dbn_store_t *scratch = NULL;
  dbn_store_txn_t *stored = NULL;
  struct verify_walk walk = {.report = report, .expected_seq = 1};

  rc = rebuild_views ? dbn_store_open(&scratch, scratch_path, &scratch_options) : 0;
  if (rc == 0)
    rc = dbn_store_read_begin(store, &stored);
  if (rc == 0 && rebuild_views)
    rc = dbn_store_write_begin(scratch, &walk.rebuild);
  walk.scratch = scratch;
  if (rc == 0) {
    report->head_seq = stored->head_seq;
    rc = dbn_store_events_foreach(stored, 0, 0, verify_event, &walk);
    if (rc == DBN_ECORRUPT && walk.error)
      rc = walk.error;
  }
  if (rc == 0 && walk.broken_link) {
    /* The break is at the last link: the head record decides, as it holds
     * the last event's hash the way a next event would. */
    uint64_t last = walk.broken_link;
    bool last_changed = memcmp(walk.prev_hash, stored->head_hash, DBN_HASH_BYTES) != 0;
    uint64_t bad = last_changed ? last : last - 1;
    rc = verify_fail(report, bad, "event %llu was changed: the hash chain breaks there",
                     (unsigned long long)bad);
  }
  if (rc == 0 && walk.expected_seq - 1 != stored->head_seq) {
    char detail[64];
    snprintf(detail, sizeof detail, "%llu", (unsigned long long)stored->head_seq);
    rc = verify_fail(report, walk.expected_seq, "the head record says the log ends at %s", detail);
  }
  if (rc == 0 && stored->head_seq && memcmp(walk.prev_hash, stored->head_hash, DBN_HASH_BYTES) != 0)
    rc = verify_fail(report, stored->head_seq, "the last event does not match the head record's hash%s", "");
  if (rc == 0 && rebuild_views) {
    walk.rebuild->head_seq = stored->head_seq;
    for (int v = DBI_META + 1; v < DBI_COUNT && rc == 0; v++)
      rc = compare_view(stored, walk.rebuild, (enum view_dbi)v, report);
  }
  dbn_store_abort(&walk.rebuild);
  dbn_store_abort(&stored);
  dbn_store_destroy(&scratch);
  dbn_store_destroy(&store);
  /* Remove the scratch files (and the directory when we made it). */
  if (*scratch_path)
    dbn_store_remove_files(scratch_path, !scratch_dir);
  return rc;
}

void
dbn_store_remove_files(const char *dir, bool remove_dir)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  if (remove_dir)
    rmdir(dir);
}

int
dbn_store_verify(const char *dir, const char *scratch_dir, dbn_verify_report_t *report)
{
  return verify_log(dir, scratch_dir, true, report);
}

int
dbn_store_verify_chain(const char *dir, dbn_verify_report_t *report)
{
  return verify_log(dir, NULL, false, report);
}

int
dbn_store_rebuild_at(const char *dir, const char *scratch_dir, uint64_t until_seq, dbn_store_t **snapshot_p)
{
  dbn_store_options_t ro = {.read_only = true};
  dbn_store_t *store;
  int rc = dbn_store_open(&store, dir, &ro);
  if (rc)
    return rc;
  dbn_store_options_t scratch_options = {.no_sync = true, .map_size = dbn_store_map_size(store)};
  dbn_store_t *scratch = NULL;
  dbn_store_txn_t *stored = NULL;
  dbn_verify_report_t report;
  memset(&report, 0, sizeof report);
  struct verify_walk walk = {.report = &report, .expected_seq = 1, .until_seq = until_seq};
  rc = dbn_store_open(&scratch, scratch_dir, &scratch_options);
  if (rc == 0)
    rc = dbn_store_read_begin(store, &stored);
  if (rc == 0)
    rc = dbn_store_write_begin(scratch, &walk.rebuild);
  walk.scratch = scratch;
  if (rc == 0) {
    rc = dbn_store_events_foreach(stored, 0, 0, verify_event, &walk);
    if (rc == DBN_ECORRUPT && walk.error)
      rc = walk.error;
    if (rc == 0 && walk.broken_link)
      rc = DBN_ECORRUPT;
  }
  if (rc == 0) {
    /* The snapshot's head is where the rebuild stopped. */
    uint8_t head[8 + DBN_HASH_BYTES];
    put_be64(head, walk.expected_seq - 1);
    memcpy(head + 8, walk.prev_hash, DBN_HASH_BYTES);
    MDB_val key = string_key("head"), val = {sizeof head, head};
    rc = from_mdb(mdb_put(walk.rebuild->txn, scratch->dbi[DBI_META], &key, &val, 0));
  }
  if (rc == 0)
    rc = dbn_store_commit(&walk.rebuild);
  dbn_store_abort(&walk.rebuild);
  dbn_store_abort(&stored);
  dbn_store_destroy(&store);
  if (rc) {
    dbn_store_destroy(&scratch);
    return rc;
  }
  *snapshot_p = scratch;
  return 0;
}
