/* read.c: reads of the views and their visibility; see read.h. */
#include "read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "identity.h"
#include "lead.h"
#include "rules.h"
#include "wire.h"

static bool
unit_owns_task(dbn_store_txn_t *txn, const char *unit, const char *task_id)
{
  Duban__Task *task;
  if (dbn_store_task_state_get(txn, task_id, &task))
    return false;
  bool owns = strcmp(task->unit, unit) == 0;
  dbn_wire_task_free(&task);
  return owns;
}

/* May unit read task_id (its own, or its measure's as lead or cooperating
 * unit: domain/lead.h)? The whole task is read, for its measure's units. */
static bool
unit_may_read_task(dbn_store_txn_t *txn, const char *unit, const char *task_id)
{
  Duban__Task *task;
  if (dbn_store_task_get(txn, task_id, &task))
    return false;
  bool may = dbn_lead_may_read(task, unit);
  dbn_wire_task_free(&task);
  return may;
}

/* Tell a unit how it stands to a task it reads: own, lead or cooperating
 * (domain/lead.h). The string is the task's (protobuf-c's free() frees it). */
static int
mark_seen_as(Duban__Task *task, const char *unit)
{
  char *seen = strdup(dbn_lead_seen_as_name(dbn_lead_seen_as(task, unit)));
  if (!seen)
    return DBN_ENOMEM;
  if (task->seen_as && task->seen_as != protobuf_c_empty_string)
    free(task->seen_as);
  task->seen_as = seen;
  return 0;
}

/* One page being cut from a list: how many items and bytes it holds. */
struct page {
  uint32_t limit; /* the request's; 0 = bytes only */
  size_t count;
  size_t bytes;
  bool full; /* an item was left out: there is a next page */
};

/* Whether an item of item_bytes still goes on the page (the first always
 * does, so that every page moves the cursor on). */
static bool
page_takes(struct page *page, size_t item_bytes)
{
  if (page->full)
    return false;
  bool fits = page->count == 0 || ((page->limit == 0 || page->count < page->limit) &&
                                   page->bytes + item_bytes <= DBN_READ_PAGE_BYTES);
  if (!fits) {
    page->full = true;
    return false;
  }
  page->count++;
  page->bytes += item_bytes + 8; /* the field's tag and length */
  return true;
}

/* A unit's own tasks and those of the measures it leads or cooperates on
 * (each marked how it sees it), or the unit asked for, or all; of one
 * state if asked; the page after list->cursor (a task id). A unit's list
 * reads every task: a plan has hundreds. */
static int
list_tasks(dbn_store_txn_t *txn, dbn_role_t role, const char *name, const Duban__ListTasks *list,
           dbn_read_result_t *result)
{
  const char *unit = role == DBN_ROLE_UNIT ? NULL : (*list->unit ? list->unit : NULL);
  int rc = dbn_store_tasks_list(txn, unit, &result->tasks, &result->n_tasks);
  if (rc)
    return rc;
  struct page page = {.limit = list->limit};
  size_t kept = 0;
  const char *last = NULL;
  for (size_t i = 0; i < result->n_tasks; i++) {
    Duban__Task *task = result->tasks[i];
    bool wanted = (role != DBN_ROLE_UNIT || dbn_lead_may_read(task, name)) &&
                  (!list->state || task->state == list->state) && strcmp(task->id, list->cursor) > 0;
    if (wanted && rc == 0 && role == DBN_ROLE_UNIT)
      rc = mark_seen_as(task, name); /* before its size is counted on the page */
    if (wanted && page_takes(&page, dbn_wire_packed_size(&task->base))) {
      result->tasks[kept++] = task;
      last = task->id;
    } else {
      dbn_wire_task_free(&result->tasks[i]);
    }
  }
  result->n_tasks = kept;
  if (rc == 0 && page.full)
    snprintf(result->next_cursor, sizeof result->next_cursor, "%s", last);
  return rc;
}

/* Escalations (open ones, or all); a unit sees those on its own tasks; the
 * page after the escalation numbered list->cursor. */
static int
list_escalations(dbn_store_txn_t *txn, dbn_role_t role, const char *name, const Duban__ListEscalations *list,
                 dbn_read_result_t *result)
{
  uint64_t after = 0;
  if (*list->cursor && dbn_read_parse_cursor(list->cursor, &after) != 0)
    return DBN_EINVAL;
  int rc = dbn_store_escalations_list(txn, list->open_only, &result->escalations, &result->n_escalations);
  if (rc)
    return rc;
  struct page page = {.limit = list->limit};
  size_t kept = 0;
  uint64_t last = 0;
  for (size_t i = 0; i < result->n_escalations; i++) {
    Duban__Escalation *e = result->escalations[i];
    bool wanted = e->id > after && (role != DBN_ROLE_UNIT || unit_owns_task(txn, name, e->task));
    if (wanted && page_takes(&page, dbn_wire_packed_size(&e->base))) {
      result->escalations[kept++] = e;
      last = e->id;
    } else {
      dbn_wire_escalation_free(&result->escalations[i]);
    }
  }
  result->n_escalations = kept;
  if (page.full)
    snprintf(result->next_cursor, sizeof result->next_cursor, "%llu", (unsigned long long)last);
  return 0;
}

/* The unit's inbox (or its unread items), newest first: the page of items
 * older than the event numbered list->cursor (one item per event and unit:
 * store/apply.c keys them by unit and seq). */
static int
list_inbox(dbn_store_txn_t *txn, const char *unit, const Duban__ListInbox *list, dbn_read_result_t *result)
{
  uint64_t before = UINT64_MAX;
  if (*list->cursor && dbn_read_parse_cursor(list->cursor, &before) != 0)
    return DBN_EINVAL;
  int rc = dbn_store_inbox_list(txn, unit, list->unread_only, &result->inbox, &result->n_inbox);
  if (rc)
    return rc;
  struct page page = {.limit = list->limit};
  size_t kept = 0;
  uint64_t last = 0;
  for (size_t i = 0; i < result->n_inbox; i++) {
    Duban__InboxItem *item = result->inbox[i];
    if (item->seq < before && page_takes(&page, dbn_wire_packed_size(&item->base))) {
      result->inbox[kept++] = item;
      last = item->seq;
    } else {
      dbn_wire_inbox_item_free(&result->inbox[i]);
    }
  }
  result->n_inbox = kept;
  if (page.full)
    snprintf(result->next_cursor, sizeof result->next_cursor, "%llu", (unsigned long long)last);
  return 0;
}

int
dbn_read_parse_cursor(const char *cursor, uint64_t *id_p)
{
  char *end;
  errno = 0;
  unsigned long long id = strtoull(cursor, &end, 10);
  if (errno || end == cursor || *end || *cursor < '0' || *cursor > '9')
    return DBN_EINVAL;
  *id_p = id;
  return 0;
}

/* One evidence file by its hash, with the name and type of the first
 * event that attached it which the caller may see: a unit, only those on
 * the tasks it may read (as list_evidence: its own, and its measures'). */
static int
get_evidence(dbn_store_txn_t *txn, dbn_role_t role, const char *name, const Duban__EvidenceGet *get,
             dbn_read_result_t *result, char *why, size_t why_len)
{
  Duban__EvidenceRef **refs;
  size_t n;
  int rc = dbn_store_evidence_refs(txn, NULL, get->hash.data, &refs, &n);
  if (rc)
    return rc;
  size_t visible = 0;
  while (visible < n && role == DBN_ROLE_UNIT && !unit_may_read_task(txn, name, refs[visible]->task))
    visible++;
  if (visible == n) {
    /* Whether the file exists is not a unit's to learn when it may not see it. */
    snprintf(why, why_len,
             "没有该佐证材料，或它不属于你可查看的任务；`duban evidence list TASK` 列出任务的佐证材料");
    dbn_store_evidence_free(refs, n);
    return DBN_ENOTFOUND;
  }
  rc = dbn_store_evidence_get(txn, get->hash.data, &result->evidence_content, &result->evidence_file_len);
  if (rc == DBN_ENOTFOUND) {
    snprintf(why, why_len, "事件 %llu 所附的佐证材料 %s 在存储中缺失；请运行 `duban audit verify`",
             (unsigned long long)refs[visible]->seq, refs[visible]->name);
    rc = DBN_ECORRUPT;
  }
  if (rc == 0) {
    result->evidence_file = refs[visible];
    refs[visible] = NULL;
    result->evidence_file->content.data = result->evidence_content;
    result->evidence_file->content.len = result->evidence_file_len;
  }
  for (size_t i = 0; i < n; i++)
    if (refs[i])
      duban__evidence_ref__free_unpacked(refs[i], NULL);
  free(refs);
  return rc;
}

/* Who acted (Event.person) in each inbox item's event, so that a desk can
 * say 协调员 王协调 rather than the console's key; "" when none was named. */
static int
inbox_persons(dbn_store_txn_t *txn, dbn_read_result_t *result)
{
  if (result->n_inbox == 0)
    return 0;
  result->inbox_persons = calloc(result->n_inbox, sizeof *result->inbox_persons);
  if (!result->inbox_persons)
    return DBN_ENOMEM;
  result->n_inbox_persons = result->n_inbox;
  for (size_t i = 0; i < result->n_inbox; i++) {
    Duban__Event *event = NULL;
    const char *person = "";
    if (dbn_store_event_get(txn, result->inbox[i]->seq, &event) == 0 && event->person)
      person = event->person;
    result->inbox_persons[i] = strdup(person);
    dbn_wire_event_free(&event);
    if (!result->inbox_persons[i])
      return DBN_ENOMEM;
  }
  return 0;
}

int
dbn_read_serve(dbn_store_txn_t *txn, const char *identity, Duban__Request *req, bool virtual_clock,
               dbn_read_result_t *result, char *why, size_t why_len)
{
  memset(result, 0, sizeof *result);
  why[0] = '\0';
  int rc = dbn_rules_resolve_names(txn, req, why, why_len);
  if (rc == 0)
    rc = dbn_rules_check(txn, identity, req, virtual_clock, NULL, why, why_len);
  if (rc)
    return rc;
  dbn_role_t role = DBN_ROLE_COUNT;
  const char *name = "";
  dbn_identity_parse(identity, &role, &name); /* the check above parsed it */
  switch (req->body_case) {
  case DUBAN__REQUEST__BODY_LIST_TASKS:
    rc = list_tasks(txn, role, name, req->list_tasks, result);
    /* The units' names once per listing, for the pages (domain/display_name.h). */
    if (rc == 0 && !req->list_tasks->cursor[0])
      rc = dbn_store_units_list(txn, &result->units, &result->n_units);
    break;
  case DUBAN__REQUEST__BODY_GET_TASK:
    if ((rc = dbn_store_task_get(txn, req->get_task->task, &result->single)) == 0) {
      result->tasks = &result->single;
      result->n_tasks = 1;
      if (role == DBN_ROLE_UNIT)
        rc = mark_seen_as(result->single, name);
    }
    break;
  case DUBAN__REQUEST__BODY_LIST_ESCALATIONS:
    rc = list_escalations(txn, role, name, req->list_escalations, result);
    if (rc == DBN_EINVAL)
      snprintf(why, why_len,
               "游标无效（应为上一页回复的 next_cursor）/ the cursor is not a reply's next_cursor");
    break;
  case DUBAN__REQUEST__BODY_LIST_INBOX: /* for units only: the request table says so */
    rc = list_inbox(txn, name, req->list_inbox, result);
    if (rc == DBN_EINVAL)
      snprintf(why, why_len,
               "游标无效（应为上一页回复的 next_cursor）/ the cursor is not a reply's next_cursor");
    if (rc == 0)
      rc = inbox_persons(txn, result);
    break;
  case DUBAN__REQUEST__BODY_LIST_EVIDENCE: /* the check let a unit name only its own task */
    rc = dbn_store_evidence_refs(txn, req->list_evidence->task, NULL, &result->evidence, &result->n_evidence);
    break;
  case DUBAN__REQUEST__BODY_GET_EVIDENCE:
    rc = get_evidence(txn, role, name, req->get_evidence, result, why, why_len);
    break;
  default: break;
  }
  if (rc && !*why)
    snprintf(why, why_len, "%s", dbn_strerror(rc));
  return rc;
}

void
dbn_read_fill_reply(dbn_read_result_t *result, Duban__Reply *reply)
{
  reply->n_tasks = result->n_tasks;
  reply->tasks = result->tasks;
  reply->n_escalations = result->n_escalations;
  reply->escalations = result->escalations;
  reply->n_inbox = result->n_inbox;
  reply->inbox = result->inbox;
  reply->n_evidence = result->n_evidence;
  reply->evidence = result->evidence;
  reply->evidence_file = result->evidence_file;
  reply->next_cursor = result->next_cursor;
  reply->n_units = result->n_units;
  reply->units = result->units;
  reply->n_inbox_persons = result->n_inbox_persons;
  reply->inbox_persons = result->inbox_persons;
}

void
dbn_read_result_clear(dbn_read_result_t *result)
{
  if (result->single) {
    dbn_wire_task_free(&result->single);
  } else {
    dbn_store_tasks_free(result->tasks, result->n_tasks);
  }
  dbn_store_escalations_free(result->escalations, result->n_escalations);
  dbn_store_inbox_free(result->inbox, result->n_inbox);
  dbn_store_evidence_free(result->evidence, result->n_evidence);
  if (result->evidence_file) {
    result->evidence_file->content.data = NULL; /* evidence_content, freed below */
    result->evidence_file->content.len = 0;
    duban__evidence_ref__free_unpacked(result->evidence_file, NULL);
  }
  free(result->evidence_content);
  dbn_store_units_free(result->units, result->n_units);
  for (size_t i = 0; i < result->n_inbox_persons; i++)
    free(result->inbox_persons[i]);
  free(result->inbox_persons);
  memset(result, 0, sizeof *result);
}
