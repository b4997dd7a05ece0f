/* figure.h: a progress figure against the task's targets.
 *
 * A department reports figures (`全市新能源批复规模=3300万千瓦`); each must
 * name one of its task's targets, by the target's name or by its number
 * (1, 2, ... as `duban task` lists them), in a unit of the target's
 * dimension (domain/quantity.h), and be a real, non-negative amount.
 * Anything else is refused with a message that lists the task's targets
 * and their units, so that the person can type it again right. The broker
 * checks with this before it writes; the CLI and the console print a
 * figure against its target with it. */
#ifndef DUBAN_FIGURE_H
#define DUBAN_FIGURE_H

#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "quantity.h"

/* The quantity a target sets (its value is in its unit of measure). */
int dbn_target_quantity(const Duban__Target *target, dbn_quantity_t *q, char *why, size_t why_len);

/* Check figure against task's targets (task must carry its definition:
 * dbn_store_task_get). On success *target_index_p is the target it
 * reports on and *base_milli_p its exact amount in thousandths of the base
 * unit. DBN_EINVAL with a message in why otherwise. */
int dbn_figure_check(const Duban__Task *task, const Duban__Figure *figure, size_t *target_index_p,
                     int64_t *base_milli_p, char *why, size_t why_len);

/* "3300万千瓦 / 5500万千瓦 (60%)" for a figure reported on target; just
 * the figure when target is NULL. */
void dbn_figure_format(const Duban__Figure *figure, const Duban__Target *target, char *out, size_t out_len);

/* The target of task that figure reports on (by name), or NULL. */
const Duban__Target *dbn_figure_target(const Duban__Task *task, const Duban__Figure *figure);

/* "1. 全市新能源批复规模 5500万千瓦; 2. 全市电力总装机 1亿千瓦" into out. */
void dbn_targets_describe(const Duban__Task *task, char *out, size_t out_len);

#endif
