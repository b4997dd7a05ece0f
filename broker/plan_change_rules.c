/* plan_change_rules.c: see plan_change_rules.h. */
#include "plan_change_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plan_change.h"
#include "wire.h"

bool
dbn_plan_change_rules_applies(const Duban__Request *req)
{
  return req->body_case == DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD ||
         req->body_case == DUBAN__REQUEST__BODY_PLAN_CHANGE_CANCEL ||
         req->body_case == DUBAN__REQUEST__BODY_PLAN_CHANGE_DATES;
}

/* Replace *slot (protobuf-c's default allocator: free() and strdup() are
 * its own) with a copy of text. */
static int
set_string(char **slot, const char *text)
{
  char *copy = strdup(text);
  if (!copy)
    return DBN_ENOMEM;
  if (*slot != protobuf_c_empty_string)
    free(*slot);
  *slot = copy;
  return 0;
}

static int
read_clock(dbn_store_txn_t *txn, int64_t *now_p, char *why, size_t why_len)
{
  int rc = dbn_store_clock_get(txn, now_p);
  if (rc)
    snprintf(why, why_len, "读不到日志的时钟：%s", dbn_strerror(rc));
  return rc;
}

/* A re-date, an added or a removed milestone; the day it had goes into
 * the request. */
static int
check_dates(dbn_store_txn_t *txn, Duban__PlanChangeDates *change, const Duban__Task *task, char *why,
            size_t why_len)
{
  int64_t now;
  size_t index = 0;
  int rc = read_clock(txn, &now, why, why_len);
  if (rc == 0)
    rc = dbn_plan_change_check_dates(task, change, now, &index, why, why_len);
  if (rc)
    return rc;
  /* The broker's field: whatever the client put there is not the log's. */
  bool added = change->op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE;
  return set_string(&change->old_due, added ? "" : task->milestones[index]->due);
}

/* The tasks of the measure add names, which must lie in one plan; *tasks_p
 * holds *count_p of them (freed with dbn_store_tasks_free). A plan of
 * hundreds of tasks is listed whole: plan changes are rare. */
static int
measure_tasks(dbn_store_txn_t *txn, const char *measure, Duban__Task ***tasks_p, size_t *count_p, char *why,
              size_t why_len)
{
  Duban__Task **tasks;
  size_t count, kept = 0;
  int rc = dbn_store_tasks_list(txn, NULL, &tasks, &count);
  if (rc) {
    snprintf(why, why_len, "读不到任务：%s", dbn_strerror(rc));
    return rc;
  }
  for (size_t i = 0; i < count; i++) {
    if (dbn_plan_change_in_measure(tasks[i]->id, measure))
      tasks[kept++] = tasks[i];
    else
      dbn_wire_task_free(&tasks[i]);
  }
  *tasks_p = tasks;
  *count_p = kept;
  if (kept == 0) {
    snprintf(why, why_len, "没有措施“%s”；写成 节.措施（如 2.1）或 方案:节.措施", measure);
    return DBN_ENOTFOUND;
  }
  if (strcmp(tasks[0]->plan, tasks[kept - 1]->plan) != 0) {
    snprintf(why, why_len, "措施“%s”在不止一个方案里；写成 方案:%s", measure, measure);
    return DBN_EINVAL;
  }
  return 0;
}

/* The new task's id and its measure in full go into the request. */
static int
name_new_task(Duban__PlanChangeAdd *add, Duban__Task **tasks, size_t count, char *why, size_t why_len)
{
  char **ids = malloc(count * sizeof *ids);
  if (!ids)
    return DBN_ENOMEM;
  for (size_t i = 0; i < count; i++)
    ids[i] = tasks[i]->id;
  char id[DBN_MAX_ID + 16], measure[DBN_MAX_ID + 16];
  int rc = dbn_plan_change_next_task_id(ids, count, id, sizeof id);
  free(ids);
  if (rc) {
    snprintf(why, why_len, "措施“%s”的新任务编号太长", add->measure);
    return rc;
  }
  snprintf(measure, sizeof measure, "%.*s", (int)(strrchr(id, '.') - id), id);
  rc = set_string(&add->new_task, id);
  return rc ? rc : set_string(&add->measure, measure);
}

static int
check_add(dbn_store_txn_t *txn, Duban__PlanChangeAdd *add, char *why, size_t why_len)
{
  int64_t now;
  int rc = dbn_plan_change_check_reason(add->reason, why, why_len);
  if (rc == 0 && (!add->text || !*add->text)) {
    snprintf(why, why_len, "新增任务须写明要做什么（--text）");
    rc = DBN_EINVAL;
  }
  Duban__Unit *unit = NULL;
  if (rc == 0 && dbn_store_unit_get(txn, add->unit, &unit) != 0) {
    snprintf(why, why_len, "没有单位“%s”", add->unit);
    rc = DBN_ENOTFOUND;
  }
  dbn_wire_unit_free(&unit);
  if (rc == 0)
    rc = read_clock(txn, &now, why, why_len);
  if (rc)
    return rc;
  Duban__Task **tasks = NULL;
  size_t count = 0;
  rc = measure_tasks(txn, add->measure, &tasks, &count, why, why_len);
  if (rc == 0)
    rc = dbn_plan_change_check_new_milestones(add->milestones, add->n_milestones, tasks[0]->plan_issued, now,
                                              why, why_len);
  if (rc == 0)
    rc = name_new_task(add, tasks, count, why, why_len);
  dbn_store_tasks_free(tasks, count);
  return rc;
}

int
dbn_plan_change_rules_check(dbn_store_txn_t *txn, Duban__Request *req, const Duban__Task *task, char *why,
                            size_t why_len)
{
  switch (req->body_case) {
  case DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD: return check_add(txn, req->plan_change_add, why, why_len);
  case DUBAN__REQUEST__BODY_PLAN_CHANGE_CANCEL:
    return dbn_plan_change_check_reason(req->plan_change_cancel->reason, why, why_len);
  case DUBAN__REQUEST__BODY_PLAN_CHANGE_DATES:
    return check_dates(txn, req->plan_change_dates, task, why, why_len);
  default: return 0;
  }
}
