/* score.h: 考核 scores per department, from versioned scoring rules.
 *
 * Scoring rules are events in the log (DESIGN: Domain), each with a version
 * and the moment from which it applies, so an assessment for any past date
 * is reproducible: rebuild the views as they stood then (store's
 * dbn_store_rebuild_at), pick the rules in effect then
 * (dbn_scoring_rules_at), and score at that moment. The colours and
 * 序时进度 come from pace.h, the one place they are computed.
 *
 * A department's score is base plus points per task and per event:
 *
 *   each task done on time             done_on_time             (+5)
 *   each task done late                done_late                (+2)
 *   each task past due, not done       per_day_overdue per day  (-1 a day,
 *                                      never below max_overdue_per_task: -30)
 *   each task behind 序时进度            behind_pace              (-3)
 *   each escalation it raised itself   per_own_escalation       (0)
 *   each automatic escalation          per_automatic_escalation (-5)
 *   each reminder (催办) it received   per_reminder             (-2)
 *   each missed report (漏报)          per_missed_report        (-2)
 *   each milestone confirmed met       per_confirmed_milestone  (+1)
 *
 * (the defaults in brackets). Asking for help is not punished by default:
 * a department that escalates a block early is doing what the plan asks.
 * An automatic escalation (raised by a red deadline warning) is the
 * deadline monitor's, and costs.
 *
 * Pure functions: no I/O, no state, thread-safe. */
#ifndef DUBAN_SCORE_H
#define DUBAN_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "pace.h"

/* Room for a version and its NUL: a name people cite, like
 * "2024年度考核细则" (22 bytes of UTF-8). */
#define DBN_SCORING_VERSION_LEN 64
/* Every weight, base included, lies in -DBN_SCORING_WEIGHT_MAX..DBN_SCORING_WEIGHT_MAX. */
#define DBN_SCORING_WEIGHT_MAX 1000

/* Points are ints. The penalties (per_day_overdue, max_overdue_per_task,
 * behind_pace, per_missed_report and the three per_ escalation and
 * reminder weights) are 0 or negative, which
 * dbn_scoring_rules_check enforces so that a lost minus sign cannot turn
 * reminders into a reward; done_on_time and done_late may carry either
 * sign (a plan may decide that late work costs points). */
typedef struct {
  char version[DBN_SCORING_VERSION_LEN]; /* the rules' name ("2024年度考核细则"): UTF-8, no control character
                                          */
  int64_t effective;                     /* unix seconds from which they apply; >= 0 */
  int base;                              /* every department starts here */
  int done_on_time;                      /* per task done (accepted) by the end of its last due day */
  int done_late;                         /* per task done after it */
  int per_day_overdue;                   /* per day overdue of a task past due and not done */
  int max_overdue_per_task;     /* the floor of one task's overdue points (0: overdue costs nothing) */
  int behind_pace;              /* per task not done, not red, behind 序时进度 by more than the margin */
  int per_own_escalation;       /* per escalation the department raised itself */
  int per_automatic_escalation; /* per escalation the deadline monitor raised on its tasks */
  int per_reminder;             /* per reminder (催办) on its tasks */
  int per_missed_report;        /* per 漏报 warning on its tasks (a reporting period with no report) */
  int per_confirmed_milestone;  /* per milestone of its tasks confirmed met (节点完成), done tasks' too */
} dbn_scoring_rules_t;

/* version "default", effective 0, base 100, done_on_time +5, done_late +2,
 * per_day_overdue -1, max_overdue_per_task -30, behind_pace -3,
 * per_own_escalation 0, per_automatic_escalation -5, per_reminder -2,
 * per_missed_report -2, per_confirmed_milestone +1. Rules loaded into a
 * log before the last two existed have 0 for them, as they were scored. */
void dbn_scoring_rules_default(dbn_scoring_rules_t *rules);

/* 0 when rules are sane: version 1..DBN_SCORING_VERSION_LEN-1 bytes of
 * UTF-8 text (common/text.h) with no control character (no tab or newline
 * either: it is printed on one line of every report),
 * effective >= 0, every weight in -1000..1000, penalties <= 0. Otherwise
 * DBN_EINVAL and why names the first field that is wrong. */
int dbn_scoring_rules_check(const dbn_scoring_rules_t *rules, char *why, size_t why_len);

/* The weights one by one, in the order of a rules file: the key of weight
 * i ("base_points", "done_on_time", ...), NULL past the last; and its
 * value in rules (0 past the last). */
const char *dbn_scoring_weight_key(size_t i);
int dbn_scoring_weight(const dbn_scoring_rules_t *rules, size_t i);

/* The rules in effect at `at` among count versions (in log order): the one
 * with the latest effective <= at; of two with the same effective, the
 * later in the array (the later event) wins. NULL when none is in effect
 * yet. Borrowed from rules. */
/* The rules a ScoringRules message (as `duban scoring load` sends it and
 * the log keeps it) states, into rules: version copied, effective the start
 * of its YYYY-MM-DD day (UTC, as date.h reads days), the weights as they
 * are. DBN_EINVAL with a message in why when the version does not fit or
 * effective is not a real date; the weights are for dbn_scoring_rules_check,
 * which the caller runs next (the broker runs both before it writes the
 * event, so a report never meets rules it would refuse). */
int dbn_scoring_rules_from_proto(const Duban__ScoringRules *message, dbn_scoring_rules_t *rules, char *why,
                                 size_t why_len);

const dbn_scoring_rules_t *dbn_scoring_rules_at(const dbn_scoring_rules_t *rules, size_t count, int64_t at);

/* One department's share of the views, grouped by the caller (borrowed for
 * the call). A task's start, from which its 序时进度 runs, is not on the
 * task: the caller knows it (the plan's publication, or the event that
 * assigned the task) and passes it in starts, parallel to tasks. A plain
 * array rather than a callback, because the caller has the numbers at
 * hand and a table is easier to check and to test. */
typedef struct {
  const char *unit;                /* the unit's code, copied into its score's unit (borrowed) */
  const Duban__Task *const *tasks; /* its tasks; non-NULL when n_tasks > 0 */
  const int64_t *starts;           /* starts[i]: tasks[i]'s start, unix seconds; non-NULL when n_tasks > 0 */
  size_t n_tasks;
  unsigned own_escalations;       /* escalations on its tasks it raised (escalation view: !automatic) */
  unsigned automatic_escalations; /* escalations on its tasks the monitor raised (automatic) */
} dbn_score_input_t;

/* A department's score, its parts and their points. */
typedef struct {
  const char *unit;    /* the input's unit (borrowed: valid as long as it is) */
  int total;           /* base + every *_points */
  int rank;            /* 1 = best; equal totals share a rank: 1, 2, 2, 4 */
  dbn_colour_t colour; /* the worst of its tasks' colours; green with no task */
  unsigned tasks;      /* its tasks */
  int base;            /* the rules' base */
  unsigned done_on_time;
  int done_on_time_points;
  unsigned done_late;
  int done_late_points;
  unsigned overdue_tasks; /* past due and not done */
  uint64_t overdue_days;  /* their days overdue, summed before the per-task floor */
  int overdue_points;     /* after the floor */
  unsigned behind_pace;
  int behind_pace_points;
  unsigned own_escalations;
  int own_escalation_points;
  unsigned automatic_escalations;
  int automatic_escalation_points;
  uint64_t reminders; /* the reminders counted on its tasks, done ones too */
  int reminder_points;
  unsigned missed_reports; /* 漏报 warnings on its tasks (the task view's "PERIOD/missed" warnings) */
  int missed_report_points;
  unsigned confirmed_milestones; /* milestones of its tasks a coordinator confirmed met */
  int confirmed_milestone_points;
} dbn_score_t;

/* True when task is done and counts as done on time: its acceptance (the
 * task's updated_at, the last event that changed it, which for a done
 * task is the acceptance) comes before the end of its latest due day,
 * i.e. updated_at < that end, the second at which pace.h turns it red. A
 * done task without a valid due date is on time. False for a task not done. */
bool dbn_score_done_on_time(const Duban__Task *task);

/* Scores n_units departments at now into scores (room for n_units, in the
 * order of units). Each task is one of: done on time, done late, red
 * (overdue points), behind pace (not red, pace.h's behind_pace: a blue task
 * that is behind pace counts too), or none of these; reminders count on
 * every task. pace NULL: pace.h's defaults.
 *
 * Ranks are competition ranks by total, highest first: equal totals share
 * the rank and the next rank skips (1, 2, 2, 4). Nothing breaks a tie:
 * the assessment is the score, and any tie-breaker (fewer overdue days,
 * the unit's name) would be a rule the scoring rules do not state. The
 * ranking is O(n_units^2), for the dozens of departments a plan has.
 *
 * DBN_EINVAL when rules fail dbn_scoring_rules_check (ask it for the
 * message) or an input has tasks but no tasks or starts array or a NULL
 * task; DBN_ETOOBIG when a part or a total leaves the range of an int (it
 * takes millions of tasks). scores is unspecified after a failure. */
int dbn_score_departments(const dbn_score_input_t *units, size_t n_units, const dbn_scoring_rules_t *rules,
                          const dbn_pace_policy_t *pace, int64_t now, dbn_score_t *scores);

/* One line of a department's overdue list. */
typedef struct {
  const Duban__Task *task; /* borrowed from the input */
  int days_late;           /* pace.h's days_overdue: 1 on the day after the due day */
  int64_t due_end;         /* the end of the earliest due day it missed (unix seconds) */
} dbn_overdue_t;

/* The tasks of unit that are past due and not done at now, into out (room
 * for unit->n_tasks), most days late first; equal days (the same missed
 * due day) by task id, so the report reads the same every time. *count_p
 * is how many. DBN_EINVAL for an input with tasks but no tasks array or a
 * NULL task. starts is not read. */
int dbn_score_overdue_list(const dbn_score_input_t *unit, int64_t now, dbn_overdue_t *out, size_t *count_p);

#endif
