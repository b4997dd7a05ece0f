/* evidence.c: the evidence table and the walks of the log that find the
 * files its events name; see evidence.h. */
#include "evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- walking the log ---- */

struct refs_walk {
  const char *task_id; /* only this task's; NULL = any */
  const uint8_t *hash; /* only this file; NULL = any */
  Duban__EvidenceRef **refs;
  size_t n, cap;
};

/* A copy of ref the walk owns, with its event's seq, task and kind. */
static int
copy_ref(const Duban__EvidenceRef *ref, const Duban__Event *event, const char *task,
         Duban__EvidenceRef **copy_p)
{
  Duban__EvidenceRef meta = *ref;
  meta.content.len = 0;
  meta.seq = event->seq;
  meta.task = (char *)task;
  meta.kind = (char *)dbn_wire_event_name(event->body_case);
  uint8_t *buf;
  size_t len;
  int rc = dbn_wire_pack(&meta.base, &buf, &len);
  if (rc)
    return rc;
  *copy_p = duban__evidence_ref__unpack(NULL, len, buf);
  free(buf);
  return *copy_p ? 0 : DBN_ENOMEM;
}

static int
collect_refs(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  struct refs_walk *walk = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event))
    return 0; /* verify reports an event that does not decode */
  Duban__EvidenceRef **refs;
  size_t n = dbn_evidence_of_event(event, &refs);
  const char *task = n ? dbn_event_task(event) : NULL;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0 && task; i++) {
    if (walk->task_id && strcmp(task, walk->task_id) != 0)
      continue;
    if (walk->hash && (refs[i]->hash.len != DBN_EVIDENCE_HASH_BYTES ||
                       memcmp(refs[i]->hash.data, walk->hash, DBN_EVIDENCE_HASH_BYTES) != 0))
      continue;
    if (walk->n == walk->cap) {
      size_t cap = walk->cap ? 2 * walk->cap : 8;
      Duban__EvidenceRef **grown = realloc(walk->refs, cap * sizeof *grown);
      if (!grown) {
        rc = DBN_ENOMEM;
        break;
      }
      walk->refs = grown;
      walk->cap = cap;
    }
    rc = copy_ref(refs[i], event, task, &walk->refs[walk->n]);
    if (rc == 0)
      walk->n++;
  }
  dbn_wire_event_free(&event);
  return rc;
}

int
dbn_store_evidence_refs(dbn_store_txn_t *txn, const char *task_id,
                        const uint8_t hash[DBN_EVIDENCE_HASH_BYTES], Duban__EvidenceRef ***refs_p,
                        size_t *n_p)
{
  struct refs_walk walk = {.task_id = task_id, .hash = hash};
  int rc = dbn_store_events_foreach(txn, 0, 0, collect_refs, &walk);
  if (rc) {
    dbn_store_evidence_free(walk.refs, walk.n);
    return rc;
  }
  *refs_p = walk.refs;
  *n_p = walk.n;
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
