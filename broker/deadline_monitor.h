/* deadline_monitor.h: nothing quietly overdue.
 *
 * Whenever the broker's clock reaches a new day (on the real clock, or when
 * an admin moves a virtual one), the monitor looks at every task that is
 * not done: a milestone due within the yellow window gets a yellow
 * deadline_warning; a milestone whose day has passed gets a red one, which
 * sets the task's overdue flag and raises an automatic escalation for the
 * coordinators. Each warning is raised once per milestone and level (the
 * task view remembers them), so replaying the log gives the same state. */
#ifndef DUBAN_DEADLINE_MONITOR_H
#define DUBAN_DEADLINE_MONITOR_H

#include <stdint.h>

#include "store.h"

/* Append the warnings due at `now` to txn (a write transaction), as the
 * actor "system". *raised_p counts the events appended. */
int dbn_deadline_monitor_run(dbn_store_txn_t *txn, int64_t now, int yellow_days, int *raised_p);

#endif
