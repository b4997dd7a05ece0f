/* score.c: see score.h. */
#include "score.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "report_cycle.h"
#include "text.h"

/* The weights of the rules, one row each: the check walks this table, so a
 * weight added to the struct is checked once it has its row, and the
 * report's JSON (report/report_json.c) lists them from it. */
static const struct {
  const char *name; /* in a refusal's words */
  const char *key;  /* in a rules file, the message and the report's JSON */
  size_t offset;
  bool penalty; /* must be 0 or negative */
} weights[] = {
    {"base", "base_points", offsetof(dbn_scoring_rules_t, base), false},
    {"done_on_time", "done_on_time", offsetof(dbn_scoring_rules_t, done_on_time), false},
    {"done_late", "done_late", offsetof(dbn_scoring_rules_t, done_late), false},
    {"per_day_overdue", "per_day_overdue", offsetof(dbn_scoring_rules_t, per_day_overdue), true},
    {"max_overdue_per_task", "max_overdue_per_task", offsetof(dbn_scoring_rules_t, max_overdue_per_task),
     true},
    {"behind_pace", "behind_pace", offsetof(dbn_scoring_rules_t, behind_pace), true},
    {"per_own_escalation", "per_own_escalation", offsetof(dbn_scoring_rules_t, per_own_escalation), true},
    {"per_automatic_escalation", "per_automatic_escalation",
     offsetof(dbn_scoring_rules_t, per_automatic_escalation), true},
    {"per_reminder", "per_reminder", offsetof(dbn_scoring_rules_t, per_reminder), true},
    {"per_missed_report", "per_missed_report", offsetof(dbn_scoring_rules_t, per_missed_report), true},
    {"per_confirmed_milestone", "per_confirmed_milestone",
     offsetof(dbn_scoring_rules_t, per_confirmed_milestone), false},
};

#define WEIGHT_COUNT (sizeof weights / sizeof weights[0])

static int
weight_at(const dbn_scoring_rules_t *rules, size_t i)
{
  int value;
  memcpy(&value, (const char *)rules + weights[i].offset, sizeof value);
  return value;
}

const char *
dbn_scoring_weight_key(size_t i)
{
  return i < WEIGHT_COUNT ? weights[i].key : NULL;
}

int
dbn_scoring_weight(const dbn_scoring_rules_t *rules, size_t i)
{
  return i < WEIGHT_COUNT ? weight_at(rules, i) : 0;
}

void
dbn_scoring_rules_default(dbn_scoring_rules_t *rules)
{
  memset(rules, 0, sizeof *rules);
  snprintf(rules->version, sizeof rules->version, "%s", "default");
  rules->effective = 0;
  rules->base = 100;
  rules->done_on_time = 5;
  rules->done_late = 2;
  rules->per_day_overdue = -1;
  rules->max_overdue_per_task = -30;
  rules->behind_pace = -3;
  rules->per_own_escalation = 0; /* asking for help is not punished */
  rules->per_automatic_escalation = -5;
  rules->per_reminder = -2;
  rules->per_missed_report = -2;
  rules->per_confirmed_milestone = 1;
}

static bool
version_valid(const char *version)
{
  /* memchr, not strlen: a version that fills the array has no NUL. */
  const char *nul = memchr(version, '\0', DBN_SCORING_VERSION_LEN);
  if (!nul || nul == version)
    return false;
  size_t len = (size_t)(nul - version);
  if (!dbn_text_valid(version, len))
    return false;
  /* dbn_text_valid lets tab and line breaks through, for notes. */
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)version[i] < 0x20)
      return false;
  return true;
}

int
dbn_scoring_rules_check(const dbn_scoring_rules_t *rules, char *why, size_t why_len)
{
  if (!version_valid(rules->version)) {
    snprintf(why, why_len,
             "the scoring rules need a version of 1-%d bytes of UTF-8 text without control characters",
             DBN_SCORING_VERSION_LEN - 1);
    return DBN_EINVAL;
  }
  if (rules->effective < 0) {
    snprintf(why, why_len, "scoring rules %s: effective must be a time from 1970 on, not %" PRId64,
             rules->version, rules->effective);
    return DBN_EINVAL;
  }
  for (size_t i = 0; i < WEIGHT_COUNT; i++) {
    int value = weight_at(rules, i);
    if (value < -DBN_SCORING_WEIGHT_MAX || value > DBN_SCORING_WEIGHT_MAX) {
      snprintf(why, why_len, "scoring rules %s: %s must be -%d..%d points, not %d", rules->version,
               weights[i].name, DBN_SCORING_WEIGHT_MAX, DBN_SCORING_WEIGHT_MAX, value);
      return DBN_EINVAL;
    }
    if (weights[i].penalty && value > 0) {
      snprintf(why, why_len, "scoring rules %s: %s is a penalty and must be 0 or negative, not %d",
               rules->version, weights[i].name, value);
      return DBN_EINVAL;
    }
  }
  return 0;
}

int
dbn_scoring_rules_from_proto(const Duban__ScoringRules *message, dbn_scoring_rules_t *rules, char *why,
                             size_t why_len)
{
  memset(rules, 0, sizeof *rules);
  const char *version = message->version ? message->version : "";
  size_t len = strlen(version);
  if (len == 0 || len >= DBN_SCORING_VERSION_LEN) {
    snprintf(why, why_len, "the scoring rules need a version of 1-%d bytes, not %zu",
             DBN_SCORING_VERSION_LEN - 1, len);
    return DBN_EINVAL;
  }
  memcpy(rules->version, version, len + 1);
  if (!message->effective || dbn_date_parse(message->effective, &rules->effective) != 0) {
    snprintf(why, why_len, "scoring rules %s: effective must be a date YYYY-MM-DD, not '%s'", rules->version,
             message->effective ? message->effective : "");
    return DBN_EINVAL;
  }
  rules->base = message->base_points;
  rules->done_on_time = message->done_on_time;
  rules->done_late = message->done_late;
  rules->per_day_overdue = message->per_day_overdue;
  rules->max_overdue_per_task = message->max_overdue_per_task;
  rules->behind_pace = message->behind_pace;
  rules->per_own_escalation = message->per_own_escalation;
  rules->per_automatic_escalation = message->per_automatic_escalation;
  rules->per_reminder = message->per_reminder;
  rules->per_missed_report = message->per_missed_report;
  rules->per_confirmed_milestone = message->per_confirmed_milestone;
  return 0;
}

const dbn_scoring_rules_t *
dbn_scoring_rules_at(const dbn_scoring_rules_t *rules, size_t count, int64_t at)
{
  const dbn_scoring_rules_t *in_effect = NULL;
  for (size_t i = 0; i < count; i++)
    if (rules[i].effective <= at && (!in_effect || rules[i].effective >= in_effect->effective))
      in_effect = &rules[i];
  return in_effect;
}

bool
dbn_score_done_on_time(const Duban__Task *task)
{
  if (task->state != DUBAN__TASK_STATE__TASK_DONE)
    return false;
  int64_t latest = 0;
  for (size_t m = 0; m < task->n_milestones; m++) {
    int64_t end;
    /* Malformed dues are ignored, as pace.h ignores them. */
    if (task->milestones[m] && task->milestones[m]->due &&
        dbn_date_parse_end(task->milestones[m]->due, &end) == 0 && end > latest)
      latest = end;
  }
  return latest == 0 || task->updated_at < latest;
}

/* ---- scoring ---- */

static bool
input_valid(const dbn_score_input_t *unit, bool need_starts)
{
  if (unit->n_tasks == 0)
    return true;
  if (!unit->tasks || (need_starts && !unit->starts))
    return false;
  for (size_t t = 0; t < unit->n_tasks; t++)
    if (!unit->tasks[t])
      return false;
  return true;
}

/* count * weight as an int, or false when it does not fit. */
static bool
points(uint64_t count, int weight, int *points_p)
{
  if (count > (uint64_t)INT_MAX)
    return weight == 0 ? (*points_p = 0, true) : false;
  int64_t product = (int64_t)count * weight; /* |product| <= INT_MAX * 1000 */
  if (product < INT_MIN || product > INT_MAX)
    return false;
  *points_p = (int)product;
  return true;
}

/* The 漏报 warnings the deadline monitor raised on task: the task view
 * keeps each as "PERIOD_END/missed" among its warnings (store/apply.c). */
static unsigned
missed_reports(const Duban__Task *task)
{
  unsigned count = 0;
  for (size_t i = 0; i < task->n_warnings; i++)
    count += dbn_report_cycle_warning_is_missed(task->warnings[i]);
  return count;
}

/* Count one task into score; its overdue points go to *overdue_points. */
static void
count_task(dbn_score_t *score, const Duban__Task *task, int64_t start, const dbn_scoring_rules_t *rules,
           const dbn_pace_policy_t *pace, int64_t now, int64_t *overdue_points)
{
  if (task->cancelled) /* cancelled by a plan change (plan_change.h): not scored */
    return;
  dbn_task_pace_t task_pace;
  dbn_colour_t colour = dbn_task_colour(task, start, now, pace, &task_pace);
  dbn_colour_t pair[] = {score->colour, colour};
  score->colour = dbn_colour_rollup(pair, 2);
  score->tasks++;
  score->reminders += task->reminders;
  score->missed_reports += missed_reports(task);
  score->confirmed_milestones += (unsigned)task->n_milestones_met;
  if (task->state == DUBAN__TASK_STATE__TASK_DONE) {
    if (dbn_score_done_on_time(task))
      score->done_on_time++;
    else
      score->done_late++;
  } else if (colour == DBN_COLOUR_RED) {
    int64_t cost = (int64_t)task_pace.days_overdue * rules->per_day_overdue;
    score->overdue_tasks++;
    score->overdue_days += (uint64_t)task_pace.days_overdue;
    *overdue_points += cost < rules->max_overdue_per_task ? rules->max_overdue_per_task : cost;
  } else if (task_pace.behind_pace) {
    score->behind_pace++;
  }
}

/* The points of score's counts and its total; false when one leaves int. */
static bool
add_up(dbn_score_t *score, const dbn_scoring_rules_t *rules, int64_t overdue_points)
{
  if (overdue_points < INT_MIN)
    return false;
  score->base = rules->base;
  score->overdue_points = (int)overdue_points;
  if (!points(score->done_on_time, rules->done_on_time, &score->done_on_time_points) ||
      !points(score->done_late, rules->done_late, &score->done_late_points) ||
      !points(score->behind_pace, rules->behind_pace, &score->behind_pace_points) ||
      !points(score->own_escalations, rules->per_own_escalation, &score->own_escalation_points) ||
      !points(score->automatic_escalations, rules->per_automatic_escalation,
              &score->automatic_escalation_points) ||
      !points(score->reminders, rules->per_reminder, &score->reminder_points) ||
      !points(score->missed_reports, rules->per_missed_report, &score->missed_report_points) ||
      !points(score->confirmed_milestones, rules->per_confirmed_milestone,
              &score->confirmed_milestone_points))
    return false;
  int64_t total = (int64_t)score->base + score->done_on_time_points + score->done_late_points +
                  score->overdue_points + score->behind_pace_points + score->own_escalation_points +
                  score->automatic_escalation_points + score->reminder_points + score->missed_report_points +
                  score->confirmed_milestone_points;
  if (total < INT_MIN || total > INT_MAX)
    return false;
  score->total = (int)total;
  return true;
}

static int
score_one(const dbn_score_input_t *unit, const dbn_scoring_rules_t *rules, const dbn_pace_policy_t *pace,
          int64_t now, dbn_score_t *score)
{
  memset(score, 0, sizeof *score);
  score->unit = unit->unit;
  score->colour = DBN_COLOUR_GREEN;
  score->own_escalations = unit->own_escalations;
  score->automatic_escalations = unit->automatic_escalations;
  /* Each task adds at least max_overdue_per_task >= -1000, so the sum
   * stays far inside int64 for any n_tasks a size_t can hold in memory. */
  int64_t overdue_points = 0;
  for (size_t t = 0; t < unit->n_tasks; t++)
    count_task(score, unit->tasks[t], unit->starts[t], rules, pace, now, &overdue_points);
  return add_up(score, rules, overdue_points) ? 0 : DBN_ETOOBIG;
}

int
dbn_score_departments(const dbn_score_input_t *units, size_t n_units, const dbn_scoring_rules_t *rules,
                      const dbn_pace_policy_t *pace, int64_t now, dbn_score_t *scores)
{
  char why[160];
  if (dbn_scoring_rules_check(rules, why, sizeof why))
    return DBN_EINVAL;
  for (size_t u = 0; u < n_units; u++)
    if (!input_valid(&units[u], true))
      return DBN_EINVAL;
  for (size_t u = 0; u < n_units; u++) {
    int rc = score_one(&units[u], rules, pace, now, &scores[u]);
    if (rc)
      return rc;
  }
  /* Competition ranking: one more than the number of strictly better. */
  for (size_t u = 0; u < n_units; u++) {
    int better = 0;
    for (size_t v = 0; v < n_units; v++)
      better += scores[v].total > scores[u].total;
    scores[u].rank = better + 1;
  }
  return 0;
}

/* ---- the overdue list ---- */

static int
compare_overdue(const void *a_p, const void *b_p)
{
  const dbn_overdue_t *a = a_p, *b = b_p;
  if (a->days_late != b->days_late)
    return a->days_late > b->days_late ? -1 : 1;
  /* Equal days late means the same missed due day: only the id is left. */
  return strcmp(a->task->id ? a->task->id : "", b->task->id ? b->task->id : "");
}

int
dbn_score_overdue_list(const dbn_score_input_t *unit, int64_t now, dbn_overdue_t *out, size_t *count_p)
{
  if (!input_valid(unit, false))
    return DBN_EINVAL;
  size_t count = 0;
  for (size_t t = 0; t < unit->n_tasks; t++) {
    dbn_task_pace_t pace;
    /* The start only moves expected_percent, which is not read here. */
    dbn_task_colour(unit->tasks[t], 0, now, NULL, &pace);
    if (pace.days_overdue > 0)
      out[count++] = (dbn_overdue_t){unit->tasks[t], pace.days_overdue, pace.overdue_since};
  }
  qsort(out, count, sizeof *out, compare_overdue);
  *count_p = count;
  return 0;
}
