/* plan_change.h: 计划调整, changes to a loaded plan, once.
 *
 * An admin or a coordinator may add a task to a measure, cancel a task, and
 * re-date, add or remove one of a task's milestones, always with a reason
 * (the request table says who; this module says what is allowed). Each is
 * an event in the log, so the state at any past moment is the plan as it
 * stood then, and each task's view keeps the list of its changes
 * (Task.plan_changes) for its history.
 *
 * The rules:
 *   - every change carries a reason a department can read;
 *   - a task that is done or already cancelled is not changed (lifecycle.h
 *     refuses every later event on a cancelled task but the resolution of
 *     an escalation still open on it);
 *   - a new due day is a real day (YYYY-MM-DD), not before the plan's issue
 *     day, and not one that has already ended: a plan change moves work
 *     forward, it does not rewrite which deadlines were missed;
 *   - a milestone that is met, or reported met and awaiting a coordinator,
 *     is not re-dated or removed (its report names its day);
 *   - a task keeps at least one milestone, and no two of its milestones
 *     share a day (milestones are named by their day, milestone.h);
 *   - a new task names its measure, its owning unit, a text and at least
 *     one milestone; its id is the measure's next action number.
 *
 * A cancelled task is not overdue, not warned by the deadline monitor and
 * not scored (pace.h, score.h). Pure functions: no I/O. */
#ifndef DUBAN_PLAN_CHANGE_H
#define DUBAN_PLAN_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"

/* At most this many milestones in one task, as a change leaves it. */
#define DBN_PLAN_CHANGE_MAX_MILESTONES 32

/* True for the three plan change events. */
bool dbn_plan_change_is_event(Duban__Event__BodyCase body);

/* The reason a plan change event or request body carries ("" when none). */
const char *dbn_plan_change_event_reason(const Duban__Event *event);

/* What a plan change event did, in words ("节点 2023-12-31 改期为
 * 2024-06-30", "撤销任务", "新增任务（NYJ）：…"), into out. The same words
 * go to the task's history, to watch and replay, and to the inbox. */
void dbn_plan_change_describe(const Duban__Event *event, char *out, size_t out_len);

/* "计划调整：WHAT；理由：REASON" for the owning unit's inbox, cut at a
 * character boundary when out is short. */
void dbn_plan_change_inbox_text(const Duban__Event *event, char *out, size_t out_len);

/* A reason is given: 0, or DBN_EINVAL with a message. */
int dbn_plan_change_check_reason(const char *reason, char *why, size_t why_len);

/* A due day a change may set: a real day, not before issued (the plan's
 * issue day; empty = no bound), and not ended by now. 0 or DBN_EINVAL. */
int dbn_plan_change_check_due(const char *due, const char *issued, int64_t now, char *why, size_t why_len);

/* The milestones of a new task: 1..DBN_PLAN_CHANGE_MAX_MILESTONES, each
 * with a due day dbn_plan_change_check_due accepts and no day twice. */
int dbn_plan_change_check_new_milestones(Duban__Milestone *const *milestones, size_t count,
                                         const char *issued, int64_t now, char *why, size_t why_len);

/* May change happen to task (read with its definition: milestones and
 * plan_issued) at now? Fills *index_p with the milestone it re-dates or
 * removes (unset for an addition). 0, or DBN_EINVAL / DBN_ENOTFOUND /
 * DBN_ESTATE with a message a person can act on. */
int dbn_plan_change_check_dates(const Duban__Task *task, const Duban__PlanChangeDates *change, int64_t now,
                                size_t *index_p, char *why, size_t why_len);

/* The index of the milestone change names (by number, by day, or, when
 * empty, the task's last due day: its deadline). DBN_ENOTFOUND otherwise. */
int dbn_plan_change_find_milestone(const Duban__Task *task, const char *which, size_t *index_p, char *why,
                                   size_t why_len);

/* The task's milestones once change (checked) is made, in due order: out
 * has room for task->n_milestones + 1 pointers and borrows the task's
 * milestones; fresh is the caller's storage for the re-dated or added
 * one, which borrows change's strings. */
void dbn_plan_change_milestones(const Duban__Task *task, const Duban__PlanChangeDates *change, size_t index,
                                Duban__Milestone *fresh, Duban__Milestone **out, size_t *count_p);

/* Does task_id lie in measure ("PLAN:S.M", or "S.M" in any plan)? */
bool dbn_plan_change_in_measure(const char *task_id, const char *measure);

/* The id of a new task in the measure whose tasks are ids (count >= 1, all
 * in one measure of one plan): "PLAN:S.M.N" with N one more than the
 * highest action number among them. DBN_ETOOBIG when out is too small,
 * DBN_EINVAL when count is 0. */
int dbn_plan_change_next_task_id(char *const *ids, size_t count, char *out, size_t out_len);

#endif
