/* report_cycle.c: see report_cycle.h. */
#include "report_cycle.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "error.h"

static const struct {
  dbn_report_cycle_t cycle;
  const char *name;     /* what the log holds */
  const char *name_zh;  /* what a person reads */
  const char *typed[2]; /* what a person may type */
  int months;           /* the period's length */
} cycles[] = {
    {DBN_CYCLE_MONTHLY, "monthly", "月报", {"每月", "按月"}, 1},
    {DBN_CYCLE_QUARTERLY, "quarterly", "季报", {"每季度", "按季度"}, 3},
    {DBN_CYCLE_HALF_YEARLY, "half-yearly", "半年报", {"每半年", "半年"}, 6},
    {DBN_CYCLE_YEARLY, "yearly", "年报", {"每年", "按年"}, 12},
};
#define CYCLE_COUNT (sizeof cycles / sizeof cycles[0])

int
dbn_report_cycle_parse(const char *text, dbn_report_cycle_t *cycle_p)
{
  if (!text || !*text) {
    *cycle_p = DBN_CYCLE_NONE;
    return 0;
  }
  for (size_t i = 0; i < CYCLE_COUNT; i++)
    if (strcmp(text, cycles[i].name) == 0 || strcmp(text, cycles[i].name_zh) == 0 ||
        strcmp(text, cycles[i].typed[0]) == 0 || strcmp(text, cycles[i].typed[1]) == 0) {
      *cycle_p = cycles[i].cycle;
      return 0;
    }
  return DBN_EINVAL;
}

static int
row_of(dbn_report_cycle_t cycle)
{
  for (size_t i = 0; i < CYCLE_COUNT; i++)
    if (cycles[i].cycle == cycle)
      return (int)i;
  return -1;
}

const char *
dbn_report_cycle_name(dbn_report_cycle_t cycle)
{
  int row = row_of(cycle);
  return row < 0 ? "" : cycles[row].name;
}

const char *
dbn_report_cycle_name_zh(dbn_report_cycle_t cycle)
{
  int row = row_of(cycle);
  return row < 0 ? "" : cycles[row].name_zh;
}

const char *
dbn_report_cycle_inherited(const char *action_cycle, const char *measure_cycle, const char *plan_cycle)
{
  if (action_cycle && *action_cycle)
    return action_cycle;
  if (measure_cycle && *measure_cycle)
    return measure_cycle;
  return plan_cycle ? plan_cycle : "";
}

/* The first second of the first day of year-month in the plan's zone. */
static int
month_start(int year, int month, int64_t *start_p)
{
  char day[16];
  snprintf(day, sizeof day, "%04d-%02d-01", year % 10000, month % 100);
  return dbn_date_parse(day, start_p);
}

int
dbn_report_period(dbn_report_cycle_t cycle, int64_t t, int64_t *start_p, int64_t *end_p)
{
  int row = row_of(cycle);
  if (row < 0)
    return DBN_EINVAL;
  char day[16];
  int year, month;
  dbn_date_format(t, day);
  if (sscanf(day, "%4d-%2d", &year, &month) != 2)
    return DBN_EINVAL;
  int months = cycles[row].months;
  int first = (month - 1) / months * months + 1, next = first + months;
  int rc = month_start(year, first, start_p);
  if (rc == 0)
    rc = next > 12 ? month_start(year + 1, next - 12, end_p) : month_start(year, next, end_p);
  return rc;
}

int64_t
dbn_report_start(const Duban__Task *task)
{
  int64_t start;
  if (task->plan_issued && *task->plan_issued && dbn_date_parse(task->plan_issued, &start) == 0)
    return start;
  return task->claimed_at > 0 ? task->claimed_at : 0;
}

bool
dbn_report_missed(const Duban__Task *task, int64_t now, char period_end[16])
{
  int64_t start = dbn_report_start(task);
  dbn_report_cycle_t cycle;
  if (dbn_report_cycle_parse(task->report_cycle, &cycle) || cycle == DBN_CYCLE_NONE ||
      task->state == DUBAN__TASK_STATE__TASK_SUBMITTED || task->state == DUBAN__TASK_STATE__TASK_DONE)
    return false;
  int64_t current_start, current_end, last_start, last_end;
  if (dbn_report_period(cycle, now, &current_start, &current_end) ||
      dbn_report_period(cycle, current_start - 1, &last_start, &last_end))
    return false;
  /* A task begun inside the last period owes its first report in the next. */
  if (start > last_start || task->last_report_at >= last_start)
    return false;
  dbn_date_format(last_end - 1, period_end);
  return true;
}

bool
dbn_report_cycle_warning_is_missed(const char *warning)
{
  const char *slash = warning ? strrchr(warning, '/') : NULL;
  return slash && strcmp(slash + 1, DBN_WARNING_MISSED) == 0;
}
