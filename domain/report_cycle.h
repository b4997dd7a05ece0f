/* report_cycle.h: reporting cycles (月报, 季报, 半年报, 年报) and the missed
 * report (漏报), once.
 *
 * A plan, a measure or an action may say how often its tasks must report
 * ("每月报送进展"): the action's cycle, else its measure's, else the plan's
 * (dbn_report_cycle_inherited, which the store applies when a plan becomes
 * tasks). Periods are calendar months, quarters, half-years and years in
 * the plan's zone (date.h). A task that was under way for a whole period
 * and made no progress or milestone report in it has missed that period's
 * report: the deadline monitor raises a report_missed warning for it, once
 * (dbn_report_missed). A task already submitted or done owes no reports.
 * Pure: the clock and the task come in as arguments. */
#ifndef DUBAN_REPORT_CYCLE_H
#define DUBAN_REPORT_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "duban.pb-c.h"

typedef enum {
  DBN_CYCLE_NONE,
  DBN_CYCLE_MONTHLY,
  DBN_CYCLE_QUARTERLY,
  DBN_CYCLE_HALF_YEARLY,
  DBN_CYCLE_YEARLY,
} dbn_report_cycle_t;

/* "monthly", "quarterly", "half-yearly", "yearly" (what the log holds) or
 * the Chinese a person types (每月/月报, 每季度/季报, 每半年/半年报,
 * 每年/年报); "" or NULL is DBN_CYCLE_NONE. DBN_EINVAL for anything else. */
int dbn_report_cycle_parse(const char *text, dbn_report_cycle_t *cycle_p);

/* "monthly"... as the log holds it; "" for none. */
const char *dbn_report_cycle_name(dbn_report_cycle_t cycle);
/* "月报", "季报", "半年报", "年报"; "" for none. */
const char *dbn_report_cycle_name_zh(dbn_report_cycle_t cycle);

/* The cycle an action's task follows: its own, else its measure's, else
 * its plan's (each may be NULL or ""). Borrowed from the arguments. */
const char *dbn_report_cycle_inherited(const char *action_cycle, const char *measure_cycle,
                                       const char *plan_cycle);

/* The period of cycle holding unix second t, in the plan's zone: its first
 * second and the first second of the next period. DBN_EINVAL for none. */
int dbn_report_period(dbn_report_cycle_t cycle, int64_t t, int64_t *start_p, int64_t *end_p);

/* Where a task's reporting starts: the day its plan was issued (a task
 * claimed late still owed its reports from then), else its claim, else 0. */
int64_t dbn_report_start(const Duban__Task *task);

/* Did task miss the report of the last whole period before now? True when
 * it has a cycle, is neither submitted nor done, its reporting started
 * (dbn_report_start) no later than that period's first second, and its last
 * report (last_report_at) came before it. period_end gets that period's
 * last day (YYYY-MM-DD), which names the warning. */
bool dbn_report_missed(const Duban__Task *task, int64_t now, char period_end[16]);

/* The kind a 漏报 warning has in the task view's warnings ("PERIOD_END/missed",
 * beside the deadline warnings' "DUE/yellow" and "DUE/red"). */
#define DBN_WARNING_MISSED "missed"

/* Is warning (one of the task view's) a missed report's? */
bool dbn_report_cycle_warning_is_missed(const char *warning);

#endif
