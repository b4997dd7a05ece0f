/* deadline_monitor.h: nothing quietly overdue.
 *
 * Whenever the broker's clock reaches a new day (on the real clock, or when
 * an admin moves a virtual one), the monitor looks at every task that is
 * not done: a milestone due within the yellow window gets a yellow
 * deadline_warning; a milestone whose day has passed gets a red one, which
 * sets the task's overdue flag and raises an automatic escalation for the
 * coordinators. A milestone a coordinator confirmed met is passed over
 * (domain/milestone.h). A task with a reporting cycle that made no report
 * in its last whole period gets a report_missed warning
 * (domain/report_cycle.h). Each warning is raised once per milestone (or
 * period) and level (the task view remembers them), so replaying the log
 * gives the same state.
 *
 * It also watches the escalations: one left open, not even acknowledged,
 * for longer than its SLA rises a level of the 督办 ladder (domain/ladder.h;
 * an escalation_level event naming the level and whom it notifies), and
 * another level for each further SLA period, one event per level, up to
 * the ladder's cap, so that someone higher up sees it.
 *
 * After a long gap (policy.catch_up) the scan summarises instead: of the
 * milestones the gap passed, a task gets one red warning, for the latest
 * (its escalation's reason counts the others), one yellow at most, and an
 * escalation climbs to the level it has earned in one event. A red warning
 * for a later milestone that is not met covers the earlier ones, so later
 * scans do not raise them one by one; once it is met, they are warned. */
#ifndef DUBAN_DEADLINE_MONITOR_H
#define DUBAN_DEADLINE_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "ladder.h"
#include "store.h"

typedef struct {
  int yellow_days;            /* warn this many days before a due date */
  int escalation_sla_hours;   /* an open escalation unacknowledged this long rises a level */
  const dbn_ladder_t *ladder; /* the levels it rises through (borrowed) */
  /* The first scan after a long gap (a broker down for days, a log moved
   * from a virtual clock to the real one): what the gap passed is
   * summarised, one warning per task and kind, not one per milestone. */
  bool catch_up;
} dbn_deadline_policy_t;

/* Append the warnings and escalation levels due at `now` to txn (a write
 * transaction), as the actor "system". *raised_p counts the events. */
int dbn_deadline_monitor_run(dbn_store_txn_t *txn, int64_t now, const dbn_deadline_policy_t *policy,
                             int *raised_p);

#endif
