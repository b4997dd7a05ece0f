/* read.c: reads of the views and their visibility; see read.h. */
#include "read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
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

/* A unit's own tasks, or the unit asked for, or all; of one state if asked;
 * the page after list->cursor (a task id). */
static int
list_tasks(dbn_store_txn_t *txn, dbn_role_t role, const char *name, const Duban__ListTasks *list,
           dbn_read_result_t *result)
{
  const char *unit = role == DBN_ROLE_UNIT ? name : (*list->unit ? list->unit : NULL);
  int rc = dbn_store_tasks_list(txn, unit, &result->tasks, &result->n_tasks);
  if (rc)
    return rc;
  struct page page = {.limit = list->limit};
  size_t kept = 0;
  const char *last = NULL;
  for (size_t i = 0; i < result->n_tasks; i++) {
    Duban__Task *task = result->tasks[i];
    bool wanted = (!list->state || task->state == list->state) && strcmp(task->id, list->cursor) > 0;
    if (wanted && page_takes(&page, dbn_wire_packed_size(&task->base))) {
      result->tasks[kept++] = task;
      last = task->id;
    } else {
      dbn_wire_task_free(&result->tasks[i]);
    }
  }
  result->n_tasks = kept;
  if (page.full)
    snprintf(result->next_cursor, sizeof result->next_cursor, "%s", last);
  return 0;
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
  case DUBAN__REQUEST__BODY_LIST_TASKS: rc = list_tasks(txn, role, name, req->list_tasks, result); break;
  case DUBAN__REQUEST__BODY_GET_TASK:
    if ((rc = dbn_store_task_get(txn, req->get_task->task, &result->single)) == 0) {
      result->tasks = &result->single;
      result->n_tasks = 1;
    }
    break;
  case DUBAN__REQUEST__BODY_LIST_ESCALATIONS:
    rc = list_escalations(txn, role, name, req->list_escalations, result);
    if (rc == DBN_EINVAL)
      snprintf(why, why_len,
               "游标无效（应为上一页回复的 next_cursor）/ the cursor is not a reply's next_cursor");
    break;
  case DUBAN__REQUEST__BODY_LIST_INBOX: /* for units only: the request table says so */
    rc = dbn_store_inbox_list(txn, name, req->list_inbox->unread_only, &result->inbox, &result->n_inbox);
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
  reply->next_cursor = result->next_cursor;
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
  memset(result, 0, sizeof *result);
}
