/* milestone.c: see milestone.h. */
#include "milestone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "string_list.h"

bool
dbn_milestone_is_met(const Duban__Task *task, const char *due)
{
  return due && dbn_string_listed(task->milestones_met, task->n_milestones_met, due);
}

bool
dbn_milestone_is_reported(const Duban__Task *task, const char *due)
{
  return due && dbn_string_listed(task->milestones_reported, task->n_milestones_reported, due);
}

/* "1. 2023-12-31 2. 2025-12-31" for a refusal. */
static void
list_milestones(const Duban__Task *task, char *out, size_t out_len)
{
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < task->n_milestones && used < out_len; i++) {
    int n = snprintf(out + used, out_len - used, "%s%zu. %s", i ? "，" : "", i + 1,
                     task->milestones[i]->due ? task->milestones[i]->due : "");
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

int
dbn_milestone_find(const Duban__Task *task, const char *which, size_t *index_p, char *why, size_t why_len)
{
  char *end;
  unsigned long number = which && *which >= '1' && *which <= '9' ? strtoul(which, &end, 10) : 0;
  bool is_number = number > 0 && *end == '\0';
  for (size_t i = 0; which && i < task->n_milestones; i++) {
    const char *due = task->milestones[i]->due;
    if ((is_number && number == i + 1) || (!is_number && due && strcmp(due, which) == 0)) {
      *index_p = i;
      return 0;
    }
  }
  char known[512];
  list_milestones(task, known, sizeof known);
  if (task->n_milestones == 0)
    snprintf(why, why_len, "任务 %s 没有节点（里程碑）", task->id);
  else
    snprintf(why, why_len, "任务 %s 没有节点“%s”；按序号或到期日指明节点：%s", task->id, which ? which : "",
             known);
  return DBN_ENOTFOUND;
}

int
dbn_milestone_check(const Duban__Task *task, Duban__Event__BodyCase event, const char *due, char *why,
                    size_t why_len)
{
  bool met = dbn_milestone_is_met(task, due), reported = dbn_milestone_is_reported(task, due);
  switch (event) {
  case DUBAN__EVENT__BODY_MILESTONE_REPORTED:
    if (met) {
      snprintf(why, why_len, "任务 %s 的节点 %s 已确认达成，无需再报", task->id, due);
      return DBN_ESTATE;
    }
    if (reported) {
      snprintf(why, why_len, "任务 %s 的节点 %s 已报达成，正等待协调人确认", task->id, due);
      return DBN_ESTATE;
    }
    return 0;
  case DUBAN__EVENT__BODY_MILESTONE_CONFIRMED:
  case DUBAN__EVENT__BODY_MILESTONE_RETURNED:
    if (!reported) {
      snprintf(why, why_len, "任务 %s 的节点 %s %s，没有待确认的达成报告", task->id, due,
               met ? "已确认达成" : "尚未报达成");
      return DBN_ESTATE;
    }
    return 0;
  default: snprintf(why, why_len, "not a milestone event"); return DBN_EINVAL;
  }
}

bool
dbn_milestone_overdue(const Duban__Task *task)
{
  static const char red[] = "/red";
  for (size_t i = 0; i < task->n_warnings; i++) {
    const char *mark = task->warnings[i];
    size_t len = mark ? strlen(mark) : 0;
    if (len <= sizeof red - 1 || strcmp(mark + len - (sizeof red - 1), red) != 0)
      continue;
    char due[64];
    size_t due_len = len - (sizeof red - 1);
    if (due_len >= sizeof due)
      return true; /* not a day duban writes: keep the flag rather than hide it */
    memcpy(due, mark, due_len);
    due[due_len] = '\0';
    if (!dbn_milestone_is_met(task, due))
      return true;
  }
  return false;
}

const char *
dbn_milestone_state_zh(const Duban__Task *task, const char *due)
{
  return dbn_milestone_is_met(task, due)        ? "已确认达成"
         : dbn_milestone_is_reported(task, due) ? "待确认"
                                                : "";
}
