/* plan_change.c: see plan_change.h. */
#include "plan_change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "milestone.h"

bool
dbn_plan_change_is_event(Duban__Event__BodyCase body)
{
  return body == DUBAN__EVENT__BODY_PLAN_TASK_ADDED || body == DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED ||
         body == DUBAN__EVENT__BODY_PLAN_DATES_CHANGED;
}

static const char *
text_or_empty(const char *text)
{
  return text ? text : "";
}

const char *
dbn_plan_change_event_reason(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_PLAN_TASK_ADDED: return text_or_empty(event->plan_task_added->reason);
  case DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED: return text_or_empty(event->plan_task_cancelled->reason);
  case DUBAN__EVENT__BODY_PLAN_DATES_CHANGED: return text_or_empty(event->plan_dates_changed->reason);
  default: return "";
  }
}

static void
describe_dates(const Duban__PlanChangeDates *change, char *out, size_t out_len)
{
  switch (change->op) {
  case DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE:
    snprintf(out, out_len, "新增节点 %s：%s", text_or_empty(change->due), text_or_empty(change->text));
    break;
  case DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REMOVE_MILESTONE:
    snprintf(out, out_len, "删除节点 %s", text_or_empty(change->old_due));
    break;
  default:
    snprintf(out, out_len, "节点 %s 改期为 %s", text_or_empty(change->old_due), text_or_empty(change->due));
    break;
  }
}

void
dbn_plan_change_describe(const Duban__Event *event, char *out, size_t out_len)
{
  out[0] = '\0';
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_PLAN_TASK_ADDED: {
    const Duban__PlanChangeAdd *add = event->plan_task_added;
    size_t used = (size_t)snprintf(out, out_len, "新增任务（%s）", text_or_empty(add->unit));
    for (size_t i = 0; i < add->n_milestones && used < out_len; i++)
      used += (size_t)snprintf(out + used, out_len - used, "%s%s", i ? "、" : "，节点 ",
                               add->milestones[i] ? text_or_empty(add->milestones[i]->due) : "");
    if (used < out_len)
      snprintf(out + used, out_len - used, "：%s", text_or_empty(add->text));
    break;
  }
  case DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED: snprintf(out, out_len, "撤销任务"); break;
  case DUBAN__EVENT__BODY_PLAN_DATES_CHANGED: describe_dates(event->plan_dates_changed, out, out_len); break;
  default: break;
  }
}

/* Cut s back to whole UTF-8 characters (snprintf cuts at a byte). */
static void
trim_partial_character(char *s)
{
  size_t len = strlen(s), end = len;
  while (end > 0 && ((unsigned char)s[end - 1] & 0xC0) == 0x80)
    end--;
  if (end == 0)
    return;
  unsigned char lead = (unsigned char)s[end - 1];
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (len - (end - 1) < need)
    s[end - 1] = '\0';
}

void
dbn_plan_change_inbox_text(const Duban__Event *event, char *out, size_t out_len)
{
  char what[512];
  dbn_plan_change_describe(event, what, sizeof what);
  trim_partial_character(what);
  snprintf(out, out_len, "计划调整：%s；理由：%s", what, dbn_plan_change_event_reason(event));
  trim_partial_character(out);
}

int
dbn_plan_change_check_reason(const char *reason, char *why, size_t why_len)
{
  if (!reason || !*reason) {
    snprintf(why, why_len, "计划调整须写明理由（--reason），部门会看到它");
    return DBN_EINVAL;
  }
  return 0;
}

int
dbn_plan_change_check_due(const char *due, const char *issued, int64_t now, char *why, size_t why_len)
{
  int64_t start, end, issued_start;
  if (!due || dbn_date_parse(due, &start) || dbn_date_parse_end(due, &end)) {
    snprintf(why, why_len, "“%s”不是日期；写成 YYYY-MM-DD，如 2024-06-30", due ? due : "");
    return DBN_EINVAL;
  }
  if (issued && *issued && dbn_date_parse(issued, &issued_start) == 0 && start < issued_start) {
    snprintf(why, why_len, "新日期 %s 早于方案印发日 %s", due, issued);
    return DBN_EINVAL;
  }
  if (end <= now) {
    snprintf(why, why_len, "新日期 %s 已经过去；计划调整只能把节点定在今天或以后", due);
    return DBN_EINVAL;
  }
  return 0;
}

int
dbn_plan_change_check_new_milestones(Duban__Milestone *const *milestones, size_t count, const char *issued,
                                     int64_t now, char *why, size_t why_len)
{
  if (count == 0) {
    snprintf(why, why_len, "新增任务至少要有一个节点（--due）");
    return DBN_EINVAL;
  }
  if (count > DBN_PLAN_CHANGE_MAX_MILESTONES) {
    snprintf(why, why_len, "一个任务至多 %d 个节点", DBN_PLAN_CHANGE_MAX_MILESTONES);
    return DBN_ETOOBIG;
  }
  for (size_t i = 0; i < count; i++) {
    if (!milestones[i]) {
      snprintf(why, why_len, "节点 %zu 是空的", i + 1);
      return DBN_EINVAL;
    }
    int rc = dbn_plan_change_check_due(milestones[i]->due, issued, now, why, why_len);
    if (rc)
      return rc;
    for (size_t k = 0; k < i; k++)
      if (strcmp(milestones[k]->due, milestones[i]->due) == 0) {
        snprintf(why, why_len, "节点日期 %s 出现了两次", milestones[i]->due);
        return DBN_EINVAL;
      }
  }
  return 0;
}

int
dbn_plan_change_find_milestone(const Duban__Task *task, const char *which, size_t *index_p, char *why,
                               size_t why_len)
{
  if (which && *which)
    return dbn_milestone_find(task, which, index_p, why, why_len);
  /* No milestone named: the task's deadline, its latest due day. */
  bool found = false;
  for (size_t i = 0; i < task->n_milestones; i++) {
    const char *due = task->milestones[i]->due;
    if (due && (!found || strcmp(due, task->milestones[*index_p]->due) > 0)) {
      *index_p = i;
      found = true;
    }
  }
  if (!found) {
    snprintf(why, why_len, "任务 %s 没有节点（里程碑）", task->id);
    return DBN_ENOTFOUND;
  }
  return 0;
}

static bool
has_due(const Duban__Task *task, const char *due, size_t except)
{
  for (size_t i = 0; i < task->n_milestones; i++)
    if (i != except && task->milestones[i]->due && strcmp(task->milestones[i]->due, due) == 0)
      return true;
  return false;
}

/* A milestone met, or awaiting a coordinator, keeps its day. */
static int
check_movable(const Duban__Task *task, const char *due, char *why, size_t why_len)
{
  if (dbn_milestone_is_met(task, due) || dbn_milestone_is_reported(task, due)) {
    snprintf(why, why_len, "任务 %s 的节点 %s %s，不能改期或删除", task->id, due,
             dbn_milestone_is_met(task, due) ? "已确认达成" : "已报达成、待确认");
    return DBN_ESTATE;
  }
  return 0;
}

int
dbn_plan_change_check_dates(const Duban__Task *task, const Duban__PlanChangeDates *change, int64_t now,
                            size_t *index_p, char *why, size_t why_len)
{
  int rc = dbn_plan_change_check_reason(change->reason, why, why_len);
  if (rc)
    return rc;
  Duban__PlanChangeDatesOp op = change->op;
  if (op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE) {
    if (!change->text || !*change->text) {
      snprintf(why, why_len, "新增节点须写明它管的内容（--text）");
      return DBN_EINVAL;
    }
    if (task->n_milestones >= DBN_PLAN_CHANGE_MAX_MILESTONES) {
      snprintf(why, why_len, "一个任务至多 %d 个节点", DBN_PLAN_CHANGE_MAX_MILESTONES);
      return DBN_ETOOBIG;
    }
  } else if (op != DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REDATE &&
             op != DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REMOVE_MILESTONE) {
    snprintf(why, why_len, "未知的计划调整（%d）", (int)op);
    return DBN_EINVAL;
  } else if ((rc = dbn_plan_change_find_milestone(task, change->milestone, index_p, why, why_len)) ||
             (rc = check_movable(task, task->milestones[*index_p]->due, why, why_len))) {
    return rc;
  }
  if (op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REMOVE_MILESTONE) {
    if (task->n_milestones <= 1) {
      snprintf(why, why_len, "任务 %s 只有这一个节点；任务至少保留一个节点（不要的任务请撤销）", task->id);
      return DBN_ESTATE;
    }
    return 0;
  }
  if ((rc = dbn_plan_change_check_due(change->due, task->plan_issued, now, why, why_len)))
    return rc;
  size_t except = op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REDATE ? *index_p : SIZE_MAX;
  if (has_due(task, change->due, except)) {
    snprintf(why, why_len, "任务 %s 已有一个 %s 到期的节点", task->id, change->due);
    return DBN_EEXIST;
  }
  if (except != SIZE_MAX && strcmp(task->milestones[except]->due, change->due) == 0) {
    snprintf(why, why_len, "节点已是 %s 到期", change->due);
    return DBN_EINVAL;
  }
  return 0;
}

void
dbn_plan_change_milestones(const Duban__Task *task, const Duban__PlanChangeDates *change, size_t index,
                           Duban__Milestone *fresh, Duban__Milestone **out, size_t *count_p)
{
  size_t count = 0;
  Duban__PlanChangeDatesOp op = change->op;
  for (size_t i = 0; i < task->n_milestones; i++) {
    if (i == index && op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REMOVE_MILESTONE)
      continue;
    if (i == index && op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REDATE) {
      *fresh = *task->milestones[i];
      fresh->due = change->due;
      fresh->inherited = false; /* a day someone chose, no longer the plan's horizon */
      out[count++] = fresh;
      continue;
    }
    out[count++] = task->milestones[i];
  }
  if (op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE) {
    duban__milestone__init(fresh);
    fresh->due = change->due;
    fresh->text = change->text;
    out[count++] = fresh;
  }
  /* In due order (insertion sort, stable: a plan's milestones are few and
   * mostly in order already), so that `duban task` numbers them by date. */
  for (size_t i = 1; i < count; i++)
    for (size_t k = i; k > 0 && strcmp(text_or_empty(out[k - 1]->due), text_or_empty(out[k]->due)) > 0; k--) {
      Duban__Milestone *swap = out[k - 1];
      out[k - 1] = out[k];
      out[k] = swap;
    }
  *count_p = count;
}

bool
dbn_plan_change_in_measure(const char *task_id, const char *measure)
{
  if (!task_id || !measure || !*measure)
    return false;
  const char *id = task_id;
  if (!strchr(measure, ':')) {
    const char *colon = strchr(task_id, ':');
    if (!colon)
      return false;
    id = colon + 1;
  }
  size_t len = strlen(measure);
  return strncmp(id, measure, len) == 0 && id[len] == '.' && id[len + 1] && !strchr(id + len + 1, '.');
}

int
dbn_plan_change_next_task_id(char *const *ids, size_t count, char *out, size_t out_len)
{
  if (count == 0)
    return DBN_EINVAL;
  unsigned long highest = 0;
  for (size_t i = 0; i < count; i++) {
    const char *dot = strrchr(ids[i], '.');
    unsigned long number = dot ? strtoul(dot + 1, NULL, 10) : 0;
    if (number > highest)
      highest = number;
  }
  const char *dot = strrchr(ids[0], '.');
  if (!dot)
    return DBN_EINVAL;
  int n = snprintf(out, out_len, "%.*s.%lu", (int)(dot - ids[0]), ids[0], highest + 1);
  return n < 0 || (size_t)n >= out_len ? DBN_ETOOBIG : 0;
}
