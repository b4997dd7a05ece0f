/* read.h: serving reads, and what each identity may see of them.
 *
 * Reads run after the batch's commit on a fresh snapshot (so nobody sees
 * state a failed commit took back), with the same checks as writes
 * (rules.h). A department sees its own tasks and, read-only, those of the
 * measures it leads or cooperates on (domain/lead.h), the escalations on
 * its own, its own inbox and the evidence of its own tasks; coordinators,
 * auditors and admins see every
 * task and escalation. Watching is the
 * event stream's (event_stream.h); this module answers the reads that
 * return views. */
#ifndef DUBAN_READ_H
#define DUBAN_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "store.h"
#include "wire.h"

/* What a read's reply carries; owned, freed by dbn_read_result_clear. */
typedef struct {
  Duban__Task **tasks; /* list_tasks; or one entry pointing at single */
  size_t n_tasks;
  Duban__Task *single; /* get_task */
  Duban__Escalation **escalations;
  size_t n_escalations;
  Duban__InboxItem **inbox; /* list_inbox: the sender's own */
  size_t n_inbox;
  Duban__EvidenceRef **evidence; /* list_evidence: a task's, oldest first */
  size_t n_evidence;
  Duban__EvidenceRef *evidence_file; /* get_evidence: one entry of evidence, with its content */
  uint8_t *evidence_content;         /* what evidence_file's content points to */
  size_t evidence_file_len;
  char next_cursor[DBN_MAX_ID + 1]; /* a list cut to one page: where the next starts ("" = the last page) */
  Duban__Unit **units;              /* list_tasks' first page: every unit, for its name */
  size_t n_units;
  char **inbox_persons; /* list_inbox: the 经办人 of each item's event ("" if none), parallel to inbox */
  size_t n_inbox_persons;
} dbn_read_result_t;

/* A list (list_tasks, list_escalations) is answered a page at a time, so
 * that no reply is over what a client accepts whatever the log holds: a
 * page holds at most the request's limit and at most DBN_READ_PAGE_BYTES of
 * items (always at least one), in key order (task id, escalation id); the
 * reply's next_cursor names the last item sent and the client asks again
 * with it. A cursor is only ever compared with keys, so a page after items
 * were added or removed still starts in the right place. */
#define DBN_READ_PAGE_BYTES (2 * 1024 * 1024)

/* Check req as identity may send it (unit names resolved to codes first,
 * which rewrites the request's unit field) and read what it asks for into
 * result. Returns 0, or a code with a message for a person in why. Requests
 * that return no views (ping, watch, unwatch) pass the check with an empty
 * result. */
int dbn_read_serve(dbn_store_txn_t *txn, const char *identity, Duban__Request *req, bool virtual_clock,
                   dbn_read_result_t *result, char *why, size_t why_len);

/* Point reply's tasks and escalations at result's (borrowed: keep result
 * until the reply is packed). */
void dbn_read_fill_reply(dbn_read_result_t *result, Duban__Reply *reply);

void dbn_read_result_clear(dbn_read_result_t *result);

/* An escalations cursor (a decimal escalation id) into *id_p; DBN_EINVAL
 * when it is not one. */
int dbn_read_parse_cursor(const char *cursor, uint64_t *id_p);

#endif
