/* pace.c: see pace.h. */
#include "pace.h"

#include <limits.h>
#include <stdio.h>

#include "date.h"
#include "error.h"
#include "milestone.h"

#define YELLOW_DAYS_MAX 3660

/* The colours' names, by dbn_colour_t: one table, so a colour added to the
 * enum without names fails the static assertion below. */
static const struct {
  const char *name;
  const char *name_zh;
} colour_names[] = {
    [DBN_COLOUR_GREEN] = {"green", "绿"},
    [DBN_COLOUR_BLUE] = {"blue", "蓝"},
    [DBN_COLOUR_YELLOW] = {"yellow", "黄"},
    [DBN_COLOUR_RED] = {"red", "红"},
};
_Static_assert(sizeof colour_names / sizeof colour_names[0] == DBN_COLOUR_COUNT, "a name for every colour");

void
dbn_pace_policy_default(dbn_pace_policy_t *policy)
{
  policy->yellow_days = DBN_PACE_YELLOW_DAYS_DEFAULT;
  policy->pace_margin = DBN_PACE_MARGIN_DEFAULT;
}

int
dbn_pace_policy_check(const dbn_pace_policy_t *policy, char *why, size_t why_len)
{
  if (policy->yellow_days < 0 || policy->yellow_days > YELLOW_DAYS_MAX) {
    snprintf(why, why_len, "yellow_days (the blue window before a due date) must be 0..%d days, not %d",
             YELLOW_DAYS_MAX, policy->yellow_days);
    return DBN_EINVAL;
  }
  if (policy->pace_margin < 0 || policy->pace_margin > 100) {
    snprintf(why, why_len, "pace_margin must be 0..100 percentage points, not %d", policy->pace_margin);
    return DBN_EINVAL;
  }
  return 0;
}

/* floor(100 * elapsed / span) for 0 <= elapsed < span, without overflow:
 * 100 * elapsed fits in 64 bits for any real clock, and the slow path
 * keeps the answer exact for the rest. */
static int
percent_of_span(uint64_t elapsed, uint64_t span)
{
  if (elapsed <= UINT64_MAX / 100)
    return (int)(elapsed * 100 / span);
  /* The largest p with p * span <= 100 * elapsed. With span = 100q + r,
   * p * span / 100 = p*q + p*r/100, so the test is p*q + ceil(p*r/100) <=
   * elapsed; both terms are at most span. */
  uint64_t q = span / 100, r = span % 100;
  int p = 99;
  while (p > 0 && (uint64_t)p * q + ((uint64_t)p * r + 99) / 100 > elapsed)
    p--;
  return p;
}

int
dbn_pace_expected_percent(int64_t start, int64_t due_end, int64_t now)
{
  if (now >= due_end)
    return 100;
  if (now <= start)
    return 0;
  /* start < now < due_end: the differences are positive and, computed in
   * unsigned arithmetic, exact even across the whole int64 range. */
  return percent_of_span((uint64_t)now - (uint64_t)start, (uint64_t)due_end - (uint64_t)start);
}

/* What a task's milestones say at now: the end of the earliest due day
 * that has ended (0: none) and of the earliest still ahead (0: none). */
typedef struct {
  int64_t earliest_past;
  int64_t next_future;
} due_days_t;

static due_days_t
scan_due_days(const Duban__Task *task, int64_t now)
{
  due_days_t days = {0, 0};
  for (size_t m = 0; m < task->n_milestones; m++) {
    const Duban__Milestone *milestone = task->milestones[m];
    int64_t end;
    /* A missing or malformed due is ignored (see pace.h), and so is a met
     * one: it no longer makes the task late (milestone.h). */
    if (!milestone || !milestone->due || dbn_date_parse_end(milestone->due, &end) ||
        dbn_milestone_is_met(task, milestone->due))
      continue;
    int64_t *slot = now >= end ? &days.earliest_past : &days.next_future;
    if (*slot == 0 || end < *slot)
      *slot = end;
  }
  return days;
}

/* Calendar days from the due day that ended at end to the day of now
 * (now >= end): the first second after the due day is day 1. */
static int
days_since(int64_t end, int64_t now)
{
  /* end comes from a date from 1970 on, so end > 0 and now - end fits. */
  int64_t days = (now - end) / DBN_DAY_SECONDS + 1;
  return days > INT_MAX ? INT_MAX : (int)days;
}

/* A cancelled task (plan_change.h) owes nothing more: it counts as done
 * for the colours, never late and never behind. */
static bool
is_done(const Duban__Task *task)
{
  return task->state == DUBAN__TASK_STATE__TASK_DONE || task->cancelled;
}

int
dbn_days_overdue(const Duban__Task *task, int64_t now)
{
  if (is_done(task))
    return 0;
  due_days_t days = scan_due_days(task, now);
  return days.earliest_past ? days_since(days.earliest_past, now) : 0;
}

static int
clamp(int value, int low, int high)
{
  return value < low ? low : value > high ? high : value;
}

dbn_colour_t
dbn_task_colour(const Duban__Task *task, int64_t start, int64_t now, const dbn_pace_policy_t *policy,
                dbn_task_pace_t *pace_out)
{
  dbn_pace_policy_t defaults;
  if (!policy) {
    dbn_pace_policy_default(&defaults);
    policy = &defaults;
  }
  int yellow_days = clamp(policy->yellow_days, 0, YELLOW_DAYS_MAX);
  int pace_margin = clamp(policy->pace_margin, 0, 100);
  bool done = is_done(task);
  due_days_t days = scan_due_days(task, now);

  dbn_task_pace_t pace = {0, days.next_future, 0, 0, false};
  if (days.next_future)
    pace.expected_percent = dbn_pace_expected_percent(start, days.next_future, now);
  else if (days.earliest_past)
    pace.expected_percent = 100; /* every due day is behind us */
  if (!done && days.earliest_past) {
    pace.days_overdue = days_since(days.earliest_past, now);
    pace.overdue_since = days.earliest_past;
  }
  /* expected - margin >= -100, so the subtraction cannot overflow. */
  pace.behind_pace = !done && task->percent < pace.expected_percent - pace_margin;
  if (pace_out)
    *pace_out = pace;

  if (done)
    return DBN_COLOUR_GREEN;
  if (days.earliest_past)
    return DBN_COLOUR_RED;
  /* next_future > now, so the difference is positive; unsigned keeps it
   * exact for a clock far before 1970. */
  if (days.next_future &&
      (uint64_t)days.next_future - (uint64_t)now <= (uint64_t)yellow_days * DBN_DAY_SECONDS)
    return DBN_COLOUR_BLUE;
  if (pace.behind_pace)
    return DBN_COLOUR_YELLOW;
  return DBN_COLOUR_GREEN;
}

dbn_colour_t
dbn_colour_rollup(const dbn_colour_t *colours, size_t count)
{
  dbn_colour_t worst = DBN_COLOUR_GREEN;
  for (size_t i = 0; i < count; i++) {
    /* Compared as unsigned: an out-of-range value, negative ones too,
     * counts as red. */
    unsigned colour = (unsigned)colours[i];
    dbn_colour_t as_read = colour > DBN_COLOUR_RED ? DBN_COLOUR_RED : (dbn_colour_t)colour;
    if (as_read > worst)
      worst = as_read;
  }
  return worst;
}

const char *
dbn_colour_name(dbn_colour_t colour)
{
  return (unsigned)colour < DBN_COLOUR_COUNT ? colour_names[colour].name : "unknown";
}

const char *
dbn_colour_name_zh(dbn_colour_t colour)
{
  return (unsigned)colour < DBN_COLOUR_COUNT ? colour_names[colour].name_zh : "未知";
}

int64_t
dbn_task_pace_start(const Duban__Task *task)
{
  if (task->claimed_at > 0)
    return task->claimed_at;
  int64_t start = 0;
  if (task->plan_issued && *task->plan_issued && dbn_date_parse(task->plan_issued, &start) != 0)
    start = 0;
  return start;
}
