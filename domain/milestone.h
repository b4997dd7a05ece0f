/* milestone.h: milestones met one by one (节点完成), once.
 *
 * A task's milestones are due days with the text each governs ("2023年底前
 * 建成…", "到2025年…"). A department reports one as met, with a note and the
 * figures it reached; a coordinator confirms it or sends it back, as for a
 * whole task. A confirmed milestone is met: its due day no longer makes the
 * task red or late (pace.h), the deadline monitor no longer warns about it,
 * and the task's overdue flag stays only while some other past-due
 * milestone is unmet. So a task due in 2023 and in 2025 whose 2023
 * milestone was confirmed is not overdue in 2024.
 *
 * The task view keeps the due days reported (awaiting a coordinator) and
 * met (confirmed); a milestone is named by its due day, so two milestones
 * of one task with the same day are met together. The broker checks a
 * request with dbn_milestone_check and the store applies the same answer;
 * pace.c, the monitor and the CLI read dbn_milestone_is_met. Pure. */
#ifndef DUBAN_MILESTONE_H
#define DUBAN_MILESTONE_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"

/* The milestone which names: its due day ("2023-12-31") or its number
 * counted from 1 ("1"), as `duban task` lists them. DBN_ENOTFOUND with a
 * message that lists the task's milestones otherwise. */
int dbn_milestone_find(const Duban__Task *task, const char *which, size_t *index_p, char *why,
                       size_t why_len);

/* A coordinator confirmed the milestone due on due as met. */
bool dbn_milestone_is_met(const Duban__Task *task, const char *due);

/* The department reported it met and no coordinator has answered yet. */
bool dbn_milestone_is_reported(const Duban__Task *task, const char *due);

/* May event (milestone_reported, _confirmed or _returned) happen to the
 * milestone due of task? A report needs one not met and not already
 * awaiting an answer; a confirmation or a return needs one awaiting it.
 * 0, or DBN_ESTATE with a message a person can act on (DBN_EINVAL for any
 * other event). The task's own state is lifecycle.h's. */
int dbn_milestone_check(const Duban__Task *task, Duban__Event__BodyCase event, const char *due, char *why,
                        size_t why_len);

/* The overdue flag a task has once its met milestones are counted: true
 * while some milestone it was warned red about ("DUE/red") is not met. */
bool dbn_milestone_overdue(const Duban__Task *task);

/* "已确认达成", "待确认", or "" for a milestone neither met nor reported. */
const char *dbn_milestone_state_zh(const Duban__Task *task, const char *due);

#endif
