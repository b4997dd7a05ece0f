/* plan_change_rules.h: the broker's side of 计划调整 (domain/plan_change.h).
 *
 * domain/plan_change.c says what a change may do; this module reads what
 * that needs from the store (the task's milestones, the measure's tasks,
 * the log's clock) and leaves the request in the form the log holds: a new
 * task's id and full measure, the day a re-dated or removed milestone had.
 * Called by rules.c once the role and the task's lifecycle have passed. */
#ifndef DUBAN_PLAN_CHANGE_RULES_H
#define DUBAN_PLAN_CHANGE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"
#include "store.h"

/* True for the plan change requests. */
bool dbn_plan_change_rules_applies(const Duban__Request *req);

/* Check a plan change request; task is the one it names, read with its
 * definition (NULL for an addition, which names a measure). 0, or an error
 * with a message in why. */
int dbn_plan_change_rules_check(dbn_store_txn_t *txn, Duban__Request *req, const Duban__Task *task, char *why,
                                size_t why_len);

#endif
