/* deadline_monitor.c: see deadline_monitor.h.
 *
 * A full scan of the tasks once per day of clock time. That is O(tasks), and
 * a plan has hundreds; a plan of millions would want an index by due date,
 * which the milestones view could grow when that day comes. */
#include "deadline_monitor.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "date.h"
#include "milestone.h"
#include "report_cycle.h"
#include "wire.h"

static bool
has_mark(const Duban__Task *task, const char *due, const char *level)
{
  char mark[64];
  snprintf(mark, sizeof mark, "%s/%s", due, level);
  for (size_t i = 0; i < task->n_warnings; i++)
    if (strcmp(task->warnings[i], mark) == 0)
      return true;
  return false;
}

/* A red warning for a later milestone, not met, covers an earlier one: a
 * scan after a long gap warns only the latest (see the header). */
static bool
red_covered(const Duban__Task *task, const char *due)
{
  for (size_t m = 0; m < task->n_milestones; m++) {
    const char *later = task->milestones[m]->due;
    if (later && strcmp(later, due) > 0 && has_mark(task, later, "red") && !dbn_milestone_is_met(task, later))
      return true;
  }
  return false;
}

static bool
already_warned(const Duban__Task *task, const char *due, const char *level)
{
  if (has_mark(task, due, level))
    return true;
  return strcmp(level, "red") == 0 && red_covered(task, due);
}

/* earlier: how many other milestones a summarised red warning stands for. */
static int
append_warning(dbn_store_txn_t *txn, int64_t now, const Duban__Task *task, const Duban__Milestone *milestone,
               const char *level, int earlier)
{
  Duban__DeadlineWarning warning = DUBAN__DEADLINE_WARNING__INIT;
  warning.task = task->id;
  warning.due = milestone->due;
  warning.level = (char *)level;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = now;
  event.actor = "system";
  event.body_case = DUBAN__EVENT__BODY_DEADLINE_WARNING;
  event.deadline_warning = &warning;
  int rc = dbn_store_append(txn, &event);
  if (rc || strcmp(level, "red") != 0)
    return rc;

  char reason[512], summary[128] = "";
  if (earlier > 0)
    snprintf(summary, sizeof summary, "（另有 %d 个更早的节点在这段时间内到期，合并为本条）", earlier);
  snprintf(reason, sizeof reason, "节点 %s 已过%s，任务%s，进度 %d%%：%.200s", milestone->due, summary,
           task->state == DUBAN__TASK_STATE__TASK_ASSIGNED ? "尚未签收" : "未完成", task->percent,
           milestone->text ? milestone->text : "");
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.task = task->id;
  escalate.category = "deadline";
  escalate.reason = reason;
  Duban__Event raised = DUBAN__EVENT__INIT;
  raised.time = now;
  raised.actor = "system";
  raised.body_case = DUBAN__EVENT__BODY_ESCALATED;
  raised.escalated = &escalate;
  return dbn_store_append(txn, &raised);
}

/* A task with a reporting cycle that made no report in its last whole
 * period gets one report_missed warning for it (domain/report_cycle.h). */
static int
warn_missed_report(dbn_store_txn_t *txn, int64_t now, const Duban__Task *task, int *raised_p)
{
  char period_end[16];
  if (!dbn_report_missed(task, now, period_end) || already_warned(task, period_end, DBN_WARNING_MISSED))
    return 0;
  Duban__ReportMissed missed = DUBAN__REPORT_MISSED__INIT;
  missed.task = task->id;
  missed.cycle = task->report_cycle;
  missed.period_end = period_end;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = now;
  event.actor = "system";
  event.body_case = DUBAN__EVENT__BODY_REPORT_MISSED;
  event.report_missed = &missed;
  *raised_p += 1;
  return dbn_store_append(txn, &event);
}

/* An escalation rises no further once its task was cancelled by a plan
 * change, nor one the monitor raised for a missed day once its task is no
 * longer overdue (the day re-dated, the milestone met, the work accepted):
 * it stays open for a coordinator to resolve, without climbing the ladder. */
static bool
stops_rising(dbn_store_txn_t *txn, const Duban__Escalation *e)
{
  Duban__Task *task;
  if (dbn_store_task_state_get(txn, e->task, &task))
    return false;
  bool stops = task->cancelled || (e->automatic && !task->overdue);
  dbn_wire_task_free(&task);
  return stops;
}

/* One escalation_level event: the escalation reached level. */
static int
append_level(dbn_store_txn_t *txn, int64_t now, const Duban__Escalation *e, uint32_t level,
             const dbn_ladder_t *ladder)
{
  Duban__EscalationLevel body = DUBAN__ESCALATION_LEVEL__INIT;
  body.escalation = e->id;
  body.level = level;
  body.name = (char *)dbn_ladder_name(ladder, level);
  body.notify = (char *)dbn_ladder_notify(ladder, level);
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = now;
  event.actor = "system";
  event.body_case = DUBAN__EVENT__BODY_ESCALATION_LEVEL;
  event.escalation_level = &body;
  return dbn_store_append(txn, &event);
}

/* Every open escalation nobody acknowledged climbs to the level its age
 * has earned, one event per level. */
static int
raise_escalation_levels(dbn_store_txn_t *txn, int64_t now, const dbn_deadline_policy_t *policy, int *raised_p)
{
  Duban__Escalation **open;
  size_t count;
  int rc = dbn_store_escalations_list(txn, true, &open, &count);
  if (rc)
    return rc;
  int64_t sla = (int64_t)policy->escalation_sla_hours * 3600;
  for (size_t i = 0; i < count && rc == 0; i++) {
    const Duban__Escalation *e = open[i];
    if (e->state != DUBAN__ESCALATION_STATE__ESCALATION_OPEN || stops_rising(txn, e))
      continue;
    uint32_t due = dbn_ladder_due_level(policy->ladder, e->raised_at, now, sla);
    /* After a gap, straight to the level earned: one event, not one per level. */
    uint32_t first = policy->catch_up && due > e->level ? due : e->level + 1;
    for (uint32_t level = first; level <= due && rc == 0; level++) {
      rc = append_level(txn, now, e, level, policy->ladder);
      *raised_p += 1;
    }
  }
  dbn_store_escalations_free(open, count);
  return rc;
}

/* The milestones of task that are due for a warning at now, by level. */
struct due_warnings {
  const Duban__Milestone *red[64];    /* passed, not met, not yet warned red */
  const Duban__Milestone *yellow[64]; /* within the yellow window, not yet warned */
  int n_red, n_yellow;
};

static void
find_due_warnings(const Duban__Task *task, int64_t now, int yellow_days, struct due_warnings *due)
{
  memset(due, 0, sizeof *due);
  for (size_t m = 0; m < task->n_milestones; m++) {
    const Duban__Milestone *milestone = task->milestones[m];
    int64_t end_of_due_day;
    /* Due "2023-12-31" means by the end of that day in the plan's zone
     * (date.h), as the colours and the reports read it. */
    if (!milestone->due || dbn_date_parse_end(milestone->due, &end_of_due_day) ||
        dbn_milestone_is_met(task, milestone->due))
      continue;
    if (now >= end_of_due_day) {
      if (!already_warned(task, milestone->due, "red") && due->n_red < 64)
        due->red[due->n_red++] = milestone;
    } else if (now >= end_of_due_day - (int64_t)yellow_days * DBN_DAY_SECONDS) {
      if (!already_warned(task, milestone->due, "yellow") && !already_warned(task, milestone->due, "red") &&
          due->n_yellow < 64)
        due->yellow[due->n_yellow++] = milestone;
    }
  }
}

/* The latest of milestones by due day (they are YYYY-MM-DD: text order is
 * day order). */
static const Duban__Milestone *
latest(const Duban__Milestone *const *milestones, int count)
{
  const Duban__Milestone *best = milestones[0];
  for (int i = 1; i < count; i++)
    if (strcmp(milestones[i]->due, best->due) > 0)
      best = milestones[i];
  return best;
}

static const Duban__Milestone *
earliest(const Duban__Milestone *const *milestones, int count)
{
  const Duban__Milestone *best = milestones[0];
  for (int i = 1; i < count; i++)
    if (strcmp(milestones[i]->due, best->due) < 0)
      best = milestones[i];
  return best;
}

static int
warn_task(dbn_store_txn_t *txn, int64_t now, const dbn_deadline_policy_t *policy, const Duban__Task *task,
          int *raised_p)
{
  struct due_warnings due;
  find_due_warnings(task, now, policy->yellow_days, &due);
  int rc = 0;
  if (policy->catch_up && due.n_red > 0) {
    rc = append_warning(txn, now, task, latest(due.red, due.n_red), "red", due.n_red - 1);
    *raised_p += 2;
  } else {
    for (int i = 0; i < due.n_red && rc == 0; i++) {
      rc = append_warning(txn, now, task, due.red[i], "red", 0);
      *raised_p += 2;
    }
  }
  int yellows = policy->catch_up && due.n_yellow > 0 ? 1 : due.n_yellow;
  for (int i = 0; i < yellows && rc == 0; i++) {
    rc = append_warning(txn, now, task, policy->catch_up ? earliest(due.yellow, due.n_yellow) : due.yellow[i],
                        "yellow", 0);
    *raised_p += 1;
  }
  return rc;
}

int
dbn_deadline_monitor_run(dbn_store_txn_t *txn, int64_t now, const dbn_deadline_policy_t *policy,
                         int *raised_p)
{
  Duban__Task **tasks;
  size_t count;
  *raised_p = 0;
  int rc = dbn_store_tasks_list(txn, NULL, &tasks, &count);
  if (rc)
    return rc;
  for (size_t t = 0; t < count && rc == 0; t++) {
    const Duban__Task *task = tasks[t];
    if (task->state == DUBAN__TASK_STATE__TASK_DONE || task->state == DUBAN__TASK_STATE__TASK_SUBMITTED ||
        task->cancelled) /* cancelled by a plan change: nothing is due any more */
      continue;
    rc = warn_missed_report(txn, now, task, raised_p);
    if (rc == 0)
      rc = warn_task(txn, now, policy, task, raised_p);
  }
  dbn_store_tasks_free(tasks, count);
  /* After the warnings, so that an automatic escalation raised just now
   * starts its SLA at level 0. */
  if (rc == 0)
    rc = raise_escalation_levels(txn, now, policy, raised_p);
  return rc;
}
