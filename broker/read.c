/* read.c: reads of the views and their visibility; see read.h. */
#include "read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A unit's own tasks and those of the measures it leads or cooperates on
 * (each marked how it sees it), or the unit asked for, or all; of one
 * state if asked. A unit's list reads every task: a plan has hundreds. */
static int
list_tasks(dbn_store_txn_t *txn, dbn_role_t role, const char *name, const Duban__ListTasks *list,
           dbn_read_result_t *result)
{
  const char *unit = role == DBN_ROLE_UNIT ? NULL : (*list->unit ? list->unit : NULL);
  int rc = dbn_store_tasks_list(txn, unit, &result->tasks, &result->n_tasks);
  if (rc)
    return rc;
  size_t kept = 0;
  for (size_t i = 0; i < result->n_tasks; i++) {
    bool hidden = role == DBN_ROLE_UNIT && !dbn_lead_may_read(result->tasks[i], name);
    if (!hidden && role == DBN_ROLE_UNIT && rc == 0)
      rc = mark_seen_as(result->tasks[i], name);
    if (hidden || (list->state && result->tasks[i]->state != list->state))
      dbn_wire_task_free(&result->tasks[i]);
    else
      result->tasks[kept++] = result->tasks[i];
  }
  result->n_tasks = kept;
  return rc;
}

/* Escalations (open ones, or all); a unit sees those on its own tasks. */
static int
list_escalations(dbn_store_txn_t *txn, dbn_role_t role, const char *name, bool open_only,
                 dbn_read_result_t *result)
{
  int rc = dbn_store_escalations_list(txn, open_only, &result->escalations, &result->n_escalations);
  if (rc)
    return rc;
  size_t kept = 0;
  for (size_t i = 0; i < result->n_escalations; i++) {
    if (role == DBN_ROLE_UNIT && !unit_owns_task(txn, name, result->escalations[i]->task))
      dbn_wire_escalation_free(&result->escalations[i]);
    else
      result->escalations[kept++] = result->escalations[i];
  }
  result->n_escalations = kept;
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
      if (role == DBN_ROLE_UNIT)
        rc = mark_seen_as(result->single, name);
    }
    break;
  case DUBAN__REQUEST__BODY_LIST_ESCALATIONS:
    rc = list_escalations(txn, role, name, req->list_escalations->open_only, result);
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
