/* evidence.c: the evidence table and the walks of the log that find the
 * files its events name; see evidence.h. */
#include "evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be64.h"
#include "event_subject.h"
#include "lmdb_env.h"
#include "store_internal.h"
#include "wire.h"

int
dbn_store_evidence_keep(dbn_store_txn_t *txn, const Duban__Request *req)
{
  Duban__EvidenceRef **refs;
  size_t n = dbn_evidence_of_request(req, &refs);
  for (size_t i = 0; i < n; i++) {
    MDB_val key = {refs[i]->hash.len, refs[i]->hash.data};
    MDB_val val = {refs[i]->content.len, refs[i]->content.data};
    if (key.mv_size != DBN_EVIDENCE_HASH_BYTES)
      return dbn_store_txn_poison(txn, DBN_EINTERNAL);
    /* Content-addressed: the same key always holds the same bytes. */
    int rc = mdb_put(txn->txn, txn->store->dbi[DBI_EVIDENCE], &key, &val, MDB_NOOVERWRITE);
    if (rc && rc != MDB_KEYEXIST)
      return dbn_store_txn_poison(txn, dbn_lmdb_error(rc));
  }
  return 0;
}

void
dbn_evidence_hide_content(const Duban__Request *req, dbn_evidence_hidden_t *hidden)
{
  hidden->n = dbn_evidence_of_request(req, &hidden->refs);
  if (hidden->n > DBN_EVIDENCE_MAX_FILES)
    hidden->n = DBN_EVIDENCE_MAX_FILES; /* the check refused more */
  for (size_t i = 0; i < hidden->n; i++) {
    hidden->lens[i] = hidden->refs[i]->content.len;
    hidden->refs[i]->content.len = 0;
  }
}

void
dbn_evidence_restore_content(dbn_evidence_hidden_t *hidden)
{
  for (size_t i = 0; i < hidden->n; i++)
    hidden->refs[i]->content.len = hidden->lens[i];
  hidden->n = 0;
}

int
dbn_store_evidence_get(dbn_store_txn_t *txn, const uint8_t hash[DBN_EVIDENCE_HASH_BYTES], uint8_t **content_p,
                       size_t *len_p)
{
  MDB_val key = {DBN_EVIDENCE_HASH_BYTES, (void *)hash}, val;
  int rc = dbn_store_get_raw(txn, DBI_EVIDENCE, &key, &val);
  if (rc)
    return rc;
  *content_p = malloc(val.mv_size ? val.mv_size : 1);
  if (!*content_p)
    return DBN_ENOMEM;
  memcpy(*content_p, val.mv_data, val.mv_size);
  *len_p = val.mv_size;
  return 0;
}

/* ---- the index (a view: apply.c writes it, a rebuild replays it) ---- */

/* 't' task \0 be64 seq, index: a task's files sort by the event that
 * attached them. */
static int
task_key(const char *task, uint64_t seq, size_t index, uint8_t *buf, size_t buf_len, MDB_val *key)
{
  size_t len = strlen(task);
  if (len + 11 > buf_len || len + 11 > DBN_STORE_MAX_KEY)
    return DBN_ETOOBIG;
  buf[0] = 't';
  memcpy(buf + 1, task, len + 1);
  dbn_be64_put(buf + len + 2, seq);
  buf[len + 10] = (uint8_t)index;
  key->mv_size = len + 11;
  key->mv_data = buf;
  return 0;
}

/* 'h' hash be64 seq, index -> the task: who attached a file, and where. */
static void
hash_key(const uint8_t *hash, uint64_t seq, size_t index, uint8_t buf[42], MDB_val *key)
{
  buf[0] = 'h';
  memcpy(buf + 1, hash, DBN_EVIDENCE_HASH_BYTES);
  dbn_be64_put(buf + 33, seq);
  buf[41] = (uint8_t)index;
  key->mv_size = 42;
  key->mv_data = buf;
}

/* What the index keeps of one file: its reference, and the seq, task and
 * kind of the event, without the content. */
static int
index_one(dbn_store_txn_t *txn, const Duban__Event *event, const char *task, const Duban__EvidenceRef *ref,
          size_t index)
{
  if (ref->hash.len != DBN_EVIDENCE_HASH_BYTES)
    return DBN_ECORRUPT;
  Duban__EvidenceRef meta = *ref;
  meta.content.len = 0;
  meta.seq = event->seq;
  meta.task = (char *)task;
  meta.kind = (char *)dbn_wire_event_name(event->body_case);
  meta.time = event->time;
  uint8_t buf[DBN_STORE_MAX_KEY + 1], hbuf[42];
  MDB_val key, hkey, task_val = dbn_store_string_key(task);
  int rc = task_key(task, event->seq, index, buf, sizeof buf, &key);
  if (rc == 0)
    rc = dbn_store_put_packed(txn, DBI_EVIDENCE_REFS, &key, &meta.base);
  hash_key(ref->hash.data, event->seq, index, hbuf, &hkey);
  if (rc == 0)
    rc = dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_EVIDENCE_REFS], &hkey, &task_val, 0));
  return rc;
}

int
dbn_store_evidence_index(dbn_store_txn_t *txn, const Duban__Event *event)
{
  Duban__EvidenceRef **refs;
  size_t n = dbn_evidence_of_event(event, &refs);
  const char *task = n ? dbn_event_task(event) : NULL;
  if (n && !task)
    return DBN_ECORRUPT;
  if (n > UINT8_MAX)
    return DBN_ECORRUPT; /* the check allows a handful */
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = index_one(txn, event, task, refs[i], i);
  return rc;
}

/* ---- reading the index ---- */

struct refs_list {
  Duban__EvidenceRef **refs;
  size_t n, cap;
};

static int
list_add(struct refs_list *list, const MDB_val *packed)
{
  if (list->n == list->cap) {
    size_t cap = list->cap ? 2 * list->cap : 8;
    Duban__EvidenceRef **grown = realloc(list->refs, cap * sizeof *grown);
    if (!grown)
      return DBN_ENOMEM;
    list->refs = grown;
    list->cap = cap;
  }
  Duban__EvidenceRef *ref = duban__evidence_ref__unpack(NULL, packed->mv_size, packed->mv_data);
  if (!ref)
    return DBN_ECORRUPT;
  list->refs[list->n++] = ref;
  return 0;
}

/* Call each key of the index starting with prefix, in order. */
typedef int (*index_fn)(dbn_store_txn_t *txn, const MDB_val *key, const MDB_val *val, struct refs_list *list);

static int
walk_prefix(dbn_store_txn_t *txn, const void *prefix, size_t prefix_len, index_fn fn, struct refs_list *list)
{
  if (!txn->store->dbis_open || !txn->store->dbi_present[DBI_EVIDENCE_REFS])
    return 0; /* a log an older duban wrote, opened read-only: no index yet */
  MDB_cursor *cursor;
  int rc = dbn_lmdb_error(mdb_cursor_open(txn->txn, txn->store->dbi[DBI_EVIDENCE_REFS], &cursor));
  if (rc)
    return rc;
  MDB_val key = {prefix_len, (void *)prefix}, val;
  int mrc = mdb_cursor_get(cursor, &key, &val, MDB_SET_RANGE);
  while (rc == 0 && mrc == 0 && key.mv_size >= prefix_len && memcmp(key.mv_data, prefix, prefix_len) == 0) {
    rc = fn(txn, &key, &val, list);
    mrc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
    rc = dbn_lmdb_error(mrc);
  return rc;
}

static int
take_task_entry(dbn_store_txn_t *txn, const MDB_val *key, const MDB_val *val, struct refs_list *list)
{
  (void)txn;
  (void)key;
  return list_add(list, val);
}

/* 'h' hash seq index -> task: the reference is under the task's key. */
static int
take_hash_entry(dbn_store_txn_t *txn, const MDB_val *key, const MDB_val *val, struct refs_list *list)
{
  if (key->mv_size != 42 || val->mv_size > DBN_MAX_ID)
    return DBN_ECORRUPT;
  char task[DBN_MAX_ID + 1];
  memcpy(task, val->mv_data, val->mv_size);
  task[val->mv_size] = '\0';
  const uint8_t *k = key->mv_data;
  uint8_t buf[DBN_STORE_MAX_KEY + 1];
  MDB_val task_entry_key, ref;
  int rc = task_key(task, dbn_be64_get(k + 33), k[41], buf, sizeof buf, &task_entry_key);
  if (rc == 0)
    rc = dbn_store_get_raw(txn, DBI_EVIDENCE_REFS, &task_entry_key, &ref);
  return rc == 0 ? list_add(list, &ref) : rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
}

int
dbn_store_evidence_refs(dbn_store_txn_t *txn, const char *task_id,
                        const uint8_t hash[DBN_EVIDENCE_HASH_BYTES], Duban__EvidenceRef ***refs_p,
                        size_t *n_p)
{
  struct refs_list list = {0};
  uint8_t prefix[DBN_STORE_MAX_KEY + 1];
  int rc;
  if (hash) {
    prefix[0] = 'h';
    memcpy(prefix + 1, hash, DBN_EVIDENCE_HASH_BYTES);
    rc = walk_prefix(txn, prefix, 1 + DBN_EVIDENCE_HASH_BYTES, take_hash_entry, &list);
    /* Of one task only, when both are named. */
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < list.n; i++) {
      if (task_id && strcmp(list.refs[i]->task, task_id) != 0)
        duban__evidence_ref__free_unpacked(list.refs[i], NULL);
      else
        list.refs[kept++] = list.refs[i];
    }
    list.n = rc == 0 ? kept : list.n;
  } else if (task_id && strlen(task_id) + 2 <= sizeof prefix) {
    prefix[0] = 't';
    memcpy(prefix + 1, task_id, strlen(task_id) + 1);
    rc = walk_prefix(txn, prefix, strlen(task_id) + 2, take_task_entry, &list);
  } else {
    rc = task_id ? 0 : DBN_EINVAL;
  }
  if (rc) {
    dbn_store_evidence_free(list.refs, list.n);
    return rc;
  }
  *refs_p = list.refs;
  *n_p = list.n;
  return 0;
}

void
dbn_store_evidence_free(Duban__EvidenceRef **refs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    duban__evidence_ref__free_unpacked(refs[i], NULL);
  free(refs);
}

/* ---- audit verify ---- */

struct verify_walk {
  dbn_store_txn_t *txn;
  dbn_verify_report_t *report;
  uint64_t files;
};

/* One file an event names: kept, and its bytes still hash to its hash. */
static int
verify_ref(struct verify_walk *walk, const Duban__Event *event, const Duban__EvidenceRef *ref)
{
  char hex[65] = "?";
  if (ref->hash.len == DBN_EVIDENCE_HASH_BYTES)
    dbn_evidence_hash_hex(ref->hash.data, hex);
  MDB_val key = {ref->hash.len, ref->hash.data}, val;
  int rc = ref->hash.len == DBN_EVIDENCE_HASH_BYTES ? dbn_store_get_raw(walk->txn, DBI_EVIDENCE, &key, &val)
                                                    : DBN_ENOTFOUND;
  const char *problem = NULL;
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  if (rc == DBN_ENOTFOUND) {
    problem = "在存储中缺失 / is missing from the store";
  } else if (rc) {
    return rc;
  } else {
    dbn_evidence_hash(val.mv_data, val.mv_size, hash);
    if (memcmp(hash, ref->hash.data, sizeof hash) != 0 || val.mv_size != ref->size)
      problem =
          "已被改动，内容与事件所记哈希不符 / was changed: its content no longer matches the event's hash";
  }
  walk->files++;
  if (!problem)
    return 0;
  if (walk->report->first_bad_seq)
    return DBN_ECORRUPT; /* the first problem is the one reported */
  walk->report->first_bad_seq = event->seq;
  snprintf(walk->report->problem, sizeof walk->report->problem, "事件 %llu 的佐证材料 %s（%s）%s",
           (unsigned long long)event->seq, ref->name, hex, problem);
  return DBN_ECORRUPT;
}

static int
verify_refs(struct verify_walk *walk, const Duban__Event *event)
{
  Duban__EvidenceRef **refs;
  size_t n = dbn_evidence_of_event(event, &refs);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = verify_ref(walk, event, refs[i]);
  return rc;
}

int
dbn_store_evidence_verify_event(dbn_store_txn_t *txn, const Duban__Event *event, dbn_verify_report_t *report,
                                uint64_t *files_p)
{
  struct verify_walk walk = {.txn = txn, .report = report};
  int rc = verify_refs(&walk, event);
  if (files_p)
    *files_p += walk.files;
  return rc;
}

static int
verify_event_evidence(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  struct verify_walk *walk = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event))
    return 0; /* the chain walk has reported it */
  int rc = verify_refs(walk, event);
  dbn_wire_event_free(&event);
  return rc;
}

int
dbn_store_evidence_verify(dbn_store_txn_t *txn, dbn_verify_report_t *report, uint64_t *files_p)
{
  struct verify_walk walk = {.txn = txn, .report = report};
  int rc = dbn_store_events_foreach(txn, 0, 0, verify_event_evidence, &walk);
  if (files_p)
    *files_p = walk.files;
  return rc;
}
