/* evidence.h: the broker's content-addressed table of evidence files.
 *
 * A department's report may carry files (佐证材料, domain/evidence_rule.h).
 * Their references (hash, name, media type, size) go into the event, so the
 * hash chain covers them; their content goes here, under its BLAKE2b-256
 * hash, in the same write transaction as the event: an acknowledged report
 * has its files on disk. The table is not a view: no replay of the log can
 * rebuild it, so a rebuild leaves it alone, and `audit verify` checks every
 * file the log names against its hash instead (dbn_store_evidence_verify).
 *
 *   evidence   32-byte hash -> the file's bytes
 *
 * Which event attached which file to which task is a view (views version
 * 4), written by apply.c like the others and rebuilt with them:
 *
 *   evidence_refs  't' task \0 be64 seq, index -> the reference (no content)
 *                  'h' hash be64 seq, index    -> the task
 *
 * so listing a task's files or finding who attached one reads only those. */
#ifndef DUBAN_STORE_EVIDENCE_H
#define DUBAN_STORE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "evidence_rule.h"
#include "store.h"

/* Keep the content of every file req carries under its hash, in txn (a
 * write transaction). A file already kept (the same bytes attached again)
 * is left as it is. The request must have passed dbn_evidence_check. */
int dbn_store_evidence_keep(dbn_store_txn_t *txn, const Duban__Request *req);

/* While an event borrows a request's body, the body's evidence content is
 * hidden (its length set to 0, so that protobuf-c packs none) and put back
 * afterwards, so that the log holds references only and a batch that is
 * retried still has its content. */
typedef struct {
  size_t n;
  Duban__EvidenceRef **refs;
  size_t lens[DBN_EVIDENCE_MAX_FILES];
} dbn_evidence_hidden_t;

void dbn_evidence_hide_content(const Duban__Request *req, dbn_evidence_hidden_t *hidden);
void dbn_evidence_restore_content(dbn_evidence_hidden_t *hidden);

/* The bytes kept under hash, malloc'd into *content_p (the caller frees).
 * DBN_ENOTFOUND when none are. */
int dbn_store_evidence_get(dbn_store_txn_t *txn, const uint8_t hash[DBN_EVIDENCE_HASH_BYTES],
                           uint8_t **content_p, size_t *len_p);

/* Index the files event names (apply.c, in the event's transaction). */
int dbn_store_evidence_index(dbn_store_txn_t *txn, const Duban__Event *event);

/* The references the events of task_id carry, or (hash not NULL) those
 * naming hash, of any task when task_id is NULL; oldest first, each with
 * the seq, task and kind of its event and no content. Freed with
 * dbn_store_evidence_free. */
int dbn_store_evidence_refs(dbn_store_txn_t *txn, const char *task_id,
                            const uint8_t hash[DBN_EVIDENCE_HASH_BYTES], Duban__EvidenceRef ***refs_p,
                            size_t *n_p);
void dbn_store_evidence_free(Duban__EvidenceRef **refs, size_t n);

/* audit verify's check: every file an event names is kept and its bytes
 * hash to the hash the event holds. The first that is not sets
 * report->first_bad_seq to its event (unless a problem was reported
 * already) and says which file in report->problem (DBN_ECORRUPT).
 * *files_p (may be NULL) counts the files checked. verify runs it on each
 * event as its walk decodes it; the whole log at once is for tests. */
int dbn_store_evidence_verify_event(dbn_store_txn_t *txn, const Duban__Event *event,
                                    dbn_verify_report_t *report, uint64_t *files_p);
int dbn_store_evidence_verify(dbn_store_txn_t *txn, dbn_verify_report_t *report, uint64_t *files_p);

#endif
